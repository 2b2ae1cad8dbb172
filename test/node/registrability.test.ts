import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localRegistrability, offsetStart, REGISTRABILITY_OFFSET } from '../../src/bench/registrability.js';
import { normalisedCornerError, NORMALISED_SUCCESS } from '../../src/cnn/evaluate.js';
import { createFloatImage, type Image } from '../../src/image/image.js';
import { nodeElastixRunner } from '../../src/node/elastix-runner.js';
import { Rng } from '../../src/synthetic/random.js';
import { similarity } from '../../src/transform/transform.js';
import { blobs, warp } from './helpers.js';

/** An image on the normalised frame [−1, 1]², as the synthetic generator makes them. */
function normalised(image: Image): Image {
  const n = image.size[0];
  return createFloatImage([n, n], image.data as Float32Array, { spacing: [2 / (n - 1), 2 / (n - 1)], origin: [-1, -1] });
}

describe('local registrability (elastix from an offset truth)', () => {
  const truth = { rotationDeg: 20, scale: 1.1, tx: 0.1, ty: -0.05 };
  const fixed = normalised(blobs(128, 128, 3, 60));
  const moving = warp(fixed, similarity({ rotationDeg: truth.rotationDeg, scale: truth.scale, translation: [truth.tx, truth.ty] }));

  it('offsets the start by 1.5–3 success tolerances, signs drawn from the seed', () => {
    const a = offsetStart(truth, new Rng(5));
    assert.deepEqual(a, offsetStart(truth, new Rng(5)));
    assert.equal(Math.abs(a.rotationDeg - truth.rotationDeg), REGISTRABILITY_OFFSET.rotationDeg);
    const error = normalisedCornerError(truth, a);
    assert.ok(error > 1.4 * NORMALISED_SUCCESS && error < 3.5 * NORMALISED_SUCCESS, `start error ${error}`);
  });

  it('a pair with shared structure comes back to the truth', async () => {
    const r = await localRegistrability(fixed, moving, truth, nodeElastixRunner, new Rng(1));
    assert.ok(r.returns, `end error ${r.endError} from ${r.startError}`);
    assert.ok(r.endError < r.startError / 4, `end error ${r.endError} from ${r.startError}`);
  });

  it('unrelated images or a flat one do not', async () => {
    const unrelated = normalised(blobs(128, 128, 11, 60));
    const a = await localRegistrability(fixed, unrelated, truth, nodeElastixRunner, new Rng(1));
    assert.equal(a.returns, false, `unrelated: end error ${a.endError}`);
    const flat = normalised(createFloatImage([128, 128], new Float32Array(128 * 128).fill(0.5)));
    const b = await localRegistrability(fixed, flat, truth, nodeElastixRunner, new Rng(1));
    assert.equal(b.returns, false, `flat: end error ${b.endError}`);
  });
});
