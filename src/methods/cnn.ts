/**
 * The CNN method: both images resampled onto the model's N×N frames (physical spacing honoured),
 * normalised, one forward pass for the estimate, then refinement passes — the moving input is
 * warped by the current estimate and the network predicts the residual, which is composed in.
 * Environment-free: the caller loads the model and picks the tfjs backend.
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError, RegistrationError } from '../errors.js';
import type { Grid, Image } from '../image/image.js';
import { createFloatImage, gridCenter, gridOf } from '../image/image.js';
import { withCenter } from '../transform/transform.js';
import { cropImage } from '../image/crop.js';
import { fieldWindowPlan, pixelSizesKnown, searchPlans, type FieldWindowMode, type FieldWindowPlan } from './field-windows.js';
import { resampleWithMask } from '../resample.js';
import { composeMatrices, invertMatrix, isFiniteMatrix, type Matrix2x3 } from '../transform/matrix.js';
import { NORMALISED_SUCCESS, normalisedCornerError } from '../cnn/evaluate.js';
import { normalisedMatrix, normalisedOf, toModelInput, toPhysical, type ModelFrame, type ModelInput, type NormalisedSimilarity } from '../cnn/model-frame.js';
import { applyEncoder, decodeOutput, modelSize } from '../cnn/model.js';
import { cellValidity, matchAndFit, type CellValidity, type MatchingOptions } from '../cnn/matching.js';
import type { MethodResult } from './result.js';

export interface CnnModel {
  model: tf.LayersModel;
  /**
   * The fixed and the moving encoder as models of their own, sharing the model's layers and
   * weights, for any input size: inference encodes the fixed image once per resolution, and
   * refines at a finer one than the model was trained at (the encoders are fully convolutional).
   */
  encoders: [tf.LayersModel, tf.LayersModel];
  /** Input side N. */
  size: number;
  name: string;
}

export interface CnnOptions {
  /**
   * Forward passes at most: 1 = single estimate; each further pass refines, until a pass moves
   * the frame corners by less than `stopStep`. Default DEFAULT_PASSES.
   */
  passes?: number;
  /** Corner movement (normalised units) of a refinement pass below which no more passes run. Default STOP_STEP. */
  stopStep?: number;
  /** Return each candidate's best-agreeing refinement pass (true, the default) or its last one. */
  keepBestPass?: boolean;
  /**
   * Input side of the refinement passes. Default REFINE_FACTOR × the model's: the same 8-pixel
   * feature cells then span half as much of the field, and the fit is 3–5× more precise
   * (measured on shifted EM images), while the first pass keeps the model's size and context.
   * At most the model's side or a multiple of it (the fixed map is then sampled every
   * refineSize / N cells).
   */
  refineSize?: number;
  /**
   * Input side of the refinement passes that run before the better direction is chosen
   * (BOTH_WAYS_PASSES); the winner's further passes run at `refineSize`. Default `refineSize`:
   * for the CNN method, 128 here aligned 169 of the first 300 held-out pairs of `npm run eval`
   * against 178 (xemreg-sim-v7, 2026-12-06), though 60 of the benchmark's 128 against 57, in 0.88
   * of the time. The hybrid, which elastix finishes, uses 128 (HYBRID_CNN_SEARCH).
   */
  bothWaysSize?: number;
  /** Matching and fitting parameters (defaults: DEFAULT_MATCHING, as in training, with INFERENCE_MATCHING over it). */
  matching?: MatchingOptions;
  /** Starting points of the first pass (default DEFAULT_STARTS). */
  starts?: StartGrid;
  /** Starts (the most agreeing after the first pass) refined side by side before the best final fit is kept. Default CANDIDATES. */
  candidates?: number;
  /**
   * Inlier share of the unturned, unzoomed start's fit from which the other starts are skipped.
   * Default ACCEPT_FIRST_START_INLIERS; Infinity tries every start.
   */
  acceptStartInliers?: number;
  /**
   * Final inlier share of the direct search from which the swapped one (DEFAULT_STARTS'
   * `swappedScales`) is skipped. Default SKIP_SWAPPED_INLIERS; Infinity always tries both.
   */
  skipSwappedInliers?: number;
  /**
   * Input side at which the starts are scored. Default (and at most) the model's side. Smaller
   * sides are cheaper (64 of 128: the encoders cost a quarter) and rank the starts more coarsely;
   * the best `candidates` then get their first pass at the model's side. The hybrid uses 64.
   */
  searchSize?: number;
  /**
   * Starts of a second search, run when the first one's confidence is below `retryBelow`; the
   * result with the higher confidence is kept (`details.retried`). Default RETRY_STARTS; null:
   * no second search.
   */
  retry?: StartGrid | null;
  /** Confidence below which the `retry` search runs. Default RETRY_BELOW. */
  retryBelow?: number;
  /**
   * Register a small-field image inside windows of a much larger one (field-windows.ts): 'auto'
   * (the default) when both images carry pixel sizes of their own, 'always', 'never', or 'search'
   * (as 'auto', and without pixel sizes an unsure pair also tries assumed field ratios).
   * Results on the frames say `details.fieldsUnknown` when the fields were taken to be comparable
   * for want of pixel sizes.
   */
  fieldWindows?: FieldWindowMode;
}

/**
 * The first pass tries the moving image turned and zoomed by every combination of these, in one
 * batch, and keeps the one whose fit has the most agreeing cells. The network is trained for
 * rotations up to ±50° and scales 0.5–2 but is far more accurate near the identity (measured:
 * residual rotations of 30–45° almost never succeed, ≤ 15° do several times more often), so
 * the starts are spaced to leave it small residuals.
 */
export interface StartGrid {
  rotationsDeg: number[];
  scales: number[];
  /**
   * Zooms tried with the images' roles exchanged (the moving image on the fixed encoder; the
   * estimate is inverted), at the same rotations. A pair whose moving image is a zoom into the
   * fixed one (scale > 1) overlaps only a 1/scale² share of the fixed image's cells, and its
   * detail is shrunk away when it is turned into place; exchanged, the same pair has scale < 1,
   * where the whole fixed frame finds matches. Default none.
   */
  swappedScales?: number[];
  /**
   * Where a zoomed start's window sits in the moving image, along each axis, as shares of the
   * margin it leaves (1 − zoom; −1 and 1 put it against the edges), in both directions. A start
   * zoomed by z < 1 shows the network only the z-wide middle of the moving image, and a pair
   * whose fixed field lies off-centre in a wider moving field has little of it there. Default [0]:
   * centred only. Unzoomed starts show the whole moving image and are not moved.
   */
  zoomOffsets?: number[];
}

