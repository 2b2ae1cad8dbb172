/**
 * HDF5 files in the page (hdf5-maps.ts): h5wasm's browser build, loaded only when such a file is
 * opened (4 MB, its WebAssembly inlined: nothing is fetched), given the file's bytes in its
 * in-memory file system, which are removed again once the map is read.
 */
import type { Image } from '../image/image.js';
import { readHdf5 } from '../image/hdf5-maps.js';

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
    return readHdf5(() => new h5wasm.File(path, 'r'), { dataset, label: name });
  } finally {
    FS.unlink(path);
  }
}
