/**
 * Running one or several methods on one pair: prepare the images once, run each method in the
 * canonical order (cnn, elastix, hybrid), attach quality numbers. Shared by the CLI and the panel.
 */
import { MethodUnavailableError, RegistrationError } from './errors.js';
import { withoutDataBar, type DataBar } from './image/data-bar.js';
import type { Image } from './image/image.js';
import { registerCnnAsync, type CnnModel, type CnnOptions, type CnnProgress } from './methods/cnn.js';
import { registerElastix, type ElastixOptions, type ElastixRunner } from './methods/elastix.js';
import { registerHybrid } from './methods/hybrid.js';
import { prepareImage, type PrepareOptions } from './methods/prepare.js';
import type { MethodName, MethodResult } from './methods/result.js';
import { pairQuality, type PairQuality, type Quality } from './metrics/quality.js';

export const METHOD_ORDER: readonly MethodName[] = ['cnn', 'elastix', 'hybrid'];

export interface CompareEnvironment {
  /** Executes elastix: `nodeElastixRunner` in Node, `createBrowserElastixRunner()` in the page. */
  elastixRunner: ElastixRunner;
  /** The loaded registration network; without it, cnn and hybrid are unavailable. */
  cnn?: CnnModel;
}

export interface CompareOptions {
  elastix?: ElastixOptions;
  /** Options of the CNN method (not of the hybrid's CNN search: `hybridCnn`). */
  cnn?: CnnOptions;
  /** CNN options of the hybrid, over HYBRID_CNN_SEARCH. */
  hybridCnn?: CnnOptions;
  /** elastix options of the hybrid's refinements (HybridOptions.elastix; default presets 'finish' from the CNN estimate, 'refine' from the search's starts). */
  hybridElastix?: ElastixOptions;
  /** The hybrid's fallback (elastix from the identity and from the NMI search's starts) when the CNN is unsure (HybridOptions; default off). */
  hybridFallbackBelowConfidence?: number;
  /** Grayscale conversion and validation of the fixed image. */
  fixedInput?: PrepareOptions;
  /** Grayscale conversion and validation of the moving image. */
  movingInput?: PrepareOptions;
  /**
   * Instrument data bars (a flat strip of annotation text along the bottom or top of an EM image,
   * data-bar.ts): 'crop' (default) leaves them out of the registration — the transform is still
   * that of the whole image — and reports each through `onDataBar`; 'keep' registers them too.
   */
  dataBars?: 'crop' | 'keep';
  onDataBar?: (which: 'fixed' | 'moving', bar: DataBar) => void;
  /** Names of the images in error messages. Default: the images' names, else "fixed"/"moving". */
  labels?: { fixed?: string; moving?: string };
  /** Called when a method starts, for progress display. */
  onMethodStart?: (method: MethodName, index: number, count: number) => void;
  /**
   * Called as the CNN (of cnn or of the hybrid) works through field windows (field-windows.ts),
   * after each window: such a pair takes seconds. Between windows the event loop gets a turn and
   * `signal` is checked, so a page can repaint and cancel.
   */
  onProgress?: (method: MethodName, progress: CnnProgress) => void;
  /**
   * Called when a method fails to register the pair (RegistrationError); the others then still
   * run, and only their results are returned. Without it, such a failure ends the comparison.
   * Either way, when every method fails the last failure is thrown.
   */
  onMethodFailed?: (method: MethodName, error: RegistrationError) => void;
  signal?: AbortSignal;
}

export interface ComparedResult extends MethodResult {
  quality: Quality;
}

/** Methods usable with or without a registration model: cnn and hybrid need one. */
export function availableMethods(hasModel: boolean): MethodName[] {
  return hasModel ? ['cnn', 'elastix', 'hybrid'] : ['elastix'];
}

export function checkMethods(methods: readonly MethodName[], hasModel: boolean): void {
  for (const m of methods) {
    if (!METHOD_ORDER.includes(m)) throw new MethodUnavailableError(m, `unknown method (use ${METHOD_ORDER.join(', ')})`);
    if (!availableMethods(hasModel).includes(m)) {
      throw new MethodUnavailableError(m, 'not available yet in this version: no registration model is shipped; use --method elastix');
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
  checkMethods(methods, Boolean(env.cnn));
  const input = (which: 'fixed' | 'moving', image: Image, prepare?: PrepareOptions) => {
    const gray = prepareImage(image, options.labels?.[which] ?? (image.name || which), prepare);
    if (options.dataBars === 'keep') return gray;
    const { image: cropped, bar } = withoutDataBar(gray);
    if (bar) options.onDataBar?.(which, bar);
    return cropped;
  };
  const fixedGray = input('fixed', fixed, options.fixedInput);
  const movingGray = input('moving', moving, options.movingInput);
  const ordered = METHOD_ORDER.filter((m) => methods.includes(m));
  // One pair, several transforms: the copies and the NMI before are made once.
  const quality = pairQuality(fixedGray, movingGray);
  const results: ComparedResult[] = [];
  let lastFailure: RegistrationError | null = null;
  for (const [index, method] of ordered.entries()) {
    options.onMethodStart?.(method, index, ordered.length);
    let result: MethodResult;
    try {
      result = await runMethod(method, fixedGray, movingGray, env, options, quality);
    } catch (error) {
      if (!(error instanceof RegistrationError) || !options.onMethodFailed) throw error;
      lastFailure = error;
      options.onMethodFailed(method, error);
      continue;
    }
    results.push({ ...result, quality: quality.quality(result.transform) });
  }
  if (results.length === 0 && lastFailure) throw lastFailure;
  return results;
}

async function runMethod(method: MethodName, fixed: Image, moving: Image, env: CompareEnvironment, options: CompareOptions, quality: PairQuality): Promise<MethodResult> {
  const { elastixRunner } = env;
  const cnn = env.cnn as CnnModel; // checked by checkMethods for cnn and hybrid
  switch (method) {
    case 'cnn':
      return registerCnnAsync(fixed, moving, cnn, options.cnn, { signal: options.signal, onProgress: (p) => options.onProgress?.('cnn', p) });
    case 'elastix':
      return registerElastix(fixed, moving, elastixRunner, { ...options.elastix, signal: options.signal });
    case 'hybrid':
      return registerHybrid(fixed, moving, cnn, elastixRunner, {
        // Not the CNN's result above: the hybrid runs its own, coarser search (HYBRID_CNN_SEARCH).
        cnn: options.hybridCnn,
        elastix: { ...options.hybridElastix, signal: options.signal },
        fallbackBelowConfidence: options.hybridFallbackBelowConfidence,
        quality,
        onCnnProgress: (p) => options.onProgress?.('hybrid', p),
      });
  }
}
