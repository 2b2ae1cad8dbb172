/**
 * TensorFlow.js models and optimizer state on disk, in Node without tfjs-node: the standard
 * layers-model format (model.json + weights.bin), loadable by tf.loadLayersModel in the browser.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

function concatenate(parts: readonly ArrayLike<number>[], Ctor: Uint8ArrayConstructor | Float32ArrayConstructor): Uint8Array | Float32Array {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Write model.json and weights.bin into `dir` (atomically: a crash never leaves half a model). */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(dir, 'weights.bin.tmp'), weights);
      await writeFile(join(dir, 'model.json.tmp'), JSON.stringify(json));
      await rename(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'));
      await rename(join(dir, 'model.json.tmp'), join(dir, 'model.json'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/** Load a layers model saved by `saveModel` (or the tfjs converter) from `dir`. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  const buffers = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => readFile(join(dir, p)))));
  const weightData = concatenate(buffers, Uint8Array);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: manifest.flatMap((g) => g.weights), weightData: weightData.buffer }),
  );
}

/** Adam's moments and step count, for resuming training exactly. */
export async function saveOptimizer(optimizer: tf.Optimizer, file: string): Promise<void> {
  const named = await optimizer.getWeights();
  const specs = named.map((w) => ({ name: w.name, shape: w.tensor.shape }));
  const arrays = await Promise.all(named.map((w) => w.tensor.data() as Promise<Float32Array>));
  const data = concatenate(arrays, Float32Array);
  await writeFile(`${file}.json`, JSON.stringify(specs));
  await writeFile(`${file}.bin`, new Uint8Array(data.buffer));
}

export async function loadOptimizer(optimizer: tf.Optimizer, file: string): Promise<void> {
  const specs = JSON.parse(await readFile(`${file}.json`, 'utf8')) as { name: string; shape: number[] }[];
  const bytes = await readFile(`${file}.bin`);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let offset = 0;
  const named = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(data.slice(offset, offset + n), s.shape);
    offset += n;
    return { name: s.name, tensor };
  });
  await optimizer.setWeights(named);
  for (const w of named) w.tensor.dispose();
}
