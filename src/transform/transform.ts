/**
 * The transforms of CONVENTIONS.md. A transform maps a physical point of the fixed image to the
 * corresponding physical point of the moving image. Every transform carries its 2×3 `matrix`.
 *
 * Similarity: A = scale · R(rotationDeg), b = center + translation − A · center.
 * Affine:     A free, b = center + translation − A · center (the ITK/elastix parameterisation).
 */
import {
  applyMatrix,
  composeMatrices,
  invertMatrix,
  type Matrix2x3,
  type Point,
} from './matrix.js';

export interface SimilarityTransform {
  type: 'similarity';
  /** Positive turns +x towards +y (clockwise on screen, since y points down). */
  rotationDeg: number;
  scale: number;
  translation: [number, number];
  center: [number, number];
  matrix: Matrix2x3;
}

export interface AffineTransform {
  type: 'affine';
  /** The linear part A, row-major [[a11, a12], [a21, a22]]. */
  linear: [[number, number], [number, number]];
  translation: [number, number];
  center: [number, number];
  matrix: Matrix2x3;
}

export type Transform = SimilarityTransform | AffineTransform;

export interface SimilarityParameters {
  rotationDeg?: number;
  scale?: number;
  translation?: readonly [number, number] | readonly number[];
  center?: readonly [number, number] | readonly number[];
}

const DEG = Math.PI / 180;

function offsetFor(a: [[number, number], [number, number]], center: Point, translation: Point): [number, number] {
  return [
    center[0] + translation[0] - (a[0][0] * center[0] + a[0][1] * center[1]),
    center[1] + translation[1] - (a[1][0] * center[0] + a[1][1] * center[1]),
  ];
}

/** A similarity from its parameters; missing ones default to the identity about the origin. */
export function similarity(params: SimilarityParameters = {}): SimilarityTransform {
  const rotationDeg = params.rotationDeg ?? 0;
  const scale = params.scale ?? 1;
  const translation: Point = [params.translation?.[0] ?? 0, params.translation?.[1] ?? 0];
  const center: Point = [params.center?.[0] ?? 0, params.center?.[1] ?? 0];
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`similarity scale must be > 0, got ${scale}`);
  const c = Math.cos(rotationDeg * DEG);
  const s = Math.sin(rotationDeg * DEG);
  const a: [[number, number], [number, number]] = [
    [scale * c, -scale * s],
    [scale * s, scale * c],
  ];
  const b = offsetFor(a, center, translation);
  return {
    type: 'similarity',
    rotationDeg,
    scale,
    translation,
    center,
    matrix: [
      [a[0][0], a[0][1], b[0]],
      [a[1][0], a[1][1], b[1]],
    ],
  };
}

/** An affine transform from its linear part, translation and center. */
export function affine(
  linear: [[number, number], [number, number]],
  translation: readonly number[] = [0, 0],
  center: readonly number[] = [0, 0],
): AffineTransform {
  const t: Point = [translation[0], translation[1]];
  const c: Point = [center[0], center[1]];
  const b = offsetFor(linear, c, t);
  return {
    type: 'affine',
    linear: [
      [linear[0][0], linear[0][1]],
      [linear[1][0], linear[1][1]],
    ],
    translation: t,
    center: c,
    matrix: [
      [linear[0][0], linear[0][1], b[0]],
      [linear[1][0], linear[1][1], b[1]],
    ],
  };
}

/** The affine transform of a matrix, expressed about `center`. */
export function affineFromMatrix(m: Matrix2x3, center: readonly number[] = [0, 0]): AffineTransform {
  const linear: [[number, number], [number, number]] = [
    [m[0][0], m[0][1]],
    [m[1][0], m[1][1]],
  ];
  // b = c + t − A c  ⇒  t = b − c + A c
  const t: Point = [
    m[0][2] - center[0] + (linear[0][0] * center[0] + linear[0][1] * center[1]),
    m[1][2] - center[1] + (linear[1][0] * center[0] + linear[1][1] * center[1]),
  ];
  return affine(linear, t, center);
}

/**
 * How far a matrix's linear part is from a similarity, relative to its scale:
 * 0 for an exact similarity.
 */
export function nonSimilarity(m: Matrix2x3): number {
  const p = (m[0][0] + m[1][1]) / 2;
  const q = (m[1][0] - m[0][1]) / 2;
  const scale = Math.hypot(p, q);
  const residual = Math.hypot(m[0][0] - p, m[1][1] - p, m[1][0] - q, m[0][1] + q);
  return scale > 0 ? residual / scale : Infinity;
}

/**
 * The similarity closest to a matrix (least squares on the linear part), expressed about
 * `center`. Exact when the matrix is a similarity. Reflections have no similarity: throws.
 */
export function similarityFromMatrix(m: Matrix2x3, center: readonly number[] = [0, 0]): SimilarityTransform {
  const p = (m[0][0] + m[1][1]) / 2;
  const q = (m[1][0] - m[0][1]) / 2;
  const scale = Math.hypot(p, q);
  if (m[0][0] * m[1][1] - m[0][1] * m[1][0] <= 0) throw new Error('matrix is a reflection or singular, not a similarity');
  if (!(scale > 0)) throw new Error('matrix has no similarity part (zero scale)');
  const rotationDeg = Math.atan2(q, p) / DEG;
  const c: Point = [center[0], center[1]];
  // Keep the matrix's offset b: with S the similarity's linear part, b = c + t − S c.
  const s: Point = [p * c[0] - q * c[1], q * c[0] + p * c[1]];
  return similarity({ rotationDeg, scale, center: c, translation: [m[0][2] - c[0] + s[0], m[1][2] - c[1] + s[1]] });
}

/** Re-express a transform of the same kind from any matrix (similarities stay similarities when possible). */
export function fromMatrix(m: Matrix2x3, kind: Transform['type'], center: readonly number[] = [0, 0]): Transform {
  if (kind === 'similarity' && nonSimilarity(m) < 1e-9) return similarityFromMatrix(m, center);
  return affineFromMatrix(m, center);
}

/** Map a physical fixed-image point to the moving image. */
export function applyTransform(t: Transform | Matrix2x3, p: readonly [number, number]): Point {
  return applyMatrix(Array.isArray(t) ? t : t.matrix, p);
}

/**
 * The transform p ↦ second(first(p)). The result is a similarity when both are, about
 * `first`'s center.
 */
export function composeTransforms(first: Transform, second: Transform): Transform {
  const m = composeMatrices(first.matrix, second.matrix);
  const kind = first.type === 'similarity' && second.type === 'similarity' ? 'similarity' : 'affine';
  return fromMatrix(m, kind, first.center);
}

/** The inverse (moving → fixed), about the image of the center so parameters stay readable. */
export function invertTransform(t: Transform): Transform {
  const m = invertMatrix(t.matrix);
  return fromMatrix(m, t.type, applyMatrix(t.matrix, t.center));
}

/** The same mapping with parameters expressed about another center. */
export function withCenter(t: Transform, center: readonly number[]): Transform {
  return fromMatrix(t.matrix, t.type, center);
}
