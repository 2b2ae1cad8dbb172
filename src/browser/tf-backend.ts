/**
 * tfjs in the page: WebGL first (milliseconds per pair), then wasm, then cpu; the caller learns
 * which one runs and why a faster one did not. wasm binaries come from our server.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { cnnModel, type CnnModel } from '../methods/cnn.js';

export type TfBackendName = 'webgl' | 'wasm' | 'cpu';

export interface BackendChoice {
  backend: TfBackendName;
  /**
   * Threads of the wasm backend (null for the others): more than one only where the page is
   * cross-origin isolated (SharedArrayBuffer) and the machine has 4 or more logical cores.
   */
  threads: number | null;
  /** Backends tried before it, with the reason each failed. */
  fallbacks: { backend: TfBackendName; reason: string }[];
}

/** Where dist/assets/tfjs is served (scripts/copy-assets.mjs copies the wasm binaries there). */
export function configureTfAssets(base = '/dist/assets/tfjs/'): void {
  setWasmPaths(base.endsWith('/') ? base : `${base}/`);
}

let configured = false;

/**
 * The WebGL renderer's name when it is a software rasteriser (SwiftShader, llvmpipe), else null.
 * There, convolutions run as emulated fragment shaders, measured here 10–20× slower than wasm.
 */
export function softwareWebglRenderer(): string | null {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|software/i.test(renderer) ? renderer : null;
  } catch {
    return null;
  }
}

export interface BackendOptions {
  /** Use WebGL even when it is software-rendered. Default false: wasm is faster there. */
  allowSoftwareWebgl?: boolean;
}

/** Try backends in order; resolves with the first that initialises (skipping software WebGL unless allowed). */
export async function chooseTfBackend(order: readonly TfBackendName[] = ['webgl', 'wasm', 'cpu'], options: BackendOptions = {}): Promise<BackendChoice> {
  if (!configured) {
    configureTfAssets();
    configured = true;
  }
  const fallbacks: BackendChoice['fallbacks'] = [];
  for (const backend of order) {
    if (backend === 'webgl' && !options.allowSoftwareWebgl && order.length > 1) {
      const software = softwareWebglRenderer();
      if (software) {
        fallbacks.push({ backend, reason: `software-rendered WebGL (${software}): wasm is faster` });
        continue;
      }
    }
    try {
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return { backend, fallbacks, threads: backend === 'wasm' ? getThreadsCount() : null };
      }
      fallbacks.push({ backend, reason: 'failed to initialise' });
    } catch (error) {
      fallbacks.push({ backend, reason: (error as Error).message ?? String(error) });
    }
  }
  throw new Error(`no tfjs backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}

/** A choice as notes name it: "webgl", "wasm (1 thread)". */
export function backendLabel(choice: Pick<BackendChoice, 'backend' | 'threads'>): string {
  const { backend, threads } = choice;
  return threads ? `${backend} (${threads} thread${threads > 1 ? 's' : ''})` : backend;
}

/** Load a model from its model.json URL. */
export async function loadCnnModelFromUrl(url: string, name = url.split('/').slice(-2, -1)[0] ?? 'model'): Promise<CnnModel> {
  return cnnModel(await tf.loadLayersModel(url), name);
}
