/**
 * The length unit a NRRD header states for its axes, which ITK reads spacing and origin from but
 * drops the unit of: `space units: "um" "um"` (or the per-axis `units:` field). Without it a
 * NRRD's sizes have no known unit (the viewer takes µm); with it they are converted to mm, the
 * unit the project's sizes are in (spacing.ts).
 */
import type { Image } from './image.js';
import { mmPerUnit, sameUnit } from './length-units.js';
import { withPixelSizeFrom } from './spacing.js';

/** Whether `bytes` start a NRRD file ("NRRD000" and a version digit). */
export function isNrrd(bytes: Uint8Array): boolean {
  return new TextDecoder('latin1').decode(bytes.subarray(0, 7)) === 'NRRD000';
}

/**
 * Millimetres per unit of the image axes of a NRRD header (its first bytes, up to the blank line
 * that ends it), where both first axes state the same length unit; else null.
 */
export function nrrdMmPerUnit(bytes: Uint8Array): number | null {
  if (!isNrrd(bytes)) return null;
  const text = new TextDecoder('latin1').decode(bytes);
  const header = text.split(/\r?\n\r?\n/)[0];
  for (const field of ['space units', 'units']) {
    const line = new RegExp(`^${field}\\s*:(.*)$`, 'm').exec(header)?.[1];
    if (!line) continue;
    const units = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1].trim());
    // Per-axis units may list "???" (none) for a non-spatial axis; the first two are the image's.
    const shared = units.length >= 2 ? sameUnit(mmPerUnit(units[0]), mmPerUnit(units[1])) : null;
    if (shared !== null) return shared;
  }
  return null;
}

/**
 * The image with its spacing and origin in mm, marked so, where its NRRD header gave their unit
 * (`mmPerUnit`); otherwise the image itself. A new header over the same pixels.
 */
export function withNrrdUnit(image: Image, perUnit: number | null): Image {
  if (perUnit === null) return image;
  const sized = withPixelSizeFrom(image, [image.spacing[0] * perUnit, image.spacing[1] * perUnit], 'NRRD', 'mm');
  // The origin is in the same unit (withPixelSizeFrom gives a header of its own: this changes no other image).
  sized.origin = image.origin.map((o, i) => (i < 2 ? o * perUnit : o));
  return sized;
}
