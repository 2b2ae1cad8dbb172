/** The registration network in Node: tfjs wasm backend, model loaded from a folder. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InputError } from '../errors.js';
import { cnnModel, type CnnModel } from '../methods/cnn.js';
import { loadModel } from './model-files.js';

/** The package's models/ folder. */
export const MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));

/** The shipped default model's folder, from models/index.json ({ "default": "<name>" }), or null when none is shipped. */
export function shippedModelDir(modelsDir = MODELS_DIR): string | null {
  const index = join(modelsDir, 'index.json');
  if (!existsSync(index)) return null;
  const name = (JSON.parse(readFileSync(index, 'utf8')) as { default?: string }).default;
  return name && existsSync(join(modelsDir, name, 'model.json')) ? join(modelsDir, name) : null;
}

/** The model folder a script should use: the one given, else the shipped default; an error when neither exists. */
export function modelDirOrShipped(explicit?: string): string {
  const dir = explicit ?? shippedModelDir();
  if (!dir) throw new Error('no model: pass --model <dir> (no models/index.json default is shipped)');
  return dir;
}

let backendReady: Promise<void> | null = null;

/** Switch tfjs to the wasm backend once (Node has no WebGL; tfjs-node cannot install here). */
export function useWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to start');
    await tf.ready();
  })();
  return backendReady;
}

/** A model folder must hold model.json: checked before any work (a batch's workers load it later). */
export function checkModelDir(dir: string): void {
  if (!existsSync(join(dir, 'model.json'))) throw new InputError(dir, 'holds no model.json');
}

/** Load a model folder (model.json + weights) on the wasm backend. */
export async function loadCnnModel(dir: string): Promise<CnnModel> {
  checkModelDir(dir);
  await useWasmBackend();
  return cnnModel(await loadModel(dir), basename(dir));
}
