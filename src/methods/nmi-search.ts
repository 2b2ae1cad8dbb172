/**
 * A coarse exhaustive search for starting points: every rotation, scale and shift of a grid
 * over the documented range, each scored by normalised mutual information between small copies
 * of the two images; the best few distinct transforms are returned for elastix to refine.
 *
 * Why: elastix from the identity captures about ±15° and ±15 % (ELASTIX_PRESETS), and the CNN
 * misreads pairs whose modalities share structure it was not trained to see (the HXN element
 * maps) — yet most such pairs have their intensity optimum at the truth (73 % of the eval's
 * held-out pairs: MODEL_CARD.md, local registrability). Measured on 48 synthetic pairs of the
 * benchmark's generator (seed 515151) with elastix `refine` from the best three starts, keeping
 * the highest NMI: 30 successes (31 from the best four), against 28 for the CNN and 33 for the
 * hybrid, 37 for either the hybrid or the search; on 16 warped HXN Fe vs P/S pairs 11 (the CNN
 * method: 2 of 52 in the eval). None of 16 warped DeepCLEM EM vs fluorescence pairs, whose
 * truth was never among the starts: at 64 px the nuclei barely differ from the cytoplasm in EM.
 *
 * Pure and deterministic; 0.6–0.8 s median in Node for the default grid (26 000 transforms on
 * 64² copies) on the pairs above.
 */
import { downsampleToBudget } from '../image/downsample.js';
import { gridCenter, gridOf, indexToPhysicalMatrix, type Image } from '../image/image.js';
import { normalise } from '../image/normalise.js';
import { cornerError } from '../metrics/corner-error.js';
import { histogramEntropies } from '../metrics/similarity-metrics.js';
import { invertMatrix } from '../transform/matrix.js';
import { similarity, type SimilarityTransform } from '../transform/transform.js';

export interface NmiSearchOptions {
  /** Pixel budget of the copies scored. Default 64²: the structure that tells a rough alignment, at ~1 µs per transform per 1000 pixels. */
  maxPixels?: number;
  /** Rotation step over the full circle, degrees. Default 10 (elastix `refine` captures the ±5° left). */
  rotationStepDeg?: number;
  /** Smallest and largest scale (fixed → moving). Default 0.5 and 2, the documented range. */
  minScale?: number;
  maxScale?: number;
  /** Scale steps per doubling. Default 4 (a step of ×1.19). */
  scaleStepsPerOctave?: number;
  /** Largest shift of the fixed centre's image from the moving centre, as a share of the moving field per axis. Default 0.25. */
  maxShift?: number;
  /** Shift step, as a share of the moving field. Default 1/16 (4 px of a 64² copy). */
  shiftStep?: number;
  /** Intensity bins of the joint histogram. Default 16. */
  bins?: number;
  /** Least share of the smaller image's pixels that must overlap for a transform to be scored. Default 0.3. */
  minOverlap?: number;
  /** Distinct candidates returned, best first. Default 4. */
  candidates?: number;
  /** Candidates closer than this corner distance (share of the fixed width) count as one. Default 0.1. */
  distinct?: number;
}

export interface NmiCandidate {
  /** Fixed → moving, physical units, about the fixed image's centre. */
  transform: SimilarityTransform;
  /** Normalised mutual information (H(F) + H(M)) / H(F, M) over the overlap of the small copies. */
  nmi: number;
}

const DEFAULTS: Required<NmiSearchOptions> = {
  maxPixels: 64 * 64,
  rotationStepDeg: 10,
  minScale: 0.5,
  maxScale: 2,
  scaleStepsPerOctave: 4,
  maxShift: 0.25,
  shiftStep: 1 / 16,
  bins: 16,
  minOverlap: 0.3,
  candidates: 4,
  distinct: 0.1,
};

/** An image averaged down to the budget, normalised between its 1st and 99th percentiles, as bin indices. */
function binnedCopy(image: Image, maxPixels: number, bins: number): { image: Image; bins: Uint8Array } {
  const small = normalise(downsampleToBudget(image, maxPixels), { low: 1, high: 99 });
  const data = small.data as Float32Array;
  const out = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) out[k] = Math.min(bins - 1, Math.floor(data[k] * bins));
  return { image: small, bins: out };
}

