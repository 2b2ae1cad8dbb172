#!/usr/bin/env node
// Node (wasm) CNN results on the bundled sample pairs, for the browser test that checks WebGL
// gives the same transforms. Writes dist/cnn-reference.json; writes nothing when no model exists.
// Usage: node scripts/cnn-reference.mjs [modelDir]
import { existsSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCnnModel, shippedModelDir } from '../dist/src/node/cnn-model.js';
import { readImageFile } from '../dist/src/node/image-file.js';
import { prepareImage } from '../dist/src/methods/prepare.js';
import { registerCnn } from '../dist/src/methods/cnn.js';
import { transformToJSON } from '../dist/src/transform/json.js';

const out = 'dist/cnn-reference.json';
rmSync(out, { force: true });
const dir = process.argv[2] ?? shippedModelDir() ?? (existsSync('models/xemreg-sim-v1/model.json') ? 'models/xemreg-sim-v1' : null);
if (!dir) {
  console.log('cnn-reference: no model in models/: browser CNN test has nothing to compare');
  process.exit(0);
}
const cnn = await loadCnnModel(dir);
const pairs = JSON.parse(readFileSync('samples/pairs.json', 'utf8'));
const results = [];
for (const pair of pairs) {
  const fixed = prepareImage(await readImageFile(join('samples', pair.fixed)), pair.fixed);
  const moving = prepareImage(await readImageFile(join('samples', pair.moving)), pair.moving);
  const r = registerCnn(fixed, moving, cnn, { passes: 3 });
  results.push({ fixed: pair.fixed, moving: pair.moving, transform: transformToJSON(r.transform), backend: r.backend });
}
writeFileSync(out, JSON.stringify({ model: dir, passes: 3, results }, null, 2));
console.log(`cnn-reference: ${results.length} Node results from ${dir} in ${out}`);
