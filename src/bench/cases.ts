/**
 * Benchmark cases: pairs with known transforms, stratified over displacement so that every
 * rotation bin is populated. Synthetic cases come from the training generator (a held-out seed);
 * real cases warp the moving image of a co-registered real pair by a random similarity.
 */
import { frameOf, toPhysical } from '../cnn/model-frame.js';
import { createFloatImage, gridCenter, gridOf, type Grid, type Image } from '../image/image.js';
import { resample } from '../resample.js';
import { FULL_RANGE, makePair, makeWorld, sampleTransform, type PairOptions } from '../synthetic/pairs.js';
import { degradeEm, degradeXrayMap, renderField, type XrayMap } from '../synthetic/modalities.js';
import type { Rng } from '../synthetic/random.js';
import { proceduralWorld, realWorld, type RealSource } from '../synthetic/world.js';
import { invertTransform, similarity, type SimilarityTransform } from '../transform/transform.js';

/** Upper edges of the rotation bins (|rotation|, degrees), as the issue defines them. */
export const ROTATION_BINS = [5, 15, 45, 180] as const;
/** Upper edges of the scale bins, as |log2 scale|: 0.93–1.07, 0.71–1.41, 0.5–2. */
export const SCALE_BINS = [0.1, 0.5, 1] as const;

export function rotationBin(rotationDeg: number): string {
  const r = Math.abs(rotationDeg);
  const edge = ROTATION_BINS.find((e) => r <= e + 1e-9) ?? 180;
  return `≤ ${edge}°`;
}

export function scaleBin(scale: number): string {
  const l = Math.abs(Math.log2(scale));
  const edge = SCALE_BINS.find((e) => l <= e + 1e-9) ?? 1;
  return `${(2 ** -edge).toFixed(2)}–${(2 ** edge).toFixed(2)}`;
}

export interface BenchCase {
  id: string;
  /** 'synthetic' or the real pair type's name. */
  set: string;
  /** Modality order, e.g. 'xray-em' or 'EM vs fluorescence'. */
  kind: string;
  fixed: Image;
  moving: Image;
  /** Physical fixed → moving truth. */
  truth: SimilarityTransform;
  rotationDeg: number;
  scale: number;
}

/** A rotation stratified over the bins: |θ| uniform within the bin lo–hi, random sign. */
function stratifiedRange(index: number) {
  const bin = index % ROTATION_BINS.length;
  const lo = bin === 0 ? 0 : ROTATION_BINS[bin - 1];
  const hi = ROTATION_BINS[bin];
  return { lo, hi };
}

function drawTransform(rng: Rng, index: number) {
  const { lo, hi } = stratifiedRange(index);
  const t = sampleTransform(rng, FULL_RANGE);
  const magnitude = rng.uniform(lo, hi);
  return { ...t, rotationDeg: rng.chance(0.5) ? magnitude : -magnitude };
}

/**
 * An m×m X-ray map of an n×n field (pixel size `pixel`, default 1) as an image in that field:
 * pixels n/m times coarser, each centred on the block of field pixels it averages.
 */
export function xrayMapImage(map: XrayMap, n: number, pixel = 1): Image {
  const spacing = (n / map.m) * pixel;
  return createFloatImage([map.m, map.m], map.data, { spacing: [spacing, spacing], origin: [spacing / 2 - pixel / 2, spacing / 2 - pixel / 2] });
}

/**
 * Synthetic correlative pairs in an n×n field (EM images on n×n pixels of spacing 1, X-ray maps on
 * their own coarser pixels), drawn like training pairs (all modality orders) but with rotations
 * stratified over the bins. The truth is in physical units of that field. Deterministic for
 * (rng state, count).
 */
export function syntheticCases(rng: Rng, count: number, n: number, sources: readonly RealSource[]): BenchCase[] {
  const grid: Grid = { size: [n, n], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1] };
  return Array.from({ length: count }, (_, i) => {
    const options: PairOptions = { size: n, fineFraction: 0, sources, truth: drawTransform(rng, i) };
    const pair = makePair(rng, options, makeWorld(rng, options));
    // X-ray maps at their own pixel size and in counts, as a beamline writes them.
    const image = (role: 'fixed' | 'moving') => {
      const map = pair.xrayMaps[role];
      return map && map.m < n ? xrayMapImage(map, n) : createFloatImage([n, n], pair[role], grid);
    };
    return {
      id: `synthetic-${i}`,
      set: 'synthetic',
      kind: pair.kind,
      fixed: image('fixed'),
      moving: image('moving'),
      truth: toPhysical(pair.truth, frameOf(grid), frameOf(grid)),
      rotationDeg: pair.truth.rotationDeg,
      scale: pair.truth.scale,
    };
  });
}

