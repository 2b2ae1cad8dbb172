/** Reading image files dropped or picked in the page, off the main thread (itk-wasm worker). */
import { readImage } from '@itk-wasm/image-io';
import { createWebWorker } from 'itk-wasm';
import { InputError } from '../errors.js';
import type { Image } from '../image/image.js';
import { itkWorkerUrl } from './assets.js';

/** Read a File/Blob; `name` (default the file's name) identifies it in errors. The worker is terminated afterwards. */
export async function readImageBlob(file: Blob, name = (file as File).name ?? 'image'): Promise<Image> {
  if (file.size === 0) throw new InputError(name, 'is empty (0 bytes)');
  const data = new Uint8Array(await file.arrayBuffer());
  // Our own worker, so that it is terminated even when reading fails.
  const worker = await createWebWorker(itkWorkerUrl());
  try {
    const result = await readImage({ path: name.split(/[\\/]/).pop() || 'image', data }, { webWorker: worker });
    const image = result.image;
    if (!image.data || image.data.length === 0) throw new InputError(name, 'holds no pixel data');
    image.name = name;
    return image;
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (typeof error === 'number') throw new InputError(name, 'could not be decoded: the file is truncated or corrupt');
    throw new InputError(name, 'is not an image format itk-wasm can read (PNG, JPEG, TIFF, NRRD, MHA/MHD, NIfTI, …) or is corrupt');
  } finally {
    worker.terminate();
  }
}
