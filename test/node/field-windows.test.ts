import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cropImage } from '../../src/image/crop.js';
import { createFloatImage, gridCenter, gridOf, indexToPhysical, type Grid } from '../../src/image/image.js';
import { parseSpacing, spacingInMm, withSpacing } from '../../src/image/spacing.js';
import { expectedScale, fieldWindowPlan, footprint, MAX_FIELD_RATIO, MAX_WINDOWS, searchPlans, SEARCH_RATIOS, WINDOW_SIDE } from '../../src/methods/field-windows.js';
import { registerHybrid } from '../../src/methods/hybrid.js';
import { registerElastix } from '../../src/methods/elastix.js';
import { nodeElastixRunner } from '../../src/node/elastix-runner.js';
import * as tf from '@tensorflow/tfjs';
import { CancelledError } from '../../src/errors.js';
import { registerCnn, registerCnnAsync, WINDOWS_REFINED } from '../../src/methods/cnn.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { cornerError, isSuccess } from '../../src/metrics/corner-error.js';
import { loadCnnModel, shippedModelDir } from '../../src/node/cnn-model.js';
import { readImageFile } from '../../src/node/image-file.js';
import { resample } from '../../src/resample.js';
import { composeMatrices, invertMatrix, type Matrix2x3 } from '../../src/transform/matrix.js';
import { invertTransform, similarity, similarityFromMatrix } from '../../src/transform/transform.js';
import { blobs, fixture } from './helpers.js';

const grid = (w: number, h: number, spacing: number, origin: [number, number] = [0, 0]): Grid => ({ size: [w, h], spacing: [spacing, spacing], origin, direction: [1, 0, 0, 1] });

describe('cropping keeps physical coordinates', () => {
  it('a crop pixel is the source pixel at the same physical point, also with a turned, offset grid', () => {
    const turned = createFloatImage([40, 30], Float32Array.from({ length: 1200 }, (_, k) => k), { spacing: [0.5, 2], origin: [10, -3], direction: [0, -1, 1, 0] });
    const before = Float32Array.from(turned.data as Float32Array);
    const crop = cropImage(turned, 7, 4, 20, 11);
    assert.deepEqual(crop.size, [20, 11]);
    assert.deepEqual(crop.spacing, [0.5, 2]);
    for (const [i, j] of [[0, 0], [19, 0], [5, 10], [19, 10]]) {
      assert.equal((crop.data as Float32Array)[j * 20 + i], (turned.data as Float32Array)[(j + 4) * 40 + i + 7]);
      const a = indexToPhysical(gridOf(crop), i, j);
      const b = indexToPhysical(gridOf(turned), i + 7, j + 4);
      assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) < 1e-12, `${a} vs ${b}`);
    }
    assert.deepEqual(turned.data, before, 'the source is not changed');
    assert.throws(() => cropImage(turned, 30, 0, 20, 5), /does not fit the 40×30 image/);
    assert.throws(() => cropImage(turned, 0, 0, 0, 5), /does not fit/);
  });
});

describe('pixel sizes given by the user', () => {
  it('parses one size or x,y, with a unit in mm, and explains anything else', () => {
    const bare = (text: string) => {
      const given = parseSpacing(text);
      assert.equal(given.inMm, false, text);
      return given.spacing;
    };
    assert.deepEqual(bare('0.05'), [0.05, 0.05]);
    assert.deepEqual(bare('0.05,0.1'), [0.05, 0.1]);
    assert.deepEqual(bare(' 2 x 3 '), [2, 3]);
    assert.deepEqual(bare('2x3'), [2, 3]);
    // With a unit: millimetres, the unit of sizes read from files; one unit serves both numbers.
    const mm = (text: string) => {
      const given = parseSpacing(text);
      assert.equal(given.inMm, true, text);
      return given.spacing;
    };
    assert.deepEqual(mm('20nm'), [2e-5, 2e-5]);
    assert.deepEqual(mm('0.5 µm x 0.6 µm'), [5e-4, 6e-4]);
    assert.deepEqual(mm('0.5,0.6um'), [5e-4, 6e-4]);
    assert.deepEqual(mm('0.5 micron'), [5e-4, 5e-4]);
    assert.deepEqual(mm('2 μm, 30 nm'), [2e-3, 3e-5]);
    assert.deepEqual(mm('1e-3mm'), [1e-3, 1e-3]);
    assert.deepEqual(mm('5 Å'), [5e-7, 5e-7]);
    for (const bad of ['', 'abc', '0', '-1', '1,2,3', '1,', 'NaN', 'Infinity', '5 furlongs', 'nm', '0nm', '2 px', '3 constructor', '3 toString']) assert.throws(() => parseSpacing(bad), /expected a positive pixel size/, bad);
  });

  it('a new header over the same pixels; the source keeps its spacing', () => {
    const image = blobs(20, 10, 3);
    const spaced = withSpacing(image, [0.25, 0.5]);
    assert.deepEqual(spaced.spacing, [0.25, 0.5]);
    assert.deepEqual(image.spacing, [1, 1]);
    assert.equal(spaced.data, image.data);
    assert.deepEqual(spaced.origin, image.origin);
    assert.throws(() => withSpacing(image, [0, 1]), /positive/);
    // A size set in mm says so; one set without a unit drops that.
    const inMm = withSpacing(image, [2e-5, 2e-5], 'mm');
    assert.ok(spacingInMm(inMm) && !spacingInMm(image) && !spacingInMm(spaced));
    assert.ok(!spacingInMm(withSpacing(inMm, [0.5, 0.5])));
  });
});

