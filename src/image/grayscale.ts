/**
 * Conversion of any readable image to the float32 grayscale 2-D image that methods work on.
 *
 * Rules:
 * - Scalar pixels are converted to float32 as they are (no rescaling).
 * - RGB / RGBA: Rec. 709 luminance 0.2126 R + 0.7152 G + 0.0722 B; alpha is ignored.
 *   A gray image stored as RGB (R = G = B) therefore keeps its values.
 * - Other multi-component pixels (vectors, spectra, multi-channel TIFF): the chosen `component`
 *   (default 0).
 * - A 3-D image with a single slice is treated as 2-D. Of a stack (a Fiji stack of element maps,
 *   an OME-TIFF's channels as pages: ITK reads multi-page TIFFs as volumes) the chosen `slice` is
 *   taken, placed where the stack puts it; without a choice a stack is refused, saying how many
 *   slices it has.
 * - Complex pixels are refused.
 * Non-finite values are kept (NaN stays NaN); `validate.ts` decides what to do with them.
 */
import { InputError } from '../errors.js';
import { createFloatImage, gridOf, type Image } from './image.js';
import { sliceNames } from './slice-names.js';

export interface GrayscaleOptions {
  /** Component to take from multi-component (non-RGB) pixels, or 'luminance' for RGB(A). Default: luminance for RGB(A), else 0. */
  component?: number | 'luminance';
  /**
   * Slice of a 3-D stack: its index from 0, or its name where the file names its slices ("Fe_K":
   * sliceIndex). Required for a stack of more than one slice; ignored for 2-D images.
   */
  slice?: number | string;
  /** Name used in error messages. Default: the image's name, or "image". */
  label?: string;
}

const LUMA = [0.2126, 0.7152, 0.0722];

/** RGB(A) pixels, shown and registered as their luminance. */
function isRgb(image: Image): boolean {
  const { pixelType, components } = image.imageType;
  return (pixelType === 'RGB' || pixelType === 'RGBA') && components >= 3;
}

/**
 * What a user must pick before an image can be shown or registered: the slice of a 3-D stack (a
 * multi-page TIFF), or the channel of a multi-component image other than RGB(A) (spectra,
 * multi-channel TIFF; its default, 0, may not be the one wanted). Null for a plain image. A
 * stack's slice names come with it where its TIFF kept them (slice-names.ts).
 */
export function partToChoose(image: Image): { kind: 'channel' | 'slice'; count: number; names?: string[] } | null {
  const { components, dimension } = image.imageType;
  if (dimension > 2 && image.size[2] > 1) {
    const names = sliceNames(image);
    return { kind: 'slice', count: image.size[2], ...(names ? { names } : {}) };
  }
  if (components > 1 && !isRgb(image)) return { kind: 'channel', count: components };
  return null;
}

/** How a part is offered to the user: "slice 1", or "slice 1 · P_K" with its name. */
export function partLabel(kind: 'channel' | 'slice', index: number, name?: string): string {
  return name ? `${kind} ${index} · ${name}` : `${kind} ${index}`;
}

/** A file's name with the part of it shown or registered: "maps.tif [slice 1 · P_K]". */
export function partName(file: string, kind: 'channel' | 'slice', index: number, name?: string): string {
  return `${file} [${partLabel(kind, index, name)}]`;
}

/** The toGrayscale option that takes part `index` of a kind: `{ slice }` or `{ component }`. */
export function partOption(kind: 'channel' | 'slice', index: number): Pick<GrayscaleOptions, 'slice' | 'component'> {
  return kind === 'slice' ? { slice: index } : { component: index };
}

/** A stack's slice names as listed in messages: "0 Fe_K, 1 P_K". */
const listed = (names: readonly string[]) => names.map((n, k) => `${k} ${n}`).join(', ');

/**
 * The index of a stack's slice given by index or by name (slice-names.ts; exact, else the one name
 * that matches ignoring case: "fe_k" for "Fe_K"). Undefined when not given; throws InputError
 * listing the names when none matches.
 */
