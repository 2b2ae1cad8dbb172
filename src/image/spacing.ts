/**
 * Pixel spacing that a file does not carry, or carries wrongly: PNG and JPEG have none (ITK reads
 * them at spacing 1), and many TIFF writers store a screen resolution (72 dpi) that is not the
 * instrument's pixel. The user's value replaces it; both images must then be in the same unit.
 */
import type { Grid, Image } from './image.js';

/**
 * The same image with another spacing along its first two axes, the origin kept. A new header over
 * the same pixels, which are not copied: neither image is changed.
 */
export function withSpacing(image: Image, spacing: readonly [number, number]): Image {
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`spacing must be two positive numbers, got ${spacing.join(', ')}`);
  const copy = headerCopy(image);
  copy.spacing = image.spacing.map((s, i) => (i < 2 ? spacing[i] : s));
  // A size set here is no longer the one a microscope's metadata gave (instrument-metadata.ts).
  if (image.metadata?.has(PIXEL_SIZE_SOURCE_KEY)) copy.metadata = new Map([...image.metadata].filter(([key]) => key !== PIXEL_SIZE_SOURCE_KEY));
  return copy;
}

/** A new header over the same pixels (not copied), to be changed without changing `image`. */
export function headerCopy(image: Image): Image {
  return Object.assign(Object.create(Object.getPrototypeOf(image)), image) as Image;
}

/** The image metadata key under which instrument-metadata.ts records where a pixel size came from. */
export const PIXEL_SIZE_SOURCE_KEY = 'xemreg.pixelSizeSource';

/** "0.05" or "0.05,0.1" (x, y): a pixel size in physical units; throws Error saying what is wrong. */
export function parseSpacing(text: string): [number, number] {
  const parts = text.split(/[,x×]/).map((p) => p.trim());
  const values = parts.map(Number);
  if ((parts.length !== 1 && parts.length !== 2) || parts.some((p) => p === '') || !values.every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error(`expected a positive pixel size, or two as "x,y", got "${text}"`);
  }
  return [values[0], values[values.length - 1]];
}

/**
 * Resolutions that image writers store when they know no pixel size (TIFF XResolution, PNG pHYs):
 * ITK reads them as 25.4 / dpi mm, which is no instrument's pixel. A size within SCREEN_DPI_TOLERANCE
 * (relative) of one of these is not taken for a physical one.
 */
export const SCREEN_DPI = [72, 96, 100, 150, 200, 300, 600, 1200] as const;
const SCREEN_DPI_TOLERANCE = 2e-3;

/**
 * Whether a grid carries a pixel size of its own: not 1 (what ITK gives a file without one), not a
 * screen or print resolution (SCREEN_DPI). The CNN's field windows and elastix's start trust only such sizes.
 */
export function hasOwnPixelSize(g: Grid): boolean {
  const [sx, sy] = g.spacing.map(Math.abs);
  // 1 as a TIFF's rational resolution may come back as 1.000000015.
  if (Math.abs(sx - 1) <= 1e-6 && Math.abs(sy - 1) <= 1e-6) return false;
  return !SCREEN_DPI.some((dpi) => [sx, sy].every((s) => Math.abs(s * dpi - 25.4) <= SCREEN_DPI_TOLERANCE * 25.4));
}