describe('field window plans', () => {
  it('only with pixel sizes of the images\' own (auto), beyond the field ratio the network covers', () => {
    // 'auto': no spacing (1), or a screen resolution (72 dpi: 0.3528 mm; 96 dpi: 0.2646 mm, also
    // as PNG writes it, 3780 px/m), says nothing of the fields, on one image or both.
    assert.equal(fieldWindowPlan(grid(512, 512, 1), grid(100, 100, 1)), null);
    assert.equal(fieldWindowPlan(grid(512, 512, 25.4 / 72), grid(100, 100, 25.4 / 72)), null);
    assert.equal(fieldWindowPlan(grid(512, 512, 25.4 / 72), grid(100, 100, 1000 / 3780)), null);
    assert.equal(fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 25.4 / 300)), null);
    assert.equal(fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 1)), null);
    const given = fieldWindowPlan(grid(512, 512, 0.3528), grid(100, 100, 0.3528), 'always');
    assert.ok(given && !given.sameSize, 'sizes the user gives are physical');
    // The same physical size on both: windows, with the frames as they are tried too (sameSize).
    const same = fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 0.02));
    assert.ok(same && same.sameSize && same.cut === 'fixed');
    // ... and beyond MAX_WINDOWS the frames alone, not a refusal: the sizes may be a default.
    assert.equal(fieldWindowPlan(grid(2000, 2000, 0.01), grid(100, 100, 0.01)), null);
    assert.equal(fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 0.01), 'never'), null);
    // Fields (longer side, first to last pixel centre) 10.22 and 5.23: a ratio of 1.95.
    assert.equal(fieldWindowPlan(grid(512, 512, 0.02), grid(260, 260, 0.02 * 1.01)), null, 'within the ratio');
    const plan = fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 0.05));
    assert.ok(plan && plan.cut === 'fixed' && plan.ratio > MAX_FIELD_RATIO && !plan.sameSize);
    const swapped = fieldWindowPlan(grid(100, 100, 0.05), grid(512, 512, 0.02));
    assert.equal(swapped?.cut, 'moving');
    assert.deepEqual(swapped?.windows, plan.windows);
  });

  it('windows of the set side cover the larger image, and hold the smaller field whole wherever it lies', () => {
    const large = grid(600, 420, 0.1);
    const small = grid(90, 60, 0.2); // field 17.8 against 59.9: ratio 3.4
    const plan = fieldWindowPlan(large, small);
    assert.ok(plan);
    const side = plan.windows[0][2];
    assert.equal(side, Math.round((WINDOW_SIDE * 89 * 0.2) / 0.1) + 1);
    const xs = [...new Set(plan.windows.map((w) => w[0]))];
    const ys = [...new Set(plan.windows.map((w) => w[1]))];
    assert.equal(plan.windows.length, xs.length * ys.length);
    assert.deepEqual([xs[0], xs[xs.length - 1] + side], [0, 600]);
    assert.deepEqual([ys[0], ys[ys.length - 1] + side], [0, 420]);
    for (const w of plan.windows) assert.ok(w[0] + w[2] <= 600 && w[1] + w[3] <= 420);
    // The smaller field's longer side in the large image's pixels, at every offset.
    const extent = Math.ceil((89 * 0.2) / 0.1);
    for (let x = 0; x + extent <= 600; x += 7) {
      assert.ok(xs.some((x0) => x0 <= x && x + extent <= x0 + side), `x ${x}`);
    }
  });

  it('a footprint: the part of the larger image under the smaller one, with a margin, inside the image', () => {
    const large = grid(400, 300, 0.5);
    const small = grid(50, 50, 1);
    // The small image's 49-unit field, turned by 90° and placed at physical (60, 40) of the large one.
    const smallToLarge = similarity({ rotationDeg: 90, center: [0, 0], translation: [60, 40] }).matrix;
    const [x0, y0, w, h] = footprint(large, small, smallToLarge, 0.1);
    // Corners map to x 11..60, y 40..89 physical: pixels 22..120 and 80..178, padded by 9.8 px.
    assert.deepEqual([x0, y0, x0 + w - 1, y0 + h - 1], [12, 70, 130, 188]);
    const [cx0, cy0, cw, ch] = footprint(large, small, similarity({ translation: [190, 140] }).matrix, 0.1);
    assert.deepEqual([cx0 + cw, cy0 + ch], [400, 300], 'clamped to the image');
    assert.ok(cx0 > 0 && cy0 > 0);
  });

  it("the 'search' mode: as 'auto' with pixel sizes; without them, either image the larger field at each assumed ratio", () => {
    assert.equal(fieldWindowPlan(grid(512, 512, 1), grid(100, 100, 1), 'search'), null, 'no sizes: no plan from them');
    assert.deepEqual(fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 0.05), 'search'), fieldWindowPlan(grid(512, 512, 0.02), grid(100, 100, 0.05)));
    const fixed = grid(300, 200, 1);
    const moving = grid(90, 120, 1);
    const plans = searchPlans(fixed, moving);
    assert.deepEqual(
      plans.map((p) => [p.cut, p.ratio, p.assumed, p.sameSize]),
      (['fixed', 'moving'] as const).flatMap((cut) => SEARCH_RATIOS.map((r) => [cut, r, true, false])),
    );
    for (const plan of plans) {
      const [w, h] = plan.cut === 'fixed' ? fixed.size : moving.size;
      // Windows WINDOW_SIDE times the assumed smaller field (the cut image's longer side over the ratio), inside the image, reaching its far edges.
      const side = Math.min(Math.round((WINDOW_SIDE * (Math.max(w, h) - 1)) / plan.ratio) + 1, w, h);
      for (const [x0, y0, ww, wh] of plan.windows) {
        assert.equal(Math.min(ww, wh), side, `${plan.cut} ${plan.ratio}`);
        assert.ok(x0 >= 0 && y0 >= 0 && x0 + ww <= w && y0 + wh <= h);
      }
      assert.equal(Math.max(...plan.windows.map((r) => r[0] + r[2])), w);
      assert.equal(Math.max(...plan.windows.map((r) => r[1] + r[3])), h);
    }
  });

  it('refuses fields too far apart, saying what to do', () => {
    assert.throws(() => fieldWindowPlan(grid(2000, 2000, 0.01), grid(100, 100, 0.01), 'always'), new RegExp(`field is 20\\.2× .*at most ${MAX_WINDOWS}\\); crop it`));
  });
});

