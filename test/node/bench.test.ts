import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldCases, FIELDS_SET, rotationBin, scaleBin, syntheticCases, warpedCases, xrayMapImage } from '../../src/bench/cases.js';
import { binsBelow, summariseBy, type BenchRecord } from '../../src/bench/summary.js';
import { percentileOfSorted } from '../../src/image/statistics.js';
import { binTable, floorTable } from '../../src/bench/report.js';
import { DEFAULTS, reproduceCommand, runPlan, type BenchFlags } from '../../src/bench/plan.js';
import { createFloatImage, gridCenter, gridCorners, gridOf } from '../../src/image/image.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { ncc } from '../../src/metrics/similarity-metrics.js';
import { readImageFile } from '../../src/node/image-file.js';
import { resampleWithMask } from '../../src/resample.js';
import { upsample } from '../../src/synthetic/modalities.js';
import { makePair } from '../../src/synthetic/pairs.js';
import { Rng } from '../../src/synthetic/random.js';
import { applyMatrix, identityMatrix, invertMatrix } from '../../src/transform/matrix.js';
import { fixture } from './helpers.js';

describe('benchmark cases and statistics', () => {
  it('bins rotations and scales at the documented edges', () => {
    assert.deepEqual([0, -5, 5.01, 15, -44, 46, 180].map(rotationBin), ['≤ 5°', '≤ 5°', '≤ 15°', '≤ 15°', '≤ 45°', '≤ 180°', '≤ 180°']);
    assert.deepEqual([1, 1.05, 0.8, 1.9, 0.5].map(scaleBin), ['0.93–1.07', '0.93–1.07', '0.71–1.41', '0.50–2.00', '0.50–2.00']);
  });

  it('warped real cases: the moving image sampled through the truth is the partner image', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const cases = warpedCases('test', 'em', em, em, new Rng(4), 8);
    assert.deepEqual([...new Set(cases.map((c) => rotationBin(c.rotationDeg)))].sort(), ['≤ 15°', '≤ 180°', '≤ 45°', '≤ 5°'], 'stratified over every bin');
    for (const c of cases.slice(0, 4)) {
      const { image, mask } = resampleWithMask(c.moving, gridOf(em), c.truth.matrix);
      const score = ncc(em, image, mask);
      assert.ok(score > 0.95, `${c.id}: NCC ${score}`);
    }
  });

  it('synthetic cases are reproducible; X-ray maps come at their own pixel size over the same field', () => {
    const a = syntheticCases(new Rng(9), 8, 96, []);
    const b = syntheticCases(new Rng(9), 8, 96, []);
    assert.deepEqual(a.map((c) => c.truth.matrix), b.map((c) => c.truth.matrix));
    assert.deepEqual(a[0].moving.data, b[0].moving.data);
    assert.ok(a.every((c) => Math.abs(Math.log2(c.scale)) <= 1 && Math.abs(c.rotationDeg) <= 180));
    for (const c of a) {
      for (const image of [c.fixed, c.moving]) {
        // Whatever the pixel size, the image covers the 96-pixel field about the same centre.
        assert.ok(Math.abs(image.size[0] * image.spacing[0] - 96) < 1e-9, `${c.id}: ${image.size[0]} × ${image.spacing[0]}`);
        assert.deepEqual(gridCenter(gridOf(image)), [47.5, 47.5]);
      }
    }
    assert.ok(a.some((c) => c.fixed.size[0] < 96 || c.moving.size[0] < 96), 'some X-ray maps are coarser than the field');
  });

  it('an X-ray map image resampled onto the field grid is the map the model sees (pixel centres on their blocks)', () => {
    const rng = new Rng(3);
    const options = { size: 96, kinds: { 'xray-em': 1, 'em-xray': 0, 'em-em': 0, 'xray-xray': 0 } };
    let map;
    while (!map || map.m === 96) map = makePair(rng, options).xrayMaps.fixed;
    const field = gridOf(createFloatImage([96, 96], new Float32Array(96 * 96)));
    const resampled = resampleWithMask(xrayMapImage(map, 96), field, identityMatrix()).image.data as Float32Array;
    const expected = upsample(map.data, map.m, 96);
    // Away from the border half-pixel (where upsample clamps and resample leaves the map), they agree.
    const margin = Math.ceil(96 / map.m);
    let worst = 0;
    for (let y = margin; y < 96 - margin; y++) for (let x = margin; x < 96 - margin; x++) worst = Math.max(worst, Math.abs(resampled[y * 96 + x] - expected[y * 96 + x]));
    assert.ok(worst < 1e-3 * Math.max(...map.data), `largest difference ${worst} (map ${map.m}²)`);
  });

  it('summaries: success rate, medians and p95 per method and bin', () => {
    const rec = (method: string, bin: string, error: number, ms: number): BenchRecord => ({
      caseId: `${method}${error}`, set: 's', kind: 'k', rotationDeg: 0, scale: 1, rotationBin: bin, scaleBin: '0.93–1.07', method, backend: 'wasm', cornerErrorPx: error, success: error <= 5, registrationMs: ms,
    });
    const records = [rec('cnn', '≤ 5°', 1, 10), rec('cnn', '≤ 5°', 3, 20), rec('cnn', '≤ 5°', 50, 30), rec('elastix', '≤ 5°', 0.2, 1000)];
    const s = summariseBy(records, 'rotationBin', ['cnn', 'elastix'], ['≤ 5°', '≤ 15°']);
    const cnn = s.find((x) => x.method === 'cnn' && x.bin === '≤ 5°');
    assert.ok(cnn);
    assert.equal(cnn.count, 3);
    assert.equal(cnn.successRate, 2 / 3);
    assert.equal(cnn.medianCornerPx, 3);
    assert.equal(cnn.medianCornerSuccessPx, 2);
    assert.equal(cnn.medianMs, 20);
    assert.equal(percentileOfSorted([10, 20, 30], 95), 29);
    assert.equal(cnn.p95Ms, 29);
    assert.ok(!s.some((x) => x.bin === '≤ 15°'), 'empty bins are left out');
    assert.match(binTable('rotation', s), /\| ≤ 5° \| cnn \| 3 \| 67 % \| 3\.0 \| 2\.00 \| 20\.0 \| 29\.0 \|/);
    // The precision floor: the reference over all pairs and over the pairs the hybrid aligned (a, c), beside the hybrid there.
    const at = (caseId: string, method: string, error: number): BenchRecord => ({ ...rec(method, '≤ 5°', error, 1), caseId });
    const floor = [at('a', 'ref', 0.5), at('b', 'ref', 1.5), at('c', 'ref', 1), at('d', 'ref', 3), at('a', 'hybrid', 0.25), at('b', 'hybrid', 40), at('c', 'hybrid', 0.75)];
    assert.match(floorTable([{ label: 's', records: floor }], 'ref'), /\| s \| 1\.25 \| 0\.75 \| 0\.50 \|/);
  });

  it('bins where the hybrid aligns fewer pairs than the better single method, per set and over all pairs', () => {
    const r = (caseId: string, set: string, rotationBin: string, method: string, success: boolean): BenchRecord => ({
      caseId, set, kind: 'k', rotationDeg: 0, scale: 1, rotationBin, scaleBin: '0.93–1.07', method, backend: 'wasm', cornerErrorPx: success ? 1 : 50, success, registrationMs: 1,
    });
    const records = [
      // Set a, ≤ 5°: the cnn aligns both pairs, the hybrid one, elastix none.
      r('a1', 'a', '≤ 5°', 'cnn', true), r('a1', 'a', '≤ 5°', 'hybrid', true), r('a1', 'a', '≤ 5°', 'elastix', false),
      r('a2', 'a', '≤ 5°', 'cnn', true), r('a2', 'a', '≤ 5°', 'hybrid', false), r('a2', 'a', '≤ 5°', 'elastix', false),
      // Set b, ≤ 180°: the hybrid aligns the pair only elastix also aligns, and one more.
      r('b1', 'b', '≤ 180°', 'cnn', false), r('b1', 'b', '≤ 180°', 'hybrid', true), r('b1', 'b', '≤ 180°', 'elastix', true),
      r('b2', 'b', '≤ 180°', 'cnn', false), r('b2', 'b', '≤ 180°', 'hybrid', true), r('b2', 'b', '≤ 180°', 'elastix', false),
    ];
    const below = binsBelow(records, 'hybrid', ['cnn', 'elastix']);
    const where = below.map((s) => `${s.set}/${s.key}/${s.bin}: ${s.successes} < ${s.best.successes} ${s.best.method}`).sort();
    // Over all pairs the hybrid (3) beats the cnn (2); in set a it does not, in every bin there.
    assert.deepEqual(where, ['a/rotationBin/all: 1 < 2 cnn', 'a/rotationBin/≤ 5°: 1 < 2 cnn', 'a/scaleBin/0.93–1.07: 1 < 2 cnn', 'all pairs/rotationBin/≤ 5°: 1 < 2 cnn']);
    assert.deepEqual(binsBelow(records.filter((x) => x.set === 'b'), 'hybrid', ['cnn', 'elastix']), []);
  });
});

