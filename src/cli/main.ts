/**
 * The `xemreg` command line (CONVENTIONS.md): `register` one pair, `batch` a list of pairs, `info`
 * what is read in files. Exit codes: 0 success, 1 registration failed (batch: any pair), 2 bad
 * arguments or unreadable input — always with one line on stderr naming the cause. Only results
 * go to stdout; logs and progress go to stderr.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { checkMethods, METHOD_ORDER } from '../compare.js';
import { InputError } from '../errors.js';
import { gridOf } from '../image/image.js';
import { STANDALONE_PRESETS, type ElastixPresetName } from '../methods/elastix-presets.js';
import { CONFIDENT, DEFAULT_PASSES, isUnsure, RETRY_BELOW, type CnnProgress } from '../methods/cnn.js';
import type { MethodName } from '../methods/result.js';
import { checkModelDir, shippedModelDir } from '../node/cnn-model.js';
import { formatTransform, transformFormatOf } from '../transform/formats.js';
import { dataBarNotes, lowConfidenceWarnings, pixelSizeNotes, summary } from './output.js';
import { parsePairList, type PairEntry } from './pair-list.js';
import { fileInfo, infoText } from './info.js';
import { runInWorkers, type PairTask } from './pair-workers.js';
import { failureOf, modelFor, partialFailure, registerFiles, registerListedPair, sliceArgument, spacingArgument, UsageError, withPairOverrides, writeRegistered, type PairOutcome, type Settings } from './register-files.js';

/** Flags that `register` and `batch` share: the methods and their parameters. */
interface MethodFlags {
  method: string;
  preset: string;
  transformType: string;
  param: string[];
  fixedComponent?: string;
  movingComponent?: string;
  fixedSlice?: string;
  movingSlice?: string;
  progress: boolean;
  model?: string;
  passes: string;
  hybridFallback: string;
  retryBelow: string;
  fixedSpacing?: string;
  movingSpacing?: string;
  keepDataBars?: boolean;
  fieldSearch?: boolean;
}

interface RegisterFlags extends MethodFlags {
  json?: boolean;
  out?: string;
  transform?: string;
}

interface BatchFlags extends MethodFlags {
  outDir?: string;
  jobs: string;
}

const OUT_EXTENSIONS = ['tif', 'tiff', 'nrrd', 'nhdr', 'mha', 'mhd', 'nii', 'nii.gz', 'png', 'jpg', 'jpeg', 'vtk', 'hdf5'];

