/**
 * `npm run eval`: accuracy of a registration model, written next to it.
 *  - synthetic held-out test set (default 1000 pairs, full documented range, a seed training
 *    never uses) and a sample of training pairs: success, median errors, truth-vs-prediction plots;
 *  - real co-registered pairs warped by random transforms of the documented range, per pair type;
 *  - speed of one 512² registration in Node (wasm).
 * Writes models/<name>/eval/{eval.json, test-pairs.csv, *.svg} and the results section of MODEL_CARD.md.
 *
 *   npm run eval -- [--model models/<name>] [--pairs 1000] [--real-data ../shared/data] [--against models/<other>]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { summarise, type ErrorSummary, angleDifference, isNormalisedSuccess, median, normalisedCornerError, overlapShare } from '../cnn/evaluate.js';
import { normalisedMatrix, normalisedOf, type NormalisedSimilarity } from '../cnn/model-frame.js';
import { decodeOutput } from '../cnn/model.js';
import { pairedComparison, type PairedComparison } from '../cnn/paired.js';
import { gridOf } from '../image/image.js';
import { CONFIDENT, DEFAULT_PASSES, registerCnn, type CnnModel } from '../methods/cnn.js';
import { prepareImage } from '../methods/prepare.js';
import { cornerError, isSuccess } from '../metrics/corner-error.js';
import { loadCnnModel, modelDirOrShipped } from '../node/cnn-model.js';
import { readImageFile } from '../node/image-file.js';
import { loadRealSources } from '../node/real-sources.js';
import { readRealPair, realPairTypes, type RealPairType } from '../node/real-pairs.js';
import { warpedCases } from '../bench/cases.js';
import { localRegistrability, REGISTRABILITY_OFFSET } from '../bench/registrability.js';
import { nodeElastixRunner } from '../node/elastix-runner.js';
import { scatterPlot, linePlot } from '../report/svg-plot.js';
import { makeBatch } from '../synthetic/batches.js';
import type { PairKind } from '../synthetic/pairs.js';
import { Rng } from '../synthetic/random.js';
import { normalisedImage, randomView, VIEW_ASPECT } from '../synthetic/views.js';
import type { SimilarityTransform } from '../transform/transform.js';

interface EvalFlags {
  model?: string;
  pairs: string;
  trainPairs: string;
  seed: string;
  data: string;
  realData: string;
  transforms: string;
  passes: string;
  size: string;
  viewPairs: string;
  registrabilityPairs: string;
  against?: string;
}

interface Predictions {
  truths: NormalisedSimilarity[];
  estimates: NormalisedSimilarity[];
  confidences: number[];
  /** Inlier share of the kept fit (what the confidence is made of). */
  inliers: number[];
  kinds: PairKind[];
  /** The generator's world of each pair (PairBatch.worlds). */
  worlds: string[];
  /** Coarsest X-ray pixel of each pair, in view pixels (PairBatch.xrayPixels). */
  xrayPixels: number[];
  /** Local registrability of the first pairs (`localRegistrability`; as many as asked for). */
  registrable: boolean[];
}

/** Overlap bins of the held-out table: [low, high), shares of the larger field (overlapShare). */
const OVERLAP_BINS: [number, number][] = [
  [0, 0.3],
  [0.3, 0.45],
  [0.45, 0.6],
  [0.6, 1.01],
];

/** Scale bins of the held-out table: [low, high), log-symmetric about 1. */
const SCALE_BINS: [number, number][] = [
  [0.5, 0.625],
  [0.625, 0.8],
  [0.8, 1.25],
  [1.25, 1.6],
  [1.6, 2.001],
];

/** X-ray pixel bins of the held-out table: [low, high) in view pixels (the generator draws 1–8, rounded). */
const XRAY_PIXEL_BINS: { label: string; lo: number; hi: number }[] = [
  { label: '1', lo: 1, hi: 1.5 },
  { label: '2', lo: 1.5, hi: 2.5 },
  { label: '3–4', lo: 2.5, hi: 4.5 },
  { label: '5–8', lo: 4.5, hi: 9 },
];

