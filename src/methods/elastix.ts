/**
 * The classical method: itk-wasm elastix, Mattes mutual information, multi-resolution.
 * Environment-free: the caller passes a runner that executes the elastix pipeline in Node
 * (`node/elastix-runner.ts`) or in a browser worker (`browser/elastix-runner.ts`).
 */
import { CancelledError, RegistrationError } from '../errors.js';
import { fieldsIdentity, fieldWindowPlan, pixelSizesKnown, type FieldWindowPlan } from './field-windows.js';
import { downsampleToBudget } from '../image/downsample.js';
import { gridCenter, gridOf, type Image } from '../image/image.js';
import { normalise } from '../image/normalise.js';
import { parameterObjectToTransform, transformToParameterMap, type ParameterMap } from '../transform/elastix-parameters.js';
import { identityMatrix, isFiniteMatrix } from '../transform/matrix.js';
import { cornerError } from '../metrics/corner-error.js';
import { withCenter, type Transform } from '../transform/transform.js';
import {
  buildParameterMap,
  ELASTIX_PRESETS,
  type ElastixPreset,
  type ElastixPresetName,
  type ElastixTransformKind,
  type ParameterValue,
} from './elastix-presets.js';
import type { MethodResult } from './result.js';

export interface ElastixRunRequest {
  parameterObject: ParameterMap[];
  fixed: Image;
  moving: Image;
  initialTransformParameterObject?: ParameterMap[];
  signal?: AbortSignal;
}

/** Runs the elastix pipeline and returns its transform parameter object. */
export interface ElastixRunner {
  run(request: ElastixRunRequest): Promise<ParameterMap[]>;
  /** Reported as the result's `backend`. */
  readonly backend: string;
}

export interface ElastixOptions {
  /** 'similarity' (default): rotation, isotropic scale, shift. 'affine': also shear and anisotropic scale. */
  transform?: ElastixTransformKind;
  /** Schedule preset, default 'default'. See ELASTIX_PRESETS. */
  preset?: ElastixPresetName | ElastixPreset;
  /** elastix parameters that replace the preset's, e.g. `{ MaximumNumberOfIterations: 1000 }`. */
  parameters?: Record<string, ParameterValue>;
  /** Start from this fixed → moving transform (physical), e.g. the CNN's estimate. */
  initialTransform?: Transform;
  /**
   * Where to start without an `initialTransform`. 'auto' (default): the identity where both
   * images carry pixel sizes of their own; without them, the fields laid onto each other
   * (`fieldsIdentity`: centres and longer sides matched, as the CNN's frames assume), which is
   * the identity when the two have the same pixel dimensions. 'identity': always the identity
   * (pixel coordinates when the files carry no sizes: an image with 4× the pixels of the other
   * then starts a scale of 4 away from the truth, beyond what elastix captures).
   */
  start?: 'auto' | 'identity';
  /** Percentiles mapped to [0, 1] before registration. Default [0.5, 99.5]. */
  normalisePercentiles?: [number, number];
  /** Abort the registration (browser: terminates the worker). */
  signal?: AbortSignal;
}

/** A readable message for what elastix threw. Bare numbers are C++ exception pointers from the wasm module. */
export function explainElastixFailure(error: unknown): string {
  if (typeof error === 'number') {
    return `elastix stopped with an internal exception (code ${error}); usually the images share too little structure or overlap, or are too small for the number of resolutions`;
  }
  const text = error instanceof Error ? error.message : String(error);
  if (/too many samples map outside moving image buffer/i.test(text)) {
    return 'elastix lost the overlap: too many samples map outside the moving image (displacement too large for elastix, or the images barely overlap)';
  }
  if (/Could not find enough image samples/i.test(text)) {
    return 'elastix could not find enough samples: the fixed image is mostly constant or too small';
  }
  if (/inverted|singular/i.test(text)) return 'elastix produced a singular transform';
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /error|exception|description/i.test(l));
  return `elastix failed: ${(line ?? text).slice(0, 300)}`;
}

/**
 * What the CNN's field-window rule says of a pair registered from the identity: fields too far
 * apart even for the windows (or sizes in different units) are refused before elastix runs, since
 * from the identity it would end on a confident-looking wrong answer (on a 290× pair, scale 12 and
 * NMI 1.02 → 1.03); a small field inside a much larger one is the likely cause of a failure, as
 * most of elastix's samples then miss the smaller field.
 */
function fieldsOf(fixed: Image, moving: Image): { refusal?: string; hint: string } {
  let plan: FieldWindowPlan | null;
  try {
    plan = fieldWindowPlan(gridOf(fixed), gridOf(moving));
  } catch (error) {
    const message = (error as Error).message;
    return { refusal: `${message.charAt(0).toUpperCase()}${message.slice(1)}; elastix from the identity cannot find a small field inside a much larger one`, hint: '' };
  }
  return { hint: plan ? `. The ${plan.cut} image's field is ${plan.ratio.toFixed(1)}× the other's: elastix from the identity cannot find a small field inside a much larger one; use the cnn or hybrid method` : '' };
}

