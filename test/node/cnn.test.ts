import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { normalisedCornerError } from '../../src/cnn/evaluate.js';
import { frameOf, toModelInput, toNormalised, toPhysical } from '../../src/cnn/model-frame.js';
import { buildModel, cornerLoss, decodeOutput, encodeTarget } from '../../src/cnn/model.js';
import { registerWasmGradientKernels } from '../../src/cnn/wasm-gradient-kernels.js';
import { createFloatImage, gridOf, type Grid } from '../../src/image/image.js';
import { cnnModel, registerCnn } from '../../src/methods/cnn.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { ncc } from '../../src/metrics/similarity-metrics.js';
import { readImageFile } from '../../src/node/image-file.js';
import { makeBatch } from '../../src/synthetic/batches.js';
import { FULL_RANGE } from '../../src/synthetic/pairs.js';
import { resampleWithMask } from '../../src/resample.js';
import { fixture, similarityAbout, warp } from './helpers.js';

describe('wasm training kernels', () => {
  it('conv2d gradients (filter and input) equal the cpu backend', async () => {
    registerWasmGradientKernels();
    const cases: [number[], number[], number, 'same' | 'valid'][] = [
      [[2, 17, 19, 3], [3, 3, 3, 5], 1, 'same'],
      [[2, 17, 19, 3], [3, 3, 3, 5], 2, 'same'],
      [[1, 32, 32, 4], [5, 5, 4, 6], 2, 'valid'],
      [[2, 16, 16, 2], [4, 4, 2, 3], 2, 'same'],
      [[1, 9, 10, 2], [3, 3, 2, 2], 3, 'same'],
    ];
    const run = () =>
      cases.map(([xs, fs, stride, pad]) =>
        tf.tidy(() => {
          const x = tf.tensor4d(Float32Array.from({ length: xs.reduce((a, b) => a * b) }, (_, k) => Math.sin(k * 0.37)), xs as [number, number, number, number]);
          const w = tf.tensor4d(Float32Array.from({ length: fs.reduce((a, b) => a * b) }, (_, k) => Math.cos(k * 0.11)), fs as [number, number, number, number]);
          const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad).square().sum())([x, w]);
          return [Array.from(gx.dataSync()), Array.from(gw.dataSync())];
        }),
      );
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = run();
    assert.equal(tf.memory().numTensors, before, 'the kernels leak no tensors');
    cpu.forEach((pair, i) =>
      pair.forEach((values, j) => {
        const worst = Math.max(...values.map((v, k) => Math.abs(v - wasm[i][j][k]) / (1 + Math.abs(v))));
        assert.ok(worst < 5e-5, `case ${i} ${j ? 'filter' : 'input'} gradient: relative error ${worst}`);
      }),
    );
  });
});

describe('training step', () => {
  it('the correlation layer has finite gradients when a whole row is rectified to zero', async () => {
    const { Correlation } = await import('../../src/cnn/correlation-layer.js');
    await tf.setBackend('wasm');
    const layer = new Correlation({});
    // Every fixed feature points opposite to every moving feature: all dot products < 0, rows all zero.
    const a = tf.ones([1, 2, 2, 3]);
    const b = tf.neg(tf.ones([1, 2, 2, 3]));
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(layer.call([x, y]) as tf.Tensor))([a, b]);
    assert.ok(Array.from(ga.dataSync()).every(Number.isFinite) && Array.from(gb.dataSync()).every(Number.isFinite));
    tf.dispose([a, b, ga, gb]);
  });

  it('updates every layer with finite values', async () => {
    await tf.setBackend('wasm');
    const model = buildModel();
    const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const snapshot = () => variables.map((v) => v.dataSync().slice());
    const before = snapshot();
    const optimizer = tf.train.adam(1e-3);
    const inputs = [tf.randomUniform([2, 128, 128, 1], 0, 1, 'float32', 4), tf.randomUniform([2, 128, 128, 1], 0, 1, 'float32', 5)];
    const y = tf.tensor2d([1.1, 0.2, 0.1, -0.1, 0.9, -0.3, 0, 0.2], [2, 4]);
    for (let i = 0; i < 3; i++) optimizer.minimize(() => cornerLoss(y, model.apply(inputs, { training: true }) as tf.Tensor), false, variables);
    const after = snapshot();
    variables.forEach((v, i) => {
      assert.ok(after[i].every(Number.isFinite), `${v.name} has non-finite values`);
      assert.ok(after[i].some((x, k) => x !== before[i][k]), `${v.name} did not change`);
    });
    tf.dispose([...inputs, y]);
  });
});

