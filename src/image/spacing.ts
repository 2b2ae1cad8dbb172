/**
 * Pixel spacing that a file does not carry, or carries wrongly: PNG and JPEG have none (ITK reads
 * them at spacing 1), and many TIFF writers store a screen resolution (72 dpi) that is not the
 * instrument's pixel. The user's value replaces it; both images must then be in the same unit.
 */
import type { Image } from './image.js';

/**
 * The same image with another spacing along its first two axes, the origin kept. A new header over
 * the same pixels, which are not copied: neither image is changed.
 */
export function withSpacing(image: Image, spacing: readonly [number, number]): Image {
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`spacing must be two positive numbers, got ${spacing.join(', ')}`);
  const copy = Object.assign(Object.create(Object.getPrototypeOf(image)), image) as Image;
  copy.spacing = image.spacing.map((s, i) => (i < 2 ? spacing[i] : s));
  return copy;
}

/** "0.05" or "0.05,0.1" (x, y): a pixel size in physical units; throws Error saying what is wrong. */
export function parseSpacing(text: string): [number, number] {
  const parts = text.split(/[,x×]/).map((p) => p.trim());
  const values = parts.map(Number);
  if ((parts.length !== 1 && parts.length !== 2) || parts.some((p) => p === '') || !values.every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error(`expected a positive pixel size, or two as "x,y", got "${text}"`);
  }
  return [values[0], values[values.length - 1]];
}