function parseComponent(value: string | undefined, flag: string): number | 'luminance' | undefined {
  if (value === undefined) return undefined;
  if (value === 'luminance') return 'luminance';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag}: expected a component index ≥ 0 or "luminance", got "${value}"`);
  return n;
}

function parseParams(entries: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of entries) {
    const m = /^([A-Za-z]\w*)=(.+)$/.exec(entry);
    if (!m) throw new UsageError(`--param: expected Key=value[,value…], got "${entry}"`);
    out[m[1]] = m[2].split(',').map((v) => v.trim());
  }
  return out;
}

function methodsOf(flag: string): MethodName[] {
  if (flag === 'all') return [...METHOD_ORDER];
  if (!(METHOD_ORDER as readonly string[]).includes(flag)) throw new UsageError(`--method: expected cnn, elastix, hybrid or all, got "${flag}"`);
  return [flag as MethodName];
}

function checkOutPath(path: string): void {
  const lower = path.toLowerCase();
  if (!OUT_EXTENSIONS.some((ext) => lower.endsWith(`.${ext}`))) {
    throw new UsageError(`--out ${path}: unknown image extension (use one of .${OUT_EXTENSIONS.join(', .')})`);
  }
}


function settingsOf(flags: MethodFlags): Settings {
  const methods = methodsOf(flags.method);
  const modelDir = flags.model ?? shippedModelDir();
  checkMethods(methods, modelDir !== null);
  if (modelDir && methods.some((m) => m !== 'elastix')) checkModelDir(modelDir);
  const passes = Number(flags.passes);
  if (!Number.isInteger(passes) || passes < 1) throw new UsageError(`--passes: expected an integer ≥ 1, got "${flags.passes}"`);
  const hybridFallback = Number(flags.hybridFallback);
  if (!(hybridFallback >= 0 && hybridFallback <= 1)) throw new UsageError(`--hybrid-fallback: expected a confidence between 0 and 1, got "${flags.hybridFallback}"`);
  const retryBelow = Number(flags.retryBelow);
  if (!(retryBelow >= 0 && retryBelow <= 1)) throw new UsageError(`--retry-below: expected a confidence between 0 and 1, got "${flags.retryBelow}"`);
  if (!STANDALONE_PRESETS.includes(flags.preset as ElastixPresetName)) throw new UsageError(`--preset: expected ${STANDALONE_PRESETS.join(', ')}, got "${flags.preset}"`);
  if (flags.transformType !== 'similarity' && flags.transformType !== 'affine') {
    throw new UsageError(`--transform-type: expected similarity or affine, got "${flags.transformType}"`);
  }
  const spacing = { fixed: spacingArgument(flags.fixedSpacing, '--fixed-spacing'), moving: spacingArgument(flags.movingSpacing, '--moving-spacing') };
  const fields = flags.fieldSearch ? { fieldWindows: 'search' as const } : {};
  return withPairOverrides({
    methods,
    modelDir,
    options: {
      cnn: { passes, retryBelow, ...fields },
      hybridCnn: { retryBelow, ...fields },
      hybridFallbackBelowConfidence: hybridFallback,
      dataBars: flags.keepDataBars ? 'keep' : 'crop',
      fixedInput: { component: parseComponent(flags.fixedComponent, '--fixed-component'), slice: sliceArgument(flags.fixedSlice, '--fixed-slice') },
      movingInput: { component: parseComponent(flags.movingComponent, '--moving-component'), slice: sliceArgument(flags.movingSlice, '--moving-slice') },
      elastix: { preset: flags.preset as ElastixPresetName, transform: flags.transformType, parameters: parseParams(flags.param) },
    },
    spacing,
  });
}


/** Resolves to the exit code: 0, or 1 when one of several methods failed (the others' results are printed). */
async function runRegister(fixedPath: string, movingPath: string, flags: RegisterFlags): Promise<number> {
  const started = performance.now();
  const settings = settingsOf(flags);
  if (flags.out) checkOutPath(flags.out);
  let transformFormat;
  if (flags.transform) {
    try {
      transformFormat = transformFormatOf(flags.transform);
    } catch (e) {
      throw new UsageError(`--transform ${(e as Error).message}`);
    }
  }
  const showProgress = flags.progress && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'xemreg [{bar}] {value}/{total} {stage}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const steps = 2 + settings.methods.length + (flags.out ? 1 : 0) + (flags.transform ? 1 : 0);
  let step = 0;
  const stage = (name: string) => {
    if (showProgress) bar.update(step++, { stage: name });
    else if (!flags.json) process.stderr.write(`xemreg: ${name}\n`);
  };
  // A small field inside a much larger one takes seconds: the bar's label follows the windows.
  const windows = (method: string, p: CnnProgress) => {
    if (showProgress) bar.update(step - 1, { stage: `registering with ${method}: field windows ${p.done} of ${p.total}` });
  };
  if (showProgress) bar.start(steps, 0, { stage: 'reading' });
  try {
    const cnn = await modelFor(settings);
    const { fixed, moving, chosen, doc } = await registerFiles(fixedPath, movingPath, settings, cnn, stage, started, windows);
    if (flags.out) {
      stage(`writing ${flags.out}`);
      await writeRegistered(moving, fixed, chosen, flags.out, settings.options.movingInput);
    }
    if (flags.transform && transformFormat) {
      stage(`writing ${flags.transform}`);
      await writeFile(flags.transform, formatTransform(chosen.transform, transformFormat, gridOf(fixed)));
    }
    if (showProgress) bar.update(steps, { stage: 'done' });
    bar.stop();
    for (const note of [...pixelSizeNotes(doc), ...dataBarNotes(doc), ...lowConfidenceWarnings(doc)]) process.stderr.write(`xemreg: ${note}\n`);
    process.stdout.write(flags.json ? JSON.stringify(doc, null, 2) + '\n' : summary(doc));
    const failure = partialFailure(doc);
    if (failure) process.stderr.write(`xemreg: ${failure.message}\n`);
    return failure ? failure.code : 0;
  } finally {
    bar.stop();
  }
}

/** File stem for a pair's outputs: its `name` column, else the pair number and the moving file's name. */
function outputStem(pair: PairEntry, index: number): string {
  const raw = pair.columns.name || `${String(index + 1).padStart(4, '0')}-${basename(pair.moving).replace(/\.(nii\.gz|[^.]+)$/i, '')}`;
  return raw.replace(/[^\w.-]+/g, '_');
}

/**
 * Register every pair of a list with the model and pipelines loaded once (per job); one JSON line
 * per pair on stdout, in list order (the `register --json` document plus `line`, or `line` and
 * `error`), progress with ETA on stderr. A failed pair does not stop the others. Resolves to the
 * number of failures.
 */
async function runBatch(listPath: string, flags: BatchFlags): Promise<number> {
  const settings = settingsOf(flags);
  const jobs = flags.jobs === 'auto' ? availableParallelism() : Number(flags.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs: expected an integer ≥ 1 or "auto", got "${flags.jobs}"`);
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch {
    throw new InputError(listPath, 'pair list not found or unreadable');
  }
  let pairs: PairEntry[];
  try {
    pairs = parsePairList(text, dirname(listPath));
  } catch (e) {
    throw new InputError(listPath, (e as Error).message);
  }
  const stems = pairs.map(outputStem);
  if (flags.outDir) {
    const seen = new Map<string, number>();
    for (const [i, stem] of stems.entries()) {
      if (seen.has(stem)) throw new InputError(listPath, `lines ${pairs[seen.get(stem)!].line} and ${pairs[i].line} would write the same outputs "${stem}" (give each a unique name column)`);
      seen.set(stem, i);
    }
    await mkdir(flags.outDir, { recursive: true });
  }
  const tasks: PairTask[] = pairs.map((pair, index) => ({ index, pair, stem: stems[index], outDir: flags.outDir }));
  const showProgress = flags.progress && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'xemreg batch [{bar}] {value}/{total} pairs | {failed} failed | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const failedLines: number[] = [];
  const unsureLines: number[] = [];
  const barLines: number[] = [];
  const report = (task: PairTask, outcome: PairOutcome) => {
    if (outcome.doc?.images.fixed.dataBar || outcome.doc?.images.moving.dataBar) barLines.push(task.pair.line);
    if (outcome.failure) {
      failedLines.push(task.pair.line);
      if (!showProgress) process.stderr.write(`xemreg batch: line ${task.pair.line}: ${outcome.failure.message}\n`);
    } else if (outcome.doc?.results.some((r) => isUnsure(r.confidence))) unsureLines.push(task.pair.line);
    process.stdout.write(JSON.stringify(outcome.line) + '\n');
    if (showProgress) bar.update(task.index + 1, { failed: failedLines.length });
  };
  try {
    if (jobs > 1 && tasks.length > 1) {
      if (showProgress) bar.start(pairs.length, 0, { failed: 0 });
      await runInWorkers(tasks, jobs, settings, report);
    } else {
      const cnn = await modelFor(settings);
      if (showProgress) bar.start(pairs.length, 0, { failed: 0 });
      for (const task of tasks) report(task, await registerListedPair(task.pair, task.stem, settings, cnn, task.outDir));
    }
  } finally {
    bar.stop();
  }
  const lines = (list: number[]) => `line${list.length > 1 ? 's' : ''} ${list.join(', ')}`;
  process.stderr.write(
    `xemreg batch: ${pairs.length - failedLines.length} of ${pairs.length} pairs registered` +
      (failedLines.length ? `; failed: ${lines(failedLines)}` : '') +
      (unsureLines.length ? `; CNN confidence below ${CONFIDENT} (likely wrong): ${lines(unsureLines)}` : '') +
      (barLines.length ? `; instrument data bars left out (images.*.dataBar): ${lines(barLines)}` : '') +
      '\n',
  );
  return failedLines.length;
}

