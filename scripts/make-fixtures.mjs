#!/usr/bin/env node
// Regenerates test/fixtures from the project's source data (MIT-licensed files only; see
// test/fixtures/README.md). Usage: node scripts/make-fixtures.mjs [--data ../shared/data]
// Needs `npm run build` first. Not run by install or tests: the fixtures are committed.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Image, ImageType } from 'itk-wasm';
import { readImageFile, writeImageFile } from '../dist/src/node/image-file.js';

const args = process.argv.slice(2);
const data = args.includes('--data') ? args[args.indexOf('--data') + 1] : '../shared/data';
const out = 'test/fixtures';
await mkdir(out, { recursive: true });

/** Crop a 2-D scalar image (any pixel type) without changing its values. */
function crop(image, x0, y0, w, h) {
  const [W] = image.size;
  const Ctor = image.data.constructor;
  const data = new Ctor(w * h);
  for (let j = 0; j < h; j++) data.set(image.data.subarray((y0 + j) * W + x0, (y0 + j) * W + x0 + w), j * w);
  const c = new Image(new ImageType(2, image.imageType.componentType, 'Scalar', 1));
  c.size = [w, h];
  c.spacing = [...image.spacing];
  c.origin = [0, 0];
  c.direction = new Float64Array([1, 0, 0, 1]);
  c.data = data;
  return c;
}

// DeepCLEM section 6: EM and chromatin fluorescence of the same region, co-registered by the authors.
for (const kind of ['em', 'fm']) {
  const image = await readImageFile(join(data, 'clem', `deepclem_s6_${kind}.png`));
  await writeImageFile(crop(image, 180, 330, 512, 512), join(out, `deepclem_s6_${kind}_crop512.png`));
}
for (const element of ['Fe', 'S']) {
  await copyFile(join(data, 'xray', `hxn_xrf_${element}_K.tiff`), join(out, `hxn_xrf_${element}_K.tiff`));
}
console.error(`fixtures written to ${out}`);
