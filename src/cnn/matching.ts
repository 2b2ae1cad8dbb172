/**
 * The parameter-free half of the network: dense matching of the two encoders' feature maps and a
 * robust least-squares similarity fit. Every fixed feature cell is compared with every moving
 * cell (dot product of L2-normalised features, a global correlation as in Rocco et al., CVPR
 * 2017); a soft-argmax restricted to a window around the best match gives its sub-cell position
 * in the moving frame (kernel soft-argmax, Lee et al., CVPR 2019); a weighted, iteratively
 * reweighted least-squares fit of v = [[a, −b], [b, a]]·u + t to those correspondences gives the
 * similarity. All of it is differentiable, so training can minimise the corner error of the fit
 * itself, while a dense cross-entropy on the correlation teaches the encoders what matches.
 *
 * Why geometry is not learned: regressing the transform from a correlation volume with dense
 * layers did not learn at all here (training loss stayed at the identity's on fresh pairs), while
 * this explicit fit makes every cell's match a direct vote for the answer.
 */
import * as tf from '@tensorflow/tfjs';
import { correlate } from './correlation.js';

export interface MatchingOptions {
  /** Softmax temperature on cosine similarities. Default 0.05. */
  temperature?: number;
  /** Window of the soft-argmax around the best match, Gaussian σ in cells. Default 1.5. */
  windowCells?: number;
  /** Residual scales (normalised units) of the reweighting iterations, coarse to fine. */
  robustScales?: number[];
  /**
   * Use every k-th fixed cell in each direction (default 1). At refinement sizes the full
   * correlation is the cost (1024² at 256 px): a quarter of the fixed cells still give 256 votes,
   * each located on the finer moving grid.
   */
  fixedStride?: number;
  /**
   * How a match is located inside its cell: 'window' (the soft-argmax, differentiable: training)
   * or 'peak' (a parabola through the best score and its four neighbours along each axis).
   */
  subcell?: 'window' | 'peak';
  /**
   * Keep only mutual matches (inference): a fixed cell votes only when its best moving cell's own
   * best fixed cell lies within one cell of it. Default false (training).
   */
  mutual?: boolean;
  /**
   * Inference (read by the CNN method, which builds the CellValidity given to matchAndFit): leave
   * out the votes of fixed cells and the matches onto moving cells over the zero padding of a
   * warped moving input. Default false: training inputs have no padding.
   */
  maskPadding?: boolean;
  /**
   * Inference, likewise: leave out the cells over the padding of an image's model frame (the
   * frame covers the longer side, so a non-square image leaves a band of background), in both
   * images, and count inlier shares over the fixed image's content cells. Default false
   * (training images are square); a no-op for square images.
   */
  maskFrame?: boolean;
}

export const DEFAULT_MATCHING: Required<MatchingOptions> = { temperature: 0.05, windowCells: 1.5, robustScales: [0.4, 0.2, 0.1, 0.05], fixedStride: 1, subcell: 'window', mutual: false, maskPadding: false, maskFrame: false };

const EPSILON = 1e-12;

/**
 * Normalised coordinates of the cell centres of an h×h feature map computed from an n×n input by
 * 'same'-padded stride-2 stages: each stage maps output cell i to input pixel 2i + 1 (for odd
 * kernels and even inputs), so after L stages cell i sits on pixel 2^L·i + 2^L − 1. Returns
 * [cells, 2] (x, y), row-major, of every `every`-th cell in each direction.
 */
export function cellCentres(n: number, h: number, every = 1): tf.Tensor2D {
  const stride = n / h;
  const u = (i: number) => -1 + (2 * (stride * i + stride - 1)) / (n - 1);
  const xy: number[] = [];
  for (let r = 0; r < h; r += every) for (let c = 0; c < h; c += every) xy.push(u(c), u(r));
  return tf.tensor2d(xy, [xy.length / 2, 2]);
}

function unit(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), EPSILON)));
}

/**
 * Match scores [B, hw (fixed), hw (moving)]: cosine similarity of the cells' features over the
 * temperature. A softmax over the last axis gives each fixed cell's match distribution. `fixed`
 * may hold one image for a whole batch of moving ones (the start search) or one per moving image.
 */
