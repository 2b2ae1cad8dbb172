/**
 * One pair's work for the CLI: read both files, run the methods, write the outputs. Shared by
 * `register`, by `batch` in the main thread and by its worker threads (`--jobs`), so that every
 * pair is registered and reported the same way wherever it runs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compare, type CompareOptions, type ComparedResult } from '../compare.js';
import { CancelledError, InputError, MethodUnavailableError, RegistrationError } from '../errors.js';
import { castForFile } from '../image/cast.js';
import { toGrayscale } from '../image/grayscale.js';
import { gridOf, type Image } from '../image/image.js';
import { parseSpacing, withSpacing, type GivenSpacing } from '../image/spacing.js';
import type { CnnModel } from '../methods/cnn.js';
import type { MethodName } from '../methods/result.js';
import { loadCnnModel } from '../node/cnn-model.js';
import { nodeElastixRunner } from '../node/elastix-runner.js';
import { readImageFile, writeImageFile } from '../node/image-file.js';
import type { DataBar } from '../image/data-bar.js';
import { resample } from '../resample.js';
import { formatTransform } from '../transform/formats.js';
import { cliDocument, resultToJSON, type CliDocument } from './output.js';
import type { PairEntry } from './pair-list.js';

/** A bad flag or argument: exit code 2. */
export class UsageError extends Error {}

/** The validated method flags: checked once, before any file is read. Plain data: it is posted to worker threads. */
export interface Settings {
  methods: MethodName[];
  modelDir: string | null;
  options: Omit<CompareOptions, 'labels' | 'onMethodStart' | 'signal' | 'onDataBar'>;
  /** Pixel sizes (x, y; in mm when given with a unit) that replace what the files say (--fixed-spacing, --moving-spacing; a batch list's fixed_spacing and moving_spacing columns). */
  spacing?: { fixed?: GivenSpacing; moving?: GivenSpacing };
}

/** A pixel size given as a flag or a list column ("0.05", "x,y", "20nm"); `label` names it in the error. */
export function spacingArgument(text: string | undefined, label: string): GivenSpacing | undefined {
  if (text === undefined) return undefined;
  try {
    return parseSpacing(text);
  } catch (e) {
    throw new UsageError(`${label}: ${(e as Error).message}`);
  }
}

/**
 * The settings for one pair: a pair list's `fixed_spacing`, `moving_spacing`, `fixed_slice` and
 * `moving_slice` columns over the flags. A pixel size the user gives is physical, so the CNN's
 * field windows apply whenever the fields differ enough (field-windows.ts: 'always'), not only
 * when both files carry sizes of their own.
 */
export function withPairOverrides(settings: Settings, columns: Record<string, string> = {}): Settings {
  const spacing = { ...settings.spacing };
  const inputs = { fixed: settings.options.fixedInput, moving: settings.options.movingInput };
  for (const role of ['fixed', 'moving'] as const) {
    const given = spacingArgument(columns[`${role}_spacing`] || undefined, `${role}_spacing`);
    if (given) spacing[role] = given;
    const slice = sliceArgument(columns[`${role}_slice`] || undefined, `${role}_slice`);
    if (slice !== undefined) inputs[role] = { ...inputs[role], slice };
  }
  const options = { ...settings.options, fixedInput: inputs.fixed, movingInput: inputs.moving };
  if (!spacing.fixed && !spacing.moving) return { ...settings, options };
  const windows = { fieldWindows: 'always' as const };
  return { ...settings, spacing, options: { ...options, cnn: { ...options.cnn, ...windows }, hybridCnn: { ...options.hybridCnn, ...windows } } };
}

/**
 * The slice of a 3-D stack, given as a flag or a list column: an index from 0, or the slice's name
 * where the file names them (an element map's "Fe_K"; resolved when the image is read, sliceIndex).
 * `label` names it in the error.
 */
export function sliceArgument(text: string | undefined, label: string): number | string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${label}: expected a slice index ≥ 0 or a slice's name, got "${text}"`);
  if (!/^[-+]?[\d.]+$/.test(trimmed)) return trimmed;
  const n = Number(trimmed);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${label}: expected a slice index ≥ 0 or a slice's name, got "${text}"`);
  return n;
}

/** The model, loaded once per command (or worker) when a method needs it. */
export async function modelFor(settings: Settings): Promise<CnnModel | undefined> {
  return settings.methods.some((m) => m !== 'elastix') && settings.modelDir ? loadCnnModel(settings.modelDir) : undefined;
}

export interface Registered {
  fixed: Image;
  moving: Image;
  /** The last method's result: what --out and --transform write. */
  chosen: ComparedResult;
  doc: CliDocument;
}

/**
 * Read both files and run the methods: the work of one `register`, and of each pair of a `batch`.
 * `started`: where the results' totalMs count from (register: the command's start, loading included).
 */
