/**
 * The registration network: one convolutional encoder per image (separate weights: X-ray maps and
 * EM images need different filters) producing a feature map each, and a parameter-free matching
 * and fitting stage (matching.ts) that turns the two maps into the similarity. The saved model
 * (model.json) holds the two encoders; the fit is code, identical in training and inference.
 *
 * Output: [a, b, tx, ty] with a = s·cos θ, b = s·sin θ — the normalised similarity v = [[a, −b],
 * [b, a]]·u + t directly (fixed frame u → moving frame v). This parameterisation is what the
 * least-squares fit solves for in closed form, and it makes the mean squared corner error an
 * exact quadratic: over the frame corners (±1, ±1) it is 2(Δa² + Δb²) + Δtx² + Δty².
 *
 * Input 128×128 → 16×16 feature cells (8 px): 256 cells to vote, each located to a fraction of a
 * cell by the soft-argmax; a pass stays a few milliseconds on WebGL and ~10 ms in Node wasm, and
 * refinement passes (apply, run again, compose) recover detail.
 */
import * as tf from '@tensorflow/tfjs';
import { matchAndFit, matchingLoss, type SimilarityFit } from './matching.js';
import type { NormalisedSimilarity } from './model-frame.js';

export interface ModelConfig {
  /** Input side N. */
  size: number;
  /** Filters of the encoder stages; each halves the resolution and is followed by a 3×3 convolution. */
  encoder: number[];
  /** Channels of the matching features. */
  features: number;
  /**
   * Further 3×3 ReLU convolutions at the last stage's width before the features (default 0): each
   * widens a cell's receptive field by 16 px of the 128 input. Added to a trained model as
   * identity maps by `growModel` (grow.ts).
   */
  context?: number;
}

/** Receptive field of a feature cell: 5 + 2·2 + 2·4 + 2·4 + 2·8 + 2·8 = 57 px of the 128 input (0.45 of the field). */
export const DEFAULT_MODEL_CONFIG: ModelConfig = { size: 128, encoder: [16, 32, 64], features: 64 };

function conv(x: tf.SymbolicTensor, name: string, filters: number, kernelSize: number, strides: number, activation: 'relu' | 'linear'): tf.SymbolicTensor {
  return tf.layers
    .conv2d({ name, filters, kernelSize, strides, padding: 'same', activation, kernelInitializer: activation === 'relu' ? 'heNormal' : 'glorotNormal' })
    .apply(x) as tf.SymbolicTensor;
}

function encoder(input: tf.SymbolicTensor, name: string, config: ModelConfig): tf.SymbolicTensor {
  // Centred input: zero padding then reads as mid-grey rather than as a dark frame.
  let x = tf.layers.rescaling({ name: `${name}_centre`, scale: 2, offset: -1 }).apply(input) as tf.SymbolicTensor;
  config.encoder.forEach((f, i) => {
    x = conv(x, `${name}_down${i}`, f, i === 0 ? 5 : 3, 2, 'relu');
    if (i > 0) x = conv(x, `${name}_conv${i}`, f, 3, 1, 'relu');
  });
  const last = config.encoder[config.encoder.length - 1];
  for (let i = 0; i < (config.context ?? 0); i++) x = conv(x, `${name}_context${i}`, last, 3, 1, 'relu');
  // Matching features: no ReLU, so that normalised features can be negative.
  return conv(x, `${name}_features`, config.features, 3, 1, 'linear');
}

/** The two encoders: inputs [fixed, moving] (N×N×1), outputs their feature maps. */
export function buildModel(config: ModelConfig = DEFAULT_MODEL_CONFIG): tf.LayersModel {
  const fixed = tf.input({ name: 'fixed', shape: [config.size, config.size, 1] });
  const moving = tf.input({ name: 'moving', shape: [config.size, config.size, 1] });
  return tf.model({ name: 'xemreg_encoders', inputs: [fixed, moving], outputs: [encoder(fixed, 'fixed', config), encoder(moving, 'moving', config)] });
}

/**
 * The same two encoders (shared layers, so shared weights) on inputs of another side: training
 * at the side where inference refines (train `--refine-size`) updates the weights that the saved
 * model, at its own side, holds.
 */
export function modelAtSize(model: tf.LayersModel, size: number): tf.LayersModel {
  const inputs = model.inputLayers.map((inputLayer) => tf.input({ name: `${inputLayer.name}_${size}`, shape: [size, size, 1] }));
  const outputs = model.inputLayers.map((inputLayer, i) => applyEncoder(model, inputLayer.name, inputs[i]));
  return tf.model({ name: `${model.name}_${size}`, inputs, outputs });
}

/** One of a model's encoders ('fixed' or 'moving', a chain of layers named after its input, in topological order) applied to another input. */
export function applyEncoder(model: tf.LayersModel, inputName: string, input: tf.SymbolicTensor): tf.SymbolicTensor {
  let x = input;
  for (const layer of model.layers) if (layer.name.startsWith(`${inputName}_`)) x = layer.apply(x) as tf.SymbolicTensor;
  return x;
}

/** The configuration a model was built with, read from its layers (model.json holds no ModelConfig). */
export function modelConfigOf(model: tf.LayersModel): ModelConfig {
  const filters = (name: string) => (model.getLayer(name).getConfig() as { filters: number }).filters;
  const names = model.layers.map((l) => l.name);
  const encoder: number[] = [];
  while (names.includes(`fixed_down${encoder.length}`)) encoder.push(filters(`fixed_down${encoder.length}`));
  const context = names.filter((n) => /^fixed_context\d+$/.test(n)).length;
  return { size: modelSize(model), encoder, features: filters('fixed_features'), ...(context ? { context } : {}) };
}

/** Input side N of a model. */
export function modelSize(model: tf.LayersModel): number {
  return Number(model.inputs[0].shape[1]);
}

/** Forward pass and fit: images [B, N, N, 1] each → similarity rows, confidence and match scores. */
export function predictSimilarity(model: tf.LayersModel, fixed: tf.Tensor4D, moving: tf.Tensor4D, training = false): SimilarityFit {
  const [ff, fm] = (training ? model.apply([fixed, moving], { training: true }) : model.predict([fixed, moving])) as tf.Tensor4D[];
  return matchAndFit(ff, fm, modelSize(model));
}

/**
 * Default weight of the dense matching loss beside the corner loss: xemreg-sim-v2 was trained
 * with it; v3 continued v2 at 0.15 (`--matching-weight`), which helped there, but a run from
 * scratch at 0.15 has not been tried.
 */
export const MATCHING_WEIGHT = 0.05;

/**
 * Training objective: corner distance of the fitted similarity plus dense matching cross-entropy,
 * weighted by `matchingWeight` (default MATCHING_WEIGHT). The matching term is what teaches the
 * encoders cell-to-cell correspondence across modalities; the corner term only sees its sum.
 */
export function trainingLoss(model: tf.LayersModel, fixed: tf.Tensor4D, moving: tf.Tensor4D, targets: tf.Tensor2D, matchingWeight = MATCHING_WEIGHT): tf.Scalar {
  return tf.tidy(() => {
    const fit = predictSimilarity(model, fixed, moving, true);
    return tf.add(cornerLoss(targets, fit.params), tf.mul(matchingWeight, matchingLoss(fit.scores, targets, modelSize(model)))) as tf.Scalar;
  });
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