/**
 * A co-registered real pair (same physical frame) made into `count` cases: the partner image is
 * resampled through the inverse of a random similarity about the fixed image's centre, with
 * shifts up to ±25 % of the longer side — so that moving(T(p)) = partner(p) ≈ fixed(p).
 */
export function warpedCases(set: string, kind: string, fixed: Image, partner: Image, rng: Rng, count: number, first = 0): BenchCase[] {
  const grid = gridOf(fixed);
  const side = Math.max(grid.size[0] * grid.spacing[0], grid.size[1] * grid.spacing[1]);
  return Array.from({ length: count }, (_, k) => {
    const p = drawTransform(rng, first + k);
    const truth = similarity({ rotationDeg: p.rotationDeg, scale: p.scale, translation: [(p.tx * side) / 2, (p.ty * side) / 2], center: gridCenter(grid) });
    return {
      id: `${kind}-${first + k}`,
      set,
      kind,
      fixed,
      moving: resample(partner, gridOf(partner), invertTransform(truth)),
      truth,
      rotationDeg: p.rotationDeg,
      scale: p.scale,
    };
  });
}

/** The benchmark set of field-window pairs (`fieldCases`). */
export const FIELDS_SET = 'EM view in a 2.5–5× wider X-ray map';

/**
 * A small field inside a much larger one, with physical pixel sizes, as the field windows of the
 * CNN method are for (field-windows.ts): an X-ray map of a whole world (the generator's X-ray
 * contrast and degradation, its own 1–8× coarser pixels, in counts) and an EM view of a part of
 * it 2.5–5× narrower (the generator's EM contrast and degradation), at the world's pixel size
 * `pixel` — the view sampled at world resolution, not magnified. The view is turned anywhere
 * (stratified over the rotation bins) and its scale is off by up to ±5 % (a calibration error);
 * it lies wholly inside the map. Even cases have the map fixed, odd ones the view.
 */
export function fieldCases(rng: Rng, count: number, sources: readonly RealSource[], n = 384, pixel = 0.02): BenchCase[] {
  const usable = sources.filter((s) => s.width >= 256 && s.height >= 256);
  return Array.from({ length: count }, (_, i) => {
    const world = usable.length && rng.chance(0.5) ? realWorld(rng, rng.pick(usable), n, 1) : proceduralWorld(rng, n, 1);
    const xray = xrayMapImage(degradeXrayMap(renderField(world, 'xray', rng), n, rng), n, pixel);
    const emField = createFloatImage([n, n], renderField(world, 'em', rng), { spacing: [pixel, pixel] });
    const ratio = rng.uniform(2.5, 5);
    const side = Math.round(n / ratio);
    const rotationDeg = drawTransform(rng, i).rotationDeg;
    const scale = Math.exp(rng.uniform(-0.05, 0.05));
    // The view's corners stay inside the field wherever it is turned: its centre keeps half a diagonal away from the edges.
    const reach = (((side - 1) * pixel * scale) / 2) * Math.SQRT2;
    const field = (n - 1) * pixel;
    const centre: [number, number] = [rng.uniform(reach, field - reach), rng.uniform(reach, field - reach)];
    const half = ((side - 1) * pixel) / 2;
    // View physical point → world physical point: about the view's centre, turned and scaled, onto `centre`.
    const viewToWorld = similarity({ rotationDeg, scale, center: [half, half], translation: [centre[0] - half, centre[1] - half] });
    const viewGrid: Grid = { size: [side, side], spacing: [pixel, pixel], origin: [0, 0], direction: [1, 0, 0, 1] };
    const viewClean = resample(emField, viewGrid, viewToWorld);
    const view = createFloatImage([side, side], degradeEm(viewClean.data as Float32Array, side, rng), { spacing: [pixel, pixel] });
    const mapFixed = i % 2 === 0;
    const truth = mapFixed ? invertTransform(viewToWorld) : viewToWorld;
    return {
      id: `fields-${i}`,
      set: FIELDS_SET,
      kind: mapFixed ? 'xray-em' : 'em-xray',
      fixed: mapFixed ? xray : view,
      moving: mapFixed ? view : xray,
      truth: truth as SimilarityTransform,
      rotationDeg: mapFixed ? -rotationDeg : rotationDeg,
      scale: mapFixed ? 1 / scale : scale,
    };
  });
}