/**
 * Every 45°, zoomed by 1/√2 and 1 both ways: as they are and with the roles exchanged (the
 * exchanged 1/√2 is a zoom of √2 seen from the other side). The one-way grid before (zooms 1/√2,
 * 1, √2) left pairs with scale above 1.3 at 0 % (330 of the 1000 held-out pairs). Measured with
 * xemreg-sim-v2 on 96 held-out synthetic pairs of `npm run eval`'s test seed: 52 succeed with
 * this grid (32 starts), 37 with the one-way grid (24), 51 with the one-way zoom 1/√2 left out
 * (24; on 96 pairs of another seed, 45 against 26 for the one-way grid) — but on 48 pairs below
 * scale 0.62, 18 with this grid against 10 without that zoom, for about 1.1× the time.
 */
export const DEFAULT_STARTS: StartGrid = { rotationsDeg: [0, 45, 90, 135, 180, -135, -90, -45], scales: [Math.SQRT1_2, 1], swappedScales: [Math.SQRT1_2, 1] };

/** Every rotation × zoom, each zoom below 1 at every window offset (StartGrid.zoomOffsets). */
export function startsOf(rotationsDeg: readonly number[], scales: readonly number[], offsets: readonly number[]): NormalisedSimilarity[] {
  return rotationsDeg.flatMap((rotationDeg) =>
    scales.flatMap((scale) => {
      const margin = Math.max(0, 1 - scale);
      const at = margin > 0 ? offsets.map((o) => o * margin) : [0];
      return at.flatMap((ty) => at.map((tx) => ({ rotationDeg, scale, tx, ty })));
    }),
  );
}

/**
 * The second search for unsure pairs: the zoomed starts again with their windows moved to the
 * moving image's edges and corners (StartGrid.zoomOffsets). Most failures of the held-out set that
 * elastix can register from near the truth are zooms out of the moving image (scale < 0.84) with
 * the fixed field off-centre in it (xemreg-sim-v9, 2026-12-07): at large shifts (|t| ≥ 0.3 of
 * the half-field) 56 % of them succeed against 78 % at small ones, and with the truth's rotation and zoom as
 * the only, centred start, 9 of 30 such failures were aligned. Measured on 150 pairs of the
 * eval's generator (seed 7777, not the test seed's): offset windows among the first starts
 * aligned 99 against 98, losing 3 pairs the centred starts had (an offset start agreed more at
 * the first pass but refined worse), in 2.8× the mean time; as a second search below confidence
 * 0.3, 102 with none lost, in 1.9× the mean time (it ran for 39 pairs). On the 1000 held-out
 * pairs: xemreg-sim-v7 57.9 → 64.2 %, v9 62.2 → 66.9 % (model cards).
 */
export const RETRY_STARTS: StartGrid = { ...DEFAULT_STARTS, scales: [Math.SQRT1_2], swappedScales: [Math.SQRT1_2], zoomOffsets: [-1, 0, 1] };

/** The first search's confidence below which RETRY_STARTS are searched too. */
export const RETRY_BELOW = 0.3;

function modelGrid(n: number): Grid {
  return { size: [n, n], spacing: [2 / (n - 1), 2 / (n - 1)], origin: [-1, -1], direction: [1, 0, 0, 1] };
}

/** The model's size from its input shape. */
export function cnnModel(model: tf.LayersModel, name: string): CnnModel {
  const encoders = model.inputLayers.map((inputLayer) => {
    // This encoder's layers on an input of any size.
    const input = tf.input({ name: `${inputLayer.name}_any_size`, shape: [null, null, 1] });
    return tf.model({ inputs: input, outputs: applyEncoder(model, inputLayer.name, input) });
  }) as [tf.LayersModel, tf.LayersModel];
  return { model, encoders, size: modelSize(model), name };
}

/** One start carried through the passes. */
interface Candidate {
  /** Index into the starts. */
  start: number;
  estimate: Matrix2x3;
  /** Inlier share of the latest fit. */
  inliers: number;
  /** Corner movement of the latest refinement step (normalised units); Infinity before any. */
  lastStep: number;
  /** A refinement step zoomed by more than MAX_STEP_ZOOM: no further passes (the estimate is held). */
  diverged: boolean;
  history: NormalisedSimilarity[];
  /** The refinement pass whose fit agreed best so far (KEEP_BEST_PASS), or null before any. */
  best: { estimate: Matrix2x3; inliers: number; pass: number } | null;
}

const IDENTITY: NormalisedSimilarity = { rotationDeg: 0, scale: 1, tx: 0, ty: 0 };

/**
 * Inference locates each match with a parabola through the best score and its neighbours
 * ('peak') instead of training's soft-argmax: the soft-argmax is differentiable but pulls towards
 * the best cell's centre (the match distributions of trained features are peaked), so near
 * convergence every cell votes for "no residual" and the estimate stops up to half a cell short.
 * Measured with xemreg-sim-v4, 3 passes, on 150 eval-generator pairs of a seed other than the
 * test set's: success 44.7 → 47.3 %, median scale error 2.4 → 2.1 %.
 *
 * Inference also keeps only mutual matches (a fixed cell votes when its best moving cell's own
 * best fixed cell is within one cell of it): flat background and repeated structure otherwise
 * give many cells one and the same wrong match, which pulls the fit (Fe vs P HXN maps, truly
 * aligned: the first pass's scale 0.962 without the check, 0.971 with it; the passes still
 * shrink it). On 2 × 150 eval-generator pairs of seeds other than the test set's, 6 passes:
 * success 52.0 → 55.3 % and 52.0 → 54.7 %, median scale error 1.56 → 1.30 % and 2.16 → 1.13 %
 * (an exact mutual match, no cell of tolerance: 54.7 % on the first seed; two cells: 55.3 %).
 *
 * And it leaves out cells over the zero padding of a warped moving input (`maskPadding`: a cell
 * counts as padding unless all its pixels and those of its eight neighbours are inside, since
 * the encoders' receptive field reaches past a cell): in refinement, fixed cells there have no
 * counterpart and, like matches landing there, pull the fit towards a contraction (the network
 * never saw padding in training: its pairs are cut from larger worlds). Of the near misses on
 * the held-out set (corner error 0.04–0.1 of the half-field), two thirds were zooms into the
 * moving image (scale > 1.19, where most of the warped input is padding) and two thirds had
 * their scale under-estimated. On the same 2 × 150 pairs: 55.3 → 57.3 % and 54.7 → 58.0 %,
 * median rotation error 0.47 → 0.39° on the first (with the cell's own pixels only: 57.3 % and
 * 56.7 %).
 *
 * The same goes for the padding of a non-square image's frame (`maskFrame`: the frame covers the
 * longer side; toModelInput says which pixels show the image): fixed cells there do not vote,
 * matches onto the moving frame's padding (warped with the input) do not count, and inlier shares
 * are over the fixed image's content cells, so that confidence means the same for a 2:1 image as
 * for a square one. On 2 × 120 eval-generator pairs with each image cut to a random view of
 * aspect 0.45–0.8 (`randomView`): 16.7 → 22.5 % and 14.2 → 24.2 %. A no-op for square images.
 */
