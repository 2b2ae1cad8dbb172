/**
 * Image similarity over the overlap of two images on the same grid: normalised cross-correlation
 * (mono-modal) and normalised mutual information (multi-modal).
 */
import type { Image } from '../image/image.js';
import { percentiles } from '../image/statistics.js';

function checkSameGrid(a: Image, b: Image): void {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new Error(`images differ in size (${a.size.join('×')} vs ${b.size.join('×')}): resample onto one grid first`);
  }
}

/** Pearson correlation of two same-grid images over `mask` (all pixels when absent). NaN with no overlap or no variance. */
export function ncc(a: Image, b: Image, mask?: Uint8Array): number {
  checkSameGrid(a, b);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask[k]) continue;
    if (!Number.isFinite(x[k]) || !Number.isFinite(y[k])) continue;
    n++;
    sx += x[k];
    sy += y[k];
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask[k]) continue;
    if (!Number.isFinite(x[k]) || !Number.isFinite(y[k])) continue;
    const dx = x[k] - mx;
    const dy = y[k] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

export interface NmiOptions {
  /** Histogram bins per image. Default 32. */
  bins?: number;
}

function binner(data: Float32Array, bins: number): (v: number) => number {
  // Robust range (0.5–99.5 %) so that hot pixels do not empty all but one bin.
  const [lo, hi] = percentiles(data, [0.5, 99.5]);
  const scale = hi > lo ? bins / (hi - lo) : 0;
  return (v) => {
    const b = Math.floor((v - lo) * scale);
    return b < 0 ? 0 : b >= bins ? bins - 1 : b;
  };
}

/**
 * Normalised mutual information (H(A) + H(B)) / H(A, B), in [1, 2]: 1 for independent images,
 * 2 for images that determine each other. NaN with fewer than 16 overlapping pixels.
 */
export function nmi(a: Image, b: Image, mask?: Uint8Array, options: NmiOptions = {}): number {
  checkSameGrid(a, b);
  const bins = options.bins ?? 32;
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  const bx = binner(x, bins);
  const by = binner(y, bins);
  const joint = new Float64Array(bins * bins);
  let n = 0;
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask[k]) continue;
    if (!Number.isFinite(x[k]) || !Number.isFinite(y[k])) continue;
    joint[bx(x[k]) * bins + by(y[k])]++;
    n++;
  }
  if (n < 16) return NaN;
  const { marginal, joint: hxy } = histogramEntropies(joint, bins, n);
  return hxy > 0 ? marginal / hxy : 2;
}

/**
 * Entropies of a joint histogram (bins × bins counts, row-major, `n` in all): the sum of the two
 * marginal entropies H(A) + H(B), and the joint one H(A, B). NMI is their ratio.
 */
export function histogramEntropies(joint: Float64Array, bins: number, n: number): { marginal: number; joint: number } {
  const pa = new Float64Array(bins);
  const pb = new Float64Array(bins);
  let hab = 0;
  for (let i = 0; i < bins; i++) {
    for (let j = 0; j < bins; j++) {
      const c = joint[i * bins + j];
      if (c === 0) continue;
      pa[i] += c;
      pb[j] += c;
      hab -= (c / n) * Math.log(c / n);
    }
  }
  const entropy = (h: Float64Array) => h.reduce((s, c) => (c > 0 ? s - (c / n) * Math.log(c / n) : s), 0);
  return { marginal: entropy(pa) + entropy(pb), joint: hab };
}