export function sliceIndex(image: Image, slice: number | string | undefined, label = image.name || 'image'): number | undefined {
  if (typeof slice !== 'string') return slice;
  const names = sliceNames(image);
  const depth = image.imageType.dimension > 2 ? image.size[2] : 1;
  if (!names) throw new InputError(label, `names none of its ${depth} slice${depth === 1 ? '' : 's'}; choose slice "${slice}" by its index, 0–${depth - 1}`);
  const exact = names.indexOf(slice);
  if (exact >= 0) return exact;
  const folded = names.flatMap((n, k) => (n.toLowerCase() === slice.toLowerCase() ? [k] : []));
  if (folded.length === 1) return folded[0];
  throw new InputError(label, `has no slice named "${slice}": ${listed(names)}`);
}

export function toGrayscale(image: Image, options: GrayscaleOptions = {}): Image {
  const label = options.label ?? (image.name || 'image');
  const dim = image.imageType.dimension;
  if (dim < 2) throw new InputError(label, `is ${dim}-D; xemreg registers 2-D images`);
  if (dim > 3 && image.size.slice(3).some((n) => n !== 1)) {
    throw new InputError(label, `is ${dim}-D (${image.size.join('×')}); xemreg registers 2-D images and single slices of 3-D stacks`);
  }
  const depth = dim > 2 ? image.size[2] : 1;
  const slice = depth > 1 ? sliceIndex(image, options.slice, label) : 0;
  if (slice === undefined) {
    const names = sliceNames(image);
    const named = names ? `: ${listed(names)}` : '';
    throw new InputError(label, `is a stack of ${depth} slices (${image.size.join('×')}); xemreg registers 2-D images: choose a slice, 0–${depth - 1}${named} (CLI: --fixed-slice or --moving-slice)`);
  }
  if (!Number.isInteger(slice) || slice < 0 || slice >= depth) {
    throw new InputError(label, `has ${depth} slice${depth === 1 ? '' : 's'}; slice ${slice} does not exist (0–${depth - 1})`);
  }
  const data = image.data;
  if (!data) throw new InputError(label, 'has no pixel data');
  const [w, h] = image.size;
  const n = w * h;
  const comps = image.imageType.components;
  const pixelType = image.imageType.pixelType;
  if (pixelType === 'Complex') throw new InputError(label, 'has complex pixels; take the magnitude or phase first');
  if (data.length < n * comps * depth) throw new InputError(label, `pixel buffer is short (${data.length} values for ${[w, h, ...(depth > 1 ? [depth] : [])].join('×')}×${comps})`);
  const out = new Float32Array(n);
  const first = slice * n * comps;
  const value = (k: number) => Number(data[first + k]);
  const choice = options.component ?? (isRgb(image) ? 'luminance' : 0);
  if (comps === 1) {
    for (let k = 0; k < n; k++) out[k] = value(k);
  } else if (choice === 'luminance') {
    if (comps < 3) throw new InputError(label, `has ${comps} components; luminance needs RGB`);
    for (let k = 0; k < n; k++) {
      const o = k * comps;
      out[k] = LUMA[0] * value(o) + LUMA[1] * value(o + 1) + LUMA[2] * value(o + 2);
    }
  } else {
    if (!Number.isInteger(choice) || choice < 0 || choice >= comps) {
      throw new InputError(label, `has ${comps} components; component ${choice} does not exist`);
    }
    for (let k = 0; k < n; k++) out[k] = value(k * comps + choice);
  }
  const grid = gridOf(image);
  if (slice > 0) {
    // The slice's own corner: the stack's origin moved `slice` steps along its third axis (the direction's third column).
    const d = image.direction;
    const step = slice * image.spacing[2];
    grid.origin = [grid.origin[0] + Number(d[2]) * step, grid.origin[1] + Number(d[dim + 2]) * step];
  }
  const gray = createFloatImage([w, h], out, { ...grid, name: image.name });
  // Header facts travel with the pixels (e.g. where the pixel size came from: instrument-metadata.ts).
  if (image.metadata?.size) gray.metadata = new Map(image.metadata);
  return gray;
}