/**
 * Where a registration starts (ElastixOptions.start) and from which transform: the caller's, the
 * identity (undefined), or the fields laid onto each other, 'fields' only where that differs from
 * the identity by a thousandth of a fixed pixel or more.
 */
function startOf(fixed: Image, moving: Image, options: ElastixOptions): { start: 'initial' | 'identity' | 'fields'; initial?: Transform } {
  if (options.initialTransform) return { start: 'initial', initial: options.initialTransform };
  if (options.start === 'identity' || pixelSizesKnown(gridOf(fixed), gridOf(moving))) return { start: 'identity' };
  const fields = fieldsIdentity(gridOf(fixed), gridOf(moving));
  return cornerError(identityMatrix(), fields.matrix, gridOf(fixed)) >= 1e-3 ? { start: 'fields', initial: fields } : { start: 'identity' };
}

/** Smallest side, in pixels, of the coarsest pyramid level: below it MI has too few samples to steer. */
const COARSEST_SIDE = 32;

/** Pyramid levels for this pair: the preset's, fewer for small images (a 160² XRF map gets 3, not 5). */
export function levelsFor(fixed: Image, moving: Image, wanted: number): number {
  const side = Math.min(fixed.size[0], fixed.size[1], moving.size[0], moving.size[1]);
  const fit = Math.floor(Math.log2(side / COARSEST_SIDE)) + 1;
  return Math.max(1, Math.min(wanted, fit));
}

function resolvePreset(preset: ElastixOptions['preset']): ElastixPreset {
  if (preset === undefined) return ELASTIX_PRESETS.default;
  if (typeof preset === 'string') {
    const found = (ELASTIX_PRESETS as Record<string, ElastixPreset>)[preset];
    if (!found) throw new RegistrationError(`unknown preset "${preset}" (use ${Object.keys(ELASTIX_PRESETS).join(', ')})`, 'elastix');
    return found;
  }
  return preset;
}

/**
 * Register two prepared (grayscale, validated: `prepareImage`) images with elastix.
 * The transform maps fixed → moving in physical coordinates, about the fixed image's centre.
 */
export async function registerElastix(
  fixed: Image,
  moving: Image,
  runner: ElastixRunner,
  options: ElastixOptions = {},
): Promise<MethodResult> {
  const preset = resolvePreset(options.preset);
  const kind = options.transform ?? 'similarity';
  const [low, high] = options.normalisePercentiles ?? [0.5, 99.5];
  const started = performance.now();
  // Normalise, then average down: elastix's cost grows with the pyramid, not with accuracy needs.
  const f = downsampleToBudget(normalise(fixed, { low, high }), preset.maxPixels);
  const m = downsampleToBudget(normalise(moving, { low, high }), preset.maxPixels);
  const parameterMap = buildParameterMap(kind, { ...preset, resolutions: levelsFor(f, m, preset.resolutions) }, options.parameters);
  const { start, initial } = startOf(fixed, moving, options);
  // Started elsewhere (the CNN's estimate, the fields laid onto each other), the fields say nothing of the start.
  const fields = initial ? { hint: '' } : fieldsOf(fixed, moving);
  if (fields.refusal) throw new RegistrationError(fields.refusal, 'elastix');
  let maps: ParameterMap[];
  try {
    maps = await runner.run({
      parameterObject: [parameterMap],
      fixed: f,
      moving: m,
      initialTransformParameterObject: initial ? [transformToParameterMap(initial, gridOf(f))] : undefined,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    throw new RegistrationError(explainElastixFailure(error) + fields.hint, 'elastix');
  }
  const registrationMs = performance.now() - started;
  // With an initial transform, elastix returns the chain [initial, optimised]: composing covers both.
  let transform = parameterObjectToTransform(maps);
  if (!isFiniteMatrix(transform.matrix)) throw new RegistrationError('elastix returned a non-finite transform', 'elastix');
  transform = withCenter(transform, gridCenter(gridOf(fixed)));
  if (kind === 'similarity' && transform.type !== 'similarity') {
    throw new RegistrationError('elastix returned a non-similarity transform for a similarity registration', 'elastix');
  }
  return {
    method: 'elastix',
    backend: runner.backend,
    transform,
    registrationMs,
    details: {
      transformKind: kind,
      /** 'initial' (the caller's initialTransform), 'identity', or 'fields' (fieldsIdentity: no pixel sizes). */
      start,
      preset,
      registeredSize: { fixed: f.size, moving: m.size },
      transformParameterObject: maps,
    },
  };
}
