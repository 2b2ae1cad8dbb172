/**
 * HDF5 files in the page (hdf5-maps.ts), read by a worker of their own (hdf5-worker.ts) that
 * reads only the parts of the file it needs: the page never holds a beamline file whole. The
 * worker is terminated after each file.
 */
import { ImageChoiceError, InputError, type ImageChoice } from '../errors.js';
import type { Image } from '../image/image.js';
import type { Hdf5Request } from './hdf5-worker.js';
import { hdf5WorkerUrl } from './assets.js';

type Reply = { image: Image | null } | { error: { source?: string; reason?: string; choices?: ImageChoice[]; message?: string } };

/**
 * The map or stack of maps of an HDF5 file (a File or Blob), or its `dataset` (a path inside it);
 * `name` names it in errors. Null for a file in ITK's own layout, which itk-wasm reads. A file of
 * several images, none the obvious one, throws ImageChoiceError with them.
 */
export async function readHdf5Blob(blob: Blob, name: string, dataset?: string): Promise<Image | null> {
  const worker = new Worker(hdf5WorkerUrl(), { type: 'module' });
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<Reply>) => resolve(event.data);
      worker.onerror = (event) => reject(new InputError(name, `could not be read as HDF5 (the reader failed: ${event.message || 'worker error'})`));
      worker.postMessage({ blob, name, dataset } satisfies Hdf5Request);
    });
    if ('error' in reply) {
      const { source, reason, choices, message } = reply.error;
      if (reason === undefined) throw new InputError(name, `could not be read as HDF5 (${message})`);
      throw choices ? new ImageChoiceError(source ?? name, reason, choices) : new InputError(source ?? name, reason);
    }
    return reply.image;
  } finally {
    worker.terminate();
  }
}