describe('without pixel sizes, different pixel counts over the same field', () => {
  let cnn: Awaited<ReturnType<typeof loadCnnModel>>;
  before(async () => {
    cnn = await loadCnnModel(shippedModelDir() as string);
  });

  it('elastix starts from the fields laid onto each other, and the hybrid keeps an estimate at the fields\' scale', async () => {
    // An XRF map (160²) and the same map at 4× the pixels, turned by 10°: neither file says how
    // large a pixel is, so in pixel coordinates the pair is a scale of 4 apart.
    const map = await readImageFile(fixture('hxn_xrf_Fe_K.tiff'));
    const fixed = createFloatImage([160, 160], Float32Array.from(map.data as ArrayLike<number>));
    const turn = similarity({ rotationDeg: 10, center: [79.5, 79.5] });
    const fine: Grid = { size: [640, 640], spacing: [1, 1], origin: [0, 0], direction: [1, 0, 0, 1] };
    // Moving pixel q shows the map at turn(q / 4).
    const moving = createFloatImage([640, 640], resample(fixed, fine, composeMatrices([[0.25, 0, 0], [0, 0.25, 0]], turn.matrix)).data as Float32Array);
    const truth = composeMatrices(invertMatrix(turn.matrix), [[4, 0, 0], [0, 4, 0]]);
    // Fields as the pixels cover them: 640 / 160.
    assert.ok(Math.abs(expectedScale(gridOf(fixed), gridOf(moving)) - 4) < 1e-12);
    assert.equal(expectedScale(gridOf(withSpacing(fixed, [0.4, 0.4])), gridOf(withSpacing(moving, [0.1, 0.1]))), 1, 'with pixel sizes: the identity');
    const f = prepareImage(fixed, 'fixed');
    const m = prepareImage(moving, 'moving');
    const elastix = await registerElastix(f, m, nodeElastixRunner);
    assert.equal(elastix.details.start, 'fields');
    const error = cornerError(truth, elastix.transform, gridOf(fixed));
    assert.ok(isSuccess(error, gridOf(fixed)), `elastix corner error ${error.toFixed(2)} px`);
    // From the identity in pixel coordinates it is a scale of 4 off: beyond elastix's reach.
    const fromIdentity = await registerElastix(f, m, nodeElastixRunner, { start: 'identity' }).catch(() => null);
    assert.ok(!fromIdentity || !isSuccess(cornerError(truth, fromIdentity.transform, gridOf(fixed)), gridOf(fixed)));
    // The hybrid refines the CNN's estimate instead of discarding it as implausible (scale 4).
    const hybrid = await registerHybrid(f, m, cnn, nodeElastixRunner);
    assert.deepEqual(hybrid.details.implausible, []);
    assert.equal(hybrid.details.fallback, false);
    const hybridError = cornerError(truth, hybrid.transform, gridOf(fixed));
    assert.ok(isSuccess(hybridError, gridOf(fixed)), `hybrid corner error ${hybridError.toFixed(2)} px`);
  });
});

