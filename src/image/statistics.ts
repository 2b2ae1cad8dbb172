/** Robust intensity statistics over the finite pixels of an image. */

/** At most this many pixels are sorted for percentiles: a strided sample beyond it (deterministic). */
const SAMPLE_LIMIT = 1 << 18;

/** Finite values (a strided sample when the image is large), sorted ascending. */
export function sortedSample(data: ArrayLike<number>, limit = SAMPLE_LIMIT): Float64Array {
  return finiteSample(data, limit).sort();
}

/** Percentile (0–100) of a sorted array, linear interpolation between order statistics. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const x = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

/** Finite values (a strided sample when the image is large), unsorted, in a new array. */
function finiteSample(data: ArrayLike<number>, limit: number): Float64Array {
  const stride = Math.max(1, Math.ceil(data.length / limit));
  const values = new Float64Array(Math.ceil(data.length / stride));
  let count = 0;
  for (let k = 0; k < data.length; k += stride) {
    const v = data[k];
    if (Number.isFinite(v)) values[count++] = v;
  }
  return values.subarray(0, count);
}

/**
 * Rearrange `a` so that a[k] is the value a full sort would put there, everything before it ≤ and
 * everything after it ≥ (Hoare's selection, median-of-three pivot): O(n) where sorting is
 * O(n log n) — the percentiles of every model input and metric go through here, and sorting a
 * 256² sample took ~10 ms of a registration.
 */
function selectInPlace(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot: sorted or constant data stay linear.
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Percentiles (0–100) of the finite values, as `percentileOfSorted` would give them on the sorted sample, without sorting. */
export function percentiles(data: ArrayLike<number>, ps: readonly number[]): number[] {
  const values = finiteSample(data, SAMPLE_LIMIT);
  const n = values.length;
  if (n === 0) return ps.map(() => NaN);
  return ps.map((p) => {
    const x = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
    const lo = Math.floor(x);
    selectInPlace(values, lo);
    const below = values[lo];
    if (lo + 1 >= n || x === lo) return below;
    // After selection everything past lo is ≥ a[lo]: the next order statistic is their minimum.
    let next = Infinity;
    for (let k = lo + 1; k < n; k++) if (values[k] < next) next = values[k];
    return below + (next - below) * (x - lo);
  });
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
