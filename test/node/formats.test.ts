import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parameterMapToTransform, parameterObjectToTransform, readParameterText, transformToParameterMap, writeParameterText } from '../../src/transform/elastix-parameters.js';
import { formatTransform, parseTransform, transformFormatOf } from '../../src/transform/formats.js';
import { readItkTfm, writeItkTfm } from '../../src/transform/itk-tfm.js';
import { transformFromJSON, transformToJSON } from '../../src/transform/json.js';
import { affine, similarity, type Transform } from '../../src/transform/transform.js';

function sameMapping(a: Transform, b: Transform, tol = 1e-9) {
  for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(a.matrix[r][c] - b.matrix[r][c]) <= tol, `m[${r}][${c}] ${a.matrix[r][c]} vs ${b.matrix[r][c]}`);
}

const sim = similarity({ rotationDeg: -37.25, scale: 1.0734, translation: [12.5, -3.125], center: [255.5, 127.5] });
const aff = affine([
  [1.02, -0.13],
  [0.11, 0.97],
], [-4.5, 8.25], [100, 60]);

describe('ITK .tfm', () => {
  it('round-trips a similarity and an affine exactly', () => {
    for (const t of [sim, aff]) {
      const text = writeItkTfm(t);
      assert.match(text, /^#Insight Transform File V1.0/);
      const back = readItkTfm(text);
      assert.equal(back.type, t.type);
      sameMapping(back, t, 1e-12);
      assert.deepEqual(back.center, t.center);
    }
    assert.match(writeItkTfm(sim), /Similarity2DTransform_double_2_2/);
    assert.match(writeItkTfm(aff), /AffineTransform_double_2_2/);
  });

  it('reads Euler2D and composite files (last transform applied first)', () => {
    const text = [
      '#Insight Transform File V1.0',
      '#Transform 0',
      'Transform: CompositeTransform_double_2_2',
      '#Transform 1',
      'Transform: TranslationTransform_double_2_2',
      'Parameters: 10 0',
      'FixedParameters: ',
      '#Transform 2',
      'Transform: Euler2DTransform_double_2_2',
      `Parameters: ${Math.PI / 2} 0 0`,
      'FixedParameters: 0 0',
    ].join('\n');
    const t = readItkTfm(text);
    // Euler first: (1, 0) → (0, 1); then translation: (10, 1).
    const m = t.matrix;
    assert.ok(Math.abs(m[0][0] * 1 + m[0][2] - 10) < 1e-9);
    assert.ok(Math.abs(m[1][0] * 1 + m[1][2] - 1) < 1e-9);
  });

  it('explains what it cannot read', () => {
    assert.throws(() => readItkTfm('hello'), /not an ITK transform file/);
    assert.throws(() => readItkTfm('#Insight Transform File V1.0\nTransform: BSplineTransform_double_2_2\nParameters: 1 2\n'), /not supported/);
    assert.throws(() => readItkTfm('#Insight Transform File V1.0\nTransform: AffineTransform_double_2_2\nParameters: 1 2\n'), /expected 6 parameters/);
  });
});

describe('elastix TransformParameters text', () => {
  it('round-trips similarity and affine through text, keeping the fixed grid', () => {
    const grid = { size: [640, 480] as [number, number], spacing: [0.5, 0.5] as [number, number], origin: [1, 2] as [number, number], direction: [1, 0, 0, 1] as [number, number, number, number] };
    for (const t of [sim, aff]) {
      const text = writeParameterText(transformToParameterMap(t, grid));
      assert.match(text, /\(Transform "(Similarity|Affine)Transform"\)/);
      assert.match(text, /\(Size 640 480\)/);
      const map = readParameterText(text);
      assert.deepEqual(map.Spacing, ['0.5', '0.5']);
      const back = parameterMapToTransform(map);
      assert.equal(back.type, t.type);
      sameMapping(back, t, 1e-12);
    }
  });

  it('reads text as elastix writes it, with comments, and composes chains first-to-last', () => {
    const text = `// Euler stage
(Transform "EulerTransform")
(NumberOfParameters 3)
(TransformParameters 0.0 5.0 0.0) // shift only
(CenterOfRotationPoint 10.0 10.0)
(HowToCombineTransforms "Compose")
(UseDirectionCosines "true")`;
    const map = readParameterText(text);
    assert.deepEqual(map.TransformParameters, ['0.0', '5.0', '0.0']);
    assert.deepEqual(map.UseDirectionCosines, ['true']);
    const scale2 = transformToParameterMap(similarity({ scale: 2 }));
    const chain = parameterObjectToTransform([map, scale2]);
    // p = (1, 1): shift → (6, 1), then scale → (12, 2)
    const p = [chain.matrix[0][0] + chain.matrix[0][1] + chain.matrix[0][2], chain.matrix[1][0] + chain.matrix[1][1] + chain.matrix[1][2]];
    assert.ok(Math.abs(p[0] - 12) < 1e-9 && Math.abs(p[1] - 2) < 1e-9, String(p));
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => readParameterText('plain words'), /not elastix parameter text/);
    assert.throws(() => parameterMapToTransform({ Transform: ['BSplineTransform'], TransformParameters: ['1'] }), /not supported/);
    assert.throws(() => parameterMapToTransform({ Transform: ['SimilarityTransform'], TransformParameters: ['1', '2'] }), /needs 4 values/);
  });
});

describe('JSON and dispatch by extension', () => {
  it('round-trips through JSON text, and reads the CLI document', () => {
    for (const t of [sim, aff]) {
      const back = transformFromJSON(JSON.parse(JSON.stringify(transformToJSON(t))));
      sameMapping(back, t, 1e-12);
      assert.equal(back.type, t.type);
    }
    const doc = { fixed: 'a', moving: 'b', results: [{ method: 'elastix', transform: transformToJSON(sim) }] };
    sameMapping(transformFromJSON(doc), sim, 1e-12);
    assert.throws(() => transformFromJSON({ type: 'similarity' }), /needs/);
  });

  it('chooses the format from the extension, and every format round-trips', () => {
    assert.equal(transformFormatOf('a/b/T.JSON'), 'json');
    assert.equal(transformFormatOf('x.tfm'), 'tfm');
    assert.equal(transformFormatOf('TransformParameters.0.txt'), 'elastix');
    assert.throws(() => transformFormatOf('x.mat'), /\.json, \.tfm or \.txt/);
    for (const format of ['json', 'tfm', 'elastix'] as const) {
      sameMapping(parseTransform(formatTransform(sim, format), format), sim, 1e-12);
    }
  });
});