export const INFERENCE_MATCHING: MatchingOptions = { subcell: 'peak', mutual: true, maskPadding: true, maskFrame: true };

/**
 * Passes at most. With peak matching the estimate keeps approaching the truth for a few more
 * passes on pairs that start far from it (same 150 pairs: 47.3 % with 3 passes, 50.7 % with 4,
 * 52.0 % with 5; on 80 pairs, no gain after the fifth), while most pairs have converged after
 * three: STOP_STEP ends the loop there. Where the network misreads a pair, passes drift instead
 * (HXN element maps: the estimate moves further from the truth with every pass, as the fit's
 * agreement falls), so each candidate returns its refinement pass whose fit agreed best rather
 * than the last: on 64 warped HXN pairs (../shared/data) 5 succeed against 1 with the last pass
 * (3 with 3 passes), the same 52.0 % on the 150 synthetic pairs.
 */
export const DEFAULT_PASSES = 6;

/**
 * Refinement passes run at this multiple of the model's side, also on images with fewer pixels
 * (interpolated up, as X-ray maps are in training). Until 2026-12-06 images under 2N pixels
 * were refined at N; with xemreg-sim-v4 on the benchmark's generators (seed 8101: 64 synthetic
 * pairs, X-ray maps of 32–256 px, and 32 warped 160² HXN maps) refining them at 2N aligned 44
 * synthetic and 17 HXN pairs against 34 and 3 (seed 7001: 39 and 20 against 31 and 6), for a
 * third more time on those pairs; 3N aligned fewer synthetic pairs (29 of 64 on seed 7001).
 */
export const REFINE_FACTOR = 2;

/**
 * Largest zoom (either way) a refinement step may make. After the first pass the residual is
 * small where the network reads a pair (training covers residuals to ×/÷1.3); where it misreads
 * one, and the masks leave few cells, the passes can run away, each zooming further (non-square
 * eval-generator pairs: scales of 30–9000 after six passes). Such a candidate keeps its estimate,
 * and the step's size brings its confidence near 0.
 */
export const MAX_STEP_ZOOM = 1.5;

/** A refinement pass that moves the frame corners by less than this (a tenth of the success tolerance) ends the passes. */
export const STOP_STEP = NORMALISED_SUCCESS / 10;

/** Inlier share below which an estimate is a likely failure (calibrated on held-out pairs, MODEL_CARD.md). */
export const CONFIDENT_INLIERS = 0.15;

/**
 * Most real pairs are roughly aligned already, and the other starts are most of a registration's
 * time. Measured with xemreg-sim-v2 (step 16 000) on 150 held-out pairs within ±10°, ×/÷1.1,
 * ±7.5 % shift: at 0.08 the unturned start is accepted for 91 of them, the median time falls
 * from 311 to 112 ms and the success rate stays the same (59 %); over the full range 1 pair in
 * 150 stops early (and succeeds). Recalibrate with every model: inlier shares grow with training.
 */
export const ACCEPT_FIRST_START_INLIERS = 0.08;

/**
 * One: on 200 held-out full-range pairs (xemreg-sim-v2) refining the best 3 starts and keeping
 * the best final fit succeeded on 16 % against 14 % for the best start alone, for 1.6× the time
 * (6 starts: 16 %, 2.1×) — the network's matching, not the choice of start, limits it.
 */
export const CANDIDATES = 1;

/**
 * A direct search whose final fit agrees this well is kept without trying the images' roles
 * exchanged. Measured with xemreg-sim-v3 on 2 × 160 synthetic pairs (`npm run bench`'s generator,
 * seeds 424242 and 515151, not the eval's test seed): at 0.25 the exchanged search is skipped
 * for 41 and 22 pairs, with the same successes (84 and 66) and 16 % and 8 % less mean time;
 * at 0.1, 2 and 3 successes are lost.
 */
export const SKIP_SWAPPED_INLIERS = 0.25;

/** Confidence from which an estimate counts as likely right: eval reports both sides; the panel's hybrid fallback runs elastix from the identity and the NMI search below it. */
export const CONFIDENT = 0.5;

/** The one rule for "likely wrong": a CNN confidence below CONFIDENT (none: not a CNN result). */
export function isUnsure(confidence: number | null | undefined): boolean {
  return confidence != null && confidence < CONFIDENT;
}

/** One direction's search and refinement: the kept candidate in that direction's normalised frames. */
interface OneWay {
  kept: Candidate;
  starts: NormalisedSimilarity[];
  startsTried: number;
  /** The unturned start was confident enough to skip the others. */
  acceptedEarly: boolean;
  fixedFrame: ModelFrame;
  movingFrame: ModelFrame;
}

/** What both directions share: the number of passes and the sides of the refinement passes. */
interface Plan {
  passes: number;
  fine: number;
  /** Side of the passes before the direction is chosen. */
  bothWays: number;
}

/**
 * What a registration computes once per image and side: model inputs (up to three sides per
 * image, shared by both directions) and fixed-encoder features (shared by the search, the
 * refinement of both directions and the winner's further passes). Field windows share one cache
 * over all their registrations, so that the smaller image, the same in each, is prepared and
 * encoded once; `release` drops a window's entries when it is done. `dispose` frees the features.
 */
interface RegistrationCache {
  input: (image: Image, size: number) => ModelInput;
  fixedFeatures: (image: Image, size: number) => tf.Tensor4D;
  release: (image: Image) => void;
  dispose: () => void;
}

/** `make(image, size)` computed once per pair of arguments. */
function memoised<V>(make: (image: Image, size: number) => V) {
  const cache = new Map<Image, Map<number, V>>();
  const get = (image: Image, size: number) => {
    let bySize = cache.get(image);
    if (!bySize) cache.set(image, (bySize = new Map()));
    if (!bySize.has(size)) bySize.set(size, make(image, size));
    return bySize.get(size) as V;
  };
  /** Forgets one image's values and returns them. */
  const take = (image: Image): V[] => {
    const values = [...(cache.get(image)?.values() ?? [])];
    cache.delete(image);
    return values;
  };
  return { get, take, values: () => [...cache.values()].flatMap((bySize) => [...bySize.values()]) };
}

