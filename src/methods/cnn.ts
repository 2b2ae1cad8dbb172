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
import { NORMALISED_SUCCESS, normalisedCornerError } from '../cnn/evaluate.js';
import { normalisedMatrix, toModelInput, toPhysical, type NormalisedSimilarity } from '../cnn/model-frame.js';
import { decodeOutput, modelSize } from '../cnn/model.js';
import { matchAndFit, type MatchingOptions } from '../cnn/matching.js';
import type { MethodResult } from './result.js';

export interface CnnModel {
  model: tf.LayersModel;
  /**
   * The fixed and the moving encoder as models of their own, sharing the model's layers and
   * weights, for any input size: inference encodes the fixed image once per resolution, and
   * refines at a finer one than the model was trained at (the encoders are fully convolutional).
   */
  encoders: [tf.LayersModel, tf.LayersModel];
  /** Input side N. */
  size: number;
  name: string;
}

export interface CnnOptions {
  /** Forward passes: 1 = single estimate; each further pass refines. Default 3. */
  passes?: number;
  /**
   * Input side of the refinement passes. Default twice the model's when both images have at
   * least that many pixels along their longer side (else the model's): the same 8-pixel feature
   * cells then span half as much of the field, and the fit is 3–5× more precise (measured on
   * shifted EM images), while the first pass keeps the model's size and context.
   */
  refineSize?: number;
  /** Matching and fitting parameters (defaults: DEFAULT_MATCHING, as in training). */
  matching?: MatchingOptions;
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
  const encoders = model.inputLayers.map((inputLayer) => {
    // Re-apply this encoder's layers (a chain, in topological order) to an input of any size.
    const input = tf.input({ name: `${inputLayer.name}_any_size`, shape: [null, null, 1] });
    let x: tf.SymbolicTensor = input;
    for (const layer of model.layers) if (layer.name.startsWith(`${inputLayer.name}_`)) x = layer.apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: x });
  }) as [tf.LayersModel, tf.LayersModel];
  return { model, encoders, size: modelSize(model), name };
}

/**
 * The input rotated by k quarter-turns about its centre, exactly (a permutation of pixels):
 * out(w) = in(Q^k·w), Q the +90° rotation, on the symmetric N×N grid.
 */
export function rotateQuarterTurns(data: Float32Array, n: number, k: number): Float32Array {
  const turns = ((k % 4) + 4) % 4;
  if (turns === 0) return data;
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      // Centred coordinates are integers or half-integers: rotate (x, y) → (−y, x) k times.
      let x = 2 * c - (n - 1);
      let y = 2 * r - (n - 1);
      for (let i = 0; i < turns; i++) [x, y] = [-y, x];
      out[r * n + c] = data[((y + n - 1) / 2) * n + (x + n - 1) / 2];
    }
  return out;
}


const IDENTITY: NormalisedSimilarity = { rotationDeg: 0, scale: 1, tx: 0, ty: 0 };

/** Inlier share below which an estimate is a likely failure (calibrated on held-out pairs, MODEL_CARD.md). */
export const CONFIDENT_INLIERS = 0.15;

/**
 * Register two prepared (grayscale, validated) images with the CNN.
 *
 * First pass: the moving input at the four quarter-turns, in one batch; the network's features are
 * trained for rotations up to ±50°, so one of the four is always within its range, and the turn
 * whose fit has the most agreeing cells (inliers) wins. Further passes warp the moving input by the
 * current estimate and compose the predicted residual. `details.confidence` (0–1) is the final
 * fit's inlier share relative to CONFIDENT_INLIERS, reduced when the last pass still moved the
 * estimate by more than the success tolerance: low values flag likely failures.
 */
