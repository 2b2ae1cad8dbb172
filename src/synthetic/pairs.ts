/**
 * Synthetic training pairs with known transforms. A world (procedural or real) is imaged twice,
 * through two modalities, on two N×N model grids: the fixed view sees world point u at
 * normalised position u; the moving view at v sees world point T⁻¹(v), so that
 * moving(T(u)) = fixed(u) — T is the normalised fixed → moving similarity the network predicts.
 */
import { gaussianBlur } from '../image/gaussian.js';
import { normaliseModelInput, normalisedMatrix, type NormalisedSimilarity } from '../cnn/model-frame.js';
import { invertMatrix, type Matrix2x3 } from '../transform/matrix.js';
import { degradeEm, degradeXrayMap, renderField, upsample, type Modality, type XrayMap } from './modalities.js';
import type { Rng } from './random.js';
import { proceduralWorld, realWorld, type RealSource, type World } from './world.js';

/** Ranges of one transform distribution. Shifts in normalised units: ±0.5 is ±25 % of the field. */
export interface TransformRange {
  maxRotationDeg: number;
  minScale: number;
  maxScale: number;
  maxShift: number;
}

/** The documented full range: any rotation, scale 0.5–2, shift up to ±25 % of the field. */
export const FULL_RANGE: TransformRange = { maxRotationDeg: 180, minScale: 0.5, maxScale: 2, maxShift: 0.5 };
/** Small residuals, as seen by refinement passes after a first estimate. */
export const FINE_RANGE: TransformRange = { maxRotationDeg: 10, minScale: 0.92, maxScale: 1.08, maxShift: 0.08 };

export type PairKind = 'xray-em' | 'em-xray' | 'em-em' | 'xray-xray';

export interface PairOptions {
  /** Model grid side N. */
  size: number;
  /** Probability of drawing from FINE_RANGE instead of FULL_RANGE. Default 0.4. */
  fineFraction?: number;
  full?: TransformRange;
  fine?: TransformRange;
  /** Real images to use as worlds. */
  sources?: readonly RealSource[];
  /**
   * Curriculum: the full range grows from the fine range to FULL_RANGE over this many batches
   * (0: full range from the start). Networks that regress global transforms learn small
   * displacements first; starting at ±180° they collapse to predicting the identity.
   */
  curriculumBatches?: number;
  /** Index of the batch being made (set by makeBatch), for the curriculum. */
  batchIndex?: number;
  /** Probability of a real world when sources exist. Default 0.5. */
  realFraction?: number;
  /** A given transform instead of a random one (benchmarks stratify their own). */
  truth?: NormalisedSimilarity;
  /** Chance that each image of a pair is cut to a non-square view and framed as inference frames it (views.ts `viewInputs`; batches only). Default 0. */
  viewShare?: number;
  /** Probabilities of the modality orders; default 0.35 X-ray→EM, 0.35 EM→X-ray, 0.15 each mono-modal. */
  kinds?: Partial<Record<PairKind, number>>;
}

export interface SyntheticPair {
  fixed: Float32Array;
  moving: Float32Array;
  /**
   * X-ray sides at their own pixel size (m×m, each pixel n/m view pixels, centred on the block it
   * averages), as a beamline records them; `fixed`/`moving` hold them resampled onto n×n.
   */
  xrayMaps: { fixed?: XrayMap; moving?: XrayMap };
  truth: NormalisedSimilarity;
  kind: PairKind;
  world: string;
}

/** Half-width of the world in normalised units: covers T⁻¹ of the moving view for most of the range; beyond, the world mirrors. */
const WORLD_EXTENT = 3.2;
/** View pixels per world pixel at scale 1: a slightly coarser world keeps generation fast (~70 pairs/s). */
const WORLD_COARSENESS = 1.5;

/** The range at curriculum progress t ∈ [0, 1]: linear from `fine` to `full` (log-linear for scale). */
export function rangeAt(t: number, fine: TransformRange, full: TransformRange): TransformRange {
  const p = Math.min(1, Math.max(0, t));
  return {
    maxRotationDeg: fine.maxRotationDeg + (full.maxRotationDeg - fine.maxRotationDeg) * p,
    minScale: Math.exp(Math.log(fine.minScale) + (Math.log(full.minScale) - Math.log(fine.minScale)) * p),
    maxScale: Math.exp(Math.log(fine.maxScale) + (Math.log(full.maxScale) - Math.log(fine.maxScale)) * p),
    maxShift: fine.maxShift + (full.maxShift - fine.maxShift) * p,
  };
}

export function sampleTransform(rng: Rng, range: TransformRange): NormalisedSimilarity {
  return {
    rotationDeg: rng.uniform(-range.maxRotationDeg, range.maxRotationDeg),
    scale: rng.logUniform(range.minScale, range.maxScale),
    tx: rng.uniform(-range.maxShift, range.maxShift),
    ty: rng.uniform(-range.maxShift, range.maxShift),
  };
}

