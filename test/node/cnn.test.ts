import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { NORMALISED_SUCCESS, normalisedCornerError, overlapShare } from '../../src/cnn/evaluate.js';
import { frameOf, toModelInput, toNormalised, toPhysical } from '../../src/cnn/model-frame.js';
import { buildModel, cornerLoss, decodeOutput, encodeTarget, trainingLoss } from '../../src/cnn/model.js';
import { cellCentres, cellValidity, matchAndFit, matchingLoss, matchScores } from '../../src/cnn/matching.js';
import { correlate } from '../../src/cnn/correlation.js';
import { Rng } from '../../src/synthetic/random.js';
import { determinant } from '../../src/transform/matrix.js';
import { registerWasmGradientKernels } from '../../src/cnn/wasm-gradient-kernels.js';
import { createFloatImage, gridOf, indexToPhysical, type Grid, type Image } from '../../src/image/image.js';
import { BOTH_WAYS_PASSES, cnnModel, registerCnn, RETRY_BELOW, RETRY_STARTS, SKIP_SWAPPED_INLIERS, startsOf, STOP_STEP } from '../../src/methods/cnn.js';
import { HYBRID_CNN_SEARCH, SEARCH_REFINED } from '../../src/methods/hybrid.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { ncc } from '../../src/metrics/similarity-metrics.js';
import { cornerError, isSuccess } from '../../src/metrics/corner-error.js';
import { loadCnnModel, MODELS_DIR, shippedModelDir } from '../../src/node/cnn-model.js';
import { modelConfigOf } from '../../src/cnn/model.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImageFile } from '../../src/node/image-file.js';
import { makeBatch } from '../../src/synthetic/batches.js';
import { normalisedImage, viewInputs } from '../../src/synthetic/views.js';
import { loadRealSources } from '../../src/node/real-sources.js';
import { MIN_CNR, renderField, SPARSE_XRAY_SHARE, visibleCounts } from '../../src/synthetic/modalities.js';
import { proceduralWorld } from '../../src/synthetic/world.js';
import { FULL_RANGE } from '../../src/synthetic/pairs.js';
import { resample, resampleWithMask } from '../../src/resample.js';
import type { Matrix2x3 } from '../../src/transform/matrix.js';
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
      // The model's own shapes: even inputs, stride 2, 'same' (no crop, trailing zeros as padding).
      [[2, 16, 16, 3], [3, 3, 3, 4], 2, 'same'],
      [[1, 64, 64, 1], [5, 5, 1, 2], 2, 'same'],
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

describe('correlation products', () => {
  it('per-pair and shared-fixed products and their gradients equal batched matMul on the cpu backend', async () => {
    const seq = (shape: number[], f: number) => tf.tensor3d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, k) => Math.sin(k * f)), shape as [number, number, number]);
    // A loss that weighs every output differently, so that a transposed or misplaced entry shows.
    const loss = (y: tf.Tensor) => tf.sum(tf.mul(tf.square(y), seq(y.shape, 0.013)));
    const run = (mine: boolean) =>
      [1, 3].map((b) =>
        tf.tidy(() => {
          const fixed = seq([b, 7, 5], 0.37);
          const moving = seq([3, 6, 5], 0.11);
          const f = (x: tf.Tensor, y: tf.Tensor) => loss(mine ? correlate(x as tf.Tensor3D, y as tf.Tensor3D) : tf.matMul(tf.tile(x, [3 / b, 1, 1]), y, false, true));
          const value = f(fixed, moving).dataSync()[0];
          const [gf, gm] = tf.grads(f)([fixed, moving]);
          return [[value], Array.from(gf.dataSync()), Array.from(gm.dataSync())];
        }),
      );
    await tf.setBackend('cpu');
    const reference = run(false);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = run(true);
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    reference.forEach((parts, b) =>
      parts.forEach((values, j) => {
        assert.equal(wasm[b][j].length, values.length);
        const worst = Math.max(...values.map((v, k) => Math.abs(v - wasm[b][j][k]) / (1 + Math.abs(v))));
        assert.ok(worst < 1e-5, `fixed batch ${b === 0 ? 1 : 3}, ${['value', 'fixed gradient', 'moving gradient'][j]}: relative error ${worst}`);
      }),
    );
  });
});

