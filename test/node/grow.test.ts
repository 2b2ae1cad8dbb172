import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { growModel } from '../../src/cnn/grow.js';
import { buildModel, modelAtSize, modelConfigOf } from '../../src/cnn/model.js';
import { cnnModel } from '../../src/methods/cnn.js';

/** Largest absolute difference between two models' feature maps on the same inputs, and the features' scale. */
function featureDifference(a: tf.LayersModel, b: tf.LayersModel, seed: number): { diff: number; scale: number } {
  return tf.tidy(() => {
    const size = Number(a.inputs[0].shape[1]);
    const fixed = tf.randomUniform([2, size, size, 1], 0, 1, 'float32', seed);
    const moving = tf.randomUniform([2, size, size, 1], 0, 1, 'float32', seed + 1);
    const fa = a.predict([fixed, moving]) as tf.Tensor[];
    const fb = b.predict([fixed, moving]) as tf.Tensor[];
    const diff = Math.max(...fa.map((t, i) => tf.max(tf.abs(tf.sub(t, fb[i]))).dataSync()[0]));
    const scale = Math.max(...fa.map((t) => tf.max(tf.abs(t)).dataSync()[0]));
    return { diff, scale };
  });
}

describe('growing a trained network (grow.ts)', () => {
  before(async () => {
    await tf.setBackend('wasm');
  });

  it('widens the last stage and adds context convolutions without changing the features', () => {
    const parent = buildModel({ size: 64, encoder: [8, 12, 16], features: 10 });
    // Biases start at zero; random ones make sure copies carry them too.
    tf.tidy(() => {
      for (const layer of parent.layers) {
        const weights = layer.getWeights();
        if (weights.length === 2) layer.setWeights([weights[0], tf.randomNormal(weights[1].shape, 0, 0.1, 'float32', 7)]);
      }
    });
    const grown = growModel(parent, { width: 40, context: 2, noise: 0 });
    assert.deepEqual(modelConfigOf(grown), { size: 64, encoder: [8, 12, 40], features: 10, context: 2 });
    assert.deepEqual(modelConfigOf(parent), { size: 64, encoder: [8, 12, 16], features: 10 }, 'the parent is untouched');
    assert.deepEqual(grown.getLayer('moving_conv2').getWeights()[0].shape, [3, 3, 40, 40]);
    assert.deepEqual(grown.getLayer('fixed_features').getWeights()[0].shape, [3, 3, 40, 10]);
    const same = featureDifference(parent, grown, 3);
    assert.ok(same.scale > 0.1, `features are not trivially zero (max ${same.scale})`);
    assert.ok(same.diff < 1e-4 * same.scale, `grown without noise: the same features (max difference ${same.diff} of ${same.scale})`);

    // Growing again keeps the existing context convolutions and widens through them.
    const again = growModel(grown, { width: 48, context: 3, noise: 0 });
    assert.deepEqual(modelConfigOf(again), { size: 64, encoder: [8, 12, 48], features: 10, context: 3 });
    const still = featureDifference(parent, again, 5);
    assert.ok(still.diff < 1e-4 * still.scale, `grown twice: the same features (max difference ${still.diff})`);

    // The copies' noise makes them differ from their originals, by a little.
    const noisy = growModel(parent, { width: 40, context: 2, noise: 0.02 });
    const near = featureDifference(parent, noisy, 3);
    assert.ok(near.diff > 1e-4 * near.scale, 'the noise reaches the features');
    assert.ok(near.diff < 0.1 * near.scale, `but only a little (max difference ${near.diff} of ${near.scale})`);
    const k = noisy.getLayer('fixed_down2').getWeights()[0].arraySync() as number[][][][];
    assert.equal(k[1][1][0][16 + 3] === k[1][1][0][3], false, 'a copy is not its original');
    for (const m of [parent, grown, again, noisy]) m.dispose();
  });

  it('refuses to narrow the last stage or drop context convolutions', () => {
    const parent = buildModel({ size: 32, encoder: [4, 8], features: 6, context: 1 });
    assert.throws(() => growModel(parent, { width: 6, context: 1 }), /width 6 must be an integer ≥ the last stage's 8/);
    assert.throws(() => growModel(parent, { width: 8, context: 0 }), /context 0 must be an integer ≥ the model's 1/);
  });

  it('runs the same encoders at another input side, sharing their weights (modelAtSize)', () => {
    const model = buildModel({ size: 32, encoder: [4, 8], features: 6, context: 1 });
    const wide = modelAtSize(model, 64);
    assert.equal(Number(wide.inputs[0].shape[1]), 64);
    assert.equal(modelConfigOf(model).size, 32, 'the model keeps its side');
    const features = () =>
      tf.tidy(() => {
        const fixed = tf.randomUniform([1, 64, 64, 1], 0, 1, 'float32', 11);
        const moving = tf.randomUniform([1, 64, 64, 1], 0, 1, 'float32', 12);
        const [ff, fm] = wide.predict([fixed, moving]) as tf.Tensor[];
        const encoders = cnnModel(model, 'test').encoders;
        const ef = encoders[0].predict(fixed) as tf.Tensor;
        const em = encoders[1].predict(moving) as tf.Tensor;
        assert.deepEqual(ff.shape, [1, 16, 16, 6], 'two stages: a quarter of 64');
        return { wide: [ff.arraySync(), fm.arraySync()], any: [ef.arraySync(), em.arraySync()] };
      });
    const before = features();
    assert.deepEqual(before.wide, before.any, "the inference encoders' features at 64");
    // A change to the model's weights is a change to the wide model's: they are the same variables.
    tf.tidy(() => {
      const layer = model.getLayer('moving_features');
      const [kernel, bias] = layer.getWeights();
      layer.setWeights([kernel, tf.add(bias, 1)]);
    });
    const after = features();
    assert.deepEqual(after.wide, after.any);
    assert.deepEqual(after.wide[0], before.wide[0], 'the fixed encoder is untouched');
    assert.notDeepEqual(after.wide[1], before.wide[1], 'the moving encoder follows its model');
    model.dispose();
  });
});
