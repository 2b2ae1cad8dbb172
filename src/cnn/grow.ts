/**
 * Growing a trained network instead of training a bigger one from scratch, which takes this
 * machine days: the new model computes the same features as the old one (up to the noise that
 * lets the copies part ways), so training continues from where the old one stood.
 *
 * - The last encoder stage is widened Net2Wider-style (Chen, Goodfellow & Shlens 2016, "Net2Net"):
 *   new channel j copies old channel j mod C (its incoming weights with a little noise), and the
 *   next layer shares each old channel's outgoing weights out equally among its copies.
 * - Context convolutions are added as identities (centre tap 1): their inputs follow a ReLU and
 *   are non-negative, so ReLU(x) = x and the features are unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../synthetic/random.js';
import { buildModel, modelConfigOf, type ModelConfig } from './model.js';

export interface GrowOptions {
  /** Channels of the last encoder stage (≥ its current width). */
  width: number;
  /** Context convolutions in all (≥ the model's own). */
  context: number;
  /** Standard deviation of the noise added to the copies' incoming weights, relative to the layer's RMS weight. Default 0.02. */
  noise?: number;
  /** Seed of that noise. Default 1. */
  seed?: number;
}

type Kernel = { data: Float32Array; shape: number[] };

function kernelOf(model: tf.LayersModel, name: string): [Kernel, Kernel] {
  const [k, b] = model.getLayer(name).getWeights();
  return [
    { data: k.dataSync() as Float32Array, shape: k.shape },
    { data: b.dataSync() as Float32Array, shape: b.shape },
  ];
}

/** `model` grown to a wider last stage and more context convolutions (a new model; `model` is untouched). */
export function growModel(model: tf.LayersModel, options: GrowOptions): tf.LayersModel {
  const from = modelConfigOf(model);
  const stage = from.encoder.length - 1;
  const old = from.encoder[stage];
  const oldContext = from.context ?? 0;
  const { width, context } = options;
  if (!Number.isInteger(width) || width < old) throw new Error(`growModel: width ${width} must be an integer ≥ the last stage's ${old}`);
  if (!Number.isInteger(context) || context < oldContext) throw new Error(`growModel: context ${context} must be an integer ≥ the model's ${oldContext}`);
  const to: ModelConfig = { ...from, encoder: [...from.encoder.slice(0, stage), width], context };
  const grown = buildModel(to);
  const source = (j: number) => j % old;
  const copies = (c: number) => Math.floor((width - 1 - c) / old) + 1;
  const rng = new Rng(options.seed ?? 1);
  const sd = options.noise ?? 0.02;
  const noise = () => sd * rng.normal();
  /**
   * A kernel [kh, kw, cin, cout] with its input channels (`spreadIn`: shared out among copies)
   * and/or output channels (`copyOut`: copied, with noise on the copies) mapped to the new width.
   */
  const remap = (k: Kernel, cin: number, cout: number, spreadIn: boolean, copyOut: boolean): tf.Tensor => {
    const [kh, kw, oldIn, oldOut] = k.shape;
    const rms = Math.sqrt(k.data.reduce((sum, v) => sum + v * v, 0) / k.data.length);
    const out = new Float32Array(kh * kw * cin * cout);
    for (let t = 0; t < kh * kw; t++) {
      for (let i = 0; i < cin; i++) {
        const si = spreadIn ? source(i) : i;
        for (let o = 0; o < cout; o++) {
          const so = copyOut ? source(o) : o;
          let v = k.data[(t * oldIn + si) * oldOut + so];
          if (spreadIn) v /= copies(si);
          if (o !== so) v += rms * noise();
          out[(t * cin + i) * cout + o] = v;
        }
      }
    }
    return tf.tensor(out, [kh, kw, cin, cout]);
  };
  const bias = (b: Kernel) => tf.tensor(Float32Array.from({ length: width }, (_, j) => b.data[source(j)]), [width]);
  const set = (name: string, weights: tf.Tensor[]) => {
    grown.getLayer(name).setWeights(weights);
    tf.dispose(weights);
  };
  for (const side of ['fixed', 'moving']) {
    // Earlier stages as they are.
    for (let i = 0; i < stage; i++) {
      for (const name of i === 0 ? [`${side}_down${i}`] : [`${side}_down${i}`, `${side}_conv${i}`]) {
        set(name, model.getLayer(name).getWeights().map((w) => w.clone()));
      }
    }
    // The last stage: its first convolution's outputs copied, every later one's inputs shared out.
    const chain = [`${side}_down${stage}`, ...(stage > 0 ? [`${side}_conv${stage}`] : []), ...Array.from({ length: oldContext }, (_, i) => `${side}_context${i}`)];
    chain.forEach((name, i) => {
      const [k, b] = kernelOf(model, name);
      const cin = i === 0 ? k.shape[2] : width;
      set(name, [remap(k, cin, width, i > 0, true), bias(b)]);
    });
    for (let i = oldContext; i < context; i++) {
      const identity = new Float32Array(9 * width * width);
      for (let c = 0; c < width; c++) identity[(4 * width + c) * width + c] = 1;
      set(`${side}_context${i}`, [tf.tensor(identity, [3, 3, width, width]), tf.zeros([width])]);
    }
    const [k, b] = kernelOf(model, `${side}_features`);
    set(`${side}_features`, [remap(k, width, k.shape[3], true, false), tf.tensor(b.data, b.shape)]);
  }
  return grown;
}
