// Browser tests: bundled test files (rollup → dist/browser-tests) in headless Chromium.
// Chromium comes from the system (Debian's package): /usr/bin/chromium or $CHROME_PATH.
import { existsSync, writeFileSync } from 'node:fs';
import { crossOriginIsolation, serveAssetsUnmodified } from './scripts/serve-assets.mjs';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';

const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}. Install it (Debian: apt-get install -y chromium) or set CHROME_PATH.`);
  process.exit(2);
}

/** Counts every test of the run into dist/browser-summary.json for the combined summary line. */
function summaryReporter() {
  const count = (suite, acc) => {
    for (const t of suite?.tests ?? []) {
      if (t.skipped) acc.skipped++;
      else if (t.passed) acc.passed++;
      else acc.failed++;
    }
    for (const s of suite?.suites ?? []) count(s, acc);
    return acc;
  };
  return {
    onTestRunFinished({ sessions }) {
      const acc = { passed: 0, failed: 0, skipped: 0, errors: 0 };
      for (const session of sessions) {
        count(session.testResults, acc);
        // A file that failed to load or threw outside a test counts as one failure.
        if (!session.passed && (session.errors?.length ?? 0) > 0) acc.errors += 1;
      }
      writeFileSync('dist/browser-summary.json', JSON.stringify(acc));
    },
  };
}

export default {
  files: 'dist/browser-tests/*.test.js',
  rootDir: '.',
  nodeResolve: false,
  // Served as the app is (npm start): cross-origin isolated.
  middleware: [crossOriginIsolation(), serveAssetsUnmodified('dist/assets')],
  concurrency: 1,
  testsFinishTimeout: 10 * 60 * 1000,
  testFramework: { config: { timeout: 120000 } },
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      },
    }),
  ],
  reporters: [defaultReporter(), summaryReporter()],
};
