/**
 * Local registrability of a pair with a known transform: does an intensity optimiser, started a
 * few success tolerances off the truth, come back to it? A reference for evaluations, not a
 * method. Where it does, the two images hold enough shared structure near the truth to pin the
 * transform down (by mutual information); where it does not, they show too little in common (a
 * flat or noise-only view, a lone round cell whose rotation is free, structure lost to coarse
 * X-ray pixels) or their intensity optimum lies elsewhere. It tells how hard a test set is
 * independently of the network under test.
 */
import { isNormalisedSuccess, normalisedCornerError } from '../cnn/evaluate.js';
import { normalisedOf, type NormalisedSimilarity } from '../cnn/model-frame.js';
import type { Image } from '../image/image.js';
import { registerElastix, type ElastixRunner } from '../methods/elastix.js';
import { RegistrationError } from '../errors.js';
import type { Rng } from '../synthetic/random.js';
import { similarity } from '../transform/transform.js';

/**
 * The start's offset from the truth, each with a random sign: 3°, a zoom of 1.03, 0.04 of the
 * half-field in x and in y — a corner error of 0.06–0.13 of the half-field, 1.5–3 times the
 * success tolerance (0.04), about what a near miss of the CNN leaves, and well inside what
 * elastix's two-level `refine` schedule captures on a pair with shared structure.
 */
export const REGISTRABILITY_OFFSET = { rotationDeg: 3, zoom: 1.03, shift: 0.04 } as const;

export interface Registrability {
  /** Normalised corner error of the start and of where elastix ended (Infinity: elastix failed). */
  startError: number;
  endError: number;
  /** elastix ended within the success tolerance. */
  returns: boolean;
}

/** The truth moved by REGISTRABILITY_OFFSET, with random signs. */
export function offsetStart(truth: NormalisedSimilarity, rng: Rng): NormalisedSimilarity {
  const sign = () => (rng.chance(0.5) ? 1 : -1);
  const o = REGISTRABILITY_OFFSET;
  return {
    rotationDeg: truth.rotationDeg + sign() * o.rotationDeg,
    scale: truth.scale * o.zoom ** sign(),
    tx: truth.tx + sign() * o.shift,
    ty: truth.ty + sign() * o.shift,
  };
}

/**
 * elastix `refine` from an offset start on a pair of normalised images (the frame [−1, 1]² in
 * physical units, as the synthetic generator makes them), measured against the truth.
 */
export async function localRegistrability(fixed: Image, moving: Image, truth: NormalisedSimilarity, runner: ElastixRunner, rng: Rng): Promise<Registrability> {
  const start = offsetStart(truth, rng);
  const startError = normalisedCornerError(truth, start);
  let endError = Infinity;
  try {
    const initialTransform = similarity({ rotationDeg: start.rotationDeg, scale: start.scale, translation: [start.tx, start.ty] });
    const { transform } = await registerElastix(fixed, moving, runner, { preset: 'refine', initialTransform });
    endError = normalisedCornerError(truth, normalisedOf(transform.matrix));
  } catch (error) {
    // A constant image or a failed run: nothing pins the transform down.
    if (!(error instanceof RegistrationError)) throw error;
  }
  return { startError, endError, returns: isNormalisedSuccess(endError) };
}
