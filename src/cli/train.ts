/**
 * `npm run train`: trains the registration CNN on synthetic pairs in Node (tfjs wasm backend),
 * seeded, with checkpoints, resume, a progress bar with loss and ETA, and a loss log.
 *
 *   npm run train -- --name my-model --steps 6000 [--data samples] [--resume]
 *
 * Writes models/<name>/model.json + weights.bin (the latest checkpoint) and
 * models/<name>/training/{state.json, optimizer.*, log.csv}.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from '../cnn/wasm-gradient-kernels.js';
import { buildModel, decodeOutput, DEFAULT_MODEL_CONFIG, MATCHING_WEIGHT, modelAtSize, modelConfigOf, predictSimilarity, trainingLoss } from '../cnn/model.js';
import { growModel } from '../cnn/grow.js';
import { summarise, type ErrorSummary } from '../cnn/evaluate.js';
import { makeBatch, type PairBatch } from '../synthetic/batches.js';
import type { NormalisedSimilarity } from '../cnn/model-frame.js';
import { BatchPool } from '../node/batch-pool.js';
import { loadModel, loadOptimizer, saveModel, saveOptimizer } from '../node/model-files.js';
import { loadRealSources } from '../node/real-sources.js';
import { checkModelDir } from '../node/cnn-model.js';
import { FULL_RANGE, type PairOptions, type TransformRange } from '../synthetic/pairs.js';

interface TrainFlags {
  name: string;
  out: string;
  steps: string;
  batch: string;
  lr: string;
  seed: string;
  data: string;
  workers: string;
  checkpointEvery: string;
  valPairs: string;
  fineFraction: string;
  realFraction: string;
  curriculum: string;
  maxRotation: string;
  maxZoom: string;
  matchingWeight: string;
  refineSize: string;
  refineShare: string;
  viewShare: string;
  resume?: boolean;
  growFrom?: string;
  width?: string;
  context?: string;
}

interface TrainState {
  step: number;
  steps: number;
  seed: number;
  batch: number;
  lr: number;
  /** Weight of the dense matching loss. */
  matchingWeight: number;
  data: string;
  pairOptions: Omit<PairOptions, 'sources'>;
  validation: ErrorSummary | null;
  elapsedMs: number;
  /**
   * `--refine-size`: a share of the steps trains at the side where inference refines, on the
   * residuals its passes see (REFINE_RANGE), from their own batch stream.
   */
  refine?: { size: number; share: number; pairOptions: Omit<PairOptions, 'sources'> };
  /** The model this run's network was grown from (`--grow-from`), and how. */
  grownFrom?: { model: string; width: number; context: number };
}

function fullRange(flags: TrainFlags): TransformRange {
  const zoom = Number(flags.maxZoom);
  return { ...FULL_RANGE, maxRotationDeg: Number(flags.maxRotation), minScale: 1 / zoom, maxScale: zoom };
}

/**
 * What the refinement passes start from: the start grid (every 45°, zooms 1/√2, 1 and √2 through
 * the exchanged direction) leaves at most ±22.5° and a zoom of √2 at the ends of the scale range,
 * and every shift the pair has.
 */
const REFINE_RANGE: TransformRange = { maxRotationDeg: 25, minScale: Math.SQRT1_2, maxScale: Math.SQRT2, maxShift: FULL_RANGE.maxShift };

/** Refinement-size steps before `step` (a steady `share` of them, interleaved). */
function refineStepsBefore(step: number, share: number): number {
  return Math.floor(step * share);
}

/**
 * Pairs per refinement-size step: as many input pixels as a step at the model's side. The whole
 * batch would not fit: the match scores grow with the square of the cells (32 × 1024² values at
 * 256 px), and the wasm heap aborts.
 */
function refineBatch(batch: number, n: number, size: number): number {
  return Math.max(1, Math.round((batch * n * n) / (size * size)));
}

/** Cosine decay from lr to lr/100 over the run, after a short warm-up. */
function learningRate(step: number, total: number, base: number): number {
  const warm = Math.min(200, total / 20);
  if (step < warm) return (base * (step + 1)) / warm;
  const p = (step - warm) / Math.max(1, total - warm);
  return base * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, p))));
}

function toTensors(batch: PairBatch, n: number) {
  return {
    fixed: tf.tensor4d(batch.fixed, [batch.size, n, n, 1]),
    moving: tf.tensor4d(batch.moving, [batch.size, n, n, 1]),
    targets: tf.tensor2d(batch.targets, [batch.size, 4]),
  };
}

