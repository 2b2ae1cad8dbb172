/** Reading and writing image files in Node through @itk-wasm/image-io, with errors that name the file. */
import { readFile, stat } from 'node:fs/promises';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { InputError } from '../errors.js';
import { callItk } from './itk-call.js';
import { unsupportedPixels } from '../image/cast.js';
import type { Image } from '../image/image.js';
import { tiffMetadata, withTiffMetadata } from '../image/instrument-metadata.js';
import { withTiffUnit } from '../image/spacing.js';

/** Read any format itk-wasm knows. Throws InputError naming `path` and what is wrong. */
export async function readImageFile(path: string): Promise<Image> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InputError(path, 'file not found');
  }
  if (info.isDirectory()) throw new InputError(path, 'is a directory, not an image file');
  if (info.size === 0) throw new InputError(path, 'is empty (0 bytes)');
  let image: Image;
  try {
    image = await callItk(() => readImageNode(path));
  } catch (error) {
    // A bare number is a C++ exception from inside the decoder: the format was recognised but the data is broken.
    if (typeof error === 'number') throw new InputError(path, 'could not be decoded: the file is truncated or corrupt');
    throw new InputError(path, 'is not an image format itk-wasm can read (PNG, JPEG, TIFF, NRRD, MHA/MHD, NIfTI, …) or is corrupt');
  }
  if (!image.data || image.data.length === 0) throw new InputError(path, 'holds no pixel data');
  image.name = path;
  // A TIFF's bytes again, for its metadata (pixel size, data bar, slice names): readImageNode takes
  // a path, not bytes. What the metadata may change is withInstrumentPixelSize's rule, as in the browser.
  if (!/\.tiff?$/i.test(path)) return image;
  return withTiffMetadata(withTiffUnit(image), tiffMetadata(new Uint8Array(await readFile(path))));
}

/** Write an image; the format follows the extension, which must hold the image's pixel type (castForFile). */
export async function writeImageFile(image: Image, path: string): Promise<void> {
  const unsupported = unsupportedPixels(image, path);
  if (unsupported) throw new InputError(path, `cannot be written: ${unsupported}`);
  try {
    await callItk(() => writeImageNode(image, path));
  } catch (error) {
    const reason = typeof error === 'number' ? 'the writer failed inside itk-wasm' : String((error as Error)?.message ?? error);
    throw new InputError(path, `could not be written (${reason}); use an extension itk-wasm writes: .tif, .nrrd, .mha, .nii, .png`);
  }
}