function registrationCache(cnn: CnnModel): RegistrationCache {
  const inputs = memoised(toModelInput);
  const features = memoised((image, size) => encodeFixed(cnn, inputs.get(image, size).data, size));
  return {
    input: inputs.get,
    fixedFeatures: features.get,
    release: (image) => {
      inputs.take(image);
      tf.dispose(features.take(image));
    },
    dispose: () => tf.dispose(features.values()),
  };
}

/**
 * Passes every direction searched gets before the better one is chosen; only the winner goes on
 * to DEFAULT_PASSES. A pass costs ~25 ms per direction at 256 px, and the exchanged direction is
 * searched for most pairs that need the start search.
 */
export const BOTH_WAYS_PASSES = 3;

/** Fixed-encoder features of one model input [1, h, h, c]. */
function encodeFixed(cnn: CnnModel, data: Float32Array, size: number): tf.Tensor4D {
  return tf.tidy(() => cnn.encoders[0].predict(tf.tensor4d(data, [1, size, size, 1])) as tf.Tensor4D);
}

/** Cells around a feature cell that must be inside too for it to count as content (INFERENCE_MATCHING). */
const PADDING_ERODE_CELLS = 1;

/**
 * Content masks of a batch's moving inputs (null: all content), whether they also say which fixed
 * cells may vote (in refinement the estimate is close, so a fixed cell whose counterpart is padding
 * has none; at the starts the masks only say where a match may land), and the fixed input's own
 * frame content (null: all of it).
 */
interface InputMasks {
  masks: (Uint8Array | null)[];
  fixedToo: boolean;
  fixedContent: Uint8Array | null;
}

/** What the moving masks of a warped batch leave out, from the matching options. */
interface MaskPlan {
  /** The zero padding a warp brings in (`maskPadding`). */
  warpPadding: boolean;
  /** The moving input's frame padding, warped along (`maskFrame`; null: none or not masked). */
  content: Uint8Array | null;
}

/**
 * One batch of moving inputs: `image` (a model input on `grid`) warped onto its own grid by each
 * matrix (fixed → moving, normalised; null: as it is), with each input's content mask (null: all
 * content, or nothing masked).
 */
function warpedBatch(image: Image, grid: Grid, matrices: (Matrix2x3 | null)[], plan: MaskPlan): { inputs: Float32Array; masks: (Uint8Array | null)[] } {
  const side = grid.size[0] * grid.size[1];
  const inputs = new Float32Array(matrices.length * side);
  const content = plan.content ? createFloatImage(grid.size, Float32Array.from(plan.content), grid) : null;
  const masks = matrices.map((matrix, i) => {
    if (!matrix) {
      inputs.set(image.data as Float32Array, i * side);
      return plan.content;
    }
    const warped = resampleWithMask(image, grid, matrix, { defaultValue: 0 });
    inputs.set(warped.image.data as Float32Array, i * side);
    if (!content) return plan.warpPadding ? warped.mask : null;
    // A pixel shows content when all four pixels it interpolates do.
    const shown = resampleWithMask(content, grid, matrix).image.data as Float32Array;
    return Uint8Array.from(shown, (v, k) => (v > 0.999 && (warped.mask[k] || !plan.warpPadding) ? 1 : 0));
  });
  return { inputs, masks };
}

/** The matching options of inference: INFERENCE_MATCHING under the caller's. */
function inferenceMatching(options: CnnOptions): MatchingOptions {
  return { ...INFERENCE_MATCHING, ...options.matching };
}

/** A model input's frame content when the options mask frames (`maskFrame`), else null. */
function maskedFrame(options: CnnOptions, input: ModelInput): Uint8Array | null {
  return inferenceMatching(options).maskFrame ? input.content : null;
}

/** The moving masks a batch needs, from the matching options and the moving input. */
function maskPlan(options: CnnOptions, input: ModelInput): MaskPlan {
  return { warpPadding: Boolean(inferenceMatching(options).maskPadding), content: maskedFrame(options, input) };
}

/**
 * `count` moving inputs of side `size` encoded and matched against the fixed features: fit rows
 * [a, b, tx, ty] and inlier shares (over the fixed input's content cells).
 */
function fitInputs(cnn: CnnModel, options: CnnOptions, fixedFeatures: tf.Tensor4D, moving: Float32Array, count: number, size: number, padding: InputMasks) {
  return tf.tidy(() => {
    const fm = cnn.encoders[1].predict(tf.tensor4d(moving, [count, size, size, 1])) as tf.Tensor4D;
    const matching = { fixedStride: size / cnn.size, ...inferenceMatching(options) };
    const h = fm.shape[1];
    // Sampled fixed cells: every fixedStride-th at refinement sides, all below the model's side.
    const every = Math.max(1, matching.fixedStride);
    const cellsOf = (m: Uint8Array | null, step: number) => (m ? cellValidity(m, size, h, step, PADDING_ERODE_CELLS) : new Float32Array((h / step) ** 2).fill(1));
    const rows = (masks: (Uint8Array | null)[], step: number) => {
      const cells = masks.map((m) => cellsOf(m, step));
      const flat = new Float32Array(cells.length * cells[0].length);
      cells.forEach((r, i) => flat.set(r, i * r.length));
      return tf.tensor2d(flat, [cells.length, cells[0].length]);
    };
    const valid: CellValidity = {};
    if (padding.masks.some((m) => m)) {
      valid.moving = rows(padding.masks, 1);
      if (padding.fixedToo) valid.fixed = rows(padding.masks, every);
    }
    // A fixed image with no whole content cell (an extreme strip) is matched unmasked.
    const content = padding.fixedContent ? cellsOf(padding.fixedContent, every) : null;
    const contentShare = content ? content.reduce((a, v) => a + v, 0) / content.length : 1;
    if (content && contentShare > 0) {
      const own = tf.tensor2d(content, [1, content.length]);
      valid.fixed = valid.fixed ? tf.mul(valid.fixed, own) : own;
    }
    const result = matchAndFit(fixedFeatures, fm, size, matching, valid);
    const inliers = contentShare > 0 ? tf.div(result.inliers, contentShare) : result.inliers;
    return { params: result.params.dataSync(), inliers: inliers.dataSync() };
  });
}