export function matchScores(fixed: tf.Tensor4D, moving: tf.Tensor4D, temperature = DEFAULT_MATCHING.temperature): tf.Tensor3D {
  const [b, h, w, c] = fixed.shape;
  const batch = moving.shape[0];
  const movingCells = moving.shape[1] * moving.shape[2];
  // Centred per image before normalising: a component shared by every cell would make all cells
  // look alike (cosine near 1 everywhere) and flatten the match distributions.
  const centred = (x: tf.Tensor4D) => tf.sub(x, tf.mean(x, [1, 2], true));
  // 1/temperature folded into the fixed side: one multiply on [B, hw, c] instead of [B, hw, hw].
  const ff = tf.reshape(tf.mul(unit(centred(fixed)), 1 / temperature), [b, h * w, c]);
  const fm = tf.reshape(unit(centred(moving)), [batch, movingCells, c]);
  return correlate(ff as tf.Tensor3D, fm as tf.Tensor3D);
}

/**
 * Sub-cell match position of every fixed cell and its weight (the probability mass inside the
 * window: near 1 for a distinct match, small for flat or repeated structure). Positions [B, hw, 2]
 * from the moving grid's cell `centres` [hw, 2], by the soft-argmax ('window') or, for inference,
 * a parabola through the best score ('peak'); the weights are the same either way.
 */
export function softMatches(scores: tf.Tensor3D, centres: tf.Tensor2D, windowCells: number, subcell: 'window' | 'peak' = 'window', mutual = false): { positions: tf.Tensor3D; weights: tf.Tensor2D; best: tf.Tensor } {
  const p = tf.softmax(scores);
  const [batch, fixedCells, cells] = scores.shape;
  const h = Math.round(Math.sqrt(cells));
  // The window follows the best match (row, column of the moving grid) but is not differentiated
  // (argmax has no gradient). A Gaussian in cell units is the product of one along the rows and
  // one along the columns: 2h exponentials per fixed cell instead of h².
  const best = tf.argMax(scores, 2); // [B, hw] int32
  const row = tf.floorDiv(best, h);
  const col = tf.sub(best, tf.mul(row, h));
  const cellIndex = tf.range(0, h, 1, 'float32');
  const along = (i: tf.Tensor) => tf.exp(tf.div(tf.square(tf.sub(cellIndex, tf.expandDims(tf.cast(i, 'float32'), -1))), -2 * windowCells * windowCells)); // [B, hw, h]
  const window = tf.reshape(tf.mul(tf.expandDims(along(row), 3), tf.expandDims(along(col), 2)), [batch, fixedCells, cells]);
  const local = tf.mul(p, window);
  // A best match on the outer ring of the moving grid is most often a point outside its field,
  // clamped to the edge, and the window there is one-sided: such cells do not vote.
  // (Step rather than comparisons: training differentiates the whole graph, and comparisons have no gradient.)
  const inside = (i: tf.Tensor) => {
    const f = tf.cast(i, 'float32');
    return tf.mul(tf.step(tf.sub(f, 0.5)), tf.step(tf.sub(h - 1.5, f)));
  };
  const interior = tf.mul(inside(row), inside(col));
  const inWindow = tf.sum(local, -1); // [B, hw]
  const mass = mutual ? tf.mul(tf.mul(inWindow, interior), mutualMatches(scores, best)) : tf.mul(inWindow, interior);
  if (subcell === 'peak') return { positions: peakPositions(scores, best, centres), weights: mass as tf.Tensor2D, best };
  // Window-weighted mean position, as one 2-D product (correlation.ts: fast on the wasm backend).
  const weighted = tf.reshape(tf.matMul(tf.reshape(local, [batch * fixedCells, cells]), centres), [batch, fixedCells, 2]);
  const positions = tf.div(weighted, tf.expandDims(tf.add(inWindow, EPSILON), -1)) as tf.Tensor3D;
  return { positions, weights: mass as tf.Tensor2D, best };
}

/**
 * Sub-cell position of each best match from a parabola through its score and its neighbours' along
 * each axis (scores are log-probabilities up to a constant, so this fits a Gaussian to the match
 * distribution). Border cells keep the cell centre: they do not vote (softMatches).
 */