/** Predict normalised similarities for a batch (no gradient, tensors disposed). */
export function predictBatch(model: tf.LayersModel, batch: PairBatch, n: number): NormalisedSimilarity[] {
  const out = tf.tidy(() => {
    const { fixed, moving } = toTensors(batch, n);
    return predictSimilarity(model, fixed, moving).params.dataSync();
  });
  return Array.from({ length: batch.size }, (_, i) => decodeOutput(out.subarray(4 * i, 4 * i + 4)));
}

function truthsOf(batch: PairBatch): NormalisedSimilarity[] {
  return Array.from({ length: batch.size }, (_, i) => decodeOutput(batch.targets.subarray(4 * i, 4 * i + 4)));
}

/** `--grow-from`: the parent model grown by `--width` and `--context` (each unchanged when not given). */
async function grownParent(dir: string, flags: TrainFlags, command: Command): Promise<{ model: tf.LayersModel; grownFrom: NonNullable<TrainState['grownFrom']> }> {
  let parent: tf.LayersModel | undefined;
  try {
    checkModelDir(dir);
    parent = await loadModel(dir);
    const config = modelConfigOf(parent);
    const options = {
      width: flags.width === undefined ? config.encoder[config.encoder.length - 1] : Number(flags.width),
      context: flags.context === undefined ? (config.context ?? 0) : Number(flags.context),
    };
    const model = growModel(parent, options);
    process.stderr.write(`grown from ${dir}: last stage ${options.width} channels, ${options.context} context convolutions\n`);
    return { model, grownFrom: { model: dir, ...options } };
  } catch (error) {
    const message = (error as Error).message;
    return command.error(`xemreg-train: --grow-from ${message.startsWith(dir) ? message : `${dir}: ${message}`}`, { exitCode: 2 });
  } finally {
    parent?.dispose();
  }
}