describe('the CNN inside field windows (shipped model)', () => {
  let cnn: Awaited<ReturnType<typeof loadCnnModel>>;
  before(async () => {
    cnn = await loadCnnModel(shippedModelDir() as string);
  });

  it('finds a turned small-field view inside a 3.4× larger field, fixed or moving, and says which window; the hybrid finishes it', async () => {
    // The EM sample at 20 nm pixels (a 10.2 µm field) and a 3 µm view of it at 15 nm, turned by 35°.
    const em = withSpacing(prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em'), [0.02, 0.02]);
    const viewGrid: Grid = { size: [200, 200], spacing: [0.015, 0.015], origin: [0, 0], direction: [1, 0, 0, 1] };
    // View → EM: about the view's centre, turned, onto a point off the EM's centre.
    const toEm = similarity({ rotationDeg: 35, scale: 1, center: [1.4925, 1.4925], translation: [6.6 - 1.4925, 3.1 - 1.4925] });
    const view = resample(em, viewGrid, toEm);
    const truth = invertTransform(toEm); // EM (fixed) → view (moving)
    const result = registerCnn(em, view, cnn);
    const windows = result.details.fieldWindows as { cut: string; windows: number; kept: number[] };
    assert.equal(windows.cut, 'fixed');
    assert.equal(windows.windows, fieldWindowPlan(gridOf(em), viewGrid)?.windows.length);
    const error = cornerError(truth, result.transform, gridOf(em));
    assert.ok(isSuccess(error, gridOf(em)), `corner error ${error.toFixed(1)} px`);
    // Expressed about the fixed image's centre, as for any pair, not the window's.
    assert.deepEqual(result.transform.center, gridCenter(gridOf(em)));
    // The kept window holds the view's centre (the EM point 6.6, 3.1 µm: pixel 330, 155).
    const [x0, y0, w, h] = windows.kept;
    assert.ok(x0 <= 330 && 330 < x0 + w && y0 <= 155 && 155 < y0 + h, `kept ${windows.kept}`);
    // The same pair the other way round: the larger field is the moving image.
    const back = registerCnn(view, em, cnn);
    assert.equal((back.details.fieldWindows as { cut: string }).cut, 'moving');
    const backError = cornerError(toEm, back.transform, viewGrid);
    assert.ok(isSuccess(backError, viewGrid), `corner error ${backError.toFixed(1)} px`);
    // The hybrid finishes with elastix on the part of the EM image under the view (given the whole
    // field, elastix stops: most of its samples miss the view).
    const hybrid = await registerHybrid(em, view, cnn, nodeElastixRunner);
    assert.equal(hybrid.details.elastixFailure, null);
    assert.ok('elastix' in (hybrid.details.candidates as object));
    const hybridError = cornerError(truth, hybrid.transform, gridOf(em));
    assert.ok(isSuccess(hybridError, gridOf(em)), `hybrid corner error ${hybridError.toFixed(1)} px`);
    assert.deepEqual(hybrid.transform.center, gridCenter(gridOf(em)));
    // Without windows the network sees a zoom of 3.4, beyond its range.
    const whole = registerCnn(em, view, cnn, { fieldWindows: 'never' });
    assert.equal(whole.details.fieldWindows, undefined);
    assert.ok(!isSuccess(cornerError(truth, whole.transform, gridOf(em)), gridOf(em)));
  });

  it('with the same pixel size on both images, keeps the windows where the fields differ and the frames where the size is only a shared default', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    // A 3 µm view of the 10.2 µm EM image at the same 20 nm pixels, turned by −60°: the sizes are physical.
    const emSized = withSpacing(em, [0.02, 0.02]);
    const viewGrid: Grid = { size: [150, 150], spacing: [0.02, 0.02], origin: [0, 0], direction: [1, 0, 0, 1] };
    const toEm = similarity({ rotationDeg: -60, center: [1.49, 1.49], translation: [3.4 - 1.49, 6.9 - 1.49] });
    const view = resample(emSized, viewGrid, toEm);
    const windowed = registerCnn(emSized, view, cnn);
    const used = windowed.details.fieldWindows as { windows: number; kept: number[] | null };
    assert.ok(used.kept, 'a window kept');
    assert.equal(used.windows, fieldWindowPlan(gridOf(emSized), viewGrid)?.windows.length);
    const error = cornerError(invertTransform(toEm), windowed.transform, gridOf(emSized));
    assert.ok(isSuccess(error, gridOf(emSized)), `corner error ${error.toFixed(1)} px`);
    // The whole EM image sampled 2.5× coarser and turned by 20°, both files saying 1 µm per pixel
    // (a default): the fields are the same, not 2.5× apart. The frames as they are are tried too,
    // and the more confident result is kept; either is right here (a window holds 64 % of the field).
    const coarse: Grid = { size: [205, 205], spacing: [2.5, 2.5], origin: [0.75, 0.75], direction: [1, 0, 0, 1] };
    const turn = similarity({ rotationDeg: 20, center: gridCenter(gridOf(em)) });
    const shrunk = createFloatImage([205, 205], resample(em, coarse, turn).data as Float32Array, { spacing: [1e-3, 1e-3] });
    const bigDefault = withSpacing(em, [1e-3, 1e-3]);
    const framed = registerCnn(bigDefault, shrunk, cnn);
    const tried = framed.details.fieldWindows as { kept: unknown; framesConfidence: number };
    const frames = registerCnn(bigDefault, shrunk, cnn, { fieldWindows: 'never' });
    assert.equal(tried.framesConfidence, frames.details.confidence);
    if (tried.kept === null) assert.deepEqual(framed.transform, frames.transform, 'the frames, when they were more confident');
    else assert.ok(Number(framed.details.confidence) >= tried.framesConfidence, 'a window, when it was at least as confident');
    // The truth in the files' units: fixed f shows the EM pixel e = f / 1e-3; the moving pixel
    // k shows the EM at turn(0.75 + 2.5 k), so k = (turn⁻¹(e) − 0.75) / 2.5, at 1e-3 k.
    const steps: Matrix2x3[] = [
      [[1e3, 0, 0], [0, 1e3, 0]],
      invertMatrix(turn.matrix),
      [[1 / 2.5, 0, -0.75 / 2.5], [0, 1 / 2.5, -0.75 / 2.5]],
      [[1e-3, 0, 0], [0, 1e-3, 0]],
    ];
    const truthDefault = similarityFromMatrix(steps.reduce((m, step) => composeMatrices(m, step)));
    const frameError = cornerError(truthDefault, framed.transform, gridOf(bigDefault));
    assert.ok(isSuccess(frameError, gridOf(bigDefault)), `corner error ${frameError.toFixed(1)} px`);
  });

  it("without pixel sizes: takes the fields for comparable and says so; the 'search' mode finds a 3.4× smaller field, and leaves a confident pair as it is", async () => {
    // The first test's pair, as PNGs would come: no pixel sizes (spacing 1 on both).
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const viewGrid: Grid = { size: [200, 200], spacing: [0.015, 0.015], origin: [0, 0], direction: [1, 0, 0, 1] };
    const toEm = similarity({ rotationDeg: 35, scale: 1, center: [1.4925, 1.4925], translation: [6.6 - 1.4925, 3.1 - 1.4925] });
    const view = createFloatImage([200, 200], resample(withSpacing(em, [0.02, 0.02]), viewGrid, toEm).data as Float32Array);
    // In pixels: fixed pixel e ↦ EM point 0.02 e ↦ view point ↦ view pixel / 0.015.
    const truth = composeMatrices(composeMatrices([[0.02, 0, 0], [0, 0.02, 0]], invertMatrix(toEm.matrix)), [[1 / 0.015, 0, 0], [0, 1 / 0.015, 0]]);
    const emData = Float32Array.from(em.data as Float32Array);
    const plain = registerCnn(em, view, cnn);
    assert.equal(plain.details.fieldsUnknown, true);
    assert.equal(plain.details.fieldWindows, undefined);
    assert.ok(!isSuccess(cornerError(truth, plain.transform, gridOf(em)), gridOf(em)), 'the frames alone ask for a zoom of 3.4');
    const progress: { done: number; total: number }[] = [];
    const searched = await registerCnnAsync(em, view, cnn, { fieldWindows: 'search' }, { onProgress: (p) => progress.push(p) });
    const used = searched.details.fieldWindows as { cut: string; windows: number; kept: number[] | null; assumed: boolean; framesConfidence: number };
    assert.equal(used.assumed, true);
    assert.equal(used.cut, 'fixed');
    const windowCount = searchPlans(gridOf(em), gridOf(view)).reduce((n, p) => n + p.windows.length, 0);
    assert.equal(used.windows, windowCount);
    assert.equal(used.framesConfidence, plain.details.confidence);
    const total = 1 + windowCount + WINDOWS_REFINED;
    assert.deepEqual(progress, Array.from({ length: total }, (_, i) => ({ done: i + 1, total })), 'progress after the frames and every window');
    const error = cornerError(truth, searched.transform, gridOf(em));
    assert.ok(isSuccess(error, gridOf(em)), `corner error ${error.toFixed(1)} px`);
    assert.ok(Number(searched.details.confidence) > Number(plain.details.confidence));
    assert.deepEqual(em.data, emData, 'the input is not changed');
    // A pair of comparable fields the frames register confidently: no windows tried.
    const turned = resample(em, gridOf(em), similarity({ rotationDeg: 12, center: gridCenter(gridOf(em)) }));
    const confident = registerCnn(em, turned, cnn, { fieldWindows: 'search' });
    assert.ok(Number(confident.details.confidence) >= 0.5);
    assert.equal(confident.details.fieldWindows, undefined);
    assert.deepEqual(confident.transform, registerCnn(em, turned, cnn).transform);
  });

  it('asynchronously: the same result, progress after every window, and a cancel between windows that frees what it held', async () => {
    const em = withSpacing(prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em'), [0.02, 0.02]);
    const viewGrid: Grid = { size: [160, 160], spacing: [0.02, 0.02], origin: [0, 0], direction: [1, 0, 0, 1] };
    const view = resample(em, viewGrid, similarity({ rotationDeg: 100, center: [1.59, 1.59], translation: [7.2 - 1.59, 3.3 - 1.59] }));
    const moving = withSpacing(view, [0.019, 0.019]); // a physical size of its own, not the EM's: no frames tried
    const emData = Float32Array.from(em.data as Float32Array);
    const plan = fieldWindowPlan(gridOf(em), gridOf(moving));
    assert.ok(plan && !plan.sameSize);
    const sync = registerCnn(em, moving, cnn);
    const progress: { done: number; total: number }[] = [];
    const result = await registerCnnAsync(em, moving, cnn, {}, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(result.transform, sync.transform);
    assert.deepEqual(result.details.fieldWindows, sync.details.fieldWindows);
    const total = plan.windows.length + WINDOWS_REFINED;
    assert.deepEqual(progress, Array.from({ length: total }, (_, i) => ({ done: i + 1, total })));
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      registerCnnAsync(em, moving, cnn, {}, { signal: controller.signal, onProgress: () => (++seen === 2 ? controller.abort() : undefined) }),
      CancelledError,
    );
    assert.equal(seen, 2, 'no window after the cancel');
    assert.equal(tf.memory().numTensors, before, 'the windows\' features are freed');
    assert.deepEqual(em.data, emData, 'the input is not changed');
  });
});
