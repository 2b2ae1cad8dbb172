/**
 * HDF5 files in the page (hdf5-maps.ts): h5wasm's browser build, loaded only when such a file is
 * opened (4 MB, its WebAssembly inlined: nothing is fetched), given the file's bytes in its
 * in-memory file system, which are removed again once the map is read.
 */
import { InputError } from '../errors.js';
import type { Image } from '../image/image.js';
import { isItkHdf5, readHdf5Map } from '../image/hdf5-maps.js';

let loaded: Promise<typeof import('h5wasm')> | undefined;

/** h5wasm, loaded once; its errors thrown rather than printed (HDF5's default). */
function h5(): Promise<typeof import('h5wasm')> {
  loaded ??= import('h5wasm').then(async (module) => {
    const ready = await module.ready;
    ready.activate_throwing_error_handler();
    return module;
  });
  return loaded;
}

let counter = 0;

/**
 * The map or stack of maps of an HDF5 file's bytes; `name` names it in errors. Null for a file in
 * ITK's own layout, which itk-wasm reads.
 */
export async function readHdf5Bytes(bytes: Uint8Array, name: string, dataset?: string): Promise<Image | null> {
  const h5wasm = await h5();
  const FS = h5wasm.FS!;
  const path = `/xemreg-${counter++}.h5`;
  FS.writeFile(path, bytes);
  try {
    let file: InstanceType<typeof h5wasm.File>;
    try {
      file = new h5wasm.File(path, 'r');
    } catch {
      throw new InputError(name, 'is not a readable HDF5 file (truncated or corrupt)');
    }
    try {
      if (!dataset && isItkHdf5(file)) return null;
      return readHdf5Map(file, { dataset, label: name });
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(name, `could not be read as HDF5 (${String((error as Error)?.message ?? error).split('\n')[0]})`);
    } finally {
      file.close();
    }
  } finally {
    FS.unlink(path);
  }
}