/** A world as the tables name it: its procedural kind, or one label for every real source image. */
const worldLabel = (world: string) => (world.startsWith('real:') ? 'real image' : world);

/** A success rate as the tables print it ("—" for an empty bin). */
const percent = (s: { count: number; successRate: number }) => (s.count ? `${(100 * s.successRate).toFixed(1)} %` : '—');

/** Confidence bands of the calibration table: [low, high). */
const CONFIDENCE_BANDS: [number, number][] = [
  [0, 0.1],
  [0.1, 0.3],
  [0.3, 0.5],
  [0.5, 0.8],
  [0.8, 1.01],
];

/** Success rate of the pairs whose index passes `keep`. */
function successOf(p: Predictions, keep: (i: number) => boolean): { count: number; successRate: number } {
  const idx = p.truths.map((_, i) => i).filter(keep);
  return { count: idx.length, successRate: idx.length ? summarise(idx.map((i) => p.truths[i]), idx.map((i) => p.estimates[i])).successRate : NaN };
}

/** Each pair's normalised corner error, in order: the CSV's columns and `--against`'s success flags. */
function pairErrors(p: Predictions): number[] {
  return p.truths.map((t, i) => normalisedCornerError(t, p.estimates[i]));
}

/** One line per held-out pair, for analyses of one's own (kind, truth, overlap, estimate, confidence, error). */
function pairsCsv(p: Predictions, overlaps: readonly number[]): string {
  const errors = pairErrors(p);
  const lines = ['kind,rotation_true,scale_true,tx_true,ty_true,overlap,rotation_est,scale_est,tx_est,ty_est,confidence,inliers,corner_error_normalised,success,world,xray_pixel,registrable'];
  p.truths.forEach((t, i) => {
    const e = p.estimates[i];
    const error = errors[i];
    lines.push(
      ([p.kinds[i], t.rotationDeg, t.scale, t.tx, t.ty, overlaps[i], e.rotationDeg, e.scale, e.tx, e.ty, p.confidences[i], p.inliers[i]] as (string | number)[])
        .map((v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v))
        .concat([Number(error.toPrecision(6)), isNormalisedSuccess(error) ? 1 : 0, worldLabel(p.worlds[i]), Number(p.xrayPixels[i].toPrecision(3)), i < p.registrable.length ? Number(p.registrable[i]) : ''])
        .join(','),
    );
  });
  return lines.join('\n') + '\n';
}


/** Another model's held-out results (`eval/test-pairs.csv`): truth and success per pair. */
interface OtherPairs {
  file: string;
  truths: NormalisedSimilarity[];
  success: boolean[];
}

/** Reads `<dir>/eval/test-pairs.csv` for `--against`; an Error naming the file says what is wrong. */
async function readOtherPairs(dir: string, count: number): Promise<OtherPairs> {
  const file = join(dir, 'eval', 'test-pairs.csv');
  if (!existsSync(file)) throw new Error(`${file}: not found (evaluate that model first)`);
  const [header, ...lines] = (await readFile(file, 'utf8')).trim().split('\n');
  const columns = header.split(',');
  const at = (name: string) => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`${file}: no "${name}" column`);
    return i;
  };
  const [rot, scale, tx, ty, success] = ['rotation_true', 'scale_true', 'tx_true', 'ty_true', 'success'].map(at);
  if (lines.length < count) throw new Error(`${file}: ${lines.length} pairs, fewer than the ${count} to compare`);
  const rows = lines.slice(0, count).map((l) => l.split(','));
  return {
    file,
    truths: rows.map((r) => ({ rotationDeg: Number(r[rot]), scale: Number(r[scale]), tx: Number(r[tx]), ty: Number(r[ty]) })),
    success: rows.map((r) => r[success] === '1'),
  };
}

/** Whether two lists of truths are the same pairs (the CSV keeps six significant digits). */
function samePairs(a: readonly NormalisedSimilarity[], b: readonly NormalisedSimilarity[]): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(x));
  return a.length === b.length && a.every((t, i) => close(t.rotationDeg, b[i].rotationDeg) && close(t.scale, b[i].scale) && close(t.tx, b[i].tx) && close(t.ty, b[i].ty));
}

