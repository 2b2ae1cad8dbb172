/**
 * Input preparation shared by every method: any readable image → validated float32 grayscale,
 * in physical coordinates. Methods then normalise and resample it as they need.
 */
import { toGrayscale, type GrayscaleOptions } from '../image/grayscale.js';
import type { Image } from '../image/image.js';
import { validateForRegistration, type ValidateOptions } from '../image/validate.js';

export interface PrepareOptions extends ValidateOptions {
  /** See GrayscaleOptions.component. */
  component?: GrayscaleOptions['component'];
  /** See GrayscaleOptions.slice: the slice of a 3-D stack. */
  slice?: GrayscaleOptions['slice'];
}

/** Grayscale, validated copy of an image; `label` names it in error messages. Never mutates `image`. */
export function prepareImage(image: Image, label: string, options: PrepareOptions = {}): Image {
  const gray = toGrayscale(image, { component: options.component, slice: options.slice, label });
  return validateForRegistration(gray, label, options);
}
