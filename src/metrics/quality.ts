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

/** Computed on copies of at most `maxPixels` pixels (default 256²): a quality check, not a metric to optimise. */
export function registrationQuality(fixed: Image, moving: Image, transform: Transform, maxPixels = 256 * 256): Quality {
  const f = downsampleToBudget(fixed, maxPixels);
  const m = downsampleToBudget(moving, maxPixels);
  const grid = gridOf(f);
  const before = resampleWithMask(m, grid, identityMatrix());
  const after = resampleWithMask(m, grid, transform);
  let covered = 0;
  for (const v of after.mask) covered += v;
  return {
    nmiBefore: nmi(f, before.image, before.mask),
    nmiAfter: nmi(f, after.image, after.mask),
    overlapAfter: covered / after.mask.length,
  };
}