/** The options of the methods and their parameters, the same for `register` and `batch`. */
function withMethodOptions(command: Command): Command {
  return command
    .addOption(new Option('--method <name>', 'registration method: cnn, elastix, hybrid or all').default('elastix'))
    .addOption(new Option('--preset <name>', `elastix schedule: ${STANDALONE_PRESETS.join(', ')}`).default('default'))
    .addOption(new Option('--transform-type <type>', 'elastix transform: similarity or affine').default('similarity'))
    .option('--param <Key=value>', 'override an elastix parameter, e.g. --param MaximumNumberOfIterations=500 (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--fixed-component <n>', 'component of a multi-component fixed image, or "luminance" for RGB (default: luminance for RGB, else 0)')
    .option('--moving-component <n>', 'component of a multi-component moving image (as --fixed-component)')
    .option('--fixed-slice <n|name>', 'slice of a fixed image that is a 3-D stack (a multi-page TIFF: a Fiji stack of element maps, an OME-TIFF\'s channels; an HDF5 file\'s element maps), from 0, or by its name where the file names its slices (e.g. Fe_K)')
    .option('--moving-slice <n|name>', 'slice of a moving image that is a 3-D stack (as --fixed-slice)')
    .option('--fixed-spacing <size>', 'pixel size of the fixed image ("0.05", "x,y", or with a unit: "20nm", "0.5um", converted to mm, the unit sizes read from files are in), replacing what the file says (PNG and JPEG carry none); without a unit give both images\' in one unit. With a pixel size given, the CNN registers a much smaller field inside windows of the larger one')
    .option('--moving-spacing <size>', 'pixel size of the moving image (as --fixed-spacing)')
    .option('--field-search', 'cnn and hybrid, for images without pixel sizes: when the CNN is unsure of the pair as it is, also try each image as a field 3× and 5× larger than the other, registering the smaller inside windows of the larger (seconds more per unsure pair; with pixel sizes known the windows follow from them instead)')
    .option('--model <dir>', 'registration model folder (model.json + weights) for cnn and hybrid; default: the shipped model')
    .option('--passes <n>', 'CNN forward passes of --method cnn, at most (the first estimates, the others refine until a pass changes little; the hybrid runs its own search)', String(DEFAULT_PASSES))
    .option('--hybrid-fallback <confidence>', 'hybrid: also run elastix from the identity and from the best starts of a coarse NMI search over every rotation, scale and shift when the CNN confidence is below this (0–1; 0.5 finds at least what elastix alone finds, at about three times its time on those pairs)', '0')
    .option('--retry-below <confidence>', 'cnn and hybrid: when the CNN search ends below this confidence, search again with the zoomed starts looking at the edges and corners of the moving image (0: never: faster on the pairs the CNN cannot read)', String(RETRY_BELOW))
    .option('--keep-data-bars', 'register instrument data bars too: by default a flat strip of annotation text along the bottom or top of an image (SEM/TEM software writes one) is left out, with a note on stderr; the transform is that of the whole image either way')
    .option('--no-progress', 'no progress bar on stderr');
}

