/** Reading and writing image files in the page, off the main thread (one itk-wasm worker per call). */
import { readImage, writeImage } from '@itk-wasm/image-io';
import { createWebWorker } from 'itk-wasm';
import { InputError } from '../errors.js';
import { unsupportedPixels } from '../image/cast.js';
import type { Image } from '../image/image.js';
import { isTiff, tiffMetadata, withTiffMetadata } from '../image/instrument-metadata.js';
import { spacingInMm, withTiffUnit } from '../image/spacing.js';
import { isHdf5 } from '../image/hdf5-maps.js';
import { readHdf5Blob } from './hdf5-file.js';
import { isNrrd, nrrdMmPerUnit, withNrrdUnit } from '../image/nrrd-units.js';
import { withNiftiUnit } from '../image/nifti-units.js';
import { itkWorkerUrl } from './assets.js';
import { isSidecarOf, MAX_SIDECAR_BYTES, withSidecarText } from '../image/sem-sidecar.js';

/** Run with a fresh worker that is terminated afterwards, whether the call succeeds or not. */
async function withWorker<T>(run: (worker: Worker) => Promise<T>): Promise<T> {
  const worker = await createWebWorker(itkWorkerUrl());
  try {
    return await run(worker);
  } finally {
    try {
      worker.terminate();
    } catch {
      // itk-wasm already released it.
    }
  }
}

const baseName = (name: string) => name.split(/[\\/]/).pop() || 'image';

/**
 * The largest file the page reads whole (it holds a file's bytes, and itk-wasm copies them to its
 * worker): 2 GiB. HDF5 files are not read whole (hdf5-file.ts).
 */
export const MAX_BLOB_BYTES = 2 ** 31;

/** Options of readImageBlob. */
export interface BlobReadOptions {
  /** Files read whole may be this large; default MAX_BLOB_BYTES (tests give a small one). */
  maxBytes?: number;
  /**
   * The image to read from an HDF5 file that holds several (a dataset path, or a Velox image's
   * `/Data/Image/<id>`): one of the `choices` of the ImageChoiceError that reading it without one
   * gave. Default: the file's maps as hdf5-maps.ts finds them.
   */
  dataset?: string;
}

/**
 * Read a File/Blob: any format itk-wasm reads, and the maps of HDF5 files from X-ray analyses
 * (hdf5-maps.ts: the known layouts' maps, or a file's only image; ImageChoiceError, with the
 * images, when it holds several and none is the obvious one: read again with `dataset`). `name`
 * (default the file's name) identifies it in errors.
 */
export async function readImageBlob(file: Blob, name = (file as File).name ?? 'image', options: BlobReadOptions = {}): Promise<Image> {
  if (file.size === 0) throw new InputError(name, 'is empty (0 bytes)');
  const { maxBytes = MAX_BLOB_BYTES, dataset } = options;
  // An X-ray analysis's HDF5 maps (hdf5-maps.ts), which ITK does not read, read in parts by a worker; ITK's own HDF5 goes on to itk-wasm.
  const hdf5 = isHdf5(new Uint8Array(await file.slice(0, 4096).arrayBuffer()));
  if (hdf5) {
    const map = await readHdf5Blob(file, name, dataset);
    if (map) return map;
  }
  if (dataset !== undefined) throw new InputError(name, `has no images to choose among (${dataset} was asked for): it is ${hdf5 ? "an HDF5 file in ITK's own layout" : 'not an HDF5 file'}`);
  // Other files are read whole: one too large fails the allocation, or takes the tab's memory, before any reader sees it.
  if (file.size > maxBytes) throw new InputError(name, `is ${(file.size / 2 ** 30).toFixed(1)} GiB; the page reads files up to ${(maxBytes / 2 ** 30).toFixed(1)} GiB: bin the image first, or use the CLI`);
  const data = new Uint8Array(await file.arrayBuffer());
  // Before itk-wasm takes the bytes (to its worker): a TIFF's metadata may hold the pixel size and slice names.
  const metadata = tiffMetadata(data);
  const tiff = isTiff(data);
  try {
    const { image } = await withWorker((worker) => readImage({ path: baseName(name), data }, { webWorker: worker }));
    if (!image.data || image.data.length === 0) throw new InputError(name, 'holds no pixel data');
    image.name = name;
    if (isNrrd(data)) return withNrrdUnit(image, nrrdMmPerUnit(data.subarray(0, 65536)));
    return withTiffMetadata(tiff ? withTiffUnit(image) : withNiftiUnit(image), metadata);
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (typeof error === 'number') throw new InputError(name, 'could not be decoded: the file is truncated or corrupt');
    throw new InputError(name, 'is not an image format itk-wasm can read (PNG, JPEG, TIFF, NRRD, MHA/MHD, NIfTI, …) or is corrupt');
  }
}

/**
 * The image with the pixel size its SEM's text gives (sem-sidecar.ts: a Hitachi or JEOL `.txt` of
 * the same name among `others`, the files chosen or dropped with it), where it has none of its own.
 * A page cannot look beside a file, so the user gives both.
 */
export async function withSidecarFile(image: Image, name: string, others: readonly File[]): Promise<Image> {
  const sidecar = spacingInMm(image) ? undefined : others.find((f) => isSidecarOf(f.name, name) && f.size <= MAX_SIDECAR_BYTES);
  return sidecar ? withSidecarText(image, new TextDecoder('latin1').decode(await sidecar.arrayBuffer())) : image;
}

/** The files of a drop or a picker that are the sidecar texts of others among them (withSidecarFile), not images. */
export function sidecarsAmong(files: readonly File[]): File[] {
  return files.filter((f) => files.some((g) => g !== f && isSidecarOf(f.name, g.name)));
}

/** Encode an image in the format of `fileName`'s extension (.tif, .nrrd, .mha, .nii, .png, …), which must hold its pixel type (castForFile). */
export async function writeImageBlob(image: Image, fileName: string): Promise<Blob> {
  const unsupported = unsupportedPixels(image, fileName);
  if (unsupported) throw new InputError(fileName, `cannot be written: ${unsupported}`);
  try {
    const { serializedImage } = await withWorker((worker) => writeImage(image, baseName(fileName), { webWorker: worker }));
    // In a cross-origin isolated page itk-wasm may hand back a view of shared memory, which a
    // Blob refuses: copy it into a buffer of its own.
    const bytes = serializedImage.data as Uint8Array;
    return new Blob([bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)]);
  } catch (error) {
    const reason = typeof error === 'number' ? 'the writer failed inside itk-wasm' : String((error as Error)?.message ?? error);
    throw new InputError(fileName, `could not be written (${reason})`);
  }
}