describe('model frames', () => {
  it('normalised ↔ physical round trip, with spacing and different fields of view', () => {
    const fixed: Grid = { size: [300, 200], spacing: [0.5, 0.5], origin: [10, 20], direction: [1, 0, 0, 1] };
    const moving: Grid = { size: [128, 128], spacing: [2, 2], origin: [-5, 0], direction: [1, 0, 0, 1] };
    const p = { rotationDeg: 37, scale: 1.3, tx: 0.2, ty: -0.1 };
    const t = toPhysical(p, frameOf(fixed), frameOf(moving));
    const back = toNormalised(t.matrix, frameOf(fixed), frameOf(moving));
    assert.ok(normalisedCornerError(p, back) < 1e-9);
  });

  it('the moving model input warped by the normalised truth matches the fixed one', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const truth = similarityAbout(em, { rotationDeg: 25, scale: 1.2, translation: [20, -10] });
    const coarse: Grid = { size: [256, 256], spacing: [2, 2], origin: [0.5, 0.5], direction: [1, 0, 0, 1] };
    const moving = warp(em, truth, coarse);
    const n = 128;
    const f = toModelInput(em, n);
    const m = toModelInput(moving, n);
    const p = toNormalised(truth.matrix, f.frame, m.frame);
    const grid: Grid = { size: [n, n], spacing: [2 / (n - 1), 2 / (n - 1)], origin: [-1, -1], direction: [1, 0, 0, 1] };
    const movingImage = createFloatImage([n, n], m.data, grid);
    const { image, mask } = resampleWithMask(movingImage, grid, toPhysical(p, { center: [0, 0], halfSide: 1, direction: [1, 0, 0, 1] }, { center: [0, 0], halfSide: 1, direction: [1, 0, 0, 1] }));
    const score = ncc(createFloatImage([n, n], f.data, grid), image, mask);
    assert.ok(score > 0.9, `NCC ${score}`);
  });
});

describe('synthetic pairs', () => {
  it('are reproducible from (seed, index) and cover the documented range', () => {
    const options = { size: 64, fineFraction: 0 };
    const a = makeBatch(5, 3, 8, options);
    const b = makeBatch(5, 3, 8, options);
    assert.deepEqual(a.targets, b.targets);
    assert.deepEqual(a.moving, b.moving);
    assert.notDeepEqual(makeBatch(5, 4, 8, options).targets, a.targets);
    for (let i = 0; i < 8; i++) {
      const t = decodeOutput(a.targets.subarray(4 * i, 4 * i + 4));
      assert.ok(Math.abs(t.rotationDeg) <= FULL_RANGE.maxRotationDeg + 1e-9);
      assert.ok(t.scale >= FULL_RANGE.minScale - 1e-9 && t.scale <= FULL_RANGE.maxScale + 1e-9);
      assert.ok(Math.abs(t.tx) <= FULL_RANGE.maxShift && Math.abs(t.ty) <= FULL_RANGE.maxShift);
    }
    assert.ok(a.fixed.every((v) => v >= 0 && v <= 1));
  });

  it('the corner loss is the mean corner distance', () => {
    const truth = { rotationDeg: 30, scale: 1.1, tx: 0.1, ty: 0 };
    const estimate = { rotationDeg: 32, scale: 1.05, tx: 0.12, ty: -0.03 };
    const loss = tf.tidy(() => cornerLoss(tf.tensor2d([encodeTarget(truth)]), tf.tensor2d([encodeTarget(estimate)])).dataSync()[0]);
    // The loss is the RMS over corners, the metric the mean: close, the loss never below.
    const metric = normalisedCornerError(truth, estimate);
    assert.ok(loss >= metric - 1e-6 && loss < metric * 1.2, `${loss} vs ${metric}`);
  });
});

describe('CNN inference', () => {
  before(async () => {
    await tf.setBackend('wasm');
  });

  it('returns a finite physical similarity and leaks no tensors over 100 registrations', async () => {
    const cnn = cnnModel(buildModel(), 'untrained');
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const xrf = prepareImage(await readImageFile(fixture('hxn_xrf_Fe_K.tiff')), 'xrf');
    const first = registerCnn(em, xrf, cnn);
    assert.equal(first.method, 'cnn');
    assert.equal(first.backend, 'wasm');
    assert.ok(first.transform.matrix.flat().every(Number.isFinite));
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) registerCnn(em, xrf, cnn, { passes: 1 });
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(gridOf(em).size[0], 512, 'inputs untouched');
  });
});

describe('compare with a model: cnn, elastix, hybrid', () => {
  it('runs all three in order; the hybrid refines the CNN estimate and says what it kept', async () => {
    const { compare } = await import('../../src/compare.js');
    const { nodeElastixRunner } = await import('../../src/node/elastix-runner.js');
    const { cornerError } = await import('../../src/metrics/corner-error.js');
    await tf.setBackend('wasm');
    // An untrained network predicts the identity: the hybrid must then equal a short elastix run.
    const cnn = cnnModel(buildModel(), 'untrained');
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const truth = similarityAbout(em, { rotationDeg: 3, scale: 1.02, translation: [4, -3] });
    const results = await compare(em, warp(em, truth), ['hybrid', 'cnn', 'elastix'], { elastixRunner: nodeElastixRunner, cnn });
    assert.deepEqual(results.map((r) => r.method), ['cnn', 'elastix', 'hybrid']);
    const hybrid = results[2];
    assert.equal(hybrid.details.kept, 'elastix');
    assert.ok(cornerError(truth, hybrid.transform, gridOf(em)) < 0.5);
    assert.ok(hybrid.registrationMs >= results[0].registrationMs);
  });
});
