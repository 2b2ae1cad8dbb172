/**
 * 2-D affine maps as 2×3 matrices [[a11, a12, b1], [a21, a22, b2]]: q = A·p + b.
 * Everything else in `transform/` reduces to these few operations.
 */

export type Matrix2x3 = [[number, number, number], [number, number, number]];
export type Point = [number, number];

export function identityMatrix(): Matrix2x3 {
  return [
    [1, 0, 0],
    [0, 1, 0],
  ];
}

export function applyMatrix(m: Matrix2x3, p: readonly [number, number]): Point {
  return [m[0][0] * p[0] + m[0][1] * p[1] + m[0][2], m[1][0] * p[0] + m[1][1] * p[1] + m[1][2]];
}

/** The map p ↦ second(first(p)). */
export function composeMatrices(first: Matrix2x3, second: Matrix2x3): Matrix2x3 {
  const [a, b] = second;
  const [c, d] = first;
  return [
    [a[0] * c[0] + a[1] * d[0], a[0] * c[1] + a[1] * d[1], a[0] * c[2] + a[1] * d[2] + a[2]],
    [b[0] * c[0] + b[1] * d[0], b[0] * c[1] + b[1] * d[1], b[0] * c[2] + b[1] * d[2] + b[2]],
  ];
}

export function determinant(m: Matrix2x3): number {
  return m[0][0] * m[1][1] - m[0][1] * m[1][0];
}

export function invertMatrix(m: Matrix2x3): Matrix2x3 {
  const det = determinant(m);
  const scale = Math.max(Math.abs(m[0][0]), Math.abs(m[0][1]), Math.abs(m[1][0]), Math.abs(m[1][1]));
  if (!Number.isFinite(det) || Math.abs(det) <= 1e-12 * scale * scale) {
    throw new Error('transform is singular and cannot be inverted');
  }
  const i00 = m[1][1] / det;
  const i01 = -m[0][1] / det;
  const i10 = -m[1][0] / det;
  const i11 = m[0][0] / det;
  return [
    [i00, i01, -(i00 * m[0][2] + i01 * m[1][2])],
    [i10, i11, -(i10 * m[0][2] + i11 * m[1][2])],
  ];
}

export function isFiniteMatrix(m: Matrix2x3): boolean {
  return m.every((row) => row.every(Number.isFinite));
}
