/** The JSON form of a transform (CONVENTIONS.md), and reading it back. */
import type { Matrix2x3 } from './matrix.js';
import { affineFromMatrix, similarity, similarityFromMatrix, type Transform } from './transform.js';

export interface TransformJSON {
  type: 'similarity' | 'affine';
  rotationDeg?: number;
  scale?: number;
  translation: [number, number];
  center: [number, number];
  matrix: Matrix2x3;
}

/** Plain JSON-serialisable copy of a transform. */
export function transformToJSON(t: Transform): TransformJSON {
  const matrix: Matrix2x3 = [
    [...t.matrix[0]],
    [...t.matrix[1]],
  ];
  if (t.type === 'similarity') {
    return {
      type: 'similarity',
      rotationDeg: t.rotationDeg,
      scale: t.scale,
      translation: [...t.translation],
      center: [...t.center],
      matrix,
    };
  }
  return { type: 'affine', translation: [...t.translation], center: [...t.center], matrix };
}

function isMatrix(m: unknown): m is Matrix2x3 {
  return (
    Array.isArray(m) &&
    m.length === 2 &&
    m.every((row) => Array.isArray(row) && row.length === 3 && row.every((v) => typeof v === 'number' && Number.isFinite(v)))
  );
}

function pair(v: unknown, what: string): [number, number] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return [v[0], v[1]];
  }
  throw new Error(`transform JSON: "${what}" must be two finite numbers`);
}

/**
 * Read a transform from its JSON object. Accepts the CLI's whole output too (takes the first
 * result). Similarity parameters win over `matrix` when both are present.
 */
export function transformFromJSON(value: unknown): Transform {
  let obj = value as Record<string, unknown>;
  if (obj && Array.isArray(obj.results) && obj.results.length > 0) {
    obj = (obj.results[0] as Record<string, unknown>).transform as Record<string, unknown>;
  }
  if (!obj || typeof obj !== 'object') throw new Error('transform JSON: expected an object');
  const center = pair(obj.center, 'center') ?? [0, 0];
  const translation = pair(obj.translation, 'translation');
  if (obj.type === 'similarity' && typeof obj.rotationDeg === 'number' && typeof obj.scale === 'number') {
    return similarity({ rotationDeg: obj.rotationDeg, scale: obj.scale, translation: translation ?? [0, 0], center });
  }
  if (isMatrix(obj.matrix)) {
    return obj.type === 'similarity' ? similarityFromMatrix(obj.matrix, center) : affineFromMatrix(obj.matrix, center);
  }
  throw new Error('transform JSON: needs "rotationDeg" and "scale" (similarity) or a 2×3 "matrix"');
}