function peakPositions(scores: tf.Tensor3D, best: tf.Tensor, centres: tf.Tensor2D): tf.Tensor3D {
  const [batch, fixedCells, cells] = scores.shape;
  const h = Math.round(Math.sqrt(cells));
  const index = tf.reshape(best, [batch * fixedCells, 1]);
  // Flat indices into all scores (a batched gather is broken on the wasm backend).
  const int = (v: number) => tf.scalar(v, 'int32');
  const rowStart = tf.reshape(tf.mul(tf.range(0, batch * fixedCells, 1, 'int32'), int(cells)), [-1, 1]);
  // (minimum/maximum: the wasm backend's clipByValue does not clip int32 tensors.)
  const at = (d: number) => tf.add(rowStart, tf.maximum(tf.minimum(tf.add(index, int(d)), int(cells - 1)), int(0)));
  const around = tf.reshape(tf.gather(tf.reshape(scores, [-1]), tf.concat([at(0), at(-1), at(1), at(-h), at(h)], 1)), [batch * fixedCells, 5]);
  const [s0, left, right, up, down] = tf.split(around, 5, 1);
  const offset = (minus: tf.Tensor, plus: tf.Tensor) => {
    const curvature = tf.minimum(tf.sub(tf.add(minus, plus), tf.mul(s0, 2)), -EPSILON); // < 0 at a maximum
    return tf.clipByValue(tf.div(tf.sub(minus, plus), tf.mul(curvature, 2)), -0.5, 0.5);
  };
  // Cell spacing in normalised units, from two neighbouring centres.
  const step = tf.sub(tf.slice(centres, [1, 0], [1, 1]), tf.slice(centres, [0, 0], [1, 1]));
  const centre = tf.gather(centres, tf.reshape(best, [-1]));
  const shift = tf.mul(tf.concat([offset(left, right), offset(up, down)], 1), step);
  return tf.reshape(tf.add(centre, shift), [batch, fixedCells, 2]) as tf.Tensor3D;
}

/**
 * values [B, N] gathered per row at index [B, M] (int32): [B, M]. Through flat indices, since a
 * batched gather is broken on the wasm backend.
 */
function rowGather(values: tf.Tensor, index: tf.Tensor): tf.Tensor {
  const [batch, n] = values.shape;
  const rowStart = tf.reshape(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), [batch, 1]);
  return tf.reshape(tf.gather(tf.reshape(values, [-1]), tf.reshape(tf.add(rowStart, index), [-1])), index.shape);
}

/**
 * 1 where a fixed cell's best moving cell `best` [B, hw] has, as its own best fixed cell, that cell
 * or one of its eight neighbours; else 0. [B, hw] float.
 */
function mutualMatches(scores: tf.Tensor3D, best: tf.Tensor): tf.Tensor {
  const fixedCells = scores.shape[1];
  const hf = Math.round(Math.sqrt(fixedCells));
  const back = tf.argMax(scores, 1); // [B, moving cells]: the best fixed cell of each moving cell
  const int = (v: number) => tf.scalar(v, 'int32');
  const returned = rowGather(back, best);
  const own = tf.range(0, fixedCells, 1, 'int32');
  const rowOf = (i: tf.Tensor) => tf.floorDiv(i, int(hf));
  const colOf = (i: tf.Tensor) => tf.sub(i, tf.mul(rowOf(i), int(hf)));
  const near = (a: tf.Tensor, b: tf.Tensor) => tf.lessEqual(tf.abs(tf.sub(a, b)), int(1));
  return tf.cast(tf.logicalAnd(near(rowOf(returned), rowOf(own)), near(colOf(returned), colOf(own))), 'float32');
}

/** (x, y) → (−y, x) as a right-multiplied matrix: p·K is p turned by +90°. */
const QUARTER = [
  [0, 1],
  [-1, 0],
];

/**
 * Weighted least-squares similarity q ≈ [[a, −b], [b, a]]·p + t for points p [hw, 2] and
 * matches q [B, hw, 2] with weights [B, hw]. Closed form: with centred points p', q',
 * a = Σw(p'·q')/Σw|p'|², b = Σw(p' × q')/Σw|p'|², t = q̄ − M·p̄. Written with matrix products and
 * no split/stack (each small op costs a kernel launch). Returns [B, 4] = a, b, tx, ty.
 */