/** How well a candidate's fit agrees: that of its best refinement pass when that pass is what it returns. */
function agreementOf(c: Candidate, options: CnnOptions): number {
  return (options.keepBestPass ?? true) && c.best ? c.best.inliers : c.inliers;
}

/**
 * Refinement passes at side `fine` (the same normalised frames, more pixels) until the candidates
 * have `toPass` passes or have all converged (a step below `stopStep`), with `fixed` on the
 * fixed encoder: the moving input is warped by each estimate and the predicted residual composed in.
 */
function refine(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions, fine: number, candidates: Candidate[], toPass: number, cache: RegistrationCache): Candidate[] {
  const stopStep = options.stopStep ?? STOP_STEP;
  const pending = () => candidates.some((c) => !c.diverged && !(c.lastStep < stopStep));
  if (candidates[0].history.length >= toPass || !pending()) return candidates;
  const fineGrid = modelGrid(fine);
  const movingInput = cache.input(moving, fine);
  const movingImage = createFloatImage([fine, fine], movingInput.data, fineGrid);
  const fixedFeatures = cache.fixedFeatures(fixed, fine);
  const plan = maskPlan(options, movingInput);
  const fixedContent = maskedFrame(options, cache.input(fixed, fine));
  // history holds one estimate per pass so far: the next pass's index.
  for (let pass = candidates[0].history.length; pass < toPass && pending(); pass++) {
    const { inputs, masks } = warpedBatch(movingImage, fineGrid, candidates.map((c) => c.estimate), plan);
    const out = fitInputs(cnn, options, fixedFeatures, inputs, candidates.length, fine, { masks, fixedToo: true, fixedContent });
    candidates = candidates.map((c, i) => {
      const step = decodeOutput(out.params.subarray(4 * i, 4 * i + 4));
      if (c.diverged || !(step.scale <= MAX_STEP_ZOOM && step.scale >= 1 / MAX_STEP_ZOOM)) {
        // Held: the history keeps one estimate per pass, and the step's size lowers the confidence.
        return { ...c, diverged: true, lastStep: c.diverged ? c.lastStep : normalisedCornerError(IDENTITY, step), history: [...c.history, normalisedOf(c.estimate)] };
      }
      // The residual maps fixed → warped moving; warped(u) = moving(estimate(u)): total = estimate ∘ step.
      const estimate = composeMatrices(normalisedMatrix(step), c.estimate);
      const inliers = out.inliers[i];
      const best = c.best && c.best.inliers > inliers ? c.best : { estimate, inliers, pass };
      // lastStep: how far the step moves the frame corners (normalised units).
      return { start: c.start, estimate, inliers, lastStep: normalisedCornerError(IDENTITY, step), diverged: false, history: [...c.history, normalisedOf(estimate)], best };
    });
  }
  return candidates;
}

/**
 * First pass over the starts, then BOTH_WAYS_PASSES refinement passes at most, with `fixed` on the fixed encoder.
 * `scales` are the start zooms; the unturned, unzoomed start (when among them) is tried alone
 * first and accepted when its fit is confident.
 */
function searchOneWay(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions, plan: Plan, startGrid: StartGrid, scales: readonly number[], cache: RegistrationCache): OneWay {
  const { passes, bothWays } = plan;
  const n = cnn.size;
  const { input } = cache;
  const f = input(fixed, n);
  const m = input(moving, n);
  const starts = startsOf(startGrid.rotationsDeg, scales, startGrid.zoomOffsets ?? [0]);
  // At the starts the moving masks only say where a match may land.
  const fit = (fixedFeatures: tf.Tensor4D, moving: Float32Array, count: number, size: number, masks: (Uint8Array | null)[]) =>
    fitInputs(cnn, options, fixedFeatures, moving, count, size, { masks, fixedToo: false, fixedContent: maskedFrame(options, input(fixed, size)) });

  let candidates: Candidate[];
  let startsTried: number;
  let acceptedEarly = false;
  // Pass 1: the unturned start alone, then (unless it is confident) every start scored in one
  // batch at the search side, and the best at the model's side. start(w) = moving(H·w): the
  // network maps fixed u to the started input w, so the total is H ∘ S.
  const grid = modelGrid(n);
  const movingCoarse = createFloatImage([n, n], m.data, grid);
  const fixedCoarse = cache.fixedFeatures(fixed, n);
  const unturned = starts.findIndex((h) => h.rotationDeg === 0 && h.scale === 1 && h.tx === 0 && h.ty === 0);
  const params = new Float32Array(4 * starts.length);
  const agreement = new Float32Array(starts.length).fill(-1);
  const accept = options.acceptStartInliers ?? ACCEPT_FIRST_START_INLIERS;
  if (unturned >= 0 && Number.isFinite(accept)) {
    const alone = fit(fixedCoarse, m.data, 1, n, [maskedFrame(options, m)]);
    params.set(alone.params, 4 * unturned);
    agreement[unturned] = alone.inliers[0];
  }
  const others = starts.map((_, i) => i).filter((i) => agreement[i] < 0);
  const search = Math.min(n, options.searchSize ?? n);
  const keep = Math.max(1, options.candidates ?? CANDIDATES);
  let tried = starts.map((_, i) => i).filter((i) => agreement[i] >= 0);
  startsTried = tried.length;
  const turned = (image: Image, g: Grid, which: number[], from: ModelInput) =>
    warpedBatch(image, g, which.map((s) => (s === unturned ? null : normalisedMatrix(starts[s]))), maskPlan(options, from));
  // Fits at the model's side, in one batch, for the starts given.
  const firstPass = (which: number[]) => {
    if (which.length === 0) return;
    const { inputs, masks } = turned(movingCoarse, grid, which, m);
    const batch = fit(fixedCoarse, inputs, which.length, n, masks);
    which.forEach((s, i) => {
      params.set(batch.params.subarray(4 * i, 4 * i + 4), 4 * s);
      agreement[s] = batch.inliers[i];
    });
  };
  acceptedEarly = unturned >= 0 && agreement[unturned] >= accept;
  if (!acceptedEarly && others.length > 0) {
    if (search >= n) {
      firstPass(others);
      tried = starts.map((_, i) => i);
    } else {
      // Every start scored at the search side (the unturned one again: inlier shares differ
      // between sides), then the best few get their first pass at the model's side.
      const fixedSearch = cache.fixedFeatures(fixed, search);
      const searchGrid = modelGrid(search);
      const movingSearchInput = input(moving, search);
      const movingSearch = createFloatImage([search, search], movingSearchInput.data, searchGrid);
      const { inputs, masks } = turned(movingSearch, searchGrid, starts.map((_, s) => s), movingSearchInput);
      const scores = fit(fixedSearch, inputs, starts.length, search, masks).inliers;
      const best = starts.map((_, i) => i).sort((a, b) => scores[b] - scores[a]).slice(0, keep);
      firstPass(best.filter((s) => agreement[s] < 0));
      // The unturned start's fit is there already: it competes too.
      tried = [...new Set([...best, ...tried])];
    }
    startsTried = starts.length;
  }
  // The most agreeing starts go on to refinement, side by side; the final fits decide.
  candidates = tried
    .sort((a, b) => agreement[b] - agreement[a])
    .slice(0, keep)
    .map((s) => {
      const estimate = composeMatrices(normalisedMatrix(decodeOutput(params.subarray(4 * s, 4 * s + 4))), normalisedMatrix(starts[s]));
      return { start: s, estimate, inliers: agreement[s], lastStep: Infinity, diverged: false, history: [normalisedOf(estimate)], best: null };
    });
  candidates = refine(fixed, moving, cnn, options, bothWays, candidates, Math.min(passes, BOTH_WAYS_PASSES), cache);
  const kept = candidates.reduce((b, c) => (agreementOf(c, options) > agreementOf(b, options) ? c : b));
  return { kept, starts, startsTried, acceptedEarly, fixedFrame: f.frame, movingFrame: m.frame };
}

