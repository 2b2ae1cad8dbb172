// Browser bundles, built from tsc's output in dist/: the browser test files (one bundle each,
// for @web/test-runner), the app, and the HDF5 reader's worker (to dist/assets/hdf5). itk-wasm's
// worker and pipelines are not bundled: they are copied as-is to dist/assets/itk
// (scripts/copy-assets.mjs) and loaded at run time.
import { readdirSync } from 'node:fs';
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';

// itk-wasm packages import their package.json (for a version string): hence the json plugin.
const plugins = () => [nodeResolve({ browser: true, exportConditions: ['browser'] }), commonjs(), json()];
const quiet = (warning, warn) => {
  // Third-party ESM uses `this` at the top level and circular imports; neither matters here.
  if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
  warn(warning);
};

const testDir = 'dist/test/browser';
const tests = readdirSync(testDir).filter((f) => f.endsWith('.test.js'));

export default [
  {
    input: Object.fromEntries(tests.map((f) => [f.replace(/\.js$/, ''), `${testDir}/${f}`])),
    output: { dir: 'dist/browser-tests', format: 'es', sourcemap: true },
    plugins: plugins(),
    onwarn: quiet,
  },
  {
    input: { 'plain-vtk': 'dist/examples/plain-vtk/app.js' },
    output: { dir: 'dist/examples', format: 'es', sourcemap: true },
    plugins: plugins(),
    onwarn: quiet,
  },
  {
    input: { 'cnn-page': 'dist/bench/browser/cnn-page.js' },
    output: { dir: 'dist/bench', format: 'es', sourcemap: true },
    plugins: plugins(),
    onwarn: quiet,
  },
  {
    // The HDF5 reader's module worker, one file with h5wasm inside (served from dist/assets, unmodified).
    input: 'dist/src/browser/hdf5-worker.js',
    output: { file: 'dist/assets/hdf5/hdf5-worker.js', format: 'es', inlineDynamicImports: true },
    plugins: plugins(),
    onwarn: quiet,
  },
  {
    input: { app: 'dist/viewer/app.js' },
    output: { dir: 'dist/app', format: 'es', sourcemap: true },
    plugins: plugins(),
    onwarn: quiet,
  },
];
