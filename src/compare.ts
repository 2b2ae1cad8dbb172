/**
 * Running one or several methods on one pair: prepare the images once, run each method in the
 * canonical order (cnn, elastix, hybrid), attach quality numbers. Shared by the CLI and the panel.
 */
import { MethodUnavailableError } from './errors.js';
import type { Image } from './image/image.js';
import { registerElastix, type ElastixOptions, type ElastixRunner } from './methods/elastix.js';
import { prepareImage, type PrepareOptions } from './methods/prepare.js';
import type { MethodName, MethodResult } from './methods/result.js';
import { registrationQuality, type Quality } from './metrics/quality.js';

export const METHOD_ORDER: readonly MethodName[] = ['cnn', 'elastix', 'hybrid'];

export interface CompareEnvironment {
  /** Executes elastix: `nodeElastixRunner` in Node, `createBrowserElastixRunner()` in the page. */
  elastixRunner: ElastixRunner;
}

export interface CompareOptions {
  elastix?: ElastixOptions;
  /** Grayscale conversion and validation of the fixed image. */
  fixedInput?: PrepareOptions;
  /** Grayscale conversion and validation of the moving image. */
  movingInput?: PrepareOptions;
  /** Names of the images in error messages. Default: the images' names, else "fixed"/"moving". */
  labels?: { fixed?: string; moving?: string };
  /** Called when a method starts, for progress display. */
  onMethodStart?: (method: MethodName, index: number, count: number) => void;
  signal?: AbortSignal;
}

export interface ComparedResult extends MethodResult {
  quality: Quality;
}

/** Methods of this build. The CNN and hybrid arrive with the model. */
export function availableMethods(): MethodName[] {
  return ['elastix'];
}

export function checkMethods(methods: readonly MethodName[]): void {
  for (const m of methods) {
    if (!METHOD_ORDER.includes(m)) throw new MethodUnavailableError(m, `unknown method (use ${METHOD_ORDER.join(', ')})`);
    if (!availableMethods().includes(m)) {
      throw new MethodUnavailableError(m, 'not available yet in this version: the CNN model has not been shipped; use --method elastix');
    }
  }
}

/** Register `moving` to `fixed` with each method, in canonical order. Inputs are not mutated. */
export async function compare(
  fixed: Image,
  moving: Image,
  methods: readonly MethodName[],
  env: CompareEnvironment,
  options: CompareOptions = {},
): Promise<ComparedResult[]> {
  checkMethods(methods);
  const fixedGray = prepareImage(fixed, options.labels?.fixed ?? (fixed.name || 'fixed'), options.fixedInput);
  const movingGray = prepareImage(moving, options.labels?.moving ?? (moving.name || 'moving'), options.movingInput);
  const ordered = METHOD_ORDER.filter((m) => methods.includes(m));
  const results: ComparedResult[] = [];
  for (const [index, method] of ordered.entries()) {
    options.onMethodStart?.(method, index, ordered.length);
    let result: MethodResult;
    switch (method) {
      case 'elastix':
        result = await registerElastix(fixedGray, movingGray, env.elastixRunner, { ...options.elastix, signal: options.signal });
        break;
      default:
        throw new MethodUnavailableError(method, 'not implemented');
    }
    results.push({ ...result, quality: registrationQuality(fixedGray, movingGray, result.transform) });
  }
  return results;
}
