/** Accuracy of normalised predictions against the truth, in the units the acceptance uses. */
import type { NormalisedSimilarity } from './model-frame.js';
import { encodeTarget } from './model.js';
import { percentileOfSorted } from '../image/statistics.js';

/** Success: corner error ≤ 2 % of the width; the frame spans 2 units, so 0.04 normalised units. */
export const NORMALISED_SUCCESS = 0.04;

/** Mean distance of the four frame corners (±1, ±1) mapped by both similarities, normalised units. */
export function normalisedCornerError(truth: NormalisedSimilarity, estimate: NormalisedSimilarity): number {
  const t = encodeTarget(truth);
  const e = encodeTarget(estimate);
  let sum = 0;
  for (const [x, y] of [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ]) {
    const dx = (e[0] - t[0]) * x - (e[1] - t[1]) * y + (e[2] - t[2]);
    const dy = (e[1] - t[1]) * x + (e[0] - t[0]) * y + (e[3] - t[3]);
    sum += Math.hypot(dx, dy);
  }
  return sum / 4;
}

/** Signed smallest difference of two angles in degrees, in (−180, 180]. */
export function angleDifference(a: number, b: number): number {
  let d = (a - b) % 360;
  if (d > 180) d -= 360;
  if (d <= -180) d += 360;
  return d;
}

export interface ErrorSummary {
  count: number;
  successRate: number;
  medianCorner: number;
  medianRotationDeg: number;
  /** Median |scale error| relative to the true scale. */
  medianScaleRel: number;
  /** Median shift error as a fraction of the field (the frame spans 2). */
  medianShiftFraction: number;
}

/** Median of a list (NaN when empty). */
export const median = (values: readonly number[]) => percentileOfSorted([...values].sort((a, b) => a - b), 50);

export function summarise(truths: NormalisedSimilarity[], estimates: NormalisedSimilarity[]): ErrorSummary {
  const corner = truths.map((t, i) => normalisedCornerError(t, estimates[i]));
  return {
    count: truths.length,
    successRate: corner.filter((c) => c <= NORMALISED_SUCCESS).length / Math.max(1, truths.length),
    medianCorner: median(corner),
    medianRotationDeg: median(truths.map((t, i) => Math.abs(angleDifference(estimates[i].rotationDeg, t.rotationDeg)))),
    medianScaleRel: median(truths.map((t, i) => Math.abs(estimates[i].scale / t.scale - 1))),
    medianShiftFraction: median(truths.map((t, i) => Math.hypot(estimates[i].tx - t.tx, estimates[i].ty - t.ty) / 2)),
  };
}
