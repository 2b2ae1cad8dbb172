/**
 * tfjs in the page: WebGL first (milliseconds per pair), then wasm, then cpu; the caller learns
 * which one runs and why a faster one did not. wasm binaries come from our server.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { cnnModel, type CnnModel } from '../methods/cnn.js';

export type TfBackendName = 'webgl' | 'wasm' | 'cpu';

export interface BackendChoice {
  backend: TfBackendName;
  /** Backends tried before it, with the reason each failed. */
  fallbacks: { backend: TfBackendName; reason: string }[];
}

/** Where dist/assets/tfjs is served (scripts/copy-assets.mjs copies the wasm binaries there). */
export function configureTfAssets(base = '/dist/assets/tfjs/'): void {
  setWasmPaths(base.endsWith('/') ? base : `${base}/`);
}

let configured = false;

/** Try backends in order; resolves with the first that initialises. */
export async function chooseTfBackend(order: readonly TfBackendName[] = ['webgl', 'wasm', 'cpu']): Promise<BackendChoice> {
  if (!configured) {
    configureTfAssets();
    configured = true;
  }
  const fallbacks: BackendChoice['fallbacks'] = [];
  for (const backend of order) {
    try {
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return { backend, fallbacks };
      }
      fallbacks.push({ backend, reason: 'failed to initialise' });
    } catch (error) {
      fallbacks.push({ backend, reason: (error as Error).message ?? String(error) });
    }
  }
  throw new Error(`no tfjs backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}

/** Load a model from its model.json URL. */
export async function loadCnnModelFromUrl(url: string, name = url.split('/').slice(-2, -1)[0] ?? 'model'): Promise<CnnModel> {
  return cnnModel(await tf.loadLayersModel(url), name);
}
