/**
 * Casting float32 results back to a stored pixel type: integers are rounded and clamped to the
 * type's range; formats without float support get an 8-bit robust rescale.
 */
import { Image, ImageType } from 'itk-wasm';
import { gridOf } from './image.js';
import { percentiles } from './statistics.js';

type IntegerType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32';

const RANGES: Record<IntegerType, [number, number, new (n: number) => ArrayLike<number> & { [k: number]: number }]> = {
  uint8: [0, 255, Uint8Array],
  int8: [-128, 127, Int8Array],
  uint16: [0, 65535, Uint16Array],
  int16: [-32768, 32767, Int16Array],
  uint32: [0, 4294967295, Uint32Array],
  int32: [-2147483648, 2147483647, Int32Array],
};

function withData(source: Image, componentType: string, data: ArrayLike<number>): Image {
  const grid = gridOf(source);
  const image = new Image(new ImageType(2, componentType as 'uint8', 'Scalar', 1));
  image.name = source.name;
  image.size = [...grid.size];
  image.spacing = [...grid.spacing];
  image.origin = [...grid.origin];
  image.direction = new Float64Array(grid.direction);
  image.data = data as Image['data'];
  return image;
}

/** Round and clamp a float32 grayscale image to an integer component type. */
export function castToInteger(image: Image, type: IntegerType): Image {
  const [lo, hi, Ctor] = RANGES[type];
  const src = image.data as Float32Array;
  const out = new Ctor(src.length);
  for (let k = 0; k < src.length; k++) {
    const v = Math.round(src[k]);
    out[k] = Number.isFinite(v) ? (v < lo ? lo : v > hi ? hi : v) : lo;
  }
  return withData(image, type, out);
}

/** Map the 0.5–99.5 percentiles of a float image to 0–255. */
export function rescaleToUint8(image: Image): Image {
  const src = image.data as Float32Array;
  const [lo, hi] = percentiles(src, [0.5, 99.5]);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8Array(src.length);
  for (let k = 0; k < src.length; k++) {
    const v = Math.round((src[k] - lo) * scale);
    out[k] = v < 0 ? 0 : v > 255 ? 255 : Number.isFinite(v) ? v : 0;
  }
  return withData(image, 'uint8', out);
}

const EIGHT_BIT_ONLY = new Set(['jpg', 'jpeg', 'bmp']);
const INTEGER_ONLY = new Set(['png', ...EIGHT_BIT_ONLY]);

function extensionOf(path: string): string {
  return path.toLowerCase().split('.').pop() ?? '';
}

/**
 * Why a file of this extension cannot hold the image's pixels as they are (null when it can):
 * PNG stores 8- and 16-bit unsigned integers, JPEG and BMP 8-bit ones. Writers given other
 * pixels fail deep inside itk-wasm with no reason; castForFile converts first.
 */
export function unsupportedPixels(image: Image, path: string): string | null {
  const ext = extensionOf(path);
  const type = String(image.imageType.componentType);
  const allowed = EIGHT_BIT_ONLY.has(ext) ? ['uint8'] : INTEGER_ONLY.has(ext) ? ['uint8', 'uint16'] : null;
  if (!allowed || allowed.includes(type)) return null;
  return `.${ext} holds ${allowed.join(' or ')} pixels, this image has ${type}: convert it with castForFile, or write .tif, .nrrd or .mha, which keep ${type}`;
}

/**
 * The float32 result in the pixel type to store in a file: the original component type when the
 * format can hold it, else 8-bit (rescaled from float).
 */
export function castForFile(image: Image, path: string, originalComponentType: string): Image {
  const ext = extensionOf(path);
  const integer = originalComponentType in RANGES;
  if (EIGHT_BIT_ONLY.has(ext)) return originalComponentType === 'uint8' ? castToInteger(image, 'uint8') : rescaleToUint8(image);
  if (INTEGER_ONLY.has(ext)) {
    if (originalComponentType === 'uint8' || originalComponentType === 'uint16') return castToInteger(image, originalComponentType);
    return rescaleToUint8(image);
  }
  return integer ? castToInteger(image, originalComponentType as IntegerType) : image;
}