function pickKind(rng: Rng, weights: Partial<Record<PairKind, number>> = {}): PairKind {
  const w: Record<PairKind, number> = { 'xray-em': 0.35, 'em-xray': 0.35, 'em-em': 0.15, 'xray-xray': 0.15, ...weights };
  const total = Object.values(w).reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (const [k, v] of Object.entries(w) as [PairKind, number][]) {
    if ((r -= v) < 0) return k;
  }
  return 'xray-em';
}

/** Bilinear samples of a world field on the n×n grid mapped by `m` (grid normalised → world normalised), mirrored at the edges. */
function sampleView(field: Float32Array, world: World, m: Matrix2x3, n: number): Float32Array {
  const out = new Float32Array(n * n);
  const s = world.size;
  const toPix = (s - 1) / (2 * world.extent);
  const step = 2 / (n - 1);
  const reflect = (v: number) => {
    const period = 2 * (s - 1);
    let r = Math.abs(v) % period;
    if (r > s - 1) r = period - r;
    return r;
  };
  for (let j = 0; j < n; j++) {
    const v = -1 + j * step;
    for (let i = 0; i < n; i++) {
      const u = -1 + i * step;
      const x = reflect((m[0][0] * u + m[0][1] * v + m[0][2] + world.extent) * toPix);
      const y = reflect((m[1][0] * u + m[1][1] * v + m[1][2] + world.extent) * toPix);
      const x0 = Math.min(s - 2, Math.floor(x));
      const y0 = Math.min(s - 2, Math.floor(y));
      const fx = x - x0;
      const fy = y - y0;
      const a = field[y0 * s + x0] + (field[y0 * s + x0 + 1] - field[y0 * s + x0]) * fx;
      const b = field[(y0 + 1) * s + x0] + (field[(y0 + 1) * s + x0 + 1] - field[(y0 + 1) * s + x0]) * fx;
      out[j * n + i] = a + (b - a) * fy;
    }
  }
  return out;
}

/** One view: the modality's field, pre-smoothed when the view samples the world coarsely, then degraded. */
function view(world: World, modality: Modality, m: Matrix2x3, scale: number, n: number, rng: Rng, rendered?: Float32Array): { image: Float32Array; xrayMap?: XrayMap } {
  let field = rendered ?? renderField(world, modality, rng);
  const worldPixelsPerViewPixel = (scale * (2 / (n - 1)) * (world.size - 1)) / (2 * world.extent);
  if (worldPixelsPerViewPixel > 1.5) field = gaussianBlur(field, world.size, world.size, 0.45 * worldPixelsPerViewPixel);
  const clean = sampleView(field, world, m, n);
  if (modality === 'em') return { image: normaliseModelInput(degradeEm(clean, n, rng)) };
  const xrayMap = degradeXrayMap(clean, n, rng);
  return { image: normaliseModelInput(upsample(xrayMap.data, xrayMap.m, n)), xrayMap };
}

export function makeWorld(rng: Rng, options: PairOptions): World {
  const worldSize = Math.round((WORLD_EXTENT * (options.size - 1)) / WORLD_COARSENESS);
  const sources = options.sources ?? [];
  return sources.length > 0 && rng.chance(options.realFraction ?? 0.5)
    ? realWorld(rng, rng.pick(sources), worldSize, WORLD_EXTENT)
    : proceduralWorld(rng, worldSize, WORLD_EXTENT);
}

/** One synthetic pair from a world (default: a new one). Deterministic for a given generator state. */
export function makePair(rng: Rng, options: PairOptions, world: World = makeWorld(rng, options)): SyntheticPair {
  const n = options.size;
  const fine = options.fine ?? FINE_RANGE;
  const full = options.curriculumBatches
    ? rangeAt((options.batchIndex ?? 0) / options.curriculumBatches, fine, options.full ?? FULL_RANGE)
    : (options.full ?? FULL_RANGE);
  const range = rng.chance(options.fineFraction ?? 0.4) ? fine : full;
  const truth = options.truth ?? sampleTransform(rng, range);
  const kind = pickKind(rng, options.kinds);
  const [fixedModality, movingModality] = kind.split('-') as [Modality, Modality];
  const identity: Matrix2x3 = [
    [1, 0, 0],
    [0, 1, 0],
  ];
  // Shared contrast: both views render the world with the same per-phase intensities (then
  // degrade independently). Realistic for half of the mono-modal pairs; during the curriculum it
  // also gives multi-modal training an easy start — random encoders see no correspondence
  // between independently contrasted views, and learning never takes off (measured).
  const progress = options.curriculumBatches ? Math.min(1, (options.batchIndex ?? 0) / options.curriculumBatches) : 1;
  const monoModal = fixedModality === movingModality;
  const share = rng.chance(Math.max(monoModal ? 0.5 : 0, 1 - progress));
  const field = share ? renderField(world, fixedModality, rng) : undefined;
  const fixed = view(world, fixedModality, identity, 1, n, rng, field);
  const moving = view(world, movingModality, invertMatrix(normalisedMatrix(truth)), 1 / truth.scale, n, rng, field);
  return { fixed: fixed.image, moving: moving.image, xrayMaps: { fixed: fixed.xrayMap, moving: moving.xrayMap }, truth, kind, world: world.kind };
}
