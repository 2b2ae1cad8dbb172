/**
 * Batches of synthetic pairs, fully determined by (seed, batch index): training can resume at any
 * step and workers can produce batches in any order with identical results.
 */
import { encodeTarget } from '../cnn/model.js';
import { makePair, makeWorld, type PairKind, type PairOptions } from './pairs.js';
import { Rng } from './random.js';
import { viewInputs } from './views.js';

export interface PairBatch {
  index: number;
  size: number;
  /** [batch, n, n] row-major, normalised model inputs. */
  fixed: Float32Array;
  moving: Float32Array;
  /** [batch, 4]: a, b, tx, ty. */
  targets: Float32Array;
  kinds: PairKind[];
  /** World of each pair: a procedural kind ('cells', 'fibres', …) or 'real:<source path>'. */
  worlds: string[];
  /** Coarsest X-ray pixel of each pair, in view pixels (1 when neither view is an X-ray map, or at full resolution). */
  xrayPixels: number[];
}

/** Pairs drawn from one world before a new one is made (world generation dominates the cost). */
const PAIRS_PER_WORLD = 4;

function batchSeed(seed: number, index: number): number {
  // Distinct, well-mixed 32-bit seeds per batch.
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function makeBatch(seed: number, index: number, batchSize: number, options: PairOptions): PairBatch {
  const n = options.size;
  const rng = new Rng(batchSeed(seed, index));
  options = { ...options, batchIndex: index };
  const fixed = new Float32Array(batchSize * n * n);
  const moving = new Float32Array(batchSize * n * n);
  const targets = new Float32Array(batchSize * 4);
  const kinds: PairKind[] = [];
  const worlds: string[] = [];
  const xrayPixels: number[] = [];
  let world = makeWorld(rng, options);
  for (let i = 0; i < batchSize; i++) {
    if (i > 0 && i % PAIRS_PER_WORLD === 0) world = makeWorld(rng, options);
    const pair = makePair(rng, options, world);
    const inputs = viewInputs(pair, n, options.viewShare ?? 0, rng);
    fixed.set(inputs.fixed, i * n * n);
    moving.set(inputs.moving, i * n * n);
    targets.set(encodeTarget(inputs.truth), i * 4);
    kinds.push(pair.kind);
    worlds.push(pair.world);
    xrayPixels.push(Math.max(1, ...[pair.xrayMaps.fixed, pair.xrayMaps.moving].map((map) => (map ? n / map.m : 1))));
  }
  return { index, size: batchSize, fixed, moving, targets, kinds, worlds, xrayPixels };
}
