/**
 * The page's HDF5 reader, in a module worker (bundled to dist/assets/hdf5/hdf5-worker.js): h5wasm
 * mounts the user's file with Emscripten's WORKERFS, which reads only the byte ranges HDF5 asks
 * for, so a beamline's file of many gigabytes (a spectrum per pixel) gives its element maps
 * without being read whole — WORKERFS reads synchronously, which only a worker may.
 *
 * Request: `{ blob, name, dataset? }`. Reply: `{ image }` (null: ITK's own layout, for itk-wasm),
 * or `{ error: { source, reason, choices? } }` for an InputError (choices: a file of several images,
 * ImageChoiceError), `{ error: { message } }` otherwise.
 */
import h5wasm from 'h5wasm';
import { ImageChoiceError, InputError } from '../errors.js';
import { readHdf5 } from '../image/hdf5-maps.js';

export interface Hdf5Request {
  blob: Blob;
  name: string;
  dataset?: string;
}

/** The parts of Emscripten's FS used here (h5wasm's types leave them out). */
interface WorkerFs {
  mkdir(path: string): void;
  mount(type: unknown, options: { blobs: { name: string; data: Blob }[] }, mountpoint: string): void;
  unmount(mountpoint: string): void;
  filesystems: { WORKERFS: unknown };
}

const MOUNT = '/work';
let ready: Promise<WorkerFs> | undefined;

function fs(): Promise<WorkerFs> {
  ready ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
    const FS = module.FS as unknown as WorkerFs;
    FS.mkdir(MOUNT);
    return FS;
  });
  return ready;
}

self.onmessage = async (event: MessageEvent<Hdf5Request>) => {
  const { blob, name, dataset } = event.data;
  try {
    const FS = await fs();
    FS.mount(FS.filesystems.WORKERFS, { blobs: [{ name: 'file.h5', data: blob }] }, MOUNT);
    try {
      const image = readHdf5(() => new h5wasm.File(`${MOUNT}/file.h5`, 'r'), { dataset, label: name });
      const data = image?.data as Float32Array | undefined;
      (self as unknown as Worker).postMessage({ image }, data ? [data.buffer] : []);
    } finally {
      FS.unmount(MOUNT);
    }
  } catch (error) {
    const reply =
      error instanceof InputError
        ? { source: error.source, reason: error.reason, ...(error instanceof ImageChoiceError ? { choices: error.choices } : {}) }
        : { message: String((error as Error)?.message ?? error) };
    (self as unknown as Worker).postMessage({ error: reply });
  }
};