describe('field-window benchmark pairs', () => {
  it('an X-ray map of a whole world and an EM view 2.5–5× narrower inside it, with their pixel sizes and the truth between them', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const source = { name: 'em', width: 512, height: 512, data: em.data as Float32Array, modality: 'em' as const };
    const cases = fieldCases(new Rng(5), 6, [source]);
    assert.deepEqual(fieldCases(new Rng(5), 6, [source]).map((c) => c.truth.matrix), cases.map((c) => c.truth.matrix), 'seeded');
    for (const [i, c] of cases.entries()) {
      assert.equal(c.set, FIELDS_SET);
      const [map, view] = i % 2 === 0 ? [c.fixed, c.moving] : [c.moving, c.fixed];
      assert.equal(c.kind, i % 2 === 0 ? 'xray-em' : 'em-xray');
      assert.deepEqual(view.spacing, [0.02, 0.02]);
      const mapField = (map.size[0] - 1) * map.spacing[0] + map.spacing[0];
      assert.ok(Math.abs(mapField - 384 * 0.02) < 1e-9, `map field ${mapField}`);
      const ratio = (map.size[0] * map.spacing[0]) / (view.size[0] * view.spacing[0]);
      assert.ok(ratio > 2.4 && ratio < 5.2, `field ratio ${ratio}`);
      assert.ok(Math.abs(Math.log(c.truth.scale)) <= 0.05 + 1e-9, `scale ${c.truth.scale}`);
      // Every view corner lies on the map: view → map is the truth or its inverse.
      const viewToMap = i % 2 === 0 ? invertMatrix(c.truth.matrix) : c.truth.matrix;
      for (const p of gridCorners(gridOf(view))) {
        const q = applyMatrix(viewToMap, p);
        for (const k of [0, 1]) assert.ok(q[k] >= -1e-9 && q[k] <= 383 * 0.02 + 1e-9, `corner ${q}`);
      }
    }
    // Rotations stratified over the bins, as the displacement cases' are.
    assert.deepEqual(cases.slice(0, 4).map((c) => rotationBin(c.rotationDeg)), ['≤ 5°', '≤ 15°', '≤ 45°', '≤ 180°']);
  });
});