/**
 * The direct search and, unless it is confident, the exchanged one (each with BOTH_WAYS_PASSES),
 * then the remaining passes for the winner's candidate — unless those run at a finer side
 * (`bothWaysSize` < `refineSize`) and the winner agrees no more than `beat` there (`last` null).
 */
function searchBothWays(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions, plan: Plan, startGrid: StartGrid, cache: RegistrationCache, beat: number) {
  const { passes } = plan;
  const swappedScales = startGrid.swappedScales ?? [];
  const direct = startGrid.scales.length ? searchOneWay(fixed, moving, cnn, options, plan, startGrid, startGrid.scales, cache) : null;
  // The swapped starts answer large zooms into the moving image, which the direct ones miss:
  // skipped when the unturned start was accepted (the pair is roughly aligned already) or the
  // direct search's final fit is confident.
  const directConfident = direct !== null && (direct.acceptedEarly || agreementOf(direct.kept, options) >= (options.skipSwappedInliers ?? SKIP_SWAPPED_INLIERS));
  const swapped = swappedScales.length && !directConfident ? searchOneWay(moving, fixed, cnn, options, plan, startGrid, swappedScales, cache) : null;
  const useSwapped = swapped !== null && (direct === null || agreementOf(swapped.kept, options) > agreementOf(direct.kept, options));
  const way = (useSwapped ? swapped : direct) as OneWay;
  const wayAgreement = agreementOf(way.kept, options);
  if (plan.bothWays !== plan.fine && wayAgreement <= beat) return { direct, swapped, useSwapped, way, last: null, wayAgreement };
  // Only the winning direction's candidate goes on to the remaining passes. Moving on to a finer
  // side starts afresh: converged at the coarser side is not converged at the finer one, and
  // inlier shares are compared between passes of one side only (the best pass).
  const [onFixed, onMoving] = useSwapped ? [moving, fixed] : [fixed, moving];
  const finer = plan.bothWays !== plan.fine && way.kept.history.length < passes && !way.kept.diverged;
  const winner = finer ? { ...way.kept, lastStep: Infinity, best: null } : way.kept;
  const [last] = refine(onFixed, onMoving, cnn, options, plan.fine, [winner], passes, cache);
  return { direct, swapped, useSwapped, way, last, wayAgreement };
}

/**
 * One search over a start grid, oriented fixed → moving, with its confidence, and its winner's
 * agreement before the finer passes (`wayAgreement`); `refined` false when that winner did not
 * agree more than `beat` (searchBothWays).
 */
function searchOutcome(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions, plan: Plan, startGrid: StartGrid, cache: RegistrationCache, beat = -Infinity) {
  const { direct, swapped, useSwapped, way, last, wayAgreement } = searchBothWays(fixed, moving, cnn, options, plan, startGrid, cache, beat);
  const startsTried = (direct?.startsTried ?? 0) + (swapped?.startsTried ?? 0);
  if (!last) return { refined: false as const, startsTried };
  // Passes can drift where the network misreads a pair: the best-agreeing one is returned.
  const best = (options.keepBestPass ?? true) ? last.best : null;
  const kept = best ? { ...last, estimate: best.estimate, inliers: best.inliers } : last;
  const { inliers, lastStep } = kept;
  // Swapped: the estimate maps the moving frame onto the fixed one; its inverse is ours.
  const oriented = (p: NormalisedSimilarity) => (useSwapped ? normalisedOf(invertMatrix(normalisedMatrix(p))) : p);
  if (!isFiniteMatrix(kept.estimate)) throw new RegistrationError('the network produced a non-finite transform', 'cnn');
  const [fixedFrame, movingFrame] = useSwapped ? [way.movingFrame, way.fixedFrame] : [way.fixedFrame, way.movingFrame];
  const converged = Number.isFinite(lastStep) ? Math.exp(-Math.max(0, lastStep - NORMALISED_SUCCESS / 2) / NORMALISED_SUCCESS) : 1;
  return {
    refined: true as const,
    wayAgreement,
    normalised: oriented(normalisedOf(kept.estimate)),
    history: kept.history.map(oriented),
    best,
    last,
    useSwapped,
    fixedFrame,
    movingFrame,
    // As a fixed → moving turn and zoom, whichever way it was tried.
    start: oriented(way.starts[kept.start]),
    startsTried,
    confidence: Math.min(1, inliers / CONFIDENT_INLIERS) * converged,
    inliers,
    lastStep,
  };
}

