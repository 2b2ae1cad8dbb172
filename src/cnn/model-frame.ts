/**
 * The model's view of an image: an N×N grid over normalised coordinates u ∈ [−1, 1]² (pixel
 * centres at the ends), covering the image's longer side; the shorter side is padded with the
 * image's background level. The network predicts a similarity in these coordinates,
 * v = s·R(θ)·u + t, mapping the fixed frame to the moving frame; `toPhysical` turns it into
 * the physical fixed → moving transform of CONVENTIONS.md.
 */
import { downsampleBy } from '../image/downsample.js';
import { gridCenter, gridOf, type Grid, type Image } from '../image/image.js';
import { normaliseData } from '../image/normalise.js';
import { percentiles } from '../image/statistics.js';
import { resampleWithMask } from '../resample.js';
import { composeMatrices, invertMatrix, type Matrix2x3 } from '../transform/matrix.js';
import { similarity, similarityFromMatrix, type SimilarityTransform } from '../transform/transform.js';

export interface ModelFrame {
  /** Physical centre of the frame. */
  center: [number, number];
  /** Physical half-side: u = ±1 maps to center ± halfSide along the image axes. */
  halfSide: number;
  /** The image's direction cosines (row-major 2×2). */
  direction: [number, number, number, number];
}

/** Normalised similarity parameters as the network predicts them. */
export interface NormalisedSimilarity {
  rotationDeg: number;
  scale: number;
  /** Shift in normalised units (the frame spans 2). */
  tx: number;
  ty: number;
}

export function frameOf(grid: Grid): ModelFrame {
  const side = Math.max((grid.size[0] - 1) * grid.spacing[0], (grid.size[1] - 1) * grid.spacing[1]);
  return { center: gridCenter(grid), halfSide: side / 2, direction: grid.direction };
}

/** u (normalised) → physical point. */
export function frameMatrix(frame: ModelFrame): Matrix2x3 {
  const [d00, d01, d10, d11] = frame.direction;
  const h = frame.halfSide;
  return [
    [d00 * h, d01 * h, frame.center[0]],
    [d10 * h, d11 * h, frame.center[1]],
  ];
}

export function normalisedMatrix(p: NormalisedSimilarity): Matrix2x3 {
  return similarity({ rotationDeg: p.rotationDeg, scale: p.scale, translation: [p.tx, p.ty] }).matrix;
}

/** The physical fixed → moving similarity of a normalised prediction. */
export function toPhysical(p: NormalisedSimilarity, fixed: ModelFrame, moving: ModelFrame): SimilarityTransform {
  const m = composeMatrices(composeMatrices(invertMatrix(frameMatrix(fixed)), normalisedMatrix(p)), frameMatrix(moving));
  return similarityFromMatrix(m, fixed.center);
}

/** The parameters of a matrix in normalised frames (inverse of `normalisedMatrix`; rotation about the origin). */
export function normalisedOf(m: Matrix2x3): NormalisedSimilarity {
  const s = similarityFromMatrix(m, [0, 0]);
  return { rotationDeg: s.rotationDeg, scale: s.scale, tx: s.translation[0], ty: s.translation[1] };
}

/** The normalised parameters of a physical similarity (inverse of `toPhysical`). */
export function toNormalised(t: Matrix2x3, fixed: ModelFrame, moving: ModelFrame): NormalisedSimilarity {
  return normalisedOf(composeMatrices(composeMatrices(frameMatrix(fixed), t), invertMatrix(frameMatrix(moving))));
}

/** Robust [0, 1] scaling of a model input (the same rule in training and inference). */
export function normaliseModelInput(data: Float32Array): Float32Array {
  return normaliseData(data, { low: 1, high: 99 });
}

/** An image on its model grid. */
export interface ModelInput {
  /** N×N, row-major, normalised. */
  data: Float32Array;
  frame: ModelFrame;
  /** 1 where the grid shows the image, 0 over the frame's padding; null when it shows the image everywhere (square images). */
  content: Uint8Array | null;
}

/**
 * An image (float32 grayscale, validated) resampled onto its N×N model grid, normalised, with
 * its frame. Large images are block-averaged first so that resampling does not alias.
 */
export function toModelInput(image: Image, n: number): ModelInput {
  const grid = gridOf(image);
  const frame = frameOf(grid);
  const pixelsPerCell = Math.min(grid.size[0], grid.size[1]) > 1 ? ((2 * frame.halfSide) / (n - 1)) / Math.min(grid.spacing[0], grid.spacing[1]) : 1;
  const factor = Math.max(1, Math.floor(pixelsPerCell));
  const smoothed = downsampleBy(image, factor);
  const [background] = percentiles(smoothed.data as Float32Array, [1]);
  const target: Grid = {
    size: [n, n],
    spacing: [(2 * frame.halfSide) / (n - 1), (2 * frame.halfSide) / (n - 1)],
    origin: [0, 0],
    direction: frame.direction,
  };
  // Origin so that the grid's centre is the frame's centre: origin = c − D·(spacing·(n−1)/2).
  const half = (target.spacing[0] * (n - 1)) / 2;
  const [d00, d01, d10, d11] = frame.direction;
  target.origin = [frame.center[0] - (d00 + d01) * half, frame.center[1] - (d10 + d11) * half];
  const identity: Matrix2x3 = [
    [1, 0, 0],
    [0, 1, 0],
  ];
  // Block averaging moves the outer pixel centres inwards by up to two blocks: grid pixels the
  // image still covers take the nearest block's value (a margin of 2 blocks), and which grid
  // pixels show the image is read against the image itself, not its averaged copy.
  const { image: onGrid, mask: averagedMask } = resampleWithMask(smoothed, target, identity, { defaultValue: background, margin: factor > 1 ? 2 : 0 });
  const mask = factor > 1 ? resampleWithMask(image, target, identity).mask : averagedMask;
  const data = onGrid.data as Float32Array;
  for (let i = 0; i < mask.length; i++) if (!mask[i]) data[i] = background;
  return { data: normaliseModelInput(data), frame, content: mask.every((v) => v === 1) ? null : mask };
}
