/** Reading and writing image files in Node through @itk-wasm/image-io, with errors that name the file. */
import { open, readFile, stat } from 'node:fs/promises';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { InputError } from '../errors.js';
import { callItk } from './itk-call.js';
import { unsupportedPixels } from '../image/cast.js';
import type { Image } from '../image/image.js';
import { isHdf5, splitDatasetPath } from '../image/hdf5-maps.js';
import { readHdf5File } from './hdf5-file.js';
import { nrrdMmPerUnit, withNrrdUnit } from '../image/nrrd-units.js';
import { withNiftiUnit } from '../image/nifti-units.js';
import { tiffMetadata, withTiffMetadata } from '../image/instrument-metadata.js';
import { spacingInMm, withTiffUnit } from '../image/spacing.js';
import { MAX_SIDECAR_BYTES, sidecarPaths, withSidecarText } from '../image/sem-sidecar.js';

/** The largest image file handed to itk-wasm, whose WebAssembly memory holds it whole with the image decoded from it. */
export const MAX_FILE_BYTES = 2 ** 31;

/** The first bytes of a file, where formats are recognised: HDF5's signature (up to 2 KiB in), a NRRD header. */
async function head(path: string, length = 65536): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Read any format itk-wasm knows, and the maps of HDF5 files that ITK does not (hdf5-maps.ts;
 * `maps.h5::/path` names a dataset). Throws InputError naming `path` and what is wrong.
 */
export async function readImageFile(path: string): Promise<Image> {
  let info;
  // "file.h5::/dataset": the part before "::" is the file, where no file has the whole name.
  const named = splitDatasetPath(path);
  const file = named.dataset && !(await stat(path).catch(() => null)) ? named.file : path;
  try {
    info = await stat(file);
  } catch {
    throw new InputError(path, 'file not found');
  }
  if (info.isDirectory()) throw new InputError(path, 'is a directory, not an image file');
  if (info.size === 0) throw new InputError(path, 'is empty (0 bytes)');
  const start = await head(file);
  if (isHdf5(start)) {
    const map = await readHdf5File(file, file === path ? undefined : named.dataset, path);
    if (map) return map;
  }
  if (file !== path) throw new InputError(path, `names a dataset after "::", but ${file} is not an HDF5 file`);
  // itk-wasm holds the file in WebAssembly memory (32-bit): a larger one fails inside it with nothing to say why.
  if (info.size > MAX_FILE_BYTES) throw new InputError(path, `is ${(info.size / 2 ** 30).toFixed(1)} GiB; itk-wasm reads image files up to ${MAX_FILE_BYTES / 2 ** 30} GiB: bin the image or crop it first`);
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
  // A NRRD header's unit, which ITK drops (the header is in the first bytes; .nhdr is all header).
  if (/\.(nrrd|nhdr)$/i.test(path)) return withNrrdUnit(image, nrrdMmPerUnit(start));
  // A TIFF's bytes again, for its metadata (pixel size, data bar, slice names): readImageNode takes
  // a path, not bytes. What the metadata may change is withInstrumentPixelSize's rule, as in the browser.
  const read = /\.tiff?$/i.test(path) ? withTiffMetadata(withTiffUnit(image), tiffMetadata(new Uint8Array(await readFile(path)))) : withNiftiUnit(image);
  return withSidecar(read, path);
}

/**
 * The image with the pixel size a Hitachi or JEOL SEM wrote beside it (`image.txt` for
 * `image.tif`; sem-sidecar.ts), for raster files without a size of their own; otherwise itself.
 */
async function withSidecar(image: Image, path: string): Promise<Image> {
  // A size of its own: nothing beside it is looked for.
  if (spacingInMm(image)) return image;
  for (const candidate of sidecarPaths(path)) {
    try {
      if ((await stat(candidate)).size > MAX_SIDECAR_BYTES) continue;
      const sized = withSidecarText(image, await readFile(candidate, 'latin1'));
      if (sized !== image) return sized;
    } catch {
      // None there, or unreadable: not a sidecar.
    }
  }
  return image;
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
