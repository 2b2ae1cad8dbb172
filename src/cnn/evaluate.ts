/** Accuracy of normalised predictions against the truth, in the units the acceptance uses. */
import { normalisedMatrix, type NormalisedSimilarity } from './model-frame.js';
import { applyMatrix, invertMatrix } from '../transform/matrix.js';
import { encodeTarget } from './model.js';
import { percentileOfSorted } from '../image/statistics.js';

type Point = readonly [number, number];

/** The corners of a frame spanning [−1, 1]². */
const FRAME_CORNERS: Point[] = [
  [-1, -1],
  [1, -1],
  [1, 1],
  [-1, 1],
];

/** Success: corner error ≤ 2 % of the width; the frame spans 2 units, so 0.04 normalised units. */
export const NORMALISED_SUCCESS = 0.04;

/** Whether a normalised corner error counts as a success (the acceptance's rule). */
export const isNormalisedSuccess = (error: number) => error <= NORMALISED_SUCCESS;

/** Mean distance of the four frame corners (±1, ±1) mapped by both similarities, normalised units. */
export function normalisedCornerError(truth: NormalisedSimilarity, estimate: NormalisedSimilarity): number {
  const t = encodeTarget(truth);
  const e = encodeTarget(estimate);
  let sum = 0;
  for (const [x, y] of FRAME_CORNERS) {
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
    successRate: corner.filter(isNormalisedSuccess).length / Math.max(1, truths.length),
    medianCorner: median(corner),
    medianRotationDeg: median(truths.map((t, i) => Math.abs(angleDifference(estimates[i].rotationDeg, t.rotationDeg)))),
    medianScaleRel: median(truths.map((t, i) => Math.abs(estimates[i].scale / t.scale - 1))),
    medianShiftFraction: median(truths.map((t, i) => Math.hypot(estimates[i].tx - t.tx, estimates[i].ty - t.ty) / 2)),
  };
}

/** The part of a convex polygon inside the square [−1, 1]² (Sutherland–Hodgman, one edge at a time). */
function clipToFrame(polygon: Point[]): Point[] {
  let out: Point[] = polygon;
  // Each frame edge as "inside when side(p) ≥ 0".
  const sides: ((p: Point) => number)[] = [(p) => 1 - p[0], (p) => p[0] + 1, (p) => 1 - p[1], (p) => p[1] + 1];
  for (const side of sides) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const a = input[i];
      const b = input[(i + 1) % input.length];
      const sa = side(a);
      const sb = side(b);
      if (sa >= 0) out.push(a);
      if (sa >= 0 !== sb >= 0) {
        const t = sa / (sa - sb);
        out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
      }
    }
    if (out.length === 0) return out;
  }
  return out;
}

function area(polygon: Point[]): number {
  let twice = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x0, y0] = polygon[i];
    const [x1, y1] = polygon[(i + 1) % polygon.length];
    twice += x0 * y1 - x1 * y0;
  }
  return Math.abs(twice) / 2;
}

/**
 * How much the two fields of view share under the truth: the overlap's share of the larger field,
 * i.e. the smaller of the two fields' shares (1 only when the fields coincide; a zoom by 2 wholly
 * inside the other field gives 0.25; 0: they miss each other). Matching can only use the shared
 * part of each field, so success falls with it (the model card's table by overlap).
 */
export function overlapShare(truth: NormalisedSimilarity): number {
  const toFixed = invertMatrix(normalisedMatrix(truth));
  const corners = FRAME_CORNERS.map((v) => applyMatrix(toFixed, v));
  const shared = area(clipToFrame(corners)); // in fixed units; each frame's area is 4
  return Math.min(shared / 4, (shared * truth.scale * truth.scale) / 4);
}
