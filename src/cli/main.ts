/**
 * The `xemreg` command line (CONVENTIONS.md). Exit codes: 0 success, 1 registration failed,
 * 2 bad arguments or unreadable input — always with one line on stderr naming the cause.
 * Only the result goes to stdout; logs and progress go to stderr.
 */
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { compare, checkMethods, METHOD_ORDER, type ComparedResult } from '../compare.js';
import { CancelledError, InputError, MethodUnavailableError, RegistrationError } from '../errors.js';
import { castForFile } from '../image/cast.js';
import { toGrayscale } from '../image/grayscale.js';
import { gridOf, type Image } from '../image/image.js';
import { ELASTIX_PRESETS, type ElastixPresetName } from '../methods/elastix-presets.js';
import type { MethodName } from '../methods/result.js';
import { nodeElastixRunner } from '../node/elastix-runner.js';
import { loadCnnModel, shippedModelDir } from '../node/cnn-model.js';
import { readImageFile, writeImageFile } from '../node/image-file.js';
import { resample } from '../resample.js';
import { formatTransform, transformFormatOf } from '../transform/formats.js';
import { cliDocument, resultToJSON, summary, type CliResultJSON } from './output.js';

class UsageError extends Error {}

interface RegisterFlags {
  method: string;
  json?: boolean;
  out?: string;
  transform?: string;
  preset: string;
  transformType: string;
  param: string[];
  fixedComponent?: string;
  movingComponent?: string;
  progress: boolean;
  model?: string;
  passes: string;
  hybridFallback: string;
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

async function runRegister(fixedPath: string, movingPath: string, flags: RegisterFlags): Promise<void> {
  const started = performance.now();
  const methods = methodsOf(flags.method);
  const modelDir = flags.model ?? shippedModelDir();
  const needsModel = methods.some((m) => m !== 'elastix');
  checkMethods(methods, modelDir !== null);
  const passes = Number(flags.passes);
  if (!Number.isInteger(passes) || passes < 1) throw new UsageError(`--passes: expected an integer ≥ 1, got "${flags.passes}"`);
  const hybridFallback = Number(flags.hybridFallback);
  if (!(hybridFallback >= 0 && hybridFallback <= 1)) throw new UsageError(`--hybrid-fallback: expected a confidence between 0 and 1, got "${flags.hybridFallback}"`);
  if (!(flags.preset in ELASTIX_PRESETS)) throw new UsageError(`--preset: expected ${Object.keys(ELASTIX_PRESETS).join(', ')}, got "${flags.preset}"`);
  if (flags.transformType !== 'similarity' && flags.transformType !== 'affine') {
    throw new UsageError(`--transform-type: expected similarity or affine, got "${flags.transformType}"`);
  }
  if (flags.out) checkOutPath(flags.out);
  let transformFormat;
  if (flags.transform) {
    try {
      transformFormat = transformFormatOf(flags.transform);
    } catch (e) {
      throw new UsageError(`--transform ${(e as Error).message}`);
    }
  }
  const parameters = parseParams(flags.param);
  const fixedComponent = parseComponent(flags.fixedComponent, '--fixed-component');
  const movingComponent = parseComponent(flags.movingComponent, '--moving-component');

  const showProgress = flags.progress && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'xemreg [{bar}] {value}/{total} {stage}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const steps = 2 + methods.length + (flags.out ? 1 : 0) + (flags.transform ? 1 : 0);
  let step = 0;
  const stage = (name: string) => {
    if (showProgress) bar.update(step++, { stage: name });
    else if (!flags.json) process.stderr.write(`xemreg: ${name}\n`);
  };
  if (showProgress) bar.start(steps, 0, { stage: 'reading' });
  try {
    stage(`reading ${fixedPath}`);
    const fixed = await readImageFile(fixedPath);
    stage(`reading ${movingPath}`);
    const moving = await readImageFile(movingPath);
    const cnn = needsModel && modelDir ? await loadCnnModel(modelDir) : undefined;
    const results: { result: ComparedResult; json: CliResultJSON }[] = [];
    await compare(fixed, moving, methods, { elastixRunner: nodeElastixRunner, cnn }, {
      cnn: { passes },
      hybridFallbackBelowConfidence: hybridFallback,
      labels: { fixed: fixedPath, moving: movingPath },
      fixedInput: { component: fixedComponent },
      movingInput: { component: movingComponent },
      elastix: { preset: flags.preset as ElastixPresetName, transform: flags.transformType as 'similarity' | 'affine', parameters },
      onMethodStart: (method) => stage(`registering with ${method}`),
    }).then((rs) => {
      for (const r of rs) results.push({ result: r, json: resultToJSON(r, performance.now() - started) });
    });
    const chosen = results[results.length - 1].result;
    if (flags.out) {
      stage(`writing ${flags.out}`);
      await writeRegistered(moving, fixed, chosen, flags.out, movingComponent);
    }
    if (flags.transform && transformFormat) {
      stage(`writing ${flags.transform}`);
      await writeFile(flags.transform, formatTransform(chosen.transform, transformFormat, gridOf(fixed)));
    }
    if (showProgress) bar.update(steps, { stage: 'done' });
    bar.stop();
    const doc = cliDocument(fixedPath, movingPath, fixed, moving, results.map((r) => r.json));
    process.stdout.write(flags.json ? JSON.stringify(doc, null, 2) + '\n' : summary(doc));
  } finally {
    bar.stop();
  }
}

/** The moving image on the fixed grid, in the moving file's pixel type where the format allows. */
async function writeRegistered(moving: Image, fixed: Image, result: ComparedResult, path: string, component?: number | 'luminance'): Promise<void> {
  const gray = toGrayscale(moving, { component, label: moving.name });
  const registered = resample(gray, fixed, result.transform);
  await writeImageFile(castForFile(registered, path, String(moving.imageType.componentType)), path);
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('xemreg')
    .description('Registration of correlative X-ray and electron microscopy images: finds the similarity (rotation, scale, shift) that maps the fixed image onto the moving one.')
    .exitOverride();
  program
    .command('register')
    .description('register <moving> to <fixed>; the transform maps fixed physical points to moving ones (ITK/elastix convention)')
    .argument('<fixed>', 'fixed image (PNG, JPEG, TIFF 8/16/32-bit and float, NRRD, MHA/MHD, NIfTI, …); its spacing is honoured')
    .argument('<moving>', 'moving image, any format the fixed image may have')
    .addOption(new Option('--method <name>', 'registration method: cnn, elastix, hybrid or all').default('elastix'))
    .option('--json', 'print one JSON object on stdout (CONVENTIONS.md); logs go to stderr')
    .option('--out <file>', 'write the moving image resampled onto the fixed grid (format from the extension)')
    .option('--transform <file>', 'write the transform: .json, ITK .tfm, or elastix TransformParameters .txt')
    .addOption(new Option('--preset <name>', 'elastix schedule: fast, default or accurate').default('default'))
    .addOption(new Option('--transform-type <type>', 'elastix transform: similarity or affine').default('similarity'))
    .option('--param <Key=value>', 'override an elastix parameter, e.g. --param MaximumNumberOfIterations=500 (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--fixed-component <n>', 'component of a multi-component fixed image, or "luminance" for RGB (default: luminance for RGB, else 0)')
    .option('--moving-component <n>', 'component of a multi-component moving image (as --fixed-component)')
    .option('--model <dir>', 'registration model folder (model.json + weights) for cnn and hybrid; default: the shipped model')
    .option('--passes <n>', 'CNN forward passes of --method cnn (the first estimates, the others refine; the hybrid runs its own search)', '3')
    .option('--hybrid-fallback <confidence>', 'hybrid: also run elastix from the identity when the CNN confidence is below this (0–1; 0.5 finds at least what elastix alone finds, at its cost)', '0')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (fixed: string, moving: string, flags: RegisterFlags) => {
      await runRegister(fixed, moving, flags);
    });
  return program;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // itk-wasm prints its own diagnostics (console.log/error) around failures we already explain in
  // one line; stdout belongs to the result. XEMREG_DEBUG=1 sends them to stderr instead.
  const debug = process.env.XEMREG_DEBUG === '1';
  const toStderr = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
  console.log = console.info = console.warn = console.error = debug ? toStderr : () => {};
  const program = buildProgram();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line message
    }
    const line = (error as Error)?.message ?? String(error);
    if (error instanceof UsageError || error instanceof InputError || error instanceof MethodUnavailableError) {
      process.stderr.write(`xemreg: ${line}\n`);
      return 2;
    }
    if (error instanceof RegistrationError || error instanceof CancelledError) {
      process.stderr.write(`xemreg: registration failed: ${line}\n`);
      return 1;
    }
    process.stderr.write(`xemreg: unexpected error: ${line.split('\n')[0]}\n`);
    return 1;
  }
}
