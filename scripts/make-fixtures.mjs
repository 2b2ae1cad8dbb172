#!/usr/bin/env node
// Regenerates samples from the project's source data (MIT-licensed files only; see
// samples/README.md). Usage: node scripts/make-fixtures.mjs [--data ../shared/data]
// Needs `npm run build` first. Not run by install or tests: the fixtures are committed.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Image, ImageType } from 'itk-wasm';
import { readImageFile, writeImageFile } from '../dist/src/node/image-file.js';

const args = process.argv.slice(2);
const data = args.includes('--data') ? args[args.indexOf('--data') + 1] : '../shared/data';
const out = 'samples';
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
for (const element of ['Fe', 'S', 'P']) {
  await copyFile(join(data, 'xray', `hxn_xrf_${element}_K.tiff`), join(out, `hxn_xrf_${element}_K.tiff`));
}
console.error(`fixtures written to ${out}`);

// Demo pairs: a moving image made from a co-registered partner by a known transform, so the app
// (and anyone) can compare a registration with the truth. Truth maps fixed → moving (CONVENTIONS.md).
const { prepareImage } = await import('../dist/src/methods/prepare.js');
const { resample } = await import('../dist/src/resample.js');
const { castToInteger } = await import('../dist/src/image/cast.js');
const { similarity, invertTransform } = await import('../dist/src/transform/transform.js');
const { transformToJSON } = await import('../dist/src/transform/json.js');
const { gridCenter, gridOf } = await import('../dist/src/image/image.js');
const { writeFile } = await import('node:fs/promises');

const pairs = [
  { name: 'TEM vs TEM (mono-modal)', fixed: 'deepclem_s6_em_crop512.png', partner: 'deepclem_s6_em_crop512.png', moving: 'deepclem_s6_em_moved.png', truth: { rotationDeg: 8, scale: 1.07, translation: [10, -6] }, integer: 'uint8' },
  { name: 'TEM vs chromatin fluorescence (multi-modal)', fixed: 'deepclem_s6_em_crop512.png', partner: 'deepclem_s6_fm_crop512.png', moving: 'deepclem_s6_fm_moved.png', truth: { rotationDeg: 10, scale: 1.08, translation: [12, -8] }, integer: 'uint8' },
  { name: 'XRF Fe vs XRF P (NSLS-II HXN)', fixed: 'hxn_xrf_Fe_K.tiff', partner: 'hxn_xrf_P_K.tiff', moving: 'hxn_xrf_P_K_moved.tiff', truth: { rotationDeg: -6, scale: 0.95, translation: [4, 3] }, integer: null },
];
const manifest = [];
for (const pair of pairs) {
  const fixed = prepareImage(await readImageFile(join(out, pair.fixed)), pair.fixed);
  const partner = prepareImage(await readImageFile(join(out, pair.partner)), pair.partner);
  const truth = similarity({ ...pair.truth, center: gridCenter(gridOf(fixed)) });
  const moved = resample(partner, fixed, invertTransform(truth));
  await writeImageFile(pair.integer ? castToInteger(moved, pair.integer) : moved, join(out, pair.moving));
  manifest.push({ name: pair.name, fixed: pair.fixed, moving: pair.moving, truth: transformToJSON(truth) });
}
await writeFile(join(out, 'pairs.json'), JSON.stringify(manifest, null, 2) + '\n');
