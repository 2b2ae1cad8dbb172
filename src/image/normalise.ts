/**
 * Robust intensity normalisation: map the [low, high] percentiles to [0, 1] and clip. Min/max
 * would let a single hot pixel (XRF, EDS) or a few bright particles (HAADF) squash the rest.
 * Count data can first be compressed with sqrt (Anscombe-like variance stabilisation) or log.
 */
import { createFloatImage, gridOf, type Image } from './image.js';
import { percentiles } from './statistics.js';

export interface NormaliseOptions {
  /** Lower percentile mapped to 0. Default 1. */
  low?: number;
  /** Upper percentile mapped to 1. Default 99. */
  high?: number;
  /** Intensity transform before the percentiles: 'none' (default), 'sqrt' or 'log' (log1p of values shifted to ≥ 0). */
  compress?: 'none' | 'sqrt' | 'log';
}

/** Normalise raw values (see `normalise`); returns a new array. */
export function normaliseData(src: Float32Array, options: NormaliseOptions = {}): Float32Array {
  const low = options.low ?? 1;
  const high = options.high ?? 99;
  const compress = options.compress ?? 'none';
  const out = new Float32Array(src.length);
  if (compress === 'none') {
    out.set(src);
  } else {
    let min = Infinity;
    for (let k = 0; k < src.length; k++) if (src[k] < min) min = src[k];
    const shift = Math.min(0, min);
    const f = compress === 'sqrt' ? Math.sqrt : Math.log1p;
    for (let k = 0; k < src.length; k++) out[k] = f(src[k] - shift);
  }
  let [lo, hi] = percentiles(out, [low, high]);
  if (!(hi > lo)) {
    // Sparse images (a few particles on a flat background) have equal percentiles: fall back to the extremes.
    [lo, hi] = percentiles(out, [0, 100]);
  }
  const range = hi > lo ? hi - lo : 1;
  for (let k = 0; k < out.length; k++) {
    const v = (out[k] - lo) / range;
    out[k] = v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v;
  }
  return out;
}

export function normalise(image: Image, options: NormaliseOptions = {}): Image {
  const out = normaliseData(image.data as Float32Array, options);
  return createFloatImage([image.size[0], image.size[1]], out, { ...gridOf(image), name: image.name });
}
