/**
 * Field windows: where one image covers a much larger physical field than the other (an X-ray map
 * of 20 µm around an EM image of 5 µm), the network cannot see the pair whole. Its frames each
 * cover one image's field, so it would have to find a zoom of the field ratio — 4 here, beyond
 * the 0.5–2 it is trained for. Instead the smaller image is registered against overlapping
 * windows of the larger one, each WINDOW_SIDE times the smaller field wide, so that every pair
 * the network sees is within its range; a crop keeps its physical coordinates, so a window's
 * transform is the whole pair's. This needs physical pixel sizes: without them (PNG and JPEG,
 * TIFF without resolution, a writer's 72-dpi default) the fields are only pixel counts, and the
 * images are taken to cover comparable fields.
 *
 * The plan is pure geometry (this module); registerCnn runs it.
 */
import { frameOf } from '../cnn/model-frame.js';
import { gridCorners, indexToPhysicalMatrix, type Grid } from '../image/image.js';
import { applyMatrix, invertMatrix, type Matrix2x3 } from '../transform/matrix.js';

/**
 * When the windows are used. 'auto': when both images carry a pixel size of their own (not the
 * spacing 1 of files without one, nor a screen or print resolution: SCREEN_DPI) and their fields
 * differ by more than MAX_FIELD_RATIO; when both sizes are the same, which may also be a writer's
 * default, the frames as they are are tried too and the more confident result is kept
 * (`FieldWindowPlan.sameSize`). 'always': whenever the fields differ that much (the spacings are
 * known physical sizes, e.g. given by the user). 'never': the frames as they are.
 */
export type FieldWindowMode = 'auto' | 'always' | 'never';

/** Field ratio (the longer sides, physical) above which windows are used: the network's zoom range is 0.5–2. */
export const MAX_FIELD_RATIO = 2;

/**
 * A window's side, in the smaller image's field (longer side). At 2 the network sees a zoom of
 * about 2 and the smaller field fits whole in some window at a half-window stride. Measured
 * (scratch study, 2026-12-07, xemreg-sim-v7): views of real EM images 2.5–5× smaller in field,
 * turned anyhow, against an X-ray-like copy of the whole image: 23 and 22 of 24 aligned at two
 * seeds, against 1 and 1 with the frames as they are (model card, Inference, step 4).
 * Windows 1.41× the smaller field (a zoom of ~1.41, where the network is more accurate; twice as
 * many windows) on 2 × 16 pairs of the benchmark's field generator (seeds 31, 32; the benchmark's
 * is 7001): 6 and 7 aligned against 3 and 8, losing 2 pairs the side of 2 aligned, in about twice
 * the time (median 6.9 against 3.8 s on the first seed). Not adopted.
 */
export const WINDOW_SIDE = 2;

/** More windows than this (fields more than about 8.5× apart) is an error: the user should crop. */
export const MAX_WINDOWS = 64;

/**
 * Resolutions that image writers store when they know no pixel size (TIFF XResolution, PNG pHYs):
 * ITK reads them as 25.4 / dpi mm, which is no instrument's pixel. A size within SCREEN_DPI_TOLERANCE
 * (relative) of one of these is not taken for a physical one.
 */
export const SCREEN_DPI = [72, 96, 100, 150, 200, 300, 600, 1200] as const;
const SCREEN_DPI_TOLERANCE = 2e-3;

export interface FieldWindowPlan {
  /** The image cut into windows: the one with the larger field. */
  cut: 'fixed' | 'moving';
  /** Larger field / smaller field (longer sides, physical units). */
  ratio: number;
  /** Windows as pixel rectangles [x0, y0, width, height] of the cut image. */
  windows: [number, number, number, number][];
  /**
   * 'auto' with the same pixel size on both images: physical, or a default both files share. The
   * frames as they are are tried too (registerCnn).
   */
  sameSize: boolean;
}