/** The first `count` pairs of the generator's stream for `seed`, as normalised images with their truth. */
function* syntheticPairs(seed: number, count: number, options: Parameters<typeof makeBatch>[3]) {
  const n = options.size;
  for (let index = 0, made = 0; made < count; index++) {
    const batch = makeBatch(seed, index, 32, options);
    for (let i = 0; i < batch.size && made < count; i++, made++) {
      yield {
        fixed: normalisedImage(batch.fixed.slice(i * n * n, (i + 1) * n * n), n),
        moving: normalisedImage(batch.moving.slice(i * n * n, (i + 1) * n * n), n),
        truth: decodeOutput(batch.targets.subarray(4 * i, 4 * i + 4)),
        kind: batch.kinds[i],
        world: batch.worlds[i],
        xrayPixel: batch.xrayPixels[i],
      };
    }
  }
}

/**
 * Synthetic pairs through the full inference path (resampling, normalisation, passes); the first
 * `registrabilityPairs` also through `localRegistrability` (elastix started REGISTRABILITY_OFFSET
 * off the truth: does it come back?) — how much of the set shows enough shared structure for an
 * intensity optimiser, whatever the network does.
 */
async function predictSynthetic(cnn: CnnModel, seed: number, count: number, options: Parameters<typeof makeBatch>[3], passes: number, bar: cliProgress.SingleBar, registrabilityPairs = 0): Promise<Predictions> {
  const out: Predictions = { truths: [], estimates: [], confidences: [], inliers: [], kinds: [], worlds: [], xrayPixels: [], registrable: [] };
  const rng = new Rng(seed + 31);
  for (const pair of syntheticPairs(seed, count, options)) {
    if (out.registrable.length < registrabilityPairs) {
      out.registrable.push((await localRegistrability(pair.fixed, pair.moving, pair.truth, nodeElastixRunner, rng)).returns);
      bar.increment();
    }
    const result = registerCnn(pair.fixed, pair.moving, cnn, { passes });
    out.truths.push(pair.truth);
    // The frame of a normalised image is the identity.
    out.estimates.push(normalisedOf(result.transform.matrix));
    out.confidences.push(Number(result.details.confidence));
    out.inliers.push(Number(result.details.inliers));
    out.kinds.push(pair.kind);
    out.worlds.push(pair.world);
    out.xrayPixels.push(pair.xrayPixel);
    bar.increment();
  }
  return out;
}

/**
 * The first `count` held-out pairs again, each image cut to a random non-square view (`randomView`):
 * success by the corner error over the fixed view (CONVENTIONS.md), and for comparison that of
 * the same pairs seen whole.
 */
function predictViews(cnn: CnnModel, seed: number, count: number, options: Parameters<typeof makeBatch>[3], passes: number, whole: Predictions, bar: cliProgress.SingleBar) {
  const rng = new Rng(seed + 29);
  let successes = 0;
  let total = 0;
  for (const pair of syntheticPairs(seed, count, options)) {
    const fixed = randomView(pair.fixed, rng);
    const moving = randomView(pair.moving, rng);
    // Normalised images: physical coordinates are the pair's normalised ones.
    const result = registerCnn(fixed, moving, cnn, { passes });
    if (isSuccess(cornerError(normalisedMatrix(pair.truth), result.transform, gridOf(fixed)), gridOf(fixed))) successes++;
    total++;
    bar.increment();
  }
  return { count: total, successRate: successes / total, whole: successOf(whole, (i) => i < total) };
}

interface RealResult {
  name: string;
  count: number;
  successRate: number;
  medianCornerPx: number;
  medianRotationDeg: number;
}