/**
 * Register two prepared (grayscale, validated) images with the CNN.
 *
 * First pass: the moving input as it is and, unless that fit is already confident
 * (`acceptStartInliers`), at every other start (DEFAULT_STARTS: every 45°, unzoomed and zoomed by
 * 1/√2, as they are and with the images' roles exchanged) in one batch per direction; the exchanged
 * direction is skipped when the unturned start was accepted or the direct direction's final fit
 * is confident (`skipSwappedInliers`). The start whose fit has
 * the most agreeing cells (inliers) wins (`details.start`, `details.startsTried`; `candidates` > 1
 * refines several and keeps the best final fit), and the network's estimate is composed with it.
 * Further passes (up to `passes`, until one moves the estimate by less than `stopStep`:
 * `details.passesRun`) warp the moving input by the current estimate and compose the predicted
 * residual; a swapped winner's estimate is inverted. `details.confidence` (0–1) is the final
 * fit's inlier share relative to CONFIDENT_INLIERS, reduced when the last pass still moved the
 * estimate by more than the success tolerance: low values flag likely failures. Below
 * `retryBelow` the search runs again from `retry` (RETRY_STARTS: zoomed windows moved to the
 * moving image's edges) and the more confident result is returned (`details.retried`). When the
 * passes before the direction is chosen run at a coarser side than the last ones (`bothWaysSize`
 * < `refineSize`, as in the hybrid), the retry's winner goes on to the finer side only if it
 * agrees more at the coarser one than the first search's winner did: the finer passes are much
 * of its cost (measured for the hybrid: HYBRID_CNN_SEARCH).
 */
