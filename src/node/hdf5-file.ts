/**
 * HDF5 files in Node (hdf5-maps.ts): opened by h5wasm's Node build, which reads the file where it
 * lies, so only the chosen dataset comes into memory (a beamline's file may also hold a spectrum
 * per pixel, gigabytes of it).
 */
import h5wasm from 'h5wasm/node';
import { InputError } from '../errors.js';
import type { Image } from '../image/image.js';
import { isItkHdf5, readHdf5Map } from '../image/hdf5-maps.js';

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
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch {
    throw new InputError(label, 'is not a readable HDF5 file (truncated or corrupt)');
  }
  try {
    if (!dataset && isItkHdf5(file)) return null;
    return readHdf5Map(file, { dataset, label });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(label, `could not be read as HDF5 (${String((error as Error)?.message ?? error).split('\n')[0]})`);
  } finally {
    file.close();
  }
}