async function evaluateReal(cnn: CnnModel, type: RealPairType, transforms: number, passes: number, rng: Rng, bar: cliProgress.SingleBar): Promise<RealResult> {
  const errors: number[] = [];
  const rotations: number[] = [];
  let successes = 0;
  const perPair = Math.ceil(transforms / type.pairs.length);
  for (const pair of type.pairs) {
    const { fixed, partner } = await readRealPair(pair);
    for (const c of warpedCases(type.name, type.kind, fixed, partner, rng, perPair)) {
      const result = registerCnn(c.fixed, c.moving, cnn, { passes });
      const error = cornerError(c.truth, result.transform, gridOf(c.fixed));
      errors.push(error);
      rotations.push(Math.abs(angleDifference((result.transform as SimilarityTransform).rotationDeg, c.rotationDeg)));
      if (isSuccess(error, gridOf(c.fixed))) successes++;
      bar.increment();
    }
  }
  return { name: type.name, count: errors.length, successRate: successes / errors.length, medianCornerPx: median(errors), medianRotationDeg: median(rotations) };
}

function plots(train: Predictions, test: Predictions): Record<string, string> {
  const params: { key: string; label: string; get: (p: NormalisedSimilarity) => number; range: [number, number] }[] = [
    { key: 'rotation', label: 'rotation (°)', get: (p) => p.rotationDeg, range: [-180, 180] },
    { key: 'scale', label: 'scale', get: (p) => p.scale, range: [0.4, 2.1] },
    { key: 'shift-x', label: 'shift x (fraction of field)', get: (p) => p.tx / 2, range: [-0.3, 0.3] },
    { key: 'shift-y', label: 'shift y (fraction of field)', get: (p) => p.ty / 2, range: [-0.3, 0.3] },
  ];
  const out: Record<string, string> = {};
  for (const p of params) {
    out[`${p.key}.svg`] = scatterPlot(
      [
        { label: 'training pairs', color: '#1f77b4', points: train.truths.map((t, i) => [p.get(t), p.get(train.estimates[i])]) },
        { label: 'held-out test pairs', color: '#d62728', points: test.truths.map((t, i) => [p.get(t), p.get(test.estimates[i])]) },
      ],
      { title: `${p.label}: truth vs prediction`, xLabel: `true ${p.label}`, yLabel: `predicted ${p.label}`, range: p.range, identity: true },
    );
  }
  return out;
}