describe('matching and fitting', () => {
  // Features that are a smooth, position-coding function of the specimen: the moving map sees
  // the same function through the inverse transform, so an exact matcher recovers the transform.
  function featurePair(truth: { rotationDeg: number; scale: number; tx: number; ty: number }, h = 16, c = 48) {
    const rng = new Rng(3);
    const waves = Array.from({ length: c }, () => [rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(0, 2 * Math.PI)]);
    const phi = (x: number, y: number) => waves.map(([a, b, p]) => Math.sin(a * x + b * y + p));
    const centres = tf.tidy(() => cellCentres(128, h).arraySync());
    const [a, b, tx, ty] = encodeTarget(truth);
    const det = a * a + b * b;
    const inverse = (x: number, y: number) => [(a * (x - tx) + b * (y - ty)) / det, (-b * (x - tx) + a * (y - ty)) / det] as const;
    return {
      fixed: tf.tensor4d(centres.flatMap(([x, y]) => phi(x, y)), [1, h, h, c]),
      moving: tf.tensor4d(centres.flatMap(([x, y]) => phi(...inverse(x, y))), [1, h, h, c]),
    };
  }

  it('recovers a similarity from features of a known transform, with partial overlap', async () => {
    await tf.setBackend('wasm');
    for (const truth of [
      { rotationDeg: 0, scale: 1, tx: 0, ty: 0 },
      { rotationDeg: 20, scale: 1.15, tx: 0.2, ty: -0.25 },
      { rotationDeg: -35, scale: 0.8, tx: -0.3, ty: 0.1 },
    ]) {
      const row = tf.tidy(() => {
        const { fixed, moving } = featurePair(truth);
        return matchAndFit(fixed, moving, 128).params;
      });
      const estimate = decodeOutput(row.dataSync());
      row.dispose();
      const error = normalisedCornerError(truth, estimate);
      assert.ok(error < NORMALISED_SUCCESS / 2, `${JSON.stringify(truth)} → ${JSON.stringify(estimate)}: ${error}`);
    }
  });

  it('one fixed map against a batch of moving maps fits as the same fixed map repeated per pair does', async () => {
    await tf.setBackend('wasm');
    const truths = [
      { rotationDeg: 0, scale: 1, tx: 0, ty: 0 },
      { rotationDeg: 20, scale: 1.15, tx: 0.2, ty: -0.25 },
      { rotationDeg: -35, scale: 0.8, tx: -0.3, ty: 0.1 },
    ];
    const [shared, repeated] = tf.tidy(() => {
      const pairs = truths.map((t) => featurePair(t));
      const moving = tf.concat(pairs.map((p) => p.moving)) as tf.Tensor4D;
      const fixed = pairs[0].fixed; // the same for every truth: only the moving side is transformed
      const fits = [matchAndFit(fixed, moving, 128), matchAndFit(tf.tile(fixed, [truths.length, 1, 1, 1]) as tf.Tensor4D, moving, 128)];
      return fits.map((f) => [...f.params.dataSync(), ...f.inliers.dataSync()]);
    });
    assert.equal(shared.length, truths.length * 5);
    shared.forEach((v, i) => assert.ok(Math.abs(v - repeated[i]) < 1e-5, `value ${i}: ${v} vs ${repeated[i]}`));
    truths.forEach((truth, i) => {
      const error = normalisedCornerError(truth, decodeOutput(shared.slice(4 * i, 4 * i + 4)));
      assert.ok(error < NORMALISED_SUCCESS / 2, `${JSON.stringify(truth)}: ${error}`);
    });
  });

  it('mutual matching leaves out a block of cells that all copy one moving cell (inference only)', async () => {
    await tf.setBackend('wasm');
    const h = 16;
    const cell = (2 * (128 / h)) / 127;
    // A shift by whole cells, so that fixed cell (row 7, column 4) and moving cell (8, 2) have the same features.
    const truth = { rotationDeg: 0, scale: 1, tx: -2 * cell, ty: cell };
    const [plain, mutual] = tf.tidy(() => {
      const { fixed, moving } = featurePair(truth, h);
      // A 12×7 block of fixed cells (a third of them) around cell (7, 4) that all look like a
      // noisy copy of its moving counterpart, as flat or repeated structure does: each has its
      // best match there, which pulls the fit towards a contraction about that cell, while that
      // moving cell's own best match is the exact cell (7, 4).
      const f = fixed.arraySync()[0];
      const target = moving.arraySync()[0][8][2];
      const rng = new Rng(11);
      for (let r = 2; r < 14; r++) for (let c = 1; c < 8; c++) if (r !== 7 || c !== 4) f[r][c] = target.map((x) => 0.9 * x + rng.uniform(-0.1, 0.1));
      const corrupted = tf.tensor4d([f]);
      return [false, true].map((on) => matchAndFit(corrupted, moving, 128, { mutual: on }).params.dataSync());
    });
    const [plainError, mutualError] = [plain, mutual].map((p) => normalisedCornerError(truth, decodeOutput(p)));
    // Measured: 0.011 without the check, 0.0024 with it.
    assert.ok(mutualError < NORMALISED_SUCCESS / 8, `with the check: ${mutualError} (without: ${plainError})`);
    assert.ok(plainError > 3 * mutualError, `without the check the block pulls the fit off: ${plainError} (with it: ${mutualError})`);
  });

  it('padding masks: a fixed cell over the padding, or a match landing on it, does not vote (inference only)', async () => {
    await tf.setBackend('wasm');
    const h = 16;
    const cell = (2 * (128 / h)) / 127;
    const truth = { rotationDeg: 0, scale: 1, tx: -2 * cell, ty: cell };
    // As in the mutual test, a block of fixed cells all looking like moving cell (8, 2): here the
    // block is where the warped input is padding, and (8, 2) a padding cell, as flat fixed
    // structure looks like the zero padding. Mutual matching off: the masks alone must do it.
    const rows = (valid: { fixed?: number[]; moving?: number[] }) =>
      tf.tidy(() => {
        const { fixed, moving } = featurePair(truth, h);
        const f = fixed.arraySync()[0];
        const target = moving.arraySync()[0][8][2];
        const rng = new Rng(11);
        for (let r = 2; r < 14; r++) for (let c = 1; c < 8; c++) if (r !== 7 || c !== 4) f[r][c] = target.map((x) => 0.9 * x + rng.uniform(-0.1, 0.1));
        const masks = {
          fixed: valid.fixed && tf.tensor2d([valid.fixed]),
          moving: valid.moving && tf.tensor2d([valid.moving]),
        };
        return matchAndFit(tf.tensor4d([f]), moving, 128, {}, masks).params.dataSync();
      });
    const all = () => new Array(h * h).fill(1);
    const fixedValid = all();
    for (let r = 2; r < 14; r++) for (let c = 1; c < 8; c++) fixedValid[r * h + c] = 0;
    const movingValid = all();
    movingValid[8 * h + 2] = 0;
    const error = (p: Float32Array | Int32Array | Uint8Array) => normalisedCornerError(truth, decodeOutput(p));
    const none = error(rows({}));
    const byFixed = error(rows({ fixed: fixedValid }));
    const byMoving = error(rows({ moving: movingValid }));
    // Measured: 0.0113 unmasked, 0.0033 with either mask.
    assert.ok(byFixed < NORMALISED_SUCCESS / 8 && byFixed < none / 2, `fixed cells masked: ${byFixed} (unmasked ${none})`);
    assert.ok(byMoving < NORMALISED_SUCCESS / 8 && byMoving < none / 2, `moving cell masked: ${byMoving} (unmasked ${none})`);
    // A moving input that is all padding leaves no vote.
    const nothing = tf.tidy(() => {
      const { fixed, moving } = featurePair(truth, h);
      return matchAndFit(fixed, moving, 128, {}, { moving: tf.zeros([1, h * h]) as tf.Tensor2D }).inliers.dataSync()[0];
    });
    assert.equal(nothing, 0);
  });

  it('cell validity: a cell counts only when all its pixels (and `erode` cells around) are inside', () => {
    const size = 32;
    const mask = new Uint8Array(size * size).fill(1);
    // Pixels x ≥ 20 outside: cells of 8 px, so column 2 (16–23) is partly outside, column 3 wholly.
    for (let y = 0; y < size; y++) for (let x = 20; x < size; x++) mask[y * size + x] = 0;
    const rowOf = (v: Float32Array, w: number) => Array.from(v.slice(0, w));
    assert.deepEqual(rowOf(cellValidity(mask, size, 4), 4), [1, 1, 0, 0]);
    assert.deepEqual(rowOf(cellValidity(mask, size, 4, 1, 1), 4), [1, 0, 0, 0]);
    const everyOther = cellValidity(mask, size, 4, 2);
    assert.deepEqual(Array.from(everyOther), [1, 0, 1, 0]);
    assert.equal(cellValidity(mask, size, 4).length, 16);
  });

  it('the dense matching loss is lower for the true transform than for a wrong one', async () => {
    await tf.setBackend('wasm');
    const truth = { rotationDeg: 10, scale: 1.1, tx: 0.1, ty: 0.05 };
    const [right, wrong] = tf.tidy(() => {
      const { fixed, moving } = featurePair(truth);
      const scores = matchScores(fixed, moving);
      return [truth, { ...truth, tx: -0.2 }].map((t) => matchingLoss(scores, tf.tensor2d([encodeTarget(t)]), 128).dataSync()[0]);
    });
    assert.ok(right < wrong / 2, `${right} vs ${wrong}`);
  });

  it('a training step has finite gradients on a blank image and updates every layer', async () => {
    registerWasmGradientKernels();
    await tf.setBackend('wasm');
    const model = buildModel();
    const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const snapshot = () => variables.map((v) => v.dataSync().slice());
    const before = snapshot();
    const optimizer = tf.train.adam(1e-3);
    // One blank moving image: identical features everywhere, flat match distributions.
    const fixed = tf.randomUniform([2, 128, 128, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const moving = tf.concat([tf.zeros([1, 128, 128, 1]), tf.randomUniform([1, 128, 128, 1], 0, 1, 'float32', 5)]) as tf.Tensor4D;
    const y = tf.tensor2d([1.1, 0.2, 0.1, -0.1, 0.9, -0.3, 0, 0.2], [2, 4]);
    for (let i = 0; i < 3; i++) optimizer.minimize(() => trainingLoss(model, fixed, moving, y), false, variables);
    const after = snapshot();
    variables.forEach((v, i) => {
      assert.ok(after[i].every(Number.isFinite), `${v.name} has non-finite values`);
      assert.ok(after[i].some((x, k) => x !== before[i][k]), `${v.name} did not change`);
    });
    tf.dispose([fixed, moving, y]);
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

  it('training views (viewInputs): cut, framed as inference frames them, and the truth moved with the frames', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const truth = similarityAbout(em, { rotationDeg: 15, scale: 1.1, translation: [12, -8] });
    const n = 128;
    const f = toModelInput(em, n);
    const m = toModelInput(warp(em, truth, gridOf(em)), n);
    const pair = { fixed: f.data, moving: m.data, truth: toNormalised(truth.matrix, f.frame, m.frame) };
    const frozen = { fixed: pair.fixed.slice(), moving: pair.moving.slice() };
    const unit = { center: [0, 0] as [number, number], halfSide: 1, direction: [1, 0, 0, 1] as [number, number, number, number] };
    const grid: Grid = { size: [n, n], spacing: [2 / (n - 1), 2 / (n - 1)], origin: [-1, -1], direction: [1, 0, 0, 1] };
    // NCC over the pixels both views show (the padding is the views' lowest value: 0 once normalised).
    const agreement = (fixed: Float32Array, moving: Float32Array, p: typeof pair.truth) => {
      const { image, mask } = resampleWithMask(createFloatImage([n, n], moving, grid), grid, toPhysical(p, unit, unit));
      const warped = image.data as Float32Array;
      const both = mask.map((v, i) => (v && fixed[i] > 0 && warped[i] > 0 ? 1 : 0));
      return ncc(createFloatImage([n, n], fixed, grid), image, both);
    };
    assert.equal(viewInputs(pair, n, 0, new Rng(1)), pair, 'share 0: the pair as it is');
    let moved = 0;
    for (const seed of [1, 2, 3, 4]) {
      const views = viewInputs(pair, n, 1, new Rng(seed));
      assert.deepEqual({ fixed: pair.fixed, moving: pair.moving }, frozen, 'the inputs are not mutated');
      for (const data of [views.fixed, views.moving]) {
        const padded = data.filter((v) => v === 0).length / data.length;
        assert.ok(padded > 0.15, `a view pads a fifth of the frame or more (${padded.toFixed(2)})`);
      }
      const score = agreement(views.fixed, views.moving, views.truth);
      assert.ok(score > 0.85, `seed ${seed}: the views agree under their truth (NCC ${score.toFixed(3)})`);
      if (normalisedCornerError(views.truth, pair.truth) > 0.05) {
        moved++;
        const stale = agreement(views.fixed, views.moving, pair.truth);
        assert.ok(stale < score - 0.2, `seed ${seed}: not under the whole images' truth (NCC ${stale.toFixed(3)} against ${score.toFixed(3)})`);
      }
    }
    assert.ok(moved >= 2, 'off-centre views move the truth');
  });

  it('model inputs mark the padding of a non-square frame; block-averaged edges show the image, not the background', () => {
    // A ramp, brightest at the bottom right: the background level (1st percentile) is its dark corner.
    const ramp = (w: number, h: number) => createFloatImage([w, h], Float32Array.from({ length: w * h }, (_, k) => (k % w) / w + Math.floor(k / w) / h));
    const n = 128;
    const square = toModelInput(ramp(512, 512), n);
    assert.equal(square.content, null, 'a square image fills its frame');
    // 512 px onto 128 is averaged in 4×4 blocks, whose centres stop 1.5–2.5 px short of the edges:
    // the outer grid pixels still lie on the image and take its edge values.
    const row = n / 2;
    assert.ok(square.data[row * n + n - 1] > 0.9 * square.data[row * n + n - 2], `right edge ${square.data[row * n + n - 1]} vs ${square.data[row * n + n - 2]}`);
    assert.ok(square.data[(n - 1) * n + row] > 0.9 * square.data[(n - 2) * n + row], 'bottom edge');
    const wide = toModelInput(ramp(512, 256), n);
    assert.ok(wide.content, 'a 2:1 image leaves padding');
    const content = wide.content;
    const rows = Array.from({ length: n }, (_, r) => content.slice(r * n, (r + 1) * n));
    const shown = rows.filter((r) => r.every((v) => v === 1)).length;
    // 255 px of height on a grid of 511/127 px per pixel: 63–64 rows, centred.
    assert.ok(shown >= 63 && shown <= 64, `${shown} content rows`);
    assert.ok(rows.every((r) => r.every((v) => v === r[0])), 'whole rows are content or padding');
    assert.equal(rows[n / 2][0], 1);
    assert.equal(rows[10][0], 0);
    for (let k = 0; k < n * n; k++) if (!content[k]) assert.equal(wide.data[k], 0, 'padding at the background level');
  });

  it('overlapShare: exact for shifts and zooms, and equal to a count of sample points when turned', () => {
    const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
    near(overlapShare({ rotationDeg: 0, scale: 1, tx: 0, ty: 0 }), 1);
    near(overlapShare({ rotationDeg: 0, scale: 1, tx: 0.5, ty: 0 }), 0.75); // a quarter of the width off
    near(overlapShare({ rotationDeg: 0, scale: 1, tx: 1, ty: -1 }), 0.25);
    near(overlapShare({ rotationDeg: 0, scale: 1, tx: 2.5, ty: 0 }), 0); // the fields miss each other
    // A zoom of 2: the moving field sees the central quarter of the fixed one, all of which it shows.
    near(overlapShare({ rotationDeg: 0, scale: 2, tx: 0, ty: 0 }), 0.25);
    near(overlapShare({ rotationDeg: 90, scale: 0.5, tx: 0, ty: 0 }), 0.25);
    // Turned and shifted: against a dense grid of points of the fixed frame mapped into the moving one.
    const p = { rotationDeg: 33, scale: 1.3, tx: 0.4, ty: -0.25 };
    const theta = (p.rotationDeg * Math.PI) / 180;
    let inside = 0;
    const k = 400;
    for (let j = 0; j < k; j++)
      for (let i = 0; i < k; i++) {
        const [u, v] = [-1 + (2 * (i + 0.5)) / k, -1 + (2 * (j + 0.5)) / k];
        const x = p.scale * (Math.cos(theta) * u - Math.sin(theta) * v) + p.tx;
        const y = p.scale * (Math.sin(theta) * u + Math.cos(theta) * v) + p.ty;
        if (Math.abs(x) <= 1 && Math.abs(y) <= 1) inside++;
      }
    const fixedShare = inside / (k * k);
    near(overlapShare(p), Math.min(fixedShare, fixedShare * p.scale * p.scale), 2e-3);
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

  it('X-ray maps show their structure above the counting noise (MIN_CNR)', () => {
    // Two phases, 0.2 and 0.3, on a background of 0.1: spread 0.05 at a mean level of 0.35.
    const map = new Float32Array(100).map((_, i) => (i % 2 ? 0.3 : 0.2));
    const cnrAt = (counts: number) => (0.05 * Math.sqrt(counts)) / Math.sqrt(0.35);
    const raised = visibleCounts(map, 0.1, 2, 1.5);
    assert.ok(Math.abs(cnrAt(raised) - 1.5) < 1e-3, `CNR ${cnrAt(raised)} at ${raised} counts`);
    assert.equal(visibleCounts(map, 0.1, 5000, 1.5), 5000, 'a dose that already shows the structure is kept');
    assert.equal(visibleCounts(new Float32Array(100).fill(0.2), 0.1, 7, 1.5), 7, 'a flat map has no structure to show');
    assert.ok(MIN_CNR >= 1);
  });

  it('a documented share of X-ray maps carry their signal in one or two phases only', () => {
    const rng = new Rng(21);
    const world = proceduralWorld(rng, 96, 1.2, 'cells');
    // A map is sparse when one or two phases are lit (some pixel above 0.05) and the others dark.
    const isSparse = (field: Float32Array) => {
      const max = new Float32Array(world.phases);
      const sum = new Float64Array(world.phases);
      const count = new Float64Array(world.phases);
      field.forEach((v, k) => {
        const p = world.labels[k];
        max[p] = Math.max(max[p], v);
        sum[p] += v;
        count[p]++;
      });
      const present = Array.from(max.keys()).filter((p) => count[p] > 0);
      const lit = present.filter((p) => max[p] > 0.05);
      if (lit.length < 1 || lit.length > 2 || lit.length >= present.length - 1) return false;
      for (const p of lit) assert.ok(sum[p] / count[p] > 0.04, `carrier mean ${sum[p] / count[p]}`);
      return true;
    };
    const draws = 400;
    const share = Array.from({ length: draws }, () => renderField(world, 'xray', rng)).filter(isSparse).length / draws;
    // Binomial spread at 400 draws: ±0.024; dense maps rarely have all but two phases dark.
    assert.ok(Math.abs(share - SPARSE_XRAY_SHARE) < 0.08, `sparse share ${share}`);
    // The EM side never: its contrast comes from every phase and the texture.
    assert.equal(Array.from({ length: 50 }, () => renderField(world, 'em', rng)).filter(isSparse).length, 0);
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

describe('start grid', () => {
  it('places zoomed starts at every window offset and leaves unzoomed ones centred', () => {
    const starts = startsOf([0, 90], [0.5, 1], [-1, 0, 1]);
    assert.equal(starts.length, 2 * (9 + 1));
    const zoomed = starts.filter((s) => s.rotationDeg === 90 && s.scale === 0.5);
    assert.deepEqual([...new Set(zoomed.map((s) => s.tx))].sort(), [-0.5, 0, 0.5]);
    assert.equal(new Set(zoomed.map((s) => `${s.tx},${s.ty}`)).size, 9);
    assert.deepEqual(starts.filter((s) => s.scale === 1).map((s) => [s.tx, s.ty]), [[0, 0], [0, 0]]);
    // Centred only: the grid before offsets.
    assert.equal(startsOf([0, 90], [0.5, 1], [0]).length, 4);
    // The retry grid: the zoomed starts only, each at nine windows.
    assert.equal(startsOf(RETRY_STARTS.rotationsDeg, RETRY_STARTS.scales, RETRY_STARTS.zoomOffsets ?? [0]).length, 8 * 9);
  });
});

describe('every shipped model folder, not only the default', () => {
  it('loads and aligns an EM image to a turned, zoomed, shifted copy', async () => {
    const dirs = readdirSync(MODELS_DIR).map((d) => join(MODELS_DIR, d)).filter((d) => existsSync(join(d, 'model.json')));
    assert.ok(dirs.length >= 2, `shipped models: ${dirs.join(', ')}`);
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const truth = similarityAbout(em, { rotationDeg: 94, scale: 0.97, translation: [-10, 6] });
    const moving = warp(em, truth);
    for (const dir of dirs) {
      const cnn = await loadCnnModel(dir);
      const config = modelConfigOf(cnn.model);
      assert.equal(config.size, 128, dir);
      assert.equal(config.features, 64, dir);
      const result = registerCnn(em, moving, cnn);
      const error = cornerError(truth, result.transform, gridOf(em));
      assert.ok(isSuccess(error, gridOf(em)), `${dir}: corner error ${error.toFixed(1)} px`);
      assert.ok(Number(result.details.confidence) > 0.5, `${dir}: confidence ${result.details.confidence}`);
      cnn.model.dispose();
    }
  });
});

describe('CNN inference with the shipped model', () => {
  let cnn: Awaited<ReturnType<typeof loadCnnModel>>;
  before(async () => {
    const dir = shippedModelDir();
    assert.ok(dir, 'models/index.json names a shipped model');
    cnn = await loadCnnModel(dir);
  });

  it('registers an EM image to itself, also beyond a quarter turn, within the success tolerance', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    for (const params of [
      { rotationDeg: 8, scale: 1.05, translation: [12, -8] as [number, number] },
      { rotationDeg: 94, scale: 0.97, translation: [-10, 6] as [number, number] },
      { rotationDeg: -139, scale: 1.02, translation: [5, 9] as [number, number] },
    ]) {
      const truth = similarityAbout(em, params);
      const result = registerCnn(em, warp(em, truth), cnn);
      const error = cornerError(truth, result.transform, gridOf(em));
      assert.ok(isSuccess(error, gridOf(em)), `${JSON.stringify(params)}: corner error ${error.toFixed(1)} px`);
      assert.ok(Number(result.details.confidence) > 0.5, `confidence ${result.details.confidence}`);
      // The winning start of the first pass is the one nearest the truth (starts every 45°).
      const start = result.details.start as { rotationDeg: number };
      const off = Math.abs(((params.rotationDeg - start.rotationDeg + 540) % 360) - 180);
      assert.ok(off <= 22.5 + 1e-9, `start ${start.rotationDeg}° for ${params.rotationDeg}°`);
      // A nearly aligned pair is accepted from the unturned start alone; the others need the
      // search, whose direct half agrees well enough here that the exchanged half is skipped.
      assert.equal(result.details.startsTried, params.rotationDeg === 8 ? 1 : 16, `starts tried for ${params.rotationDeg}°`);
    }
    const turnedTruth = similarityAbout(em, { rotationDeg: 8, scale: 1, translation: [0, 0] });
    const turned = warp(em, turnedTruth);
    const searched = registerCnn(em, turned, cnn, { acceptStartInliers: Infinity, skipSwappedInliers: Infinity });
    assert.equal(searched.details.startsTried, 32);
    const skipping = registerCnn(em, turned, cnn, { acceptStartInliers: Infinity });
    assert.ok(Number(skipping.details.inliers) >= SKIP_SWAPPED_INLIERS);
    assert.equal(skipping.details.startsTried, 16, 'a confident direct search skips the exchanged one');
    assert.equal((skipping.details.start as { swapped: boolean }).swapped, false);
    for (const r of [searched, skipping]) assert.ok(isSuccess(cornerError(turnedTruth, r.transform, gridOf(em)), gridOf(em)), `${r.details.startsTried} starts`);
    // More candidates refined side by side: the best start alone is among them, so the kept fit agrees at least as well.
    const wider = registerCnn(em, turned, cnn, { acceptStartInliers: Infinity, skipSwappedInliers: Infinity, candidates: 3 });
    assert.ok(Number(wider.details.inliers) >= Number(searched.details.inliers) - 1e-6, `${wider.details.inliers} vs ${searched.details.inliers}`);
    // The hybrid's coarser search (starts scored at 64 px, the best two refined) finds the same
    // alignment, and skips the exchanged half too.
    const coarse = registerCnn(em, turned, cnn, { ...HYBRID_CNN_SEARCH, acceptStartInliers: Infinity });
    assert.equal(coarse.details.startsTried, 16, 'a confident direct search at 64 px skips the exchanged one');
    const coarseError = cornerError(turnedTruth, coarse.transform, gridOf(em));
    assert.ok(isSuccess(coarseError, gridOf(em)), `search at 64 px: corner error ${coarseError.toFixed(1)} px`);
  });

  it('an unsure search is tried again with the windows of the zoomed starts at the edges of the moving image', async () => {
    // Pair 149 of the eval generator's seed 7777 (not the held-out seed): an X-ray map fixed, an
    // EM image moving at scale 0.57 with the fixed field off-centre in it (t = 0.27, −0.29).
    const sources = await loadRealSources(fixture(''));
    const n = 256;
    const batch = makeBatch(7777, 4, 32, { size: n, fineFraction: 0, sources });
    const pairAt = (i: number) => ({
      fixed: normalisedImage(batch.fixed.slice(i * n * n, (i + 1) * n * n), n),
      moving: normalisedImage(batch.moving.slice(i * n * n, (i + 1) * n * n), n),
      truth: decodeOutput(batch.targets.subarray(4 * i, 4 * i + 4)),
    });
    const i = 21;
    const { fixed, moving, truth } = pairAt(i);
    assert.ok(truth.scale < 0.6 && Math.min(Math.abs(truth.tx), Math.abs(truth.ty)) > 0.25, JSON.stringify(truth));
    const error = (r: ReturnType<typeof registerCnn>) => normalisedCornerError(truth, r.details.normalised as ReturnType<typeof decodeOutput>);
    const once = registerCnn(fixed, moving, cnn, { retry: null });
    assert.equal(once.details.retried, false);
    assert.ok(Number(once.details.confidence) < RETRY_BELOW, `first search confidence ${once.details.confidence}`);
    assert.ok(error(once) > NORMALISED_SUCCESS, `first search error ${error(once)}`);
    const tensors = tf.memory().numTensors;
    const twice = registerCnn(fixed, moving, cnn);
    assert.equal(tf.memory().numTensors, tensors, 'both searches free their tensors');
    assert.equal(twice.details.retried, true);
    assert.equal(twice.details.retryOutcome, 'kept');
    assert.ok(Number(twice.details.startsTried) > Number(once.details.startsTried));
    assert.ok(error(twice) <= NORMALISED_SUCCESS, `with the retry: error ${error(twice)}`);
    assert.ok(Number(twice.details.confidence) > Number(once.details.confidence), `confidence ${twice.details.confidence}`);
    const start = twice.details.start as { tx: number; ty: number };
    assert.ok(Math.hypot(start.tx, start.ty) > 0, 'an offset window won');
    // Inputs are not mutated by the second search.
    assert.deepEqual(fixed.data, pairAt(i).fixed.data);

    // With the passes before the direction is chosen at 128 px (as in the hybrid), the retry's
    // winner gets its 256-px passes only when it agrees more at 128 px than the first search's:
    // here it does, and aligns the pair.
    const coarse = { bothWaysSize: 128 };
    const aligned = registerCnn(fixed, moving, cnn, coarse);
    assert.equal(aligned.details.retryOutcome, 'kept');
    assert.ok(error(aligned) <= NORMALISED_SUCCESS, `bothWaysSize 128: error ${error(aligned)}`);
    // Pair 156 (28 of this batch), another unsure X-ray/EM pair: the retry's winner agrees less at
    // 128 px, so the first search's result is returned as it was, without the retry's finer passes.
    const other = pairAt(28);
    const alone = registerCnn(other.fixed, other.moving, cnn, { ...coarse, retry: null });
    assert.ok(Number(alone.details.confidence) < RETRY_BELOW, `first search confidence ${alone.details.confidence}`);
    const tensorsBefore = tf.memory().numTensors;
    const notRefined = registerCnn(other.fixed, other.moving, cnn, coarse);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'an unrefined retry frees its tensors');
    assert.equal(notRefined.details.retryOutcome, 'not refined');
    assert.deepEqual(notRefined.transform.matrix, alone.transform.matrix);
    assert.ok(Number(notRefined.details.startsTried) > Number(alone.details.startsTried));
  });

  it('registers non-square views of a specimen (frame padding masked), with a confidence over the content cells', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const identity: Matrix2x3 = [
      [1, 0, 0],
      [0, 1, 0],
    ];
    // A window of an image on its own physical coordinates.
    const window = (image: Image, x0: number, y0: number, w: number, h: number) => resample(image, { ...gridOf(image), size: [w, h], origin: indexToPhysical(gridOf(image), x0, y0) }, identity);
    const truth = similarityAbout(em, { rotationDeg: 12, scale: 1.08, translation: [14, -9] });
    // A landscape fixed view and a portrait moving one: the frames are half padding.
    const fixed = window(em, 0, 130, 512, 260);
    const moving = window(warp(em, truth), 120, 0, 280, 512);
    const masked = registerCnn(fixed, moving, cnn);
    const error = cornerError(truth, masked.transform, gridOf(fixed));
    assert.ok(isSuccess(error, gridOf(fixed)), `corner error ${error.toFixed(1)} px`);
    assert.ok(Number(masked.details.confidence) > 0.5, `confidence ${masked.details.confidence}`);
    const unmasked = registerCnn(fixed, moving, cnn, { matching: { maskFrame: false } });
    // Inlier shares count the fixed image's content cells only, so they are not halved by the padding.
    assert.ok(Number(masked.details.inliers) > Number(unmasked.details.inliers), `inlier share ${masked.details.inliers} (unmasked ${unmasked.details.inliers})`);
  });

  it('peak matching locates sub-cell shifts that the soft-argmax pulls towards the cell centres', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const cellPx = em.size[0] / 16; // one feature cell of the 128-px first pass, in image pixels
    for (const fraction of [0.2, 0.35, 0.5]) {
      const truth = similarityAbout(em, { rotationDeg: 0, scale: 1, translation: [fraction * cellPx, -0.6 * fraction * cellPx] });
      const [peak, window] = (['peak', 'window'] as const).map((subcell) => {
        const r = registerCnn(em, warp(em, truth), cnn, { passes: 1, matching: { subcell } });
        return cornerError(truth, r.transform, gridOf(em)) / cellPx;
      });
      // Measured (2026-12-03): peak 0.07–0.12 of a cell off, window 0.14–0.18, ratios 0.49–0.63.
      assert.ok(peak < 0.7 * window, `shift of ${fraction} cell: peak ${peak.toFixed(3)}, window ${window.toFixed(3)} cell off`);
    }
  });

  it('refinement stops once a pass changes the estimate by less than stopStep', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const truth = similarityAbout(em, { rotationDeg: 6, scale: 1.03, translation: [9, -5] });
    const moving = warp(em, truth);
    const stopping = registerCnn(em, moving, cnn, { passes: 10 });
    const all = registerCnn(em, moving, cnn, { passes: 10, stopStep: 0 });
    assert.equal(all.details.passesRun, 10);
    assert.ok(Number(stopping.details.passesRun) < 10, `${stopping.details.passesRun} passes`);
    assert.ok(Number(stopping.details.lastStepNormalised) < STOP_STEP, `last step ${stopping.details.lastStepNormalised}`);
    assert.equal((stopping.details.history as unknown[]).length, stopping.details.passesRun);
    for (const r of [stopping, all]) {
      assert.ok(isSuccess(cornerError(truth, r.transform, gridOf(em)), gridOf(em)));
      // The estimate returned is the one of the best-agreeing refinement pass, from the history.
      const kept = Number(r.details.passKept);
      assert.ok(kept >= 2 && kept <= Number(r.details.passesRun), `pass kept ${kept} of ${r.details.passesRun}`);
      assert.deepEqual(r.details.normalised, (r.details.history as unknown[])[kept - 1]);
    }
  });

  it('refines maps smaller than twice the model side at twice the model side (bundled 160² HXN Fe vs P maps)', async () => {
    const fe = prepareImage(await readImageFile(fixture('hxn_xrf_Fe_K.tiff')), 'Fe');
    const p = prepareImage(await readImageFile(fixture('hxn_xrf_P_K.tiff')), 'P');
    let atTwice = 0;
    let atModel = 0;
    for (const [rotationDeg, scale, tx, ty] of [[20, 0.9, 6, -4], [70, 0.8, 10, 5], [-10, 1.2, 4, 4]]) {
      const truth = similarityAbout(fe, { rotationDeg, scale, translation: [tx, ty] });
      const moving = warp(p, truth);
      const error = cornerError(truth, registerCnn(fe, moving, cnn).transform, gridOf(fe));
      assert.ok(isSuccess(error, gridOf(fe)), `${rotationDeg}°, ×${scale}: ${error.toFixed(2)} px`);
      atTwice += error;
      atModel += cornerError(truth, registerCnn(fe, moving, cnn, { refineSize: cnn.size }).transform, gridOf(fe));
    }
    // Refined at the model's own side, the same 8-pixel cells span twice the field: coarser fits.
    assert.ok(atTwice < atModel, `mean corner error ${(atTwice / 3).toFixed(2)} px at 2N against ${(atModel / 3).toFixed(2)} px at N`);
  });

  it('runs the passes before the direction is chosen at bothWaysSize and the winner\'s further passes at refineSize', async () => {
    const fe = prepareImage(await readImageFile(fixture('hxn_xrf_Fe_K.tiff')), 'Fe');
    const p = prepareImage(await readImageFile(fixture('hxn_xrf_P_K.tiff')), 'P');
    const truth = similarityAbout(fe, { rotationDeg: 20, scale: 0.9, translation: [6, -4] });
    const moving = warp(p, truth);
    const mixed = { refineSize: 2 * cnn.size, bothWaysSize: cnn.size, stopStep: 0 };
    const coarse = registerCnn(fe, moving, cnn, { refineSize: cnn.size, passes: BOTH_WAYS_PASSES, stopStep: 0 });
    // No pass beyond the both-ways ones: refineSize is never used.
    const short = registerCnn(fe, moving, cnn, { ...mixed, passes: BOTH_WAYS_PASSES });
    assert.deepEqual(short.transform.matrix, coarse.transform.matrix);
    const long = registerCnn(fe, moving, cnn, { ...mixed, passes: BOTH_WAYS_PASSES + 2 });
    assert.equal(long.details.passesRun, BOTH_WAYS_PASSES + 2);
    assert.deepEqual((long.details.history as unknown[]).slice(0, BOTH_WAYS_PASSES), coarse.details.history);
    // Inlier shares are compared between passes of one side: the pass kept is a fine one.
    assert.ok(Number(long.details.passKept) > BOTH_WAYS_PASSES, `pass kept ${long.details.passKept}`);
    const error = cornerError(truth, long.transform, gridOf(fe));
    assert.ok(isSuccess(error, gridOf(fe)), `corner error ${error.toFixed(2)} px`);
    // Converged at the coarse side is not converged at the fine one: the winner gets one fine pass.
    const lax = { passes: 6, stopStep: 1 };
    assert.equal(registerCnn(fe, moving, cnn, { ...lax, refineSize: 2 * cnn.size }).details.passesRun, 2);
    assert.equal(registerCnn(fe, moving, cnn, { ...lax, refineSize: 2 * cnn.size, bothWaysSize: cnn.size }).details.passesRun, 3);
  });

  it('returns a finite physical similarity and leaks no tensors over 100 registrations', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const xrf = prepareImage(await readImageFile(fixture('hxn_xrf_Fe_K.tiff')), 'xrf');
    const first = registerCnn(em, xrf, cnn);
    assert.equal(first.method, 'cnn');
    assert.equal(first.backend, 'wasm');
    assert.ok(first.transform.matrix.flat().every(Number.isFinite));
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) registerCnn(em, xrf, cnn, { passes: 1 + (i % 3) });
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(gridOf(em).size[0], 512, 'inputs untouched');
  });

  it('an untrained network of the same architecture runs too (finite output, no leaks)', async () => {
    const untrained = cnnModel(buildModel(), 'untrained');
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const tensors = tf.memory().numTensors;
    const r = registerCnn(em, em, untrained, { passes: 2 });
    assert.ok(r.transform.matrix.flat().every(Number.isFinite));
    assert.equal(tf.memory().numTensors, tensors);
    // A refinement side the fixed map cannot be sampled to is refused, not silently rounded.
    assert.throws(() => registerCnn(em, em, untrained, { refineSize: 200 }), /refineSize \(200\).*multiple/);
    assert.throws(() => registerCnn(em, em, untrained, { bothWaysSize: 200 }), /bothWaysSize \(200\).*multiple/);
    assert.equal(tf.memory().numTensors, tensors);
    untrained.model.dispose();
  });

  it('compare: cnn, elastix, hybrid in order; the hybrid finishes the CNN estimate to sub-pixel accuracy', async () => {
    const { compare } = await import('../../src/compare.js');
    const { nodeElastixRunner } = await import('../../src/node/elastix-runner.js');
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const truth = similarityAbout(em, { rotationDeg: 96, scale: 1.04, translation: [14, -9] });
    // The CNN method's passes are its own: the hybrid keeps its search (HYBRID_CNN_SEARCH).
    const results = await compare(em, warp(em, truth), ['hybrid', 'cnn', 'elastix'], { elastixRunner: nodeElastixRunner, cnn }, { cnn: { passes: 4 } });
    assert.deepEqual(results.map((r) => r.method), ['cnn', 'elastix', 'hybrid']);
    assert.equal(results[0].details.passes, 4);
    assert.equal((results[2].details.cnn as { passes: number }).passes, HYBRID_CNN_SEARCH.passes);
    const [cnnResult, elastix, hybrid] = results.map((r) => cornerError(truth, r.transform, gridOf(em)));
    assert.ok(isSuccess(cnnResult, gridOf(em)), `cnn ${cnnResult}`);
    assert.ok(!isSuccess(elastix, gridOf(em)), `elastix from the identity should not capture 96° (${elastix} px)`);
    assert.ok(hybrid < 0.5, `hybrid ${hybrid} px (kept ${results[2].details.kept})`);
    assert.equal(results[2].details.kept, 'elastix');
    assert.equal(results[2].details.fallback, false, 'no fallback unless asked for');
  });

  it('the hybrid does not keep a collapsed candidate, however high its NMI (bundled multi-modal pair, with the NMI search)', async () => {
    const { compare } = await import('../../src/compare.js');
    const { nodeElastixRunner } = await import('../../src/node/elastix-runner.js');
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const fm = prepareImage(await readImageFile(fixture('deepclem_s6_fm_moved.png')), 'fm');
    const [, hybrid] = await compare(em, fm, ['cnn', 'hybrid'], { elastixRunner: nodeElastixRunner, cnn }, { hybridFallbackBelowConfidence: 1 });
    assert.equal(hybrid.details.fallback, true);
    const keys = Object.keys(hybrid.details.candidates as object);
    assert.equal(keys[0], 'cnn');
    assert.ok(keys.includes('elastix-identity') || String(hybrid.details.elastixFailure).includes('elastix-identity'), keys.join(', '));
    // Each of the search's starts is refined, or its failure reported.
    const searchedStarts = keys.filter((k) => k.startsWith('elastix-search')).length + String(hybrid.details.elastixFailure).split('elastix-search').length - 1;
    assert.equal(searchedStarts, SEARCH_REFINED, `${keys.join(', ')}; ${hybrid.details.elastixFailure}`);
    // A collapsed or diverged CNN estimate is not refined; any other is (and a failed refinement is reported).
    const cnnUnusable = (hybrid.details.implausible as string[]).includes('cnn') || (hybrid.details.cnn as { diverged: boolean }).diverged;
    // Failures are listed as "label: message"; the refinement from the CNN estimate is labelled "elastix".
    const refinedFailed = /(^|; )elastix: /.test(String(hybrid.details.elastixFailure ?? ''));
    assert.equal(keys.includes('elastix') || refinedFailed, !cnnUnusable, JSON.stringify(hybrid.details));
    const scale = Math.sqrt(Math.abs(determinant(hybrid.transform.matrix)));
    assert.ok(scale > 0.4 && scale < 2.5, `kept ${hybrid.details.kept} at scale ${scale} (implausible: ${JSON.stringify(hybrid.details.implausible)})`);
    // Without the option too: when the CNN collapses, the fallback's candidates are what is left.
    const [, plain] = await compare(em, fm, ['cnn', 'hybrid'], { elastixRunner: nodeElastixRunner, cnn });
    const plainScale = Math.sqrt(Math.abs(determinant(plain.transform.matrix)));
    assert.ok(plainScale > 0.4 && plainScale < 2.5, `kept ${plain.details.kept} at scale ${plainScale} (implausible: ${JSON.stringify(plain.details.implausible)})`);
  });
});
