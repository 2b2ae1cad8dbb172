/**
 * Corner error (CONVENTIONS.md, the MultiRegEval / CoMIR protocol): the mean distance, in
 * fixed-image pixels, between the fixed image's four corners mapped by the true and by the
 * estimated transform. Success: at most 2 % of the fixed image's width.
 */
import { gridCorners, meanSpacing, type Grid } from '../image/image.js';
import { applyMatrix, type Matrix2x3 } from '../transform/matrix.js';
import type { Transform } from '../transform/transform.js';

/** Success threshold as a fraction of the fixed image's width. */
export const SUCCESS_FRACTION = 0.02;

const matrixOf = (t: Transform | Matrix2x3) => (Array.isArray(t) ? t : t.matrix);

export function cornerError(truth: Transform | Matrix2x3, estimate: Transform | Matrix2x3, fixedGrid: Grid): number {
  const a = matrixOf(truth);
  const b = matrixOf(estimate);
  const corners = gridCorners(fixedGrid);
  let sum = 0;
  for (const c of corners) {
    const p = applyMatrix(a, c);
    const q = applyMatrix(b, c);
    sum += Math.hypot(p[0] - q[0], p[1] - q[1]);
  }
  // Physical distance → fixed pixels.
  return sum / corners.length / meanSpacing(fixedGrid);
}

/** Whether a corner error counts as a successful registration of an image of this grid. */
export function isSuccess(error: number, fixedGrid: Grid): boolean {
  return Number.isFinite(error) && error <= SUCCESS_FRACTION * fixedGrid.size[0];
}
