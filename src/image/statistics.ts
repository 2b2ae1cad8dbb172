/** Robust intensity statistics over the finite pixels of an image. */

/** At most this many pixels are sorted for percentiles: a strided sample beyond it (deterministic). */
const SAMPLE_LIMIT = 1 << 18;

/** Finite values (a strided sample when the image is large), sorted ascending. */
export function sortedSample(data: ArrayLike<number>, limit = SAMPLE_LIMIT): Float64Array {
  const stride = Math.max(1, Math.ceil(data.length / limit));
  const values: number[] = [];
  for (let k = 0; k < data.length; k += stride) {
    const v = data[k];
    if (Number.isFinite(v)) values.push(v);
  }
  return Float64Array.from(values).sort();
}

/** Percentile (0–100) of a sorted array, linear interpolation between order statistics. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const x = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

export function percentiles(data: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = sortedSample(data);
  return ps.map((p) => percentileOfSorted(sorted, p));
}

export interface FiniteSummary {
  count: number;
  nonFinite: number;
  min: number;
  max: number;
}

export function finiteSummary(data: ArrayLike<number>): FiniteSummary {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (Number.isFinite(v)) {
      count++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { count, nonFinite: data.length - count, min, max };
}
