import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare } from '../../src/compare.js';
import { RegistrationError } from '../../src/errors.js';
import { gridOf } from '../../src/image/image.js';
import { registerElastix, explainElastixFailure, levelsFor } from '../../src/methods/elastix.js';
import { createFloatImage } from '../../src/image/image.js';
import { buildParameterMap, ELASTIX_PRESETS } from '../../src/methods/elastix-presets.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { cornerError } from '../../src/metrics/corner-error.js';
import { nodeElastixRunner } from '../../src/node/elastix-runner.js';
import { readImageFile } from '../../src/node/image-file.js';
import { composeTransforms, similarity } from '../../src/transform/transform.js';
import { fixture, similarityAbout, warp } from './helpers.js';

const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');

describe('elastix (Node, wasm)', () => {
  it('recovers a known similarity on a real EM image within 0.5 px corner error', async () => {
    const truth = similarityAbout(em, { rotationDeg: 9, scale: 1.08, translation: [7, -5] });
    const result = await registerElastix(em, warp(em, truth), nodeElastixRunner);
    const error = cornerError(truth, result.transform, gridOf(em));
    assert.ok(error < 0.5, `corner error ${error.toFixed(3)} px`);
    assert.equal(result.transform.type, 'similarity');
    assert.equal(result.backend, 'wasm');
    assert.ok(result.registrationMs > 0);
  });

  it('returns physical transforms when the moving image has spacing 2', async () => {
    const truth = similarityAbout(em, { rotationDeg: -6, scale: 0.96, translation: [-8, 4] });
    const coarse = { size: [256, 256] as [number, number], spacing: [2, 2] as [number, number], origin: [0.5, 0.5] as [number, number], direction: [1, 0, 0, 1] as [number, number, number, number] };
    const moving = warp(em, truth, coarse);
    const result = await registerElastix(em, moving, nodeElastixRunner);
    const error = cornerError(truth, result.transform, gridOf(em));
    assert.ok(error < 1, `corner error ${error.toFixed(3)} px`);
  });

  it('affine registration and an initial transform (composed into the result)', async () => {
    const truth = similarityAbout(em, { rotationDeg: 4, scale: 1.03, translation: [3, 2] });
    const moving = warp(em, truth);
    const initial = similarityAbout(em, { rotationDeg: 3, scale: 1.02, translation: [2, 1] });
    const result = await registerElastix(em, moving, nodeElastixRunner, { transform: 'affine', preset: 'fast', initialTransform: initial });
    assert.equal(result.transform.type, 'affine');
    const error = cornerError(truth, result.transform, gridOf(em));
    assert.ok(error < 0.5, `corner error ${error.toFixed(3)} px`);
  });

  it('compare() runs elastix and reports quality that improves', async () => {
    const truth = composeTransforms(similarityAbout(em, { rotationDeg: 5 }), similarity({ translation: [6, 0] }));
    const [r] = await compare(em, warp(em, truth), ['elastix'], { elastixRunner: nodeElastixRunner });
    assert.equal(r.method, 'elastix');
    assert.ok(r.quality.nmiAfter > r.quality.nmiBefore + 0.05, JSON.stringify(r.quality));
  });

  it('builds parameter maps from presets with string-array overrides', () => {
    const map = buildParameterMap('similarity', ELASTIX_PRESETS.default, { MaximumNumberOfIterations: 1000, FixedImagePyramidSchedule: [4, 4, 2, 2, 1, 1] });
    assert.deepEqual(map.Transform, ['SimilarityTransform']);
    assert.deepEqual(map.MaximumNumberOfIterations, ['1000']);
    assert.deepEqual(map.FixedImagePyramidSchedule, ['4', '4', '2', '2', '1', '1']);
    assert.deepEqual(map.Metric, ['AdvancedMattesMutualInformation']);
  });

  it("finishes from a nearby start with the hybrid's short presets ('finish': one level, 'refine': two)", async () => {
    const truth = similarityAbout(em, { rotationDeg: 21, scale: 0.9, translation: [12, 9] });
    // A CNN-like estimate: about 1°, 1 % and 3 px off.
    const start = composeTransforms(similarityAbout(em, { rotationDeg: 1, scale: 1.01, translation: [3, -2] }), truth);
    assert.ok(cornerError(truth, start, gridOf(em)) > 5);
    const moving = warp(em, truth);
    for (const preset of ['finish', 'refine'] as const) {
      const result = await registerElastix(em, moving, nodeElastixRunner, { preset, initialTransform: start });
      const error = cornerError(truth, result.transform, gridOf(em));
      assert.ok(error < 0.5, `${preset}: corner error ${error.toFixed(3)} px`);
    }
  });

  it('uses fewer pyramid levels for small images', () => {
    const image = (w: number, h: number) => createFloatImage([w, h], new Float32Array(w * h));
    assert.equal(levelsFor(image(160, 160), image(160, 160), 5), 3);
    assert.equal(levelsFor(image(512, 512), image(320, 320), 5), 4);
    assert.equal(levelsFor(image(2048, 2048), image(2048, 2048), 5), 5);
    assert.equal(levelsFor(image(20, 20), image(512, 512), 5), 1);
  });

  it('registers a small real XRF map pair (160², 3 levels) within 2 % of the width', async () => {
    const fe = prepareImage(await readImageFile(fixture('hxn_xrf_Fe_K.tiff')), 'Fe');
    const truth = similarityAbout(fe, { rotationDeg: 6, scale: 1.05, translation: [3, -2] });
    const result = await registerElastix(fe, warp(fe, truth), nodeElastixRunner);
    const error = cornerError(truth, result.transform, gridOf(fe));
    assert.ok(error < 0.02 * 160, `corner error ${error.toFixed(3)} px`);
  });

  it('turns elastix failures into messages', async () => {
    assert.match(explainElastixFailure(123456), /internal exception/);
    assert.match(explainElastixFailure(new Error('ERROR: Too many samples map outside moving image buffer')), /lost the overlap/);
    // An unknown transform makes the real pipeline fail.
    await assert.rejects(
      registerElastix(em, em, nodeElastixRunner, { preset: 'fast', parameters: { Transform: 'NoSuchTransform' } }),
      (e: unknown) => e instanceof RegistrationError && /^elastix: /.test(e.message),
    );
  });

  it('a failed run prints nothing (itk-wasm logs pipeline exceptions to stdout, which `--json` output owns)', async () => {
    const printed: unknown[][] = [];
    const { log, error } = console;
    const record = (...parts: unknown[]) => void printed.push(parts);
    console.log = console.error = record;
    let failure: unknown;
    let afterwards: unknown;
    try {
      // A start far off the image: elastix finds no overlap and throws inside the module.
      await registerElastix(em, em, nodeElastixRunner, { preset: 'refine', initialTransform: similarity({ translation: [5000, 0] }) });
    } catch (e) {
      failure = e;
    } finally {
      afterwards = console.log;
      console.log = log;
      console.error = error;
    }
    assert.equal(afterwards, record, 'the console is given back');
    assert.ok(failure instanceof RegistrationError, String(failure));
    assert.match((failure as Error).message, /internal exception/);
    assert.deepEqual(printed, []);
  });

  it('runs again on the loaded pipeline, identically, and recovers after a failed run', async () => {
    // The Node runner keeps one elastix module across calls: runs must not leak state into each other.
    const truth = similarityAbout(em, { rotationDeg: 4, scale: 1.03, translation: [5, 3] });
    const moving = warp(em, truth);
    const first = await registerElastix(em, moving, nodeElastixRunner, { preset: 'refine' });
    await assert.rejects(registerElastix(em, moving, nodeElastixRunner, { preset: 'refine', parameters: { Transform: 'NoSuchTransform' } }), RegistrationError);
    const again = await registerElastix(em, moving, nodeElastixRunner, { preset: 'refine' });
    assert.deepEqual(again.transform.matrix, first.transform.matrix);
    assert.ok(cornerError(truth, again.transform, gridOf(em)) < 0.5);
  });
});
