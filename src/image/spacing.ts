/**
 * Pixel spacing that a file does not carry, or carries wrongly: PNG and JPEG have none (ITK reads
 * them at spacing 1), and many TIFF writers store a screen resolution (72 dpi) that is not the
 * instrument's pixel. The user's value replaces it; both images must then be in the same unit.
 */
import { gridOf, type Grid, type Image } from './image.js';
import { parseLength } from './length-units.js';

/**
 * The same image with another spacing along its first two axes, the origin kept. A new header over
 * the same pixels, which are not copied: neither image is changed.
 */
export function withSpacing(image: Image, spacing: readonly [number, number], unit?: 'mm'): Image {
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`spacing must be two positive numbers, got ${spacing.join(', ')}`);
  const copy = headerCopy(image);
  copy.spacing = image.spacing.map((s, i) => (i < 2 ? spacing[i] : s));
  // A size set here is no longer the one a microscope's metadata gave (instrument-metadata.ts), and
  // in mm only when the caller says so.
  const metadata = new Map([...(image.metadata ?? [])].filter(([key]) => key !== PIXEL_SIZE_SOURCE_KEY && key !== SPACING_UNIT_KEY));
  if (unit) metadata.set(SPACING_UNIT_KEY, unit);
  if (image.metadata || unit) copy.metadata = metadata;
  return copy;
}

/**
 * Where an image's spacing is known to be in millimetres (ITK's TIFF resolutions, a microscope's
 * metadata, a size typed with its unit), its metadata says so under this key; other spacings
 * (NRRD, MHA, a bare number) have no known unit.
 */
export const SPACING_UNIT_KEY = 'xemreg.spacingUnit';

/** Whether the image's spacing is known to be in millimetres (SPACING_UNIT_KEY). */
export function spacingInMm(image: Image): boolean {
  return image.metadata?.get(SPACING_UNIT_KEY) === 'mm';
}

/**
 * A TIFF as ITK read it: its resolution tags, where ITK reads them (inch or cm), give mm. Marked
 * so (SPACING_UNIT_KEY) when it has a size of its own; otherwise the image itself.
 */
export function withTiffUnit(image: Image): Image {
  return hasOwnPixelSize(gridOf(image)) ? withMetadata(image, { [SPACING_UNIT_KEY]: 'mm' }) : image;
}

/** A new header over the same pixels (not copied), to be changed without changing `image`. */
export function headerCopy(image: Image): Image {
  return Object.assign(Object.create(Object.getPrototypeOf(image)), image) as Image;
}

/** A new header over the same pixels with these metadata entries set (the others kept). */
export function withMetadata(image: Image, entries: Record<string, string | number | string[]>): Image {
  const copy = headerCopy(image);
  copy.metadata = new Map([...(image.metadata ?? []), ...Object.entries(entries)]);
  return copy;
}

/** The image metadata key under which instrument-metadata.ts records where a pixel size came from. */
export const PIXEL_SIZE_SOURCE_KEY = 'xemreg.pixelSizeSource';

/**
 * The image with the pixel size a file's metadata gave (a microscope's TIFF tags, an HDF5 scan's
 * positions, Velox's metadata), recorded with where it came from (`source`, PIXEL_SIZE_SOURCE_KEY)
 * and marked as in mm where `unit` says so. A new header over the same pixels.
 */
export function withPixelSizeFrom(image: Image, spacing: readonly [number, number], source: string, unit?: 'mm'): Image {
  return withMetadata(withSpacing(image, spacing, unit), { [PIXEL_SIZE_SOURCE_KEY]: source });
}

/** A pixel size as the user gave it: x and y, in mm when given with a unit (`inMm`). */
export interface GivenSpacing {
  spacing: [number, number];
  inMm: boolean;
}

/**
 * "0.05", "0.05,0.1" (x, y), "20nm", "0.5 µm x 0.6 µm": a pixel size. With a unit (length-units.ts)
 * it comes back in mm, the unit sizes read from files are in; a unit on one of the two numbers
 * serves both. Without one the numbers are as written, in whatever unit the other image's size is.
 * Throws Error saying what is wrong.
 */
export function parseSpacing(text: string): GivenSpacing {
  const parts = text.split(/[,×]|\s+x\s+|(?<=\d)x(?=\s*\d)/).map((p) => p.trim());
  const bad = () => new Error(`expected a positive pixel size, or two as "x,y", optionally with a unit ("0.05", "20nm", "0.5,0.6um"), got "${text}"`);
  if (parts.length !== 1 && parts.length !== 2) throw bad();
  const lengths = parts.map(parseLength);
  if (lengths.some((l) => l === null)) throw bad();
  const unit = lengths.find((l) => l?.unit)?.unit;
  const [x, y] = lengths.map((l, i) => (l!.unit || !unit ? l!.value : parseLength(`${parts[i]} ${unit}`)!.value));
  return { spacing: [x, y ?? x], inMm: unit !== undefined };
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