async function lossCurve(modelDir: string): Promise<string | null> {
  const file = join(modelDir, 'training', 'log.csv');
  if (!existsSync(file)) return null;
  const rows = (await readFile(file, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  if (rows.length < 2) return null;
  return linePlot(
    [
      { label: 'training loss (mean corner distance, EMA)', color: '#1f77b4', points: rows.map((r) => [r[0], r[2]]) },
      { label: 'validation median corner distance', color: '#d62728', points: rows.map((r) => [r[0], r[4]]) },
      { label: 'validation success rate', color: '#2ca02c', points: rows.map((r) => [r[0], r[3]]) },
    ],
    { title: 'training', xLabel: 'step', yLabel: 'normalised units / rate', yRange: [0, 1.5], width: 520, height: 320 },
  );
}

function row(label: string, s: ErrorSummary): string {
  return `| ${label} | ${s.count} | ${(100 * s.successRate).toFixed(1)} % | ${s.medianRotationDeg.toFixed(2)}° | ${(100 * s.medianScaleRel).toFixed(2)} % | ${(100 * s.medianShiftFraction).toFixed(2)} % |`;
}

async function evaluate(flags: EvalFlags, command: Command): Promise<void> {
  flags.model = modelDirOrShipped(flags.model);
  const cnn = await loadCnnModel(flags.model);
  const passes = Number(flags.passes);
  const outDir = join(flags.model, 'eval');
  await mkdir(outDir, { recursive: true });
  const sources = flags.data === 'none' ? [] : await loadRealSources(flags.data);
  // Synthetic images at twice the model's side, as real images are larger than the model's frame.
  const options = { size: Number(flags.size), fineFraction: 0, sources };
  const testCount = Number(flags.pairs);
  // Checked before the long run: a comparison that cannot be made should not wait for it.
  let other: OtherPairs | null = null;
  if (flags.against) {
    try {
      other = await readOtherPairs(flags.against, testCount);
    } catch (error) {
      command.error(`xemreg-eval: --against ${(error as Error).message}`, { exitCode: 2 });
    }
  }
  const trainCount = Number(flags.trainPairs);
  const realTypes = realPairTypes(flags.realData);
  const realTotal = realTypes.reduce((n, t) => n + Math.ceil(Number(flags.transforms) / t.pairs.length) * t.pairs.length, 0);
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'eval [{bar}] {value}/{total} | ETA {eta_formatted}' }, cliProgress.Presets.shades_classic);
  const registrabilityCount = Math.min(testCount, Number(flags.registrabilityPairs));
  bar.start(testCount + Math.min(testCount, Number(flags.viewPairs)) + registrabilityCount + trainCount + realTotal, 0);
  // Test: a seed neither training (state.seed) nor validation (seed + 1000003) uses.
  const test = await predictSynthetic(cnn, Number(flags.seed), testCount, options, passes, bar, registrabilityCount);
  const testSingle = summarise(test.truths, test.estimates);
  const views = predictViews(cnn, Number(flags.seed), Math.min(testCount, Number(flags.viewPairs)), options, passes, test, bar);
  const train = await predictSynthetic(cnn, 1, trainCount, options, passes, bar);
  const real: RealResult[] = [];
  const rng = new Rng(Number(flags.seed) + 17);
  for (const type of realTypes) real.push(await evaluateReal(cnn, type, Number(flags.transforms), passes, rng, bar));
  bar.stop();

  // Speed: one 512² pair, model loaded, images prepared (as registrationMs in the CLI).
  const emPath = existsSync('samples/deepclem_s6_em_crop512.png') ? 'samples/deepclem_s6_em_crop512.png' : null;
  let speedMs = NaN;
  if (emPath) {
    const em = prepareImage(await readImageFile(emPath), emPath);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) times.push(registerCnn(em, em, cnn, { passes }).registrationMs);
    speedMs = median(times.slice(5));
  }

  // Does the confidence flag failures? Success rates above and below CONFIDENT, and per band.
  const confidence = {
    high: successOf(test, (i) => test.confidences[i] >= CONFIDENT),
    low: successOf(test, (i) => !(test.confidences[i] >= CONFIDENT)),
    bands: CONFIDENCE_BANDS.map(([lo, hi]) => ({ lo, hi: Math.min(1, hi), ...successOf(test, (i) => test.confidences[i] >= lo && test.confidences[i] < hi) })),
  };
  const kinds: PairKind[] = ['em-em', 'xray-em', 'em-xray', 'xray-xray'];
  const byKind = kinds.map((kind) => ({ kind, ...successOf(test, (i) => test.kinds[i] === kind) }));
  const overlaps = test.truths.map(overlapShare);
  const byOverlap = OVERLAP_BINS.map(([lo, hi]) => ({ lo, hi, ...successOf(test, (i) => overlaps[i] >= lo && overlaps[i] < hi) }));
  const byScale = SCALE_BINS.map(([lo, hi]) => ({ lo, hi, ...successOf(test, (i) => test.truths[i].scale >= lo && test.truths[i].scale < hi) }));
  const worlds = [...new Set(test.worlds.map(worldLabel))].sort();
  const byWorld = worlds.map((world) => ({ world, ...successOf(test, (i) => worldLabel(test.worlds[i]) === world) }));
  const byXrayPixel = XRAY_PIXEL_BINS.map((b) => ({ ...b, ...successOf(test, (i) => test.xrayPixels[i] >= b.lo && test.xrayPixels[i] < b.hi) }));
  const { registrable } = test;
  const byRegistrability = {
    count: registrable.length,
    returns: successOf(test, (i) => i < registrable.length && registrable[i]),
    not: successOf(test, (i) => i < registrable.length && !registrable[i]),
  };
  // The same seed and count but another generator would compare different pairs.
  const againstSame = other !== null && samePairs(test.truths, other.truths);
  const paired: (PairedComparison & { against: string }) | null =
    other && againstSame ? { against: flags.against as string, ...pairedComparison(pairErrors(test).map(isNormalisedSuccess), other.success) } : null;
  const summary = {
    model: flags.model,
    date: new Date().toISOString(),
    passes,
    synthetic: { test: testSingle, train: summarise(train.truths, train.estimates), seed: Number(flags.seed), data: flags.data },
    real,
    confidence,
    byKind,
    byOverlap,
    byScale,
    byWorld,
    byXrayPixel,
    byRegistrability,
    views,
    paired,
    speed: { medianRegistrationMs512: speedMs, backend: 'wasm (Node)' },
  };
  await writeFile(join(outDir, 'eval.json'), JSON.stringify(summary, null, 2));
  await writeFile(join(outDir, 'test-pairs.csv'), pairsCsv(test, overlaps));
  for (const [name, svg] of Object.entries(plots(train, test))) await writeFile(join(outDir, name), svg);
  const curve = await lossCurve(flags.model);
  if (curve) await writeFile(join(outDir, 'training.svg'), curve);

  const md = [
    `Measured by \`npm run eval -- --model ${flags.model} --pairs ${testCount} --real-data ${flags.realData} --passes ${passes}\` on ${summary.date.slice(0, 10)}.`,
    '',
    '| synthetic set | pairs | success (corner error ≤ 2 % of width) | median rotation error | median scale error | median shift error (of field) |',
    '|---|---|---|---|---|---|',
    row('held-out test (full range)', summary.synthetic.test),
    row('training sample', summary.synthetic.train),
    '',
    '| held-out test, by modality order (fixed-moving) | pairs | success |',
    '|---|---|---|',
    ...byKind.map((k) => `| ${k.kind} | ${k.count} | ${(100 * k.successRate).toFixed(1)} % |`),
    '',
    '| held-out test, by overlap (share of the larger field that the other one shows) | pairs | success |',
    '|---|---|---|',
    ...byOverlap.map((b) => `| ${Math.round(100 * b.lo)}–${Math.round(100 * Math.min(1, b.hi))} % | ${b.count} | ${percent(b)} |`),
    '',
    '| held-out test, by scale | pairs | success |',
    '|---|---|---|',
    ...byScale.map((b) => `| ${b.lo.toFixed(2)}–${b.hi.toFixed(2)} | ${b.count} | ${percent(b)} |`),
    '',
    `| held-out test, by world (real: the images of \`${flags.data}\`) | pairs | success |`,
    '|---|---|---|',
    ...byWorld.map((w) => `| ${w.world} | ${w.count} | ${percent(w)} |`),
    '',
    '| held-out test, by the coarsest X-ray pixel of the pair (view pixels; 1: no X-ray map, or one at full resolution) | pairs | success |',
    '|---|---|---|',
    ...byXrayPixel.map((b) => `| ${b.label} | ${b.count} | ${percent(b)} |`),
    '',
    ...(registrable.length
      ? [
          `Local registrability (how much the pairs themselves show, whatever the network does): elastix's two-level \`refine\` schedule (the one the hybrid's NMI search starts get), started ${REGISTRABILITY_OFFSET.rotationDeg}°, ×${REGISTRABILITY_OFFSET.zoom} and ${REGISTRABILITY_OFFSET.shift} of the half-field in x and y off the truth (random signs), comes back within the success tolerance on ${byRegistrability.returns.count} of the first ${registrable.length} held-out pairs (${((100 * byRegistrability.returns.count) / registrable.length).toFixed(1)} %); on the others the views share too little structure near the truth, or their intensity optimum lies elsewhere.`,
          '',
          '| held-out test, by local registrability | pairs | success |',
          '|---|---|---|',
          `| elastix comes back to the truth | ${byRegistrability.returns.count} | ${percent(byRegistrability.returns)} |`,
          `| elastix does not | ${byRegistrability.not.count} | ${percent(byRegistrability.not)} |`,
          '',
        ]
      : []),
    `Non-square views: the first ${views.count} held-out pairs with each image cut to a random window, full along one side and ${VIEW_ASPECT[0]}–${VIEW_ASPECT[1]} of it along the other (landscape or portrait, independently per image; the two views overlap less than the whole images do), succeed at ${percent(views)} (corner error over the fixed view), against ${percent(views.whole)} for the same pairs whole.`,
    '',
    `Confidence on the held-out test set: ${confidence.high.count} pairs with confidence ≥ ${CONFIDENT} succeed at ${(100 * confidence.high.successRate).toFixed(1)} %, ${confidence.low.count} below ${CONFIDENT} at ${(100 * confidence.low.successRate).toFixed(1)} %. By band:`,
    '',
    '| confidence | pairs | success |',
    '|---|---|---|',
    ...confidence.bands.map((b) => `| ${b.lo.toFixed(1)}–${b.hi.toFixed(1)} | ${b.count} | ${percent(b)} |`),
    '',
    'Every held-out pair (kind, truth, overlap, estimate, confidence, error, world, X-ray pixel, local registrability): `eval/test-pairs.csv`.',
    '',
    ...(paired
      ? [
          `Against \`${paired.against}\` on the same ${paired.count} held-out pairs (\`--against\`): both align ${paired.both}, only this model ${paired.onlyFirst}, only the other ${paired.onlySecond}, neither ${paired.neither}; a two-sided sign test over the ${paired.onlyFirst + paired.onlySecond} pairs on which they differ gives p = ${paired.signTestP < 0.001 ? paired.signTestP.toExponential(1) : paired.signTestP.toFixed(3)}.`,
          '',
        ]
      : []),
    '| real co-registered pairs, random transforms of the full range (rotations stratified over ≤ 5°, ≤ 15°, ≤ 45°, ≤ 180°) | transforms | success | median corner error (px) | median rotation error |',
    '|---|---|---|---|---|',
    ...real.map((r) => `| ${r.name} | ${r.count} | ${(100 * r.successRate).toFixed(1)} % | ${r.medianCornerPx.toFixed(1)} | ${r.medianRotationDeg.toFixed(1)}° |`),
    '',
    `Speed, Node wasm backend, one 512² pair, ${passes} passes: median ${speedMs.toFixed(1)} ms (registrationMs).`,
    '',
    '![rotation](eval/rotation.svg) ![scale](eval/scale.svg) ![shift x](eval/shift-x.svg) ![shift y](eval/shift-y.svg)',
    curve ? '\n![training](eval/training.svg)' : '',
  ].join('\n');
  const cardFile = join(flags.model, 'MODEL_CARD.md');
  const start = '<!-- eval:start -->';
  const end = '<!-- eval:end -->';
  if (existsSync(cardFile)) {
    const card = await readFile(cardFile, 'utf8');
    if (card.includes(start) && card.includes(end)) {
      await writeFile(cardFile, card.slice(0, card.indexOf(start) + start.length) + '\n' + md + '\n' + card.slice(card.indexOf(end)));
    }
  }
  await writeFile(join(outDir, 'eval.md'), md + '\n');
  process.stdout.write(md + '\n');
  if (other && !againstSame) command.error(`xemreg-eval: --against ${other.file}: its pairs are not these (another seed, size or generator); no comparison written`, { exitCode: 2 });
}