export async function registerFiles(
  fixedPath: string,
  movingPath: string,
  settings: Settings,
  cnn: CnnModel | undefined,
  stage: (name: string) => void,
  started = performance.now(),
  onProgress?: CompareOptions['onProgress'],
): Promise<Registered> {
  stage(`reading ${fixedPath}`);
  const fixedFile = await readImageFile(fixedPath);
  stage(`reading ${movingPath}`);
  const movingFile = await readImageFile(movingPath);
  const given = (file: Image, size: GivenSpacing | undefined) => (size ? withSpacing(file, size.spacing, size.inMm ? 'mm' : undefined) : file);
  const fixed = given(fixedFile, settings.spacing?.fixed);
  const moving = given(movingFile, settings.spacing?.moving);
  // With several methods, one that fails leaves the others' results (the document lists the failure; exit 1).
  const failures: { method: MethodName; message: string }[] = [];
  const dataBars: Partial<Record<'fixed' | 'moving', DataBar>> = {};
  const results = await compare(fixed, moving, settings.methods, { elastixRunner: nodeElastixRunner, cnn }, {
    ...settings.options,
    onDataBar: (which, bar) => (dataBars[which] = bar),
    labels: { fixed: fixedPath, moving: movingPath },
    onMethodStart: (method) => stage(`registering with ${method}`),
    onProgress,
    // The message without the method's name: the document and the summary put it beside it.
    ...(settings.methods.length > 1 ? { onMethodFailed: (method: MethodName, error: RegistrationError) => failures.push({ method, message: error.reason }) } : {}),
  });
  const json = results.map((r) => resultToJSON(r, performance.now() - started));
  const doc = cliDocument(fixedPath, movingPath, fixed, moving, json, dataBars, { fixed: settings.options.fixedInput?.slice, moving: settings.options.movingInput?.slice });
  return { fixed, moving, chosen: results[results.length - 1], doc: failures.length ? { ...doc, failures } : doc };
}

/** The failure of a document whose methods did not all register the pair (exit code 1), or null. */
export function partialFailure(doc: CliDocument): { code: 1; message: string } | null {
  if (!doc.failures?.length) return null;
  return { code: 1, message: `registration failed: ${doc.failures.map((f) => `${f.method}: ${f.message}`).join('; ')}` };
}

/**
 * An error as the CLI reports it: the exit code (2 unusable input or arguments, 1 registration
 * failed or unexpected) and its one-line message. `main` prints it; a batch puts it on the pair's line.
 */
export function failureOf(error: unknown): { code: 1 | 2; message: string } {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof UsageError || error instanceof InputError || error instanceof MethodUnavailableError) return { code: 2, message };
  if (error instanceof RegistrationError || error instanceof CancelledError) return { code: 1, message: `registration failed: ${message}` };
  return { code: 1, message: `unexpected error: ${message.split('\n')[0]}` };
}

/** The moving image on the fixed grid, in the moving file's pixel type where the format allows. */
export async function writeRegistered(moving: Image, fixed: Image, result: ComparedResult, path: string, input: { component?: number | 'luminance'; slice?: number | string } = {}): Promise<void> {
  const gray = toGrayscale(moving, { component: input.component, slice: input.slice, label: moving.name });
  const registered = resample(gray, fixed, result.transform);
  await writeImageFile(castForFile(registered, path, String(moving.imageType.componentType)), path);
}

/** One line of a batch's output, and the failure behind it if any. */
export interface PairOutcome {
  line: Record<string, unknown>;
  /** The pair's results, when it registered. */
  doc?: CliDocument;
  failure?: { code: 1 | 2; message: string };
}

/**
 * A listed pair registered, its outputs written to `outDir` as `<stem>.transform.json` and
 * `<stem>.registered.tif` when given; a failure becomes the line's `error` and does not throw.
 */
export async function registerListedPair(pair: PairEntry, stem: string, settings: Settings, cnn: CnnModel | undefined, outDir?: string): Promise<PairOutcome> {
  try {
    const own = withPairOverrides(settings, pair.columns);
    const { fixed, moving, chosen, doc } = await registerFiles(pair.fixed, pair.moving, own, cnn, () => {});
    const failure = partialFailure(doc) ?? undefined;
    if (!outDir) return { line: { line: pair.line, ...doc }, doc, failure };
    const outputs = { transform: join(outDir, `${stem}.transform.json`), registered: join(outDir, `${stem}.registered.tif`) };
    await writeFile(outputs.transform, formatTransform(chosen.transform, 'json', gridOf(fixed)));
    // TIFF keeps every pixel type the moving file may have.
    await writeRegistered(moving, fixed, chosen, outputs.registered, own.options.movingInput);
    return { line: { line: pair.line, ...doc, outputs }, doc, failure };
  } catch (error) {
    return failedPair(pair, failureOf(error));
  }
}

/** A batch line for a pair that could not be registered. */
export function failedPair(pair: PairEntry, failure: { code: 1 | 2; message: string }): PairOutcome {
  return { line: { line: pair.line, fixed: pair.fixed, moving: pair.moving, error: failure }, failure };
}
