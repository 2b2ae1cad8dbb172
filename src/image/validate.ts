/**
 * Checks that a grayscale image can take part in a registration, with messages that name the
 * image and the problem. Returns a copy with non-finite pixels filled, never mutates the input.
 */
import { InputError, RegistrationError } from '../errors.js';
import { createFloatImage, gridOf, type Image } from './image.js';
import { finiteSummary, percentiles } from './statistics.js';

export interface ValidateOptions {
  /** Smallest accepted width and height, in pixels. Default 16: below that no method has structure to use. */
  minSize?: number;
  /** Largest accepted pixel count. Default 2^28 (16384²); larger images should be binned before. */
  maxPixels?: number;
  /** Largest accepted fraction of NaN/±Inf pixels. Default 0.5. */
  maxNonFiniteFraction?: number;
}

/**
 * Validate a float32 grayscale image (from `toGrayscale`). Non-finite pixels (masked regions of
 * XRF maps, detector gaps) are replaced by the image's 1st percentile, i.e. background.
 * Throws InputError for unusable images, RegistrationError for a constant image.
 */
export function validateForRegistration(image: Image, label: string, options: ValidateOptions = {}): Image {
  const minSize = options.minSize ?? 16;
  const maxPixels = options.maxPixels ?? 2 ** 28;
  const maxBad = options.maxNonFiniteFraction ?? 0.5;
  const [w, h] = image.size;
  if (image.imageType.dimension !== 2) throw new InputError(label, `is ${image.imageType.dimension}-D, expected 2-D`);
  if (image.imageType.components !== 1) throw new InputError(label, 'must be converted to grayscale first');
  if (w < minSize || h < minSize) {
    throw new InputError(label, `is ${w}×${h} pixels; registration needs at least ${minSize}×${minSize}`);
  }
  if (w * h > maxPixels) {
    throw new InputError(label, `is ${w}×${h} pixels (${((w * h) / 1e6).toFixed(0)} Mpx), above the ${(maxPixels / 1e6).toFixed(0)} Mpx limit; bin it first`);
  }
  const spacing = image.spacing.slice(0, 2);
  if (spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new InputError(label, `has invalid pixel spacing ${spacing.join(' × ')}`);
  }
  const data = image.data as Float32Array;
  const summary = finiteSummary(data);
  if (summary.count === 0) throw new InputError(label, 'has no finite pixel values (all NaN or infinite)');
  if (summary.nonFinite / data.length > maxBad) {
    throw new InputError(label, `${((100 * summary.nonFinite) / data.length).toFixed(0)} % of its pixels are NaN or infinite`);
  }
  if (summary.max - summary.min <= 1e-12 * Math.max(1, Math.abs(summary.max))) {
    throw new RegistrationError(`${label}: image is constant (every pixel is ${summary.min}); there is no structure to register`);
  }
  if (summary.nonFinite === 0) return image;
  const [fill] = percentiles(data, [1]);
  const out = new Float32Array(data.length);
  for (let k = 0; k < data.length; k++) out[k] = Number.isFinite(data[k]) ? data[k] : fill;
  return createFloatImage([w, h], out, { ...gridOf(image), name: image.name });
}
