#!/usr/bin/env node
// Copies the itk-wasm web worker and the pipelines the browser code loads (image IO, elastix)
// into dist/assets/itk, and tfjs's wasm binaries into dist/assets/tfjs, so that pages and tests
// load them from our own server, never a CDN.
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const target = 'dist/assets/itk';
const packageDir = (name) => {
  // Packages restrict their exports; resolve the package.json through the main entry's folder.
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(name.split('/').pop())) dir = dirname(dir);
  return dir;
};

await rm(target, { recursive: true, force: true });
await rm('dist/assets/tfjs', { recursive: true, force: true });
await mkdir(target, { recursive: true });
await cp(
  join(packageDir('itk-wasm'), 'dist/pipeline/web-workers/bundles/itk-wasm-pipeline.min.worker.js'),
  join(target, 'itk-wasm-pipeline.min.worker.js'),
);
// tfjs wasm backend binaries (setWasmPaths points the page here).
await mkdir('dist/assets/tfjs', { recursive: true });
const tfjsWasm = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
for (const file of await readdir(tfjsWasm)) {
  if (file.endsWith('.wasm')) await cp(join(tfjsWasm, file), join('dist/assets/tfjs', file));
}
for (const [pkg, name] of [
  ['@itk-wasm/image-io', 'image-io'],
  ['@itk-wasm/elastix', 'elastix'],
]) {
  const from = join(packageDir(pkg), 'dist/pipelines');
  await mkdir(join(target, name), { recursive: true });
  // The worker loads `<name>.js` and `<name>.wasm.zst`; the .umd.js and raw .wasm files are not needed.
  for (const file of await readdir(from)) {
    if ((file.endsWith('.js') && !file.endsWith('.umd.js')) || file.endsWith('.wasm.zst')) {
      await cp(join(from, file), join(target, name, file));
    }
  }
}