async function train(flags: TrainFlags, command: Command): Promise<void> {
  registerWasmGradientKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = join(flags.out, flags.name);
  const trainingDir = join(dir, 'training');
  await mkdir(trainingDir, { recursive: true });
  const n = DEFAULT_MODEL_CONFIG.size;

  let state: TrainState;
  let model: tf.LayersModel;
  const optimizer = tf.train.adam(Number(flags.lr));
  if (flags.resume && existsSync(join(trainingDir, 'state.json'))) {
    if (flags.growFrom) command.error(`xemreg-train: --grow-from starts a new run, but ${flags.name} has one to --resume: drop one of the two`, { exitCode: 2 });
    state = JSON.parse(await readFile(join(trainingDir, 'state.json'), 'utf8'));
    // Resuming continues on the run's own data unless --data is given again.
    if (command.getOptionValueSource('data') === 'default') flags.data = state.data;
    state.steps = Number(flags.steps);
    // The transform range can be narrowed (or widened) for the rest of a run (reported on stderr).
    const given = (flag: string) => command.getOptionValueSource(flag) === 'cli';
    // What a run trains on at its start is its own: refused, not ignored, on a resumed run.
    for (const flag of ['refineSize', 'refineShare', 'viewShare'] as const) {
      const option = `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      if (given(flag)) command.error(`xemreg-train: ${option} is set when a run starts; ${flags.name} resumes with its own`, { exitCode: 2 });
    }
    // States written before the weight was an option were trained with the default.
    state.matchingWeight ??= MATCHING_WEIGHT;
    if (given('matchingWeight')) {
      state.matchingWeight = Number(flags.matchingWeight);
      process.stderr.write(`matching weight from step ${state.step}: ${state.matchingWeight}\n`);
    }
    // A warm restart: the cosine continues from the current step with a new peak.
    if (given('lr')) {
      state.lr = Number(flags.lr);
      process.stderr.write(`peak learning rate from step ${state.step}: ${state.lr} (now ${learningRate(state.step, state.steps, state.lr).toExponential(2)})\n`);
    }
    if (given('maxRotation') || given('maxZoom')) {
      state.pairOptions.full = fullRange(flags);
      process.stderr.write(`transform range from step ${state.step}: ${JSON.stringify(state.pairOptions.full)}\n`);
    }
    model = await loadModel(dir);
    await loadOptimizer(optimizer, join(trainingDir, 'optimizer'));
    process.stderr.write(`resuming ${flags.name} at step ${state.step}/${state.steps}\n`);
  } else {
    state = {
      step: 0,
      steps: Number(flags.steps),
      seed: Number(flags.seed),
      batch: Number(flags.batch),
      lr: Number(flags.lr),
      matchingWeight: Number(flags.matchingWeight),
      data: flags.data,
      pairOptions: {
        size: n,
        fineFraction: Number(flags.fineFraction),
        realFraction: Number(flags.realFraction),
        curriculumBatches: Math.round(Number(flags.curriculum) * Number(flags.steps)),
        full: fullRange(flags),
        viewShare: Number(flags.viewShare),
      },
      validation: null,
      elapsedMs: 0,
    };
    const viewShare = state.pairOptions.viewShare!;
    if (!(viewShare >= 0 && viewShare <= 1)) command.error(`xemreg-train: --view-share ${flags.viewShare}: a chance between 0 and 1`, { exitCode: 2 });
    const refineSize = Number(flags.refineSize);
    if (refineSize) {
      if (!(refineSize > n && refineSize % 8 === 0)) command.error(`xemreg-train: --refine-size ${flags.refineSize}: a multiple of 8 above the model's side (${n})`, { exitCode: 2 });
      const share = Number(flags.refineShare);
      if (!(share > 0 && share < 1)) command.error(`xemreg-train: --refine-share ${flags.refineShare}: a share between 0 and 1`, { exitCode: 2 });
      state.refine = { size: refineSize, share, pairOptions: { size: refineSize, fineFraction: Number(flags.fineFraction), realFraction: Number(flags.realFraction), curriculumBatches: 0, full: REFINE_RANGE, viewShare } };
    }
    if (flags.growFrom) {
      ({ model, grownFrom: state.grownFrom } = await grownParent(flags.growFrom, flags, command));
    } else {
      model = buildModel(DEFAULT_MODEL_CONFIG);
    }
    await writeFile(join(trainingDir, 'log.csv'), 'step,lr,loss,val_success,val_median_corner,val_median_rotation_deg,val_median_scale_rel,val_median_shift_fraction,elapsed_s\n');
  }

  // Validation: pairs from a seed training never uses (training seeds batches from state.seed).
  const dataDir = flags.data === 'none' ? null : flags.data;
  const sources = dataDir ? await loadRealSources(dataDir) : [];
  // Validation always spans the full documented range (no curriculum), on square images as the held-out test set.
  const valOptions: PairOptions = { ...state.pairOptions, curriculumBatches: 0, viewShare: 0, sources };
  const valBatches = Array.from({ length: Math.ceil(Number(flags.valPairs) / 32) }, (_, i) => makeBatch(state.seed + 1_000_003, i, 32, valOptions));
  const validate = (): ErrorSummary => {
    const truths: NormalisedSimilarity[] = [];
    const estimates: NormalisedSimilarity[] = [];
    for (const b of valBatches) {
      truths.push(...truthsOf(b));
      estimates.push(...predictBatch(model, b, n));
    }
    return summarise(truths, estimates);
  };

  // Adam keys its moments by position: a fixed, name-sorted variable order makes resumed state line up.
  const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val).sort((a, b) => a.name.localeCompare(b.name));
  const refine = state.refine;
  const refineBefore = (step: number) => (refine ? refineStepsBefore(step, refine.share) : 0);
  const pool = new BatchPool({ seed: state.seed, batchSize: state.batch, startIndex: state.step - refineBefore(state.step), options: state.pairOptions, dataDir, workers: Number(flags.workers) });
  // Its own seed: the refinement batches are not the main stream's pairs at another size.
  const refinePool = refine && new BatchPool({ seed: state.seed + 2_000_003, batchSize: refineBatch(state.batch, n, refine.size), startIndex: refineBefore(state.step), options: refine.pairOptions, dataDir, workers: 1 });
  const refineModel = refine && modelAtSize(model, refine.size);
  if (refine) process.stderr.write(`refinement steps: ${(100 * refine.share).toFixed(0)} % at ${refine.size} px, transforms ${JSON.stringify(refine.pairOptions.full)}\n`);
  process.stderr.write(`training ${flags.name}: ${model.countParams()} parameters, ${await pool.sources()} real source images, batch ${state.batch}\n`);
  // A live bar on a terminal; in a log file, one line every 50 steps instead.
  const tty = Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'train [{bar}] {value}/{total} | loss {loss} | val success {val} | {rate} pairs/s | ETA {eta_formatted}', etaBuffer: 50, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  const logLine = (step: number, payload: Record<string, string>) => {
    if (!tty && step % 50 === 0) process.stderr.write(`step ${step}/${state.steps} loss ${payload.loss} ${payload.rate} pairs/s\n`);
  };
  bar.start(state.steps, state.step, { loss: '—', val: state.validation ? `${(100 * state.validation.successRate).toFixed(1)}%` : '—', rate: '—' });
  let ema = NaN;
  const every = Number(flags.checkpointEvery);
  let started = performance.now();
  let samples = 0;
  try {
    while (state.step < state.steps) {
      const refining = refineBefore(state.step + 1) > refineBefore(state.step);
      const batch = await (refining ? refinePool! : pool).next();
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate(state.step, state.steps, state.lr);
      const { fixed, moving, targets } = toTensors(batch, refining ? refine!.size : n);
      const stepModel = refining ? refineModel! : model;
      const loss = optimizer.minimize(() => trainingLoss(stepModel, fixed, moving, targets, state.matchingWeight), true, variables) as tf.Scalar;
      const value = (await loss.data())[0];
      tf.dispose([fixed, moving, targets, loss]);
      ema = Number.isNaN(ema) ? value : 0.98 * ema + 0.02 * value;
      state.step++;
      samples += batch.size;
      const rate = samples / ((performance.now() - started) / 1000);
      bar.update(state.step, { loss: ema.toFixed(4), rate: rate.toFixed(1) });
      logLine(state.step, { loss: ema.toFixed(4), rate: rate.toFixed(1) });
      if (state.step % every === 0 || state.step === state.steps) {
        state.validation = validate();
        state.elapsedMs += performance.now() - started;
        started = performance.now();
        samples = 0;
        const v = state.validation;
        await appendFile(
          join(trainingDir, 'log.csv'),
          `${state.step},${learningRate(state.step, state.steps, state.lr).toExponential(3)},${ema.toFixed(5)},${v.successRate.toFixed(4)},${v.medianCorner.toFixed(5)},${v.medianRotationDeg.toFixed(3)},${v.medianScaleRel.toFixed(5)},${v.medianShiftFraction.toFixed(5)},${(state.elapsedMs / 1000).toFixed(0)}\n`,
        );
        await saveModel(model, dir);
        await saveOptimizer(optimizer, join(trainingDir, 'optimizer'));
        await writeFile(join(trainingDir, 'state.json'), JSON.stringify(state, null, 2));
        bar.update(state.step, { val: `${(100 * v.successRate).toFixed(1)}%` });
        if (!tty) process.stderr.write(`checkpoint ${state.step}: validation ${JSON.stringify(v)}\n`);
      }
    }
  } finally {
    bar.stop();
    await pool.close();
    await refinePool?.close();
  }
  process.stderr.write(`done: ${JSON.stringify(state.validation)}\n`);
}

