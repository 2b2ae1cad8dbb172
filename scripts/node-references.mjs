#!/usr/bin/env node
// Node results on the bundled sample pairs, which browser tests must reproduce: elastix (as the
// CLI computes it) and, when a model exists, the CNN. Writes dist/node-references.json.
// Usage: node scripts/node-references.mjs [modelDir]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadCnnModel, shippedModelDir } from '../dist/src/node/cnn-model.js';
import { nodeElastixRunner } from '../dist/src/node/elastix-runner.js';
import { readImageFile } from '../dist/src/node/image-file.js';
import { prepareImage } from '../dist/src/methods/prepare.js';
import { DEFAULT_PASSES, registerCnn } from '../dist/src/methods/cnn.js';
import { compare } from '../dist/src/compare.js';
import { transformToJSON } from '../dist/src/transform/json.js';

const pairs = JSON.parse(readFileSync('samples/pairs.json', 'utf8'));
const load = async (name) => prepareImage(await readImageFile(join('samples', name)), name);

// elastix on the first (mono-modal) pair, default preset: what `xemreg register --method elastix` returns.
const [first] = pairs;
const [elastix] = await compare(await load(first.fixed), await load(first.moving), ['elastix'], { elastixRunner: nodeElastixRunner });
const references = { elastix: { fixed: first.fixed, moving: first.moving, transform: transformToJSON(elastix.transform) }, cnn: null };

const dir = process.argv[2] ?? shippedModelDir();
if (dir) {
  const cnn = await loadCnnModel(dir);
  const results = [];
  for (const pair of pairs) {
    const r = registerCnn(await load(pair.fixed), await load(pair.moving), cnn, { passes: DEFAULT_PASSES });
    results.push({ fixed: pair.fixed, moving: pair.moving, transform: transformToJSON(r.transform), confidence: r.details.confidence });
  }
  // Relative to the package root, which the browser tests' server serves.
  references.cnn = { model: relative(process.cwd(), dir), passes: DEFAULT_PASSES, results };
}
writeFileSync('dist/node-references.json', JSON.stringify(references, null, 2));
console.log(`node-references: elastix${dir ? ` and CNN (${dir})` : ''} results in dist/node-references.json`);
