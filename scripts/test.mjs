#!/usr/bin/env node
// `npm test`: typecheck and build, Node tests (node:test), browser tests (@web/test-runner in
// headless Chromium), then one closing line counting both: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { finished } from 'node:stream/promises';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const step = (title) => console.log(`\n── ${title} ──`);

step('typecheck and build');
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('\nbuild: 0 passed, 1 failed');
  process.exit(1);
}

step('Node tests');
const dir = 'dist/test/node';
const files = readdirSync(dir).filter((f) => f.endsWith('.test.js')).map((f) => join(dir, f));
let nodePassed = 0;
let nodeFailed = 0;
const stream = run({ files, concurrency: 1 });
// Suites are not tests. A file that fails outside any test reports one failure of its own.
stream.on('test:pass', (e) => {
  if (e.details?.type !== 'suite') nodePassed++;
});
stream.on('test:fail', (e) => {
  if (e.details?.type !== 'suite') nodeFailed++;
});
const reporter = stream.compose(spec);
reporter.pipe(process.stdout, { end: false });
await finished(reporter);

step('browser tests (headless Chromium)');
// Node's results on the samples (elastix, and the CNN when a model exists), which browser tests must reproduce.
spawnSync(process.execPath, ['scripts/node-references.mjs'], { stdio: 'inherit' });
const summaryFile = 'dist/browser-summary.json';
rmSync(summaryFile, { force: true });
const wtr = spawnSync(npx, ['wtr', '--config', 'web-test-runner.config.mjs'], { stdio: 'inherit' });
let browser = { passed: 0, failed: 1, errors: 0 };
if (existsSync(summaryFile)) browser = JSON.parse(readFileSync(summaryFile, 'utf8'));
else console.log(`browser tests did not report (exit ${wtr.status}); counted as one failure`);
const browserFailed = browser.failed + browser.errors + (wtr.status !== 0 && browser.failed + browser.errors === 0 ? 1 : 0);

const passed = nodePassed + browser.passed;
const failed = nodeFailed + browserFailed;
console.log(`\nNode: ${nodePassed} passed, ${nodeFailed} failed; browser: ${browser.passed} passed, ${browserFailed} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