export function registerCnn(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions = {}): MethodResult {
  const passes = Math.max(1, options.passes ?? 3);
  const n = cnn.size;
  // Refining at 2N only helps when both images have that much detail; smaller ones stay at N.
  const longer = (image: Image) => Math.max(image.size[0], image.size[1]);
  const fine = options.refineSize ?? (Math.min(longer(fixed), longer(moving)) >= 2 * n ? 2 * n : n);
  const started = performance.now();
  const f = toModelInput(fixed, n);
  const m = toModelInput(moving, n);
  const features: tf.Tensor4D[] = [];
  // Fixed features once per resolution; the moving ones per pass.
  const encodeFixed = (data: Float32Array, size: number) => {
    const t = tf.tidy(() => cnn.encoders[0].predict(tf.tensor4d(data, [1, size, size, 1])) as tf.Tensor4D);
    features.push(t);
    return t;
  };
  const fit = (fixedFeatures: tf.Tensor4D, moving: Float32Array, count: number, size: number) =>
    tf.tidy(() => {
      const fm = cnn.encoders[1].predict(tf.tensor4d(moving, [count, size, size, 1])) as tf.Tensor4D;
      const result = matchAndFit(count === 1 ? fixedFeatures : tf.tile(fixedFeatures, [count, 1, 1, 1]), fm, size, { fixedStride: size / n, ...options.matching });
      return { params: result.params.dataSync(), inliers: result.inliers.dataSync() };
    });

  let estimate: Matrix2x3;
  let inliers: number;
  let best: number;
  let lastStep = Infinity;
  const history: NormalisedSimilarity[] = [];
  try {
    // Pass 1: four quarter-turns of the moving image, one batch.
    const turns = [0, 1, 2, 3];
    const rotated = new Float32Array(4 * n * n);
    turns.forEach((k) => rotated.set(rotateQuarterTurns(m.data, n, k), k * n * n));
    const first = fit(encodeFixed(f.data, n), rotated, 4, n);
    best = turns.reduce((b, k) => (first.inliers[k] > first.inliers[b] ? k : b), 0);
    // The network maps fixed u → rotated moving w, and rotated(w) = moving(Q^k·w): total = Q^k ∘ S.
    estimate = composeMatrices(normalisedMatrix(decodeOutput(first.params.subarray(4 * best, 4 * best + 4))), normalisedMatrix({ rotationDeg: 90 * best, scale: 1, tx: 0, ty: 0 }));
    inliers = first.inliers[best];
    history.push(matrixToNormalised(estimate));
    if (passes > 1) {
      // Refinement at the finer size: the same normalised frames, more pixels.
      const fixedFine = fine === n ? f : toModelInput(fixed, fine);
      const movingFine = fine === n ? m : toModelInput(moving, fine);
      const grid = modelGrid(fine);
      const movingImage = createFloatImage([fine, fine], movingFine.data, grid);
      const fixedFeatures = fine === n ? features[0] : encodeFixed(fixedFine.data, fine);
      for (let pass = 1; pass < passes; pass++) {
        const input = resampleWithMask(movingImage, grid, estimate, { defaultValue: 0 }).image.data as Float32Array;
        const out = fit(fixedFeatures, input, 1, fine);
        const step = decodeOutput(out.params);
        const stepMatrix = normalisedMatrix(step);
        // The residual maps fixed → warped moving; warped(u) = moving(estimate(u)): total = estimate ∘ step.
        estimate = composeMatrices(stepMatrix, estimate);
        inliers = out.inliers[0];
        history.push(matrixToNormalised(estimate));
        // How far the step moves the frame corners (normalised units).
        lastStep = normalisedCornerError(IDENTITY, step);
      }
    }
  } finally {
    tf.dispose(features);
  }
  if (!isFiniteMatrix(estimate)) throw new RegistrationError('the network produced a non-finite transform', 'cnn');
  const normalised = matrixToNormalised(estimate);
  const transform = toPhysical(normalised, f.frame, m.frame);
  const registrationMs = performance.now() - started;
  const converged = Number.isFinite(lastStep) ? Math.exp(-Math.max(0, lastStep - NORMALISED_SUCCESS / 2) / NORMALISED_SUCCESS) : 1;
  const confidence = Math.min(1, inliers / CONFIDENT_INLIERS) * converged;
  return {
    method: 'cnn',
    backend: tf.getBackend(),
    transform,
    registrationMs,
    details: { model: cnn.name, passes, normalised, history, confidence, inliers, quarterTurns: best, lastStepNormalised: lastStep },
  };
}