/** `onExitCode` receives a non-zero exit code from commands that end without throwing (a batch with failed pairs). */
function buildProgram(onExitCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('xemreg')
    .description('Registration of correlative X-ray and electron microscopy images: finds the similarity (rotation, scale, shift) that maps the fixed image onto the moving one.')
    .exitOverride();
  withMethodOptions(
    program
      .command('register')
      .description('register <moving> to <fixed>; the transform maps fixed physical points to moving ones (ITK/elastix convention)')
      .argument('<fixed>', 'fixed image (PNG, JPEG, TIFF 8/16/32-bit and float, NRRD, MHA/MHD, NIfTI, …; the maps of an HDF5 file from XRF-Maps, MAPS or PyXRF, or file.h5::/dataset); its spacing is honoured')
      .argument('<moving>', 'moving image, any format the fixed image may have')
      .option('--json', 'print one JSON object on stdout (CONVENTIONS.md); logs go to stderr')
      .option('--out <file>', 'write the moving image resampled onto the fixed grid (format from the extension)')
      .option('--transform <file>', 'write the transform: .json, ITK .tfm, or elastix TransformParameters .txt'),
  ).action(async (fixed: string, moving: string, flags: RegisterFlags) => {
    const code = await runRegister(fixed, moving, flags);
    if (code > 0) onExitCode(code);
  });
  withMethodOptions(
    program
      .command('batch')
      .description('register every pair of a CSV list (header with "fixed" and "moving" columns, paths relative to the list; an optional "name" column names the outputs, optional "fixed_spacing" and "moving_spacing" columns give pixel sizes as --fixed-spacing does, "fixed_slice" and "moving_slice" the slices of stacks as --fixed-slice does), loading the model and pipelines once; one JSON line per pair on stdout; exit 1 when any pair failed')
      .argument('<list>', 'CSV pair list')
      .option('--out-dir <dir>', 'write each pair\'s transform (<name>.transform.json) and registered image (<name>.registered.tif) here')
      .option('--jobs <n>', 'pairs registered at once, each in a worker thread with its own model and pipeline (one core each; "auto": one per core)', '1'),
  ).action(async (list: string, flags: BatchFlags) => {
    if ((await runBatch(list, flags)) > 0) onExitCode(1);
  });
  program
    .command('info')
    .description('say what xemreg reads in each file: size, slices or channels by name, pixel size and where it came from, the HDF5 dataset; for a file of several images, their file::path names; exit 2 when a file cannot be read')
    .argument('<files...>', 'image files, as register takes them (file.h5::/dataset too)')
    .option('--json', 'one JSON object per file, one line each, on stdout')
    .action(async (files: string[], flags: { json?: boolean }) => {
      if ((await runInfo(files, flags)) > 0) onExitCode(2);
    });
  return program;
}

/** `info`: each file's facts on stdout; a file that cannot be read also gets its one line on stderr. Resolves to 2 if any could not be read. */
async function runInfo(files: string[], flags: { json?: boolean }): Promise<number> {
  let code = 0;
  for (const file of files) {
    const info = await fileInfo(file);
    process.stdout.write((flags.json ? JSON.stringify(info) : infoText(info)) + '\n');
    if ('error' in info) {
      process.stderr.write(`xemreg: ${file}: ${info.error}\n`);
      code = 2;
    }
  }
  return code;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // itk-wasm prints its own diagnostics (console.log/error) around failures we already explain in
  // one line; stdout belongs to the result. XEMREG_DEBUG=1 sends them to stderr instead.
  const debug = process.env.XEMREG_DEBUG === '1';
  const toStderr = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
  console.log = console.info = console.warn = console.error = debug ? toStderr : () => {};
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  program.configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line message
    }
    const failure = failureOf(error);
    process.stderr.write(`xemreg: ${failure.message}\n`);
    return failure.code;
  }
}