/** The best `candidates` distinct grid transforms by NMI (fewer when few transforms overlap enough). */
export function nmiSearch(fixed: Image, moving: Image, options: NmiSearchOptions = {}): NmiCandidate[] {
  const o = { ...DEFAULTS, ...options };
  const f = binnedCopy(fixed, o.maxPixels, o.bins);
  const m = binnedCopy(moving, o.maxPixels, o.bins);
  const [fw, fh] = f.image.size;
  const [mw, mh] = m.image.size;
  const fixedGrid = gridOf(f.image);
  const movingGrid = gridOf(m.image);
  const centre = gridCenter(gridOf(fixed));
  const movingCentre = gridCenter(gridOf(moving));
  // Fixed samples relative to the fixed centre (physical); moving physical → index.
  const F = indexToPhysicalMatrix(fixedGrid);
  const dx = new Float64Array(fw * fh);
  const dy = new Float64Array(fw * fh);
  for (let j = 0, k = 0; j < fh; j++) {
    for (let i = 0; i < fw; i++, k++) {
      dx[k] = F[0][0] * i + F[0][1] * j + F[0][2] - centre[0];
      dy[k] = F[1][0] * i + F[1][1] * j + F[1][2] - centre[1];
    }
  }
  const L = invertMatrix(indexToPhysicalMatrix(movingGrid));
  const fieldX = mw * movingGrid.spacing[0];
  const fieldY = mh * movingGrid.spacing[1];
  const steps = Math.round(o.maxShift / o.shiftStep);
  const fixedArea = fw * fh * fixedGrid.spacing[0] * fixedGrid.spacing[1];
  const movingArea = fieldX * fieldY;
  const joint = new Float64Array(o.bins * o.bins);
  const ix = new Float64Array(fw * fh);
  const iy = new Float64Array(fw * fh);
  const scored: { rotationDeg: number; scale: number; shift: [number, number]; nmi: number }[] = [];
  const octaves = Math.log2(o.maxScale / o.minScale);
  const scaleCount = Math.round(octaves * o.scaleStepsPerOctave) + 1;
  for (let r = -180; r < 180 - 1e-9; r += o.rotationStepDeg) {
    for (let si = 0; si < scaleCount; si++) {
      const scale = o.minScale * 2 ** ((si * octaves) / Math.max(1, scaleCount - 1));
      const a = scale * Math.cos((r * Math.PI) / 180);
      const b = scale * Math.sin((r * Math.PI) / 180);
      // The moving index of each fixed sample with no shift; a shift adds the same offset to all.
      for (let k = 0; k < ix.length; k++) {
        const qx = a * dx[k] - b * dy[k] + movingCentre[0];
        const qy = b * dx[k] + a * dy[k] + movingCentre[1];
        ix[k] = L[0][0] * qx + L[0][1] * qy + L[0][2] + 0.5;
        iy[k] = L[1][0] * qx + L[1][1] * qy + L[1][2] + 0.5;
      }
      // Overlap needed: a share of the smaller of the fixed field and the moving field seen at this scale.
      const needed = o.minOverlap * ix.length * Math.min(1, movingArea / (scale * scale) / fixedArea);
      for (let sy = -steps; sy <= steps; sy++) {
        for (let sx = -steps; sx <= steps; sx++) {
          const tx = sx * o.shiftStep * fieldX;
          const ty = sy * o.shiftStep * fieldY;
          const ox = L[0][0] * tx + L[0][1] * ty;
          const oy = L[1][0] * tx + L[1][1] * ty;
          joint.fill(0);
          let n = 0;
          for (let k = 0; k < ix.length; k++) {
            const i = Math.floor(ix[k] + ox);
            const j = Math.floor(iy[k] + oy);
            if (i < 0 || j < 0 || i >= mw || j >= mh) continue;
            joint[f.bins[k] * o.bins + m.bins[j * mw + i]]++;
            n++;
          }
          if (n < needed || n === 0) continue;
          const h = histogramEntropies(joint, o.bins, n);
          // A flat overlap in both images says nothing (its NMI would be the maximum).
          if (!(h.joint > 0)) continue;
          scored.push({ rotationDeg: r, scale, shift: [tx, ty], nmi: h.marginal / h.joint });
        }
      }
    }
  }
  scored.sort((p, q) => q.nmi - p.nmi);
  const fullGrid = gridOf(fixed);
  const tooClose = o.distinct * fullGrid.size[0];
  const kept: NmiCandidate[] = [];
  for (const s of scored) {
    // The grid's transform about the fixed centre, mapped onto the moving centre plus the shift.
    const transform = similarity({ rotationDeg: s.rotationDeg, scale: s.scale, translation: [movingCentre[0] - centre[0] + s.shift[0], movingCentre[1] - centre[1] + s.shift[1]], center: centre });
    if (kept.some((k) => cornerError(k.transform, transform, fullGrid) < tooClose)) continue;
    kept.push({ transform, nmi: s.nmi });
    if (kept.length >= o.candidates) break;
  }
  return kept;
}
