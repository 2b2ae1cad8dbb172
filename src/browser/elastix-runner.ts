/**
 * elastix in the browser: each run gets its own web worker, so that the page stays responsive
 * and a cancel can terminate the worker mid-optimisation (elastix has no cooperative stop).
 */
import { elastix } from '@itk-wasm/elastix';
import { createWebWorker } from 'itk-wasm';
import { CancelledError } from '../errors.js';
import type { ElastixRunner } from '../methods/elastix.js';
import type { ParameterMap } from '../transform/elastix-parameters.js';
import { itkWorkerUrl } from './assets.js';

/** Terminates once: itk-wasm's patched terminate() throws when its proxy is already released. */
function terminator(worker: Worker): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    try {
      worker.terminate();
    } catch {
      // Already released by itk-wasm: the worker is gone either way.
    }
  };
}

export function createBrowserElastixRunner(): ElastixRunner {
  return {
    backend: 'wasm-worker',
    async run({ parameterObject, fixed, moving, initialTransformParameterObject, signal }) {
      if (signal?.aborted) throw new CancelledError();
      const worker = await createWebWorker(itkWorkerUrl());
      const stop = terminator(worker);
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(new CancelledError());
          stop();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const run = elastix(parameterObject, {
          fixed,
          moving,
          initialTransformParameterObject,
          webWorker: worker,
          // Transfer copies, never the caller's buffers: inputs stay usable.
          noCopy: false,
        });
        const result = await Promise.race([run, aborted]);
        return result.transformParameterObject as ParameterMap[];
      } catch (error) {
        // Terminating the worker also rejects the pipeline call ("proxy released"): report the cancel.
        if (signal?.aborted) throw new CancelledError();
        throw error;
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        stop();
      }
    },
  };
}
