/**
 * NIfTI's length unit. ITK reads a NIfTI header's `xyzt_units` and converts spacing and origin to
 * mm from metres or micrometres (checked with itk-wasm: pixdim 0.1 in µm reads as 1e-4), and keeps
 * the code among the image's metadata; the project's sizes are in mm where known (spacing.ts), so a
 * NIfTI that states a length unit has a size in mm. Like a TIFF's resolution, ITK's own NIfTI writer
 * states mm for every image, so spacing 1 (a size never given) stays without a unit.
 */
import { gridOf, type Image } from './image.js';
import { hasOwnPixelSize, withPixelSizeFrom } from './spacing.js';

/** The NIfTI spatial unit codes ITK converts to mm: metre, millimetre, micrometre (NIFTI_UNITS_METER/MM/MICRON). */
const LENGTH_CODES = new Set([1, 2, 3]);

/** Whether ITK read this image from a NIfTI header that states a length unit (its `xyzt_units`, low 3 bits). */
function statesLength(image: Image): boolean {
  const units = image.metadata?.get('xyzt_units');
  // ITK's NIfTI reader alone leaves both keys; an MHA or NRRD with a key of that name would lack pixdim.
  if (units === undefined || image.metadata?.get('pixdim[1]') === undefined) return false;
  return LENGTH_CODES.has(Number(units) & 7);
}

/**
 * The image marked as sized in mm (from 'NIfTI') where ITK read it from a NIfTI header that states a
 * length unit and it has a size of its own; else the image itself (any other format too).
 */
export function withNiftiUnit(image: Image): Image {
  if (!statesLength(image) || !hasOwnPixelSize(gridOf(image))) return image;
  return withPixelSizeFrom(image, [image.spacing[0], image.spacing[1]], 'NIfTI', 'mm');
}
