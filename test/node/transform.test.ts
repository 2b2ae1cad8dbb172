import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMatrix, composeMatrices, invertMatrix, type Matrix2x3 } from '../../src/transform/matrix.js';
import {
  affine,
  affineFromMatrix,
  applyTransform,
  composeTransforms,
  invertTransform,
  similarity,
  similarityFromMatrix,
  withCenter,
} from '../../src/transform/transform.js';
import { rng } from './helpers.js';

function closeMatrix(a: Matrix2x3, b: Matrix2x3, tol = 1e-9) {
  for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(a[r][c] - b[r][c]) <= tol, `m[${r}][${c}]: ${a[r][c]} vs ${b[r][c]}`);
}

describe('similarity parameters ↔ matrix', () => {
  it('follows CONVENTIONS.md: A = s·R(θ), b = c + t − A·c, positive θ turns +x towards +y', () => {
    const t = similarity({ rotationDeg: 90, scale: 2, translation: [3, -1], center: [10, 20] });
    // A = 2·[[0, −1], [1, 0]]; b = c + t − A c = (10 + 3 + 40, 20 − 1 − 20)
    closeMatrix(t.matrix, [
      [0, -2, 53],
      [2, 0, -1],
    ]);
    const p = applyTransform(t, [11, 20]); // one unit along +x from the centre
    assert.deepEqual(p.map((v) => Math.round(v * 1e9) / 1e9), [13, 21]); // → +y, doubled, shifted
  });

  it('round-trips random parameters through the matrix', () => {
    const r = rng(7);
    for (let k = 0; k < 200; k++) {
      const params = {
        rotationDeg: (r() - 0.5) * 359.9,
        scale: 0.3 + r() * 3,
        translation: [(r() - 0.5) * 500, (r() - 0.5) * 500] as [number, number],
        center: [r() * 1000, r() * 1000] as [number, number],
      };
      const back = similarityFromMatrix(similarity(params).matrix, params.center);
      assert.ok(Math.abs(back.rotationDeg - params.rotationDeg) < 1e-9);
      assert.ok(Math.abs(back.scale - params.scale) < 1e-12);
      assert.ok(Math.abs(back.translation[0] - params.translation[0]) < 1e-8);
      assert.ok(Math.abs(back.translation[1] - params.translation[1]) < 1e-8);
    }
  });

  it('refuses reflections and zero scale', () => {
    assert.throws(() => similarityFromMatrix([
      [1, 0, 0],
      [0, -1, 0],
    ]), /reflection/);
    assert.throws(() => similarity({ scale: 0 }), /scale/);
  });

  it('keeps the mapping when the center changes', () => {
    const t = similarity({ rotationDeg: 33, scale: 1.2, translation: [5, 7], center: [100, 50] });
    const u = withCenter(t, [0, 0]);
    closeMatrix(t.matrix, u.matrix, 1e-9);
    assert.equal(u.type, 'similarity');
    assert.notDeepEqual(u.translation, t.translation);
  });
});

describe('compose and invert', () => {
  const r = rng(11);
  const randomSimilarity = () =>
    similarity({ rotationDeg: (r() - 0.5) * 300, scale: 0.5 + r() * 1.5, translation: [(r() - 0.5) * 100, (r() - 0.5) * 100], center: [r() * 200, r() * 200] });

  it('T ∘ T⁻¹ and T⁻¹ ∘ T are the identity', () => {
    for (let k = 0; k < 50; k++) {
      const t = randomSimilarity();
      const inv = invertTransform(t);
      closeMatrix(composeTransforms(t, inv).matrix, [
        [1, 0, 0],
        [0, 1, 0],
      ], 1e-9);
      closeMatrix(composeTransforms(inv, t).matrix, [
        [1, 0, 0],
        [0, 1, 0],
      ], 1e-9);
      assert.equal(inv.type, 'similarity');
    }
  });

  it('compose(first, second) applies first, then second; composition is associative', () => {
    for (let k = 0; k < 50; k++) {
      const [a, b, c] = [randomSimilarity(), randomSimilarity(), randomSimilarity()];
      const p: [number, number] = [r() * 100, r() * 100];
      const ab = composeTransforms(a, b);
      const expected = applyTransform(b, applyTransform(a, p));
      const got = applyTransform(ab, p);
      assert.ok(Math.hypot(got[0] - expected[0], got[1] - expected[1]) < 1e-8);
      closeMatrix(composeTransforms(ab, c).matrix, composeTransforms(a, composeTransforms(b, c)).matrix, 1e-8);
    }
  });

  it('composition adds angles and multiplies scales', () => {
    const a = similarity({ rotationDeg: 20, scale: 1.5 });
    const b = similarity({ rotationDeg: 30, scale: 2 });
    const ab = composeTransforms(a, b);
    assert.equal(ab.type, 'similarity');
    if (ab.type === 'similarity') {
      assert.ok(Math.abs(ab.rotationDeg - 50) < 1e-9);
      assert.ok(Math.abs(ab.scale - 3) < 1e-12);
    }
  });

  it('affine: matrix round trip, inverse, and mixing with a similarity gives an affine', () => {
    const a = affine([
      [1.1, 0.2],
      [-0.1, 0.9],
    ], [4, 5], [30, 40]);
    closeMatrix(affineFromMatrix(a.matrix, [30, 40]).matrix, a.matrix);
    assert.deepEqual(
      affineFromMatrix(a.matrix, [30, 40]).translation.map((v) => Math.round(v * 1e9) / 1e9),
      [4, 5],
    );
    closeMatrix(composeMatrices(a.matrix, invertMatrix(a.matrix)), [
      [1, 0, 0],
      [0, 1, 0],
    ], 1e-12);
    assert.equal(composeTransforms(a, similarity({ rotationDeg: 10 })).type, 'affine');
    const p = applyMatrix(invertTransform(a).matrix, applyTransform(a, [7, 9]));
    assert.ok(Math.hypot(p[0] - 7, p[1] - 9) < 1e-9);
  });

  it('refuses to invert a singular matrix', () => {
    assert.throws(() => invertMatrix([
      [1, 2, 0],
      [2, 4, 0],
    ]), /singular/);
  });
});