describe('benchmark runs', () => {
  const flags = (more: Partial<BenchFlags> = {}): BenchFlags => ({ ...DEFAULTS, browser: true, ...more });

  it('fill in a full run\'s or --quick\'s counts and folders where the flags say nothing', () => {
    assert.deepEqual(runPlan(flags()), { synthetic: 64, real: 32, fields: 16, browserPairs: 32, outDir: '.', assetDir: 'bench' });
    assert.deepEqual(runPlan(flags({ quick: true })), { synthetic: 8, real: 4, fields: 0, browserPairs: 1, outDir: 'bench/quick', assetDir: 'bench/quick' });
    assert.deepEqual(runPlan(flags({ quick: true, synthetic: '2', fields: '3', browserPairs: '0', out: 'x' })), { synthetic: 2, real: 4, fields: 3, browserPairs: 1, outDir: 'x', assetDir: 'x' });
  });

  it('name the command that repeats them, with every option that is not a default', () => {
    assert.equal(reproduceCommand(flags()), 'npm run bench --');
    assert.equal(reproduceCommand(flags({ quick: true })), 'npm run bench -- --quick');
    assert.equal(
      reproduceCommand(flags({ seed: '8101', browser: false, browserPairs: '8', data: '../shared/data', model: 'models/xemreg-sim-v9' })),
      'npm run bench -- --data ../shared/data --seed 8101 --model models/xemreg-sim-v9 --no-browser',
    );
  });
});
