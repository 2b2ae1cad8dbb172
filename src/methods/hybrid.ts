/**
 * The hybrid: the CNN's estimate (any rotation, scale 0.5–2, in milliseconds) as elastix's initial
 * transform, then a short elastix schedule for the sub-pixel finish. Rule: if elastix leaves the
 * pair less similar than the CNN did (lower NMI over the overlap), or fails, the CNN estimate is
 * kept; `details.kept` says which.
 */
import type { Image } from '../image/image.js';
import { registrationQuality } from '../metrics/quality.js';
import { registerCnn, type CnnModel, type CnnOptions } from './cnn.js';
import { registerElastix, type ElastixOptions, type ElastixRunner } from './elastix.js';
import type { MethodResult } from './result.js';
import { RegistrationError } from '../errors.js';

export interface HybridOptions {
  cnn?: CnnOptions;
  /** elastix options for the refinement; default preset 'fast'. */
  elastix?: ElastixOptions;
  /** Reuse a CNN result computed already for this pair (compare-all does). */
  cnnResult?: MethodResult;
}

export async function registerHybrid(fixed: Image, moving: Image, cnn: CnnModel, runner: ElastixRunner, options: HybridOptions = {}): Promise<MethodResult> {
  const started = performance.now();
  const first = options.cnnResult ?? registerCnn(fixed, moving, cnn, options.cnn);
  const cnnMs = options.cnnResult ? first.registrationMs : performance.now() - started;
  const refineStarted = performance.now();
  let refined: MethodResult | null = null;
  let failure: string | null = null;
  try {
    refined = await registerElastix(fixed, moving, runner, { preset: 'fast', ...options.elastix, initialTransform: first.transform });
  } catch (error) {
    if (!(error instanceof RegistrationError)) throw error;
    failure = error.message;
  }
  const elastixMs = performance.now() - refineStarted;
  const cnnNmi = registrationQuality(fixed, moving, first.transform).nmiAfter;
  const refinedNmi = refined ? registrationQuality(fixed, moving, refined.transform).nmiAfter : NaN;
  const keepRefined = refined !== null && refinedNmi >= cnnNmi;
  return {
    method: 'hybrid',
    backend: `${first.backend}+${runner.backend}`,
    transform: keepRefined && refined ? refined.transform : first.transform,
    registrationMs: cnnMs + elastixMs,
    details: { kept: keepRefined ? 'elastix' : 'cnn', cnnNmi, refinedNmi, elastixFailure: failure, cnnMs, elastixMs, cnn: first.details },
  };
}
