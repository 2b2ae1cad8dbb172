/**
 * HDF5 files in Node (hdf5-maps.ts): opened by h5wasm's Node build, which reads the file where it
 * lies, so only the chosen dataset comes into memory (a beamline's file may also hold a spectrum
 * per pixel, gigabytes of it).
 */
import h5wasm from 'h5wasm/node';
import type { Image } from '../image/image.js';
import { readHdf5 } from '../image/hdf5-maps.js';

let ready: Promise<void> | undefined;

/** h5wasm, loaded once; its errors thrown rather than printed on stderr (HDF5's default). */
function h5(): Promise<void> {
  ready ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
  });
  return ready;
}

/**
 * Read the map or stack of maps of an HDF5 file; `label` names it in errors (default the path).
 * Null for a file in ITK's own layout (written by ITK, SimpleITK, itk-wasm): itk-wasm reads those.
 */
export async function readHdf5File(path: string, dataset?: string, label = path): Promise<Image | null> {
  await h5();
  return readHdf5(() => new h5wasm.File(path, 'r'), { dataset, label });
}
