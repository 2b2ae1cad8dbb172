/**
 * The registration network: one convolutional encoder per image (separate weights: X-ray maps and
 * EM images need different filters), fused by a feature-correlation layer (correlation-layer.ts:
 * every fixed position against every moving position), then a convolutional regression block and
 * a dense head.
 *
 * Output: [a, b, tx, ty] with a = s·cos θ, b = s·sin θ — the normalised similarity v = [[a, −b],
 * [b, a]]·u + t directly. This parameterisation makes the mean squared corner error an exact,
 * well-conditioned quadratic: over the frame corners (±1, ±1) it is 2(Δa² + Δb²) + Δtx² + Δty².
 * Training minimises the mean corner *distance* (robust to the ambiguous, symmetric structures
 * that exist in any random specimen), i.e. the evaluation metric itself.
 *
 * Input 128×128: the coarsest useful size for 2 % corner accuracy (2.5 px at 128) while a pass
 * stays a few milliseconds on WebGL and ~10 ms in Node wasm; refinement passes recover detail.
 */
import * as tf from '@tensorflow/tfjs';
import { Correlation } from './correlation-layer.js';
import type { NormalisedSimilarity } from './model-frame.js';

export interface ModelConfig {
  /** Input side N. */
  size: number;
  /** Filters of the encoder stages (each halves the resolution); a last 3×3 stage at the same resolution follows. */
  encoder: number[];
  /** Filters of the regression convolutions on the correlation volume (each halves the resolution). */
  fusion: number[];
  /** Units of the hidden dense layer. */
  dense: number;
}

/** 128 → 16×16 features (64 channels) → 16×16×256 correlation → 4×4×64 → 256 → 4. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = { size: 128, encoder: [16, 32, 64], fusion: [128, 64], dense: 256 };

function encoder(input: tf.SymbolicTensor, name: string, filters: number[]): tf.SymbolicTensor {
  let x = input;
  filters.forEach((f, i) => {
    x = tf.layers
      .conv2d({ name: `${name}_conv${i}`, filters: f, kernelSize: i === 0 ? 5 : 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' })
      .apply(x) as tf.SymbolicTensor;
  });
  // Features for matching: no ReLU, so that normalised features can be negative.
  return tf.layers
    .conv2d({ name: `${name}_features`, filters: filters[filters.length - 1], kernelSize: 3, padding: 'same', kernelInitializer: 'glorotNormal' })
    .apply(x) as tf.SymbolicTensor;
}

export function buildModel(config: ModelConfig = DEFAULT_MODEL_CONFIG): tf.LayersModel {
  const fixed = tf.input({ name: 'fixed', shape: [config.size, config.size, 1] });
  const moving = tf.input({ name: 'moving', shape: [config.size, config.size, 1] });
  let x = new Correlation({ name: 'correlation' }).apply([encoder(fixed, 'fixed', config.encoder), encoder(moving, 'moving', config.encoder)]) as tf.SymbolicTensor;
  config.fusion.forEach((f, i) => {
    x = tf.layers
      .conv2d({ name: `fusion_conv${i}`, filters: f, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' })
      .apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ name: 'hidden', units: config.dense, activation: 'relu', kernelInitializer: 'heNormal' }).apply(x) as tf.SymbolicTensor;
  // Start at the identity: zero weights, bias a = 1.
  const out = tf.layers
    .dense({ name: 'similarity', units: 4, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: 0 }) })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ name: 'xemreg_similarity', inputs: [fixed, moving], outputs: out });
  const head = model.getLayer('similarity');
  const [kernel] = head.getWeights();
  const identity = tf.tensor1d([1, 0, 0, 0]);
  head.setWeights([kernel, identity]); // copies into the layer's variables
  identity.dispose();
  return model;
}

/** Network output row → normalised similarity. */
export function decodeOutput(row: ArrayLike<number>): NormalisedSimilarity {
  const [a, b, tx, ty] = [row[0], row[1], row[2], row[3]];
  return { rotationDeg: (Math.atan2(b, a) * 180) / Math.PI, scale: Math.max(1e-3, Math.hypot(a, b)), tx, ty };
}

/** Normalised similarity → training target row. */
export function encodeTarget(p: NormalisedSimilarity): [number, number, number, number] {
  const t = (p.rotationDeg * Math.PI) / 180;
  return [p.scale * Math.cos(t), p.scale * Math.sin(t), p.tx, p.ty];
}

/** Mean corner distance (normalised units) between predicted and true [a, b, tx, ty]. */
export function cornerLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(yPred, yTrue);
    const w = tf.tensor1d([2, 2, 1, 1]);
    return tf.mean(tf.sqrt(tf.add(tf.sum(tf.mul(tf.square(d), w), 1), 1e-6))) as tf.Scalar;
  });
}