await new Command()
  .name('xemreg-eval')
  .description('Evaluate a registration model on synthetic and real pairs; writes <model>/eval and MODEL_CARD.md results.')
  .option('--model <dir>', 'model folder (default: the shipped one, models/index.json)')
  .option('--pairs <n>', 'held-out synthetic test pairs', '1000')
  .option('--train-pairs <n>', 'training pairs to plot', '300')
  .option('--seed <n>', 'seed of the held-out test set', '9000001')
  .option('--data <dir>', 'real images used as worlds for synthetic pairs ("none": procedural only)', 'samples')
  .option('--real-data <dir>', 'folder with co-registered real pairs (shared layout or samples/)', existsSync('../shared/data') ? '../shared/data' : 'samples')
  .option('--transforms <n>', 'random transforms per real pair type', '52')
  .option('--passes <n>', 'CNN passes at most', String(DEFAULT_PASSES))
  .option('--size <n>', 'side of the synthetic test images', '256')
  .option('--view-pairs <n>', 'held-out pairs also registered as non-square views', '200')
  .option('--registrability-pairs <n>', 'held-out pairs whose local registrability is measured (elastix from an offset truth, ~0.3 s each; 0: none)', '1000')
  .option('--against <dir>', 'another model folder evaluated on the same held-out pairs (its eval/test-pairs.csv): pairs only each model aligns, and a sign test')
  .action(evaluate)
  .parseAsync(process.argv);
