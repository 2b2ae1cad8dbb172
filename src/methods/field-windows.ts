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
import { frameOf, toPhysical, type ModelFrame } from '../cnn/model-frame.js';
import { gridCenter, gridCorners, indexToPhysicalMatrix, type Grid } from '../image/image.js';
import { applyMatrix, invertMatrix, type Matrix2x3 } from '../transform/matrix.js';
import type { SimilarityTransform } from '../transform/transform.js';
import { hasOwnPixelSize } from '../image/spacing.js';

export { SCREEN_DPI } from '../image/spacing.js';

/**
 * When the windows are used. 'auto': when both images carry a pixel size of their own (not the
 * spacing 1 of files without one, nor a screen or print resolution: SCREEN_DPI) and their fields
 * differ by more than MAX_FIELD_RATIO; when both sizes are the same, which may also be a writer's
 * default, the frames as they are are tried too and the more confident result is kept
 * (`FieldWindowPlan.sameSize`). 'always': whenever the fields differ that much (the spacings are
 * known physical sizes, e.g. given by the user). 'never': the frames as they are. 'search': as
 * 'auto' where both sizes are known; where they are not and the frames leave the CNN unsure, it
 * also tries the fields SEARCH_RATIOS apart, either image the larger (`searchPlans`), and keeps
 * the most confident result: seconds more per unsure pair, so only on request.
 */
export type FieldWindowMode = 'auto' | 'always' | 'never' | 'search';

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

/** Field ratio from which that error also suspects pixel sizes in different units. */
const UNIT_MIX_RATIO = 50;


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
  /** A hypothesis of the 'search' mode: `ratio` is assumed, not read from pixel sizes. */
  assumed?: boolean;
}

/**
 * Field ratios the 'search' mode assumes. With windows WINDOW_SIDE times the assumed smaller field,
 * an assumed ratio r serves true ratios of about r/2 (the network sees a zoom of 1) to r (a zoom
 * of 2), and a little beyond: together about 1.5–6, past the frames' own reach of 2. Measured
 * (scratch, 2026-12-07, xemreg-sim-v7, pixel sizes stripped): on the benchmark's 16 field pairs
 * (seed 31; ratios 2.5–5) 4 aligned against none with the frames, in a median 12 s (40 windows);
 * with the pixel sizes known the windows align 6. On the 24 X-ray-like pairs of WINDOW_SIDE's
 * study (seed 5151) 17 against 23 with the sizes, in a median 11 s (the hybrid: 20 against 22).
 */
export const SEARCH_RATIOS = [3, 5] as const;

/** Both images carry pixel sizes of their own ('auto' trusts their fields). */
export function pixelSizesKnown(fixed: Grid, moving: Grid): boolean {
  return hasOwnPixelSize(fixed) && hasOwnPixelSize(moving);
}

/**
 * An image's field as its pixels cover it: centred on the grid, half of the longer side of
 * n × spacing (pixel areas, not centres: an X-ray map of m pixels of s and an EM image of n
 * pixels of 1 over the same field, n = m·s, then cover exactly the same frame).
 */
function coveredField(g: Grid): ModelFrame {
  return { center: gridCenter(g), halfSide: Math.max(g.size[0] * Math.abs(g.spacing[0]), g.size[1] * Math.abs(g.spacing[1])) / 2, direction: g.direction };
}

/**
 * The fixed → moving transform that lays the fixed image's field onto the moving image's: centre
 * on centre, longer side on longer side. Where pixel sizes say nothing this is the pair's
 * identity as the CNN's frames take it (the fields comparable): an X-ray map of 160 px and an EM
 * image of 640 px without sizes are a scale of 4 apart in pixel coordinates, not 1.
 */
export function fieldsIdentity(fixed: Grid, moving: Grid): SimilarityTransform {
  return toPhysical({ rotationDeg: 0, scale: 1, tx: 0, ty: 0 }, coveredField(fixed), coveredField(moving));
}

/**
 * The scale (fixed → moving, physical) a pair is expected near before registration: 1 where both
 * images carry pixel sizes of their own, else that of `fieldsIdentity`.
 */
export function expectedScale(fixed: Grid, moving: Grid): number {
  return pixelSizesKnown(fixed, moving) ? 1 : coveredField(moving).halfSide / coveredField(fixed).halfSide;
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
  if (mode === 'never' || (mode !== 'always' && !pixelSizesKnown(fixed, moving))) return null;
  const same = mode !== 'always' && sameSize(fixed, moving);
  const [f, m] = [frameOf(fixed).halfSide, frameOf(moving).halfSide];
  const ratio = Math.max(f, m) / Math.min(f, m);
  if (!(ratio > MAX_FIELD_RATIO)) return null;
  const cut = f > m ? 'fixed' : 'moving';
  const [large, small] = cut === 'fixed' ? [fixed, moving] : [moving, fixed];
  const windows = windowsOf(large, Math.min(f, m));
  if (windows.length > MAX_WINDOWS) {
    if (same) return null;
    // No correlative pair spans fields this far apart; two sizes in different units do.
    const units = ratio >= UNIT_MIX_RATIO
      ? '. A ratio this large usually means the two pixel sizes are not in one unit (sizes read from files are in mm; an image without one counts 1 per pixel): give both sizes, with their unit (e.g. 20nm, 0.5um)'
      : '';
    throw new RangeError(
      `the ${cut} image's field is ${ratio.toFixed(1)}× the other's (${windows.length} windows, at most ${MAX_WINDOWS}); crop it to the region of the ${cut === 'fixed' ? 'moving' : 'fixed'} image (${small.size.join('×')} px) first${units}`,
    );
  }
  return { cut, ratio, windows, sameSize: same };
}

/** Windows of `large` for a smaller field of half-side `smallHalfSide` (physical): WINDOW_SIDE times it, at most half a window apart. */
function windowsOf(large: Grid, smallHalfSide: number): [number, number, number, number][] {
  const side = WINDOW_SIDE * 2 * smallHalfSide;
  const [w, h] = large.size;
  const ww = Math.min(w, Math.max(2, Math.round(side / Math.abs(large.spacing[0])) + 1));
  const wh = Math.min(h, Math.max(2, Math.round(side / Math.abs(large.spacing[1])) + 1));
  const xs = starts(w, ww);
  return starts(h, wh).flatMap((y0) => xs.map((x0) => [x0, y0, ww, wh] as [number, number, number, number]));
}

/**
 * The 'search' mode's hypotheses for a pair whose pixel sizes say nothing: either image the larger
 * field, SEARCH_RATIOS times the other's. The fields are each image's own longer side, whatever
 * its spacing; a window keeps its image's coordinates, so a window's transform is the pair's.
 */
export function searchPlans(fixed: Grid, moving: Grid): FieldWindowPlan[] {
  return (['fixed', 'moving'] as const).flatMap((cut) => {
    const large = cut === 'fixed' ? fixed : moving;
    return SEARCH_RATIOS.map((ratio) => ({ cut, ratio, windows: windowsOf(large, frameOf(large).halfSide / ratio), sameSize: false, assumed: true }));
  });
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
