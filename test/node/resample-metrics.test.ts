import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gridOf, createFloatImage } from '../../src/image/image.js';
import { cornerError, isSuccess } from '../../src/metrics/corner-error.js';
import { pairQuality, registrationQuality } from '../../src/metrics/quality.js';
import { ncc, nmi } from '../../src/metrics/similarity-metrics.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { readImageFile } from '../../src/node/image-file.js';
import { resample, resampleWithMask } from '../../src/resample.js';
import { identityMatrix } from '../../src/transform/matrix.js';
import { similarity } from '../../src/transform/transform.js';
import { fixture, similarityAbout, warp } from './helpers.js';

const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');

describe('resampling', () => {
  it('identity on the same grid reproduces the image exactly', () => {
    const out = resample(em, em, identityMatrix());
    assert.deepEqual(out.data, em.data);
  });

  it('follows the convention: moving is sampled at T(p)', () => {
    // moving = fixed shifted: moving(q) = fixed(q − (5, 0)) ⇒ T(p) = p + (5, 0).
    const w = 40;
    const f = createFloatImage([w, w], Float32Array.from({ length: w * w }, (_, k) => k % w));
    const m = createFloatImage([w, w], Float32Array.from({ length: w * w }, (_, k) => (k % w) - 5));
    const back = resampleWithMask(m, gridOf(f), similarity({ translation: [5, 0] }));
    assert.equal(back.mask[0 * w + 34], 1);
    assert.equal(back.mask[0 * w + 35], 0, 'T(p) beyond the last pixel centre is outside');
    assert.ok(Math.abs((back.image.data as Float32Array)[10 * w + 20] - 20) < 1e-5);
  });

  it('undoes a known similarity on a real EM image (NCC > 0.99 on the overlap)', () => {
    const truth = similarityAbout(em, { rotationDeg: 17, scale: 1.12, translation: [9, -6] });
    const moving = warp(em, truth);
    const { image, mask } = resampleWithMask(moving, gridOf(em), truth);
    const score = ncc(em, image, mask);
    assert.ok(score > 0.99, `NCC ${score}`);
    // …while the identity does not align them.
    const before = resampleWithMask(moving, gridOf(em), identityMatrix());
    assert.ok(ncc(em, before.image, before.mask) < 0.5);
  });

  it('works in physical coordinates: a moving grid with spacing 2 and an offset origin', () => {
    const truth = similarityAbout(em, { rotationDeg: -8, scale: 0.95, translation: [4, 3] });
    const coarse = { size: [256, 256] as [number, number], spacing: [2, 2] as [number, number], origin: [0.5, 0.5] as [number, number], direction: [1, 0, 0, 1] as [number, number, number, number] };
    const moving = warp(em, truth, coarse);
    assert.deepEqual(moving.spacing, [2, 2]);
    const { image, mask } = resampleWithMask(moving, gridOf(em), truth);
    const score = ncc(em, image, mask);
    assert.ok(score > 0.9, `NCC ${score} (coarser moving pixels lose fine texture)`);
  });
});

describe('metrics', () => {
  it('NMI is highest for aligned images and works across modalities', async () => {
    const fm = prepareImage(await readImageFile(fixture('deepclem_s6_fm_crop512.png')), 'fm');
    const aligned = nmi(em, fm);
    const shifted = resampleWithMask(fm, gridOf(em), similarity({ translation: [40, 25] }));
    const misaligned = nmi(em, shifted.image, shifted.mask);
    assert.ok(aligned > misaligned, `aligned ${aligned} vs misaligned ${misaligned}`);
    assert.ok(nmi(em, em) > 1.9, 'an image determines itself');
  });

  it('registration quality: NMI before and after on 256² copies, the covered share; the pair scorer agrees', () => {
    const truth = similarityAbout(em, { rotationDeg: 12, scale: 1.1, translation: [20, -10] });
    const moving = warp(em, truth);
    const copy = Float32Array.from(moving.data as Float32Array);
    const q = registrationQuality(em, moving, truth);
    assert.ok(q.nmiAfter > q.nmiBefore + 0.2, `after ${q.nmiAfter} vs before ${q.nmiBefore}`);
    assert.ok(q.overlapAfter > 0.6 && q.overlapAfter < 1, `overlap ${q.overlapAfter}`);
    const pair = pairQuality(em, moving);
    assert.equal(pair.nmiAfter(truth), q.nmiAfter);
    assert.equal(pair.nmiAfter(similarity()), q.nmiBefore, 'before is after the identity');
    assert.deepEqual(pair.quality(truth), q, 'the same quality, for one transform or several');
    assert.deepEqual(pair.quality(similarity()).nmiBefore, q.nmiBefore);
    assert.deepEqual(moving.data, copy, 'the moving image is not mutated');
  });

  it('corner error: 0 for equal transforms, the shift for a pure translation, in fixed pixels', () => {
    const grid = gridOf(em);
    const t = similarityAbout(em, { rotationDeg: 10 });
    assert.equal(cornerError(t, t, grid), 0);
    const shifted = similarityAbout(em, { rotationDeg: 10, translation: [3, 4] });
    assert.ok(Math.abs(cornerError(t, shifted, grid) - 5) < 1e-9);
    const halfSpacing = { ...grid, spacing: [0.5, 0.5] as [number, number] };
    assert.ok(Math.abs(cornerError(similarity(), similarity({ translation: [1, 0] }), halfSpacing) - 2) < 1e-9);
    assert.ok(isSuccess(10.24, grid));
    assert.ok(!isSuccess(10.25, grid));
  });
});

