/** Before/after image similarity of a registration, for the user to judge it (not ground truth). */
import { downsampleToBudget } from '../image/downsample.js';
import { gridOf, type Image } from '../image/image.js';
import { resampleWithMask } from '../resample.js';
import { identityMatrix } from '../transform/matrix.js';
import type { Transform } from '../transform/transform.js';
import { nmi } from './similarity-metrics.js';

export interface Quality {
  /** NMI of fixed and moving as they lie (identity transform), over their overlap. */
  nmiBefore: number;
  /** NMI of fixed and the moving image resampled by the transform, over their overlap. */
  nmiAfter: number;
  /** Fraction of the fixed image covered by the transformed moving image. */
  overlapAfter: number;
}

/** Quality is computed on copies of at most this many pixels: a check, not a metric to optimise. */
const QUALITY_PIXELS = 256 * 256;

/** NMI of fixed and the moving image resampled by `matrix` (both already within the budget), over their overlap, and the share of fixed covered. */
function after(f: Image, m: Image, matrix: Transform['matrix']): { nmi: number; overlap: number } {
  const warped = resampleWithMask(m, gridOf(f), matrix);
  let covered = 0;
  for (const v of warped.mask) covered += v;
  return { nmi: nmi(f, warped.image, warped.mask), overlap: covered / warped.mask.length };
}

/**
 * Quality of any number of registrations of one pair: the images are brought within the budget
 * once, and NMI before (the identity) is computed once, when first asked for. `nmiAfter` alone is
 * what the hybrid compares its candidates by; `quality` is what `compare` reports per method.
 */
export interface PairQuality {
  nmiAfter: (transform: Transform) => number;
  quality: (transform: Transform) => Quality;
}

export function pairQuality(fixed: Image, moving: Image, maxPixels = QUALITY_PIXELS): PairQuality {
  const f = downsampleToBudget(fixed, maxPixels);
  const m = downsampleToBudget(moving, maxPixels);
  let nmiBefore: number | undefined;
  return {
    nmiAfter: (transform) => after(f, m, transform.matrix).nmi,
    quality: (transform) => {
      nmiBefore ??= after(f, m, identityMatrix()).nmi;
      const result = after(f, m, transform.matrix);
      return { nmiBefore, nmiAfter: result.nmi, overlapAfter: result.overlap };
    },
  };
}

/** The quality of one registration, before and after (default `maxPixels`: QUALITY_PIXELS). */
export function registrationQuality(fixed: Image, moving: Image, transform: Transform, maxPixels = QUALITY_PIXELS): Quality {
  return pairQuality(fixed, moving, maxPixels).quality(transform);
}
