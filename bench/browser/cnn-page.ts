/**
 * The benchmark's browser half: loads the model on a tfjs backend — WebGL, or wasm as the app
 * runs it where WebGL is software-rendered — and registers every case of a manifest written by
 * `npm run bench`, returning the transforms and registrationMs. The first case runs twice; its
 * first (warm-up, shader compilation) is dropped.
 */
import * as tf from '@tensorflow/tfjs';
import { backendLabel, chooseTfBackend, loadCnnModelFromUrl } from '../../src/browser/tf-backend.js';
import { createFloatImage, type Image } from '../../src/image/image.js';
import { registerCnn } from '../../src/methods/cnn.js';

interface ImageEntry {
  url: string;
  size: [number, number];
  spacing: [number, number];
  origin: [number, number];
  direction: [number, number, number, number];
}

async function load(entry: ImageEntry): Promise<Image> {
  const response = await fetch(entry.url);
  if (!response.ok) throw new Error(`${entry.url}: HTTP ${response.status}`);
  const data = new Float32Array(await response.arrayBuffer());
  return createFloatImage(entry.size, data, { spacing: entry.spacing, origin: entry.origin, direction: entry.direction });
}

/** One backend's pass over the cases: the model loaded on it, the first case run twice (warm-up). */
async function runOn(backend: 'webgl' | 'wasm', cases: { id: string; fixed: Image; moving: Image }[], modelUrl: string, passes: number) {
  // WebGL is measured as such, software-rendered or not.
  const choice = await chooseTfBackend(backend === 'webgl' ? ['webgl', 'wasm', 'cpu'] : ['wasm', 'cpu'], { allowSoftwareWebgl: true });
  const cnn = await loadCnnModelFromUrl(modelUrl);
  const results = [];
  for (const [i, c] of cases.entries()) {
    if (i === 0) registerCnn(c.fixed, c.moving, cnn, { passes });
    const r = registerCnn(c.fixed, c.moving, cnn, { passes });
    results.push({ id: c.id, matrix: r.transform.matrix, registrationMs: r.registrationMs });
  }
  cnn.model.dispose();
  return { requested: backend, backend: tf.getBackend(), label: backendLabel(choice), fallbacks: choice.fallbacks, results };
}

/** Every case on each backend in turn; the images are fetched once. */
async function run(manifestUrl: string, modelUrl: string, passes: number, backends: readonly ('webgl' | 'wasm')[]) {
  const manifest = (await (await fetch(manifestUrl)).json()) as { id: string; fixed: ImageEntry; moving: ImageEntry }[];
  const cases = [];
  for (const c of manifest) cases.push({ id: c.id, fixed: await load(c.fixed), moving: await load(c.moving) });
  const runs = [];
  for (const backend of backends) runs.push(await runOn(backend, cases, modelUrl, passes));
  return runs;
}

(window as unknown as { xemregBench: typeof run }).xemregBench = run;