export function fitSimilarity(points: tf.Tensor2D, matches: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor2D {
  const total = tf.add(tf.sum(weights, 1, true), EPSILON); // [B, 1]
  const pMean = tf.div(tf.matMul(weights, points), total); // [B, 2]
  const qMean = tf.div(tf.squeeze(tf.matMul(tf.expandDims(weights, 1), matches), [1]), total); // [B, 2]
  // Cross-moments C = Σ w p qᵀ − W p̄ q̄ᵀ, [B, 2, 2].
  const weighted = tf.mul(tf.expandDims(weights, -1), tf.expandDims(points, 0)); // [B, hw, 2]
  const moments = tf.sub(tf.matMul(weighted, matches, true, false), tf.mul(tf.expandDims(total, -1), tf.matMul(tf.expandDims(pMean, 2), tf.expandDims(qMean, 1))));
  const spread = tf.add(tf.sub(tf.squeeze(tf.matMul(weights, tf.sum(tf.square(points), 1, true))), tf.mul(tf.squeeze(total, [1]), tf.sum(tf.square(pMean), 1))), EPSILON); // [B]
  const a = tf.div(tf.sum(tf.mul(moments, tf.tensor2d([1, 0, 0, 1], [2, 2])), [1, 2]), spread); // trace: Σw p'·q'
  const b = tf.div(tf.sum(tf.mul(moments, tf.tensor2d([0, 1, -1, 0], [2, 2])), [1, 2]), spread); // Σw (p'x q'y − p'y q'x)
  const a1 = tf.expandDims(a, 1);
  const b1 = tf.expandDims(b, 1);
  const t = tf.sub(qMean, tf.add(tf.mul(a1, pMean), tf.mul(b1, tf.matMul(pMean, tf.tensor2d(QUARTER)))));
  return tf.concat([a1, b1, t], 1) as tf.Tensor2D;
}

/** Where the similarity rows [B, 4] send the points [hw, 2]: [B, hw, 2]. */
export function applySimilarity(params: tf.Tensor2D, points: tf.Tensor2D): tf.Tensor3D {
  const batch = params.shape[0];
  const a = tf.reshape(tf.slice(params, [0, 0], [batch, 1]), [batch, 1, 1]);
  const b = tf.reshape(tf.slice(params, [0, 1], [batch, 1]), [batch, 1, 1]);
  const t = tf.reshape(tf.slice(params, [0, 2], [batch, 2]), [batch, 1, 2]);
  const turned = tf.matMul(points, tf.tensor2d(QUARTER)); // [hw, 2]
  return tf.add(tf.add(tf.mul(a, points), tf.mul(b, turned)), t) as tf.Tensor3D;
}

export interface SimilarityFit {
  /** [B, 4]: a, b, tx, ty. */
  params: tf.Tensor2D;
  /** [B]: weighted share of cells that agree with the fit (0–1): the method's confidence. */
  inliers: tf.Tensor1D;
  /** [B, hw, hw]: match scores (matchScores), for the training's matching loss. */
  scores: tf.Tensor3D;
}

/**
 * Every k-th cell of x [b, h, w, c] in each direction, from cell 0 (h and w multiples of k). Two
 * contiguous slices of reshaped views: the wasm backend's strided slice costs ~6× as much.
 */
function everyKthCell(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const rows = tf.slice(tf.reshape(x, [b * (h / k), k, w, c]), [0, 0, 0, 0], [b * (h / k), 1, w, c]);
  const cells = tf.slice(tf.reshape(rows, [b * (h / k), w / k, k, c]), [0, 0, 0, 0], [b * (h / k), w / k, 1, c]);
  return tf.reshape(cells, [b, h / k, w / k, c]);
}

/**
 * Which feature cells show image content (1) rather than padding (0: of a warped input, or of a
 * non-square image's frame), from pixel masks by cellValidity. Inference only: training inputs
 * have none, and matchAndFit applies whatever it is given.
 */
export interface CellValidity {
  /** [B or 1, sampled fixed cells] (after `fixedStride`): cells that may vote. */
  fixed?: tf.Tensor2D;
  /** [B, moving cells]: cells a vote may land on. */
  moving?: tf.Tensor2D;
}

/**
 * 1 for each cell of an h×h grid over a size×size mask whose pixels, with `erode` cells around,
 * are all inside (mask 1); every `every`-th cell in each direction, row-major.
 */
export function cellValidity(mask: Uint8Array, size: number, h: number, every = 1, erode = 0): Float32Array {
  const stride = size / h;
  // Summed-area table: any block's count of valid pixels in O(1).
  const sat = new Float64Array((size + 1) * (size + 1));
  for (let y = 0; y < size; y++) {
    let row = 0;
    for (let x = 0; x < size; x++) {
      row += mask[y * size + x];
      sat[(y + 1) * (size + 1) + x + 1] = sat[y * (size + 1) + x + 1] + row;
    }
  }
  const out: number[] = [];
  for (let r = 0; r < h; r += every) {
    for (let c = 0; c < h; c += every) {
      const y0 = Math.max(0, (r - erode) * stride);
      const y1 = Math.min(size, (r + 1 + erode) * stride);
      const x0 = Math.max(0, (c - erode) * stride);
      const x1 = Math.min(size, (c + 1 + erode) * stride);
      const count = sat[y1 * (size + 1) + x1] - sat[y0 * (size + 1) + x1] - sat[y1 * (size + 1) + x0] + sat[y0 * (size + 1) + x0];
      out.push(count >= (y1 - y0) * (x1 - x0) ? 1 : 0);
    }
  }
  return Float32Array.from(out);
}

/** The match weights [B, hw] with the votes of invalid fixed cells, and of matches on invalid moving cells, removed. */
function validVotes(weights: tf.Tensor2D, best: tf.Tensor, valid: CellValidity): tf.Tensor2D {
  let w: tf.Tensor = weights;
  if (valid.fixed) w = tf.mul(w, valid.fixed);
  if (valid.moving) w = tf.mul(w, rowGather(valid.moving, best));
  return w as tf.Tensor2D;
}

/** Feature maps of both images → similarity, by matching and robust fitting. `fixed` holds one image or one per moving image. */
export function matchAndFit(fixed: tf.Tensor4D, moving: tf.Tensor4D, n: number, options: MatchingOptions = {}, valid: CellValidity = {}): SimilarityFit {
  const o = { ...DEFAULT_MATCHING, ...options };
  const h = fixed.shape[1];
  const centres = cellCentres(n, h);
  const k = o.fixedStride;
  const sampled = k > 1 ? everyKthCell(fixed, k) : fixed;
  const points = k > 1 ? cellCentres(n, h, k) : centres;
  const scores = matchScores(sampled, moving, o.temperature);
  const matches = softMatches(scores, centres, o.windowCells, o.subcell, o.mutual);
  const { positions } = matches;
  const weights = valid.fixed || valid.moving ? validVotes(matches.weights, matches.best, valid) : matches.weights;
  let params = fitSimilarity(points, positions, weights);
  let agreement = weights;
  for (const scale of o.robustScales) {
    // Cauchy weights on the residual of the current fit: outliers (no counterpart, repeated structure) fade out.
    const r2 = tf.sum(tf.square(tf.sub(positions, applySimilarity(params, points))), -1);
    agreement = tf.div(weights, tf.add(1, tf.div(r2, scale * scale))) as tf.Tensor2D;
    params = fitSimilarity(points, positions, agreement);
  }
  const inliers = tf.div(tf.sum(agreement, 1), points.shape[0]) as tf.Tensor1D;
  return { params, inliers, scores };
}

/**
 * Dense supervision: cross-entropy between each fixed cell's match distribution and the true
 * position (bilinear weights on the 4 nearest moving cells), over cells whose true position lies
 * inside the moving feature grid. `scores` [B, hw, hw] from matchScores (fixed and moving at the
 * same side n), `targets` [B, 4] the true a, b, tx, ty.
 */
export function matchingLoss(scores: tf.Tensor3D, targets: tf.Tensor2D, n: number): tf.Scalar {
  const h = Math.round(Math.sqrt(scores.shape[1]));
  const centres = cellCentres(n, h);
  const cell = 2 * (n / h) / (n - 1);
  const truth = applySimilarity(targets, centres); // [B, hw, 2]
  const [tx, ty] = tf.split(truth, 2, -1); // [B, hw, 1]
  const [cx, cy] = tf.split(tf.reshape(centres, [1, 1, -1, 2]), 2, -1).map((t) => tf.squeeze(t, [3])); // [1, 1, hw]
  const tent = (d: tf.Tensor) => tf.relu(tf.sub(1, tf.div(tf.abs(d), cell)));
  const target = tf.mul(tent(tf.sub(cx, tx)), tent(tf.sub(cy, ty))); // [B, hw, hw]
  const inside = tf.sum(target, -1); // ≈1 inside the grid, less at its border, 0 outside
  const valid = tf.cast(tf.greater(inside, 0.99), 'float32');
  const ce = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(scores)), -1));
  return tf.div(tf.sum(tf.mul(ce, valid)), tf.add(tf.sum(valid), 1)) as tf.Scalar;
}
