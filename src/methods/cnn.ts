/**
 * The CNN method: both images resampled onto the model's N×N frames (physical spacing honoured),
 * normalised, one forward pass for the estimate, then refinement passes — the moving input is
 * warped by the current estimate and the network predicts the residual, which is composed in.
 * Environment-free: the caller loads the model and picks the tfjs backend.
 */
import * as tf from '@tensorflow/tfjs';
import { RegistrationError } from '../errors.js';
import type { Grid, Image } from '../image/image.js';
import { createFloatImage } from '../image/image.js';
import { resampleWithMask } from '../resample.js';
import { composeMatrices, isFiniteMatrix, type Matrix2x3 } from '../transform/matrix.js';
import { similarityFromMatrix } from '../transform/transform.js';
import { NORMALISED_SUCCESS } from '../cnn/evaluate.js';
import { normalisedMatrix, toModelInput, toPhysical, type NormalisedSimilarity } from '../cnn/model-frame.js';
import { decodeOutput } from '../cnn/model.js';
import type { MethodResult } from './result.js';

export interface CnnModel {
  model: tf.LayersModel;
  /** Input side N. */
  size: number;
  name: string;
}

export interface CnnOptions {
  /** Forward passes: 1 = single estimate; each further pass refines. Default 3. */
  passes?: number;
}

function modelGrid(n: number): Grid {
  return { size: [n, n], spacing: [2 / (n - 1), 2 / (n - 1)], origin: [-1, -1], direction: [1, 0, 0, 1] };
}

function matrixToNormalised(m: Matrix2x3): NormalisedSimilarity {
  const s = similarityFromMatrix(m, [0, 0]);
  return { rotationDeg: s.rotationDeg, scale: s.scale, tx: s.translation[0], ty: s.translation[1] };
}

/** The model's size from its input shape. */
export function cnnModel(model: tf.LayersModel, name: string): CnnModel {
  const shape = model.inputs[0].shape;
  return { model, size: Number(shape[1]), name };
}

/**
 * Register two prepared (grayscale, validated) images with the CNN. `confidence` in details is
 * 1 when the last refinement pass no longer moves the estimate, falling towards 0 as the last
 * correction approaches the success tolerance (an unconverged estimate is a likely failure).
 */
export function registerCnn(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions = {}): MethodResult {
  const passes = Math.max(1, options.passes ?? 3);
  const n = cnn.size;
  const started = performance.now();
  const f = toModelInput(fixed, n);
  const m = toModelInput(moving, n);
  const grid = modelGrid(n);
  const movingNormalised = createFloatImage([n, n], m.data, grid);
  let estimate: Matrix2x3 = [
    [1, 0, 0],
    [0, 1, 0],
  ];
  let lastStep = Infinity;
  const history: NormalisedSimilarity[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const input = pass === 0 ? m.data : (resampleWithMask(movingNormalised, grid, estimate, { defaultValue: 0 }).image.data as Float32Array);
    const row = tf.tidy(() => {
      const a = tf.tensor4d(f.data, [1, n, n, 1]);
      const b = tf.tensor4d(input, [1, n, n, 1]);
      return (cnn.model.predict([a, b]) as tf.Tensor).dataSync();
    });
    const step = decodeOutput(row);
    const stepMatrix = normalisedMatrix(step);
    // The residual maps fixed → warped moving; warped(u) = moving(estimate(u)): total = estimate ∘ step.
    estimate = composeMatrices(stepMatrix, estimate);
    history.push(matrixToNormalised(estimate));
    // How far the step moves the frame corners (normalised units).
    lastStep = 0;
    for (const [x, y] of [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ]) {
      lastStep += Math.hypot(stepMatrix[0][0] * x + stepMatrix[0][1] * y + stepMatrix[0][2] - x, stepMatrix[1][0] * x + stepMatrix[1][1] * y + stepMatrix[1][2] - y) / 4;
    }
  }
  if (!isFiniteMatrix(estimate)) throw new RegistrationError('the network produced a non-finite transform', 'cnn');
  const normalised = matrixToNormalised(estimate);
  const transform = toPhysical(normalised, f.frame, m.frame);
  const registrationMs = performance.now() - started;
  const confidence = passes > 1 ? Math.exp(-lastStep / NORMALISED_SUCCESS) : NaN;
  return {
    method: 'cnn',
    backend: tf.getBackend(),
    transform,
    registrationMs,
    details: { model: cnn.name, passes, normalised, history, confidence, lastStepNormalised: lastStep },
  };
}
