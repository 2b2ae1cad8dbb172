/**
 * Pixel sizes that Hitachi and JEOL SEMs write beside the image, in a text file of the same name
 * (`image.tif` → `image.txt`), since their TIFF, JPEG and BMP files carry none (ImageJ macros and
 * Bio-Formats' HitachiReader read the same files):
 * - Hitachi: `PixelSize=<nm>` (an `[SemImageFile]` section or `InstructName=` says it is one), for
 *   the `DataSize=<w>x<h>` the instrument scanned;
 * - JEOL: a scale bar of `$$SM_MICRON_BAR <pixels>` standing for `$$SM_MICRON_MARKER <length>`
 *   (e.g. `10um`; `deg.` in channelling mode, which is no length), on the `$CM_FULL_SIZE <w> <h>`
 *   image (`$SM_…` in older files).
 * Where the saved image is narrower than the scanned one (a reduced copy) each pixel covers
 * proportionally more.
 */
import type { Image } from './image.js';
import { mmPerUnit } from './length-units.js';
import { spacingInMm, withPixelSizeFrom } from './spacing.js';

const NM_TO_MM = 1e-6;

export interface SidecarPixelSize {
  /** Square pixel, mm. */
  mm: number;
  /** 'Hitachi .txt' or 'JEOL .txt', for the user. */
  source: string;
}

function positive(text: string | undefined): number | null {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** Scanned width over the saved image's width, 1 where the file gives none. */
function reduction(scannedWidth: number | null, columns: number): number {
  return scannedWidth && columns > 0 ? scannedWidth / columns : 1;
}

/** The pixel size a Hitachi or JEOL sidecar text states for an image `columns` wide; null for other texts. */
export function sidecarPixelSize(text: string, columns: number): SidecarPixelSize | null {
  const hitachi = /^\s*PixelSize\s*=\s*([0-9.eE+-]+)\s*$/m.exec(text);
  if (hitachi && /^\s*(\[SemImageFile\]|InstructName\s*=)/m.test(text)) {
    const nm = positive(hitachi[1]);
    const scanned = positive(/^\s*DataSize\s*=\s*(\d+)\s*x\s*\d+/m.exec(text)?.[1]);
    return nm ? { mm: nm * NM_TO_MM * reduction(scanned, columns), source: 'Hitachi .txt' } : null;
  }
  const bar = positive(/^\s*\$\$?SM_MICRON_BAR\s+(\d+(?:\.\d+)?)\s*$/m.exec(text)?.[1]);
  const marker = /^\s*\$\$?SM_MICRON_MARKER\s+([0-9.]+)\s*([^\s\d][^\s]*)\s*$/m.exec(text);
  if (bar && marker) {
    const length = positive(marker[1]);
    const perUnit = mmPerUnit(marker[2]);
    if (!length || perUnit === null) return null;
    const scanned = positive(/^\s*\$\$?CM_FULL_SIZE\s+(\d+)\s+\d+/m.exec(text)?.[1]);
    return { mm: (length * perUnit * reduction(scanned, columns)) / bar, source: 'JEOL .txt' };
  }
  return null;
}

/** A sidecar text is at most this large (Hitachi's and JEOL's are a few KiB): a larger file is not one. */
export const MAX_SIDECAR_BYTES = 1 << 16;

/** Formats these SEMs save images in. */
const RASTER = /\.(tiff?|jpe?g|bmp|png)$/i;

/** A path without its extension. */
const stemOf = (path: string) => path.replace(/\.[^./\\]+$/, '');

/** Whether `text` may be the sidecar of `image`: a raster format these SEMs save, with a .txt of the same stem. */
export function isSidecarOf(text: string, image: string): boolean {
  return /\.txt$/i.test(text) && RASTER.test(image) && stemOf(text).toLowerCase() === stemOf(image).toLowerCase();
}

/** Where an image's sidecar may lie (`image.txt`, `image.TXT`); none for a format these SEMs do not save. */
export function sidecarPaths(image: string): string[] {
  return RASTER.test(image) ? ['.txt', '.TXT'].map((ext) => stemOf(image) + ext) : [];
}

/** The image with the pixel size its sidecar text states, where it has none in mm of its own; otherwise itself. */
export function withSidecarText(image: Image, text: string): Image {
  if (spacingInMm(image)) return image;
  const size = sidecarPixelSize(text, image.size[0]);
  return size ? withPixelSizeFrom(image, [size.mm, size.mm], size.source, 'mm') : image;
}
