#!/usr/bin/env node
// `npm run screenshot`: starts the app, registers the first sample pair in headless Chromium
// (Playwright, system Chromium) and saves screenshots/app.png plus one PNG per blend mode
// (screenshots/app-<mode>.png). Options: --out DIR.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'screenshots';
const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}: apt-get install -y chromium, or set CHROME_PATH.`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const port = 8000 + Math.floor(Math.random() * 900);
const server = spawn(process.execPath, ['scripts/serve.mjs', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  server.stdout.on('data', (chunk) => {
    const m = /(http:\/\/\S+)/.exec(String(chunk));
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
  await page.click('xem-registration-panel #run');
  await page.waitForSelector('xem-registration-panel tbody tr', { timeout: 120000 });
  await page.waitForTimeout(500);
  const file = `${outDir}/app.png`;
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${file}`);
  for (const button of await page.$$('#modes button')) {
    const mode = await button.getAttribute('data-mode');
    await button.click();
    await page.waitForTimeout(400);
    const shot = `${outDir}/app-${mode}.png`;
    await page.locator('xem-viewer').screenshot({ path: shot });
    console.log(`saved ${shot}`);
  }
} finally {
  await browser.close();
  server.kill();
}