const program = new Command()
  .name('xemreg-train')
  .description('Train the registration CNN on synthetic correlative X-ray/EM pairs (tfjs wasm backend).')
  .option('--name <name>', 'model name: output in <out>/<name>', 'xemreg-model')
  .option('--out <dir>', 'models folder', 'models')
  .option('--steps <n>', 'optimiser steps', '6000')
  .option('--batch <n>', 'pairs per step', '32')
  .option('--lr <x>', 'peak learning rate (Adam, cosine decay; on --resume, given again: a warm restart)', '0.001')
  .option('--seed <n>', 'seed of the synthetic data stream', '1')
  .option('--data <dir>', 'folder of real images used as worlds besides procedural ones ("none" for procedural only)', 'samples')
  .option('--workers <n>', 'data-generating worker threads', '1')
  .option('--checkpoint-every <n>', 'steps between checkpoints (validation, save)', '250')
  .option('--val-pairs <n>', 'validation pairs (held-out seed)', '256')
  .option('--fine-fraction <p>', 'share of pairs with small (refinement-range) transforms', '0.4')
  .option('--real-fraction <p>', 'share of worlds made from real images', '0.5')
  .option('--curriculum <p>', 'fraction of the run over which the transform range grows from small to the full range', '0.5')
  .option('--max-rotation <deg>', 'largest training rotation: inference starts from rotations every 45°, so a smaller range covers any angle', '50')
  .option('--max-zoom <f>', 'training scales from 1/f to f: inference also starts from zooms of 1/√2 and √2', '2')
  .option('--matching-weight <w>', 'weight of the dense matching loss beside the corner loss (kept on --resume unless given)', String(MATCHING_WEIGHT))
  .option('--refine-size <n>', 'also train at this side (e.g. 256, where inference refines) on the residuals its passes start from (0: off; a new run only)', '0')
  .option('--refine-share <p>', 'with --refine-size: share of the steps at that side', '0.5')
  .option('--view-share <p>', 'chance that each image of a pair is cut to a non-square view, padded as inference frames it (a new run only)', '0')
  .option('--resume', 'continue from the last checkpoint of <name>')
  .option('--grow-from <dir>', 'start a new run from this trained model, grown by --width and --context (same features at the start)')
  .option('--width <n>', 'with --grow-from: channels of the last encoder stage (default: unchanged)')
  .option('--context <n>', 'with --grow-from: 3×3 convolutions after the last stage, new ones starting as identities (default: unchanged)')
  .action(train);

await program.parseAsync(process.argv);