export function registerCnn(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions = {}): MethodResult {
  const steps = cnnSteps(fixed, moving, cnn, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Where a CNN registration in field windows is: `done` of `total` registrations (windows scored, then the best ones in full). */
export interface CnnProgress {
  done: number;
  total: number;
}

export interface CnnRunControl {
  /** Checked between field windows (and before the start): aborting throws CancelledError. */
  signal?: AbortSignal;
  /** Called after each field-window registration. */
  onProgress?: (progress: CnnProgress) => void;
}

/**
 * registerCnn, giving the event loop a turn before it starts and between field windows, so that a
 * page can show progress and take a cancel while a pair is registered in many windows (seconds).
 * Same result as registerCnn.
 */
export async function registerCnnAsync(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions = {}, control: CnnRunControl = {}): Promise<MethodResult> {
  const steps = cnnSteps(fixed, moving, cnn, options);
  try {
    for (;;) {
      await nextTask();
      if (control.signal?.aborted) throw new CancelledError();
      const step = steps.next();
      if (step.done) return step.value;
      control.onProgress?.(step.value);
    }
  } finally {
    // On a cancel: the generator's own finally blocks free what the windows hold.
    steps.return(undefined as never);
  }
}

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** One registration, as steps: a field-window plan yields after each window's registration. */
function* cnnSteps(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions): Generator<CnnProgress, MethodResult, void> {
  const mode = options.fieldWindows ?? 'auto';
  let plan: FieldWindowPlan | null;
  try {
    plan = fieldWindowPlan(gridOf(fixed), gridOf(moving), mode);
  } catch (error) {
    if (error instanceof RangeError) throw new RegistrationError(error.message, 'cnn');
    throw error;
  }
  const known = pixelSizesKnown(gridOf(fixed), gridOf(moving));
  if (!plan && !(mode === 'search' && !known)) return withFields(registerFrames(fixed, moving, cnn, options), mode, known);
  const started = performance.now();
  // One cache for every window, and for the frames: the uncut image's inputs and features are made once.
  const cache = registrationCache(cnn);
  try {
    if (plan) {
      const total = plan.windows.length + Math.min(WINDOWS_REFINED, plan.windows.length) + (plan.sameSize ? 1 : 0);
      const windowed = yield* windowSteps(fixed, moving, cnn, options, [plan], { done: 0, total }, cache);
      if (!plan.sameSize) return windowed;
      // The same pixel size on both: physical, or a default both files share. The frames as they
      // are get their chance; the more confident result is kept.
      const frames = registerFrames(fixed, moving, cnn, options, cache);
      yield { done: total, total };
      return moreConfident(windowed, frames, performance.now() - started);
    }
    // 'search' without pixel sizes: the frames first; only an unsure pair gets the hypotheses.
    const frames = registerFrames(fixed, moving, cnn, options, cache);
    if (!isUnsure(frames.details.confidence as number)) return withFields(frames, mode, known);
    const plans = searchPlans(gridOf(fixed), gridOf(moving));
    const windowCount = plans.reduce((n, p) => n + p.windows.length, 0);
    const total = 1 + windowCount + Math.min(WINDOWS_REFINED, windowCount);
    yield { done: 1, total };
    const windowed = yield* windowSteps(fixed, moving, cnn, options, plans, { done: 1, total }, cache);
    return withFields(moreConfident(windowed, frames, performance.now() - started), mode, known);
  } finally {
    cache.dispose();
  }
}

/**
 * The frames' result with what it assumed of the fields: `fieldsUnknown` when neither pixel sizes
 * nor the caller said how the fields compare (they were taken to be within MAX_FIELD_RATIO).
 */
function withFields(result: MethodResult, mode: FieldWindowMode, known: boolean): MethodResult {
  return { ...result, details: { ...result.details, fieldsUnknown: mode !== 'always' && mode !== 'never' && !known } };
}

/** Of a field-window result and the frames' result for the same pair, the more confident (ties: the windows), with the frames' confidence recorded. */
function moreConfident(windowed: MethodResult, frames: MethodResult, registrationMs: number): MethodResult {
  const { fieldWindows } = windowed.details as { fieldWindows: Record<string, unknown> };
  const tried = { ...fieldWindows, framesConfidence: frames.details.confidence };
  if (confidenceOf(windowed) >= confidenceOf(frames)) return { ...windowed, registrationMs, details: { ...windowed.details, fieldWindows: tried } };
  return { ...frames, registrationMs, details: { ...frames.details, fieldWindows: { ...tried, kept: null } } };
}

/** A result's confidence for ranking; a failed (null) or non-finite one ranks lowest. */
function confidenceOf(r: MethodResult | null): number {
  return r && Number.isFinite(r.details.confidence) ? (r.details.confidence as number) : -1;
}

/**
 * How each field window is scored before the best WINDOWS_REFINED are registered in full with
 * the caller's options: the CNN method's search without its retry, three passes, whatever the
 * caller's search (the hybrid's coarser one ranked the windows worse: 19 against 21 of 24 pairs,
 * its elastix finish failing on all).
 * On 12 pairs of WINDOW_SIDE's study, registering every window in full aligned 11, this 10–11 in
 * about a third of the time (3.5 s median for 2.5–5× field ratios).
 */
export const WINDOW_SCORING: CnnOptions = { passes: 3, retry: null };
export const WINDOWS_REFINED = 2;

type Rect = [number, number, number, number];

/**
 * registerCnn over the plans' windows (one plan, or the 'search' mode's hypotheses): every window
 * scored, the best WINDOWS_REFINED of all registered in full, the most confident kept. Yields after
 * each registration, counting on from `progress`. `cache` is the caller's (cnnSteps disposes it);
 * each window's own entries are released after it.
 */
function* windowSteps(
  fixed: Image,
  moving: Image,
  cnn: CnnModel,
  options: CnnOptions,
  plans: FieldWindowPlan[],
  progress: CnnProgress,
  cache: RegistrationCache,
): Generator<CnnProgress, MethodResult, void> {
  const started = performance.now();
  // A window the network cannot use (RegistrationError: e.g. a non-finite fit) scores lowest.
  let lastFailure: RegistrationError | null = null;
  const attempt = (plan: FieldWindowPlan, w: Rect, o: CnnOptions): MethodResult | null => {
    const window = cropImage(plan.cut === 'fixed' ? fixed : moving, ...w);
    try {
      return plan.cut === 'fixed' ? registerFrames(window, moving, cnn, o, cache) : registerFrames(fixed, window, cnn, o, cache);
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      lastFailure = error;
      return null;
    } finally {
      cache.release(window);
    }
  };
  let best = null as { plan: FieldWindowPlan; w: Rect; result: MethodResult } | null;
  let { done } = progress;
  const scored: { plan: FieldWindowPlan; w: Rect; confidence: number }[] = [];
  for (const plan of plans) {
    for (const w of plan.windows) {
      scored.push({ plan, w, confidence: confidenceOf(attempt(plan, w, WINDOW_SCORING)) });
      yield { done: ++done, total: progress.total };
    }
  }
  scored.sort((a, b) => b.confidence - a.confidence);
  for (const { plan, w } of scored.slice(0, WINDOWS_REFINED)) {
    const result = attempt(plan, w, options);
    if (result && (!best || confidenceOf(result) > confidenceOf(best.result))) best = { plan, w, result };
    yield { done: ++done, total: progress.total };
  }
  if (!best) throw lastFailure ?? new RegistrationError('no field window could be registered', 'cnn');
  const { plan, w, result } = best;
  return {
    ...result,
    // About the fixed image's centre, as for any pair (a fixed window has its own).
    transform: withCenter(result.transform, gridCenter(gridOf(fixed))),
    registrationMs: performance.now() - started,
    details: {
      ...result.details,
      /**
       * The pair was registered in windows of the larger field (field-windows.ts): which image, how
       * many windows, and the kept one in its pixels [x0, y0, width, height]. With the same pixel
       * size on both images (FieldWindowPlan.sameSize), or in the 'search' mode, also
       * `framesConfidence`, that of the frames as they are, and `kept` is null when the frames
       * were more confident. `assumed`: the 'search' mode's hypothesis of the ratio that won.
       */
      fieldWindows: { cut: plan.cut, ratio: plan.ratio, windows: scored.length, kept: w, ...(plan.assumed ? { assumed: true } : {}) },
    },
  };
}

/** registerCnn on the images' own frames; `shared`: a cache the caller owns and disposes (field windows). */
function registerFrames(fixed: Image, moving: Image, cnn: CnnModel, options: CnnOptions, shared?: RegistrationCache): MethodResult {
  const passes = Math.max(1, options.passes ?? DEFAULT_PASSES);
  const n = cnn.size;
  const fine = options.refineSize ?? REFINE_FACTOR * n;
  const plan: Plan = { passes, fine, bothWays: options.bothWaysSize ?? fine };
  for (const [name, side] of [['refineSize', plan.fine], ['bothWaysSize', plan.bothWays]] as const) {
    if (side > n && side % n !== 0) throw new RegistrationError(`options.${name} (${side}) must be at most the model's side ${n} or a multiple of it`, 'cnn');
  }
  const startGrid = options.starts ?? DEFAULT_STARTS;
  for (const grid of [startGrid, options.retry ?? null]) {
    if (grid && (grid.rotationsDeg.length === 0 || grid.scales.length + (grid.swappedScales ?? []).length === 0)) {
      throw new RegistrationError('options.starts and options.retry need at least one rotation and one scale', 'cnn');
    }
  }
  const started = performance.now();
  const retry = options.retry === undefined ? RETRY_STARTS : options.retry;
  const cache = shared ?? registrationCache(cnn);
  let outcome: Extract<ReturnType<typeof searchOutcome>, { refined: true }>;
  let retryOutcome: 'kept' | 'less confident' | 'not refined' | null = null;
  try {
    const first = searchOutcome(fixed, moving, cnn, options, plan, startGrid, cache);
    // Unreachable: with nothing to beat, the winning direction is always refined to the end.
    if (!first.refined) throw new RegistrationError('the search refined no start', 'cnn');
    outcome = first;
    if (retry && outcome.confidence < (options.retryBelow ?? RETRY_BELOW)) {
      const second = searchOutcome(fixed, moving, cnn, options, plan, retry, cache, outcome.wayAgreement);
      const startsTried = outcome.startsTried + second.startsTried;
      const better = second.refined && second.confidence > outcome.confidence;
      retryOutcome = !second.refined ? 'not refined' : better ? 'kept' : 'less confident';
      if (better) outcome = second;
      outcome = { ...outcome, startsTried };
    }
  } finally {
    if (!shared) cache.dispose();
  }
  const { normalised, history, best, last, useSwapped, start, startsTried, confidence, inliers, lastStep } = outcome;
  const transform = toPhysical(normalised, outcome.fixedFrame, outcome.movingFrame);
  const registrationMs = performance.now() - started;
  return {
    method: 'cnn',
    backend: tf.getBackend(),
    transform,
    registrationMs,
    details: {
      model: cnn.name,
      passes,
      /** Passes run (fewer than `passes` when the estimate converged); `history` has one estimate per pass. */
      passesRun: history.length,
      /** The pass whose estimate is returned (1-based): the refinement pass whose fit agreed best. */
      passKept: best ? best.pass + 1 : history.length,
      normalised,
      history,
      confidence,
      inliers,
      start: { rotationDeg: start.rotationDeg, scale: start.scale, tx: start.tx, ty: start.ty, swapped: useSwapped },
      startsTried,
      /** The first search was unsure and the `retry` starts were searched too. */
      retried: retryOutcome !== null,
      /**
       * What the retry came to: 'kept' (its result is returned), 'less confident', 'not refined'
       * (its winner agreed no more before the finer passes than the first search's); null: none ran.
       */
      retryOutcome,
      lastStepNormalised: lastStep,
      /** The passes ran away (a step zoomed by more than MAX_STEP_ZOOM) and were stopped: the estimate is a likely failure. */
      diverged: last.diverged,
    },
  };
}