/** A pixel size of the image's own by the 'auto' rule: not 1 (no size in the file), not a screen or print resolution. */
function ownPixelSize(g: Grid): boolean {
  const [sx, sy] = g.spacing.map(Math.abs);
  if (sx === 1 && sy === 1) return false;
  return !SCREEN_DPI.some((dpi) => [sx, sy].every((s) => Math.abs(s * dpi - 25.4) <= SCREEN_DPI_TOLERANCE * 25.4));
}

function sameSize(a: Grid, b: Grid): boolean {
  return [0, 1].every((i) => Math.abs(Math.abs(a.spacing[i]) - Math.abs(b.spacing[i])) <= 1e-9 * Math.abs(a.spacing[i]));
}

/** Window starts along one axis of n pixels: windows of w pixels, at most half a window apart, first and last at the ends. */
function starts(n: number, w: number): number[] {
  if (w >= n) return [0];
  const count = Math.ceil((n - w) / (w / 2)) + 1;
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - w)) / (count - 1)));
}

/**
 * The windows for a pair of grids, or null when the frames are used as they are. Throws RangeError
 * past MAX_WINDOWS, except for a 'sameSize' plan, which is then null (the sizes may say nothing).
 */
export function fieldWindowPlan(fixed: Grid, moving: Grid, mode: FieldWindowMode = 'auto'): FieldWindowPlan | null {
  if (mode === 'never' || (mode === 'auto' && !(ownPixelSize(fixed) && ownPixelSize(moving)))) return null;
  const same = mode === 'auto' && sameSize(fixed, moving);
  const [f, m] = [frameOf(fixed).halfSide, frameOf(moving).halfSide];
  const ratio = Math.max(f, m) / Math.min(f, m);
  if (!(ratio > MAX_FIELD_RATIO)) return null;
  const cut = f > m ? 'fixed' : 'moving';
  const [large, small] = cut === 'fixed' ? [fixed, moving] : [moving, fixed];
  const side = WINDOW_SIDE * 2 * Math.min(f, m);
  const [w, h] = large.size;
  const ww = Math.min(w, Math.max(2, Math.round(side / Math.abs(large.spacing[0])) + 1));
  const wh = Math.min(h, Math.max(2, Math.round(side / Math.abs(large.spacing[1])) + 1));
  const xs = starts(w, ww);
  const ys = starts(h, wh);
  if (xs.length * ys.length > MAX_WINDOWS) {
    if (same) return null;
    throw new RangeError(
      `the ${cut} image's field is ${ratio.toFixed(1)}× the other's (${xs.length * ys.length} windows, at most ${MAX_WINDOWS}); crop it to the region of the ${cut === 'fixed' ? 'moving' : 'fixed'} image (${small.size.join('×')} px) first`,
    );
  }
  return { cut, ratio, windows: ys.flatMap((y0) => xs.map((x0) => [x0, y0, ww, wh] as [number, number, number, number])), sameSize: same };
}

/**
 * The part of the larger image that the smaller one covers under a transform, with a margin (a
 * share of the footprint's side on every edge): a pixel rectangle [x0, y0, width, height] of the
 * larger image, inside it. `smallToLarge` maps the smaller image's physical points to the larger
 * one's. An intensity method given the whole larger field would find most of it outside the
 * smaller image (elastix stops: too few samples map inside the moving image); given this, it
 * works on what the two share.
 */
export function footprint(large: Grid, small: Grid, smallToLarge: Matrix2x3, margin = 0.1): [number, number, number, number] {
  const toIndex = invertMatrix(indexToPhysicalMatrix(large));
  const corners = gridCorners(small).map((p) => applyMatrix(toIndex, applyMatrix(smallToLarge, p)));
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const pad = margin * Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const [w, h] = large.size;
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  const x0 = clamp(Math.floor(Math.min(...xs) - pad), w);
  const y0 = clamp(Math.floor(Math.min(...ys) - pad), h);
  const x1 = clamp(Math.ceil(Math.max(...xs) + pad), w);
  const y1 = clamp(Math.ceil(Math.max(...ys) + pad), h);
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}
