/**
 * Runs elastix in Node (WASI), in this thread, on one pipeline module loaded once.
 *
 * itk-wasm's Node entry (`elastixNode` → `runPipelineNode`) reads, zstd-decodes and compiles the
 * 13 MB elastix module on every call: ~250 ms of a 0.3–1.5 s registration (measured here). Its
 * browser entry instead keeps one module per pipeline and calls its `main` again for each run;
 * this runner does the same in Node. The arguments and interface types are the ones
 * `elastixNode` passes (@itk-wasm/elastix 1.0.x). After a pipeline exception the module is
 * dropped and the next call loads a fresh one, so a failed run cannot leave state behind.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ZSTDDecoder } from '@thewtex/zstddec';
import { InterfaceTypes } from 'itk-wasm';
import type { Image, JsonCompatible } from 'itk-wasm';
import { CancelledError } from '../errors.js';
import { callItk } from './itk-call.js';
import type { ElastixRunner } from '../methods/elastix.js';
import type { ParameterMap } from '../transform/elastix-parameters.js';

interface PipelineOutput {
  data: unknown;
}
type RunPipelineEmscripten = (
  module: unknown,
  args: string[],
  outputs: { type: string }[],
  inputs: { type: string; data: unknown }[],
) => { returnValue: number; stderr: string; outputs: PipelineOutput[] };

/** itk-wasm's in-memory pipeline call, the one its browser entry runs on cached modules (not a public export). */
async function loadRunner(): Promise<RunPipelineEmscripten> {
  const itkDist = dirname(fileURLToPath(import.meta.resolve('itk-wasm')));
  const url = pathToFileURL(join(itkDist, 'pipeline', 'internal', 'run-pipeline-emscripten.js')).href;
  return ((await import(url)) as { default: RunPipelineEmscripten }).default;
}

async function loadElastixModule(): Promise<unknown> {
  const pipeline = join(dirname(fileURLToPath(import.meta.resolve('@itk-wasm/elastix'))), 'pipelines', 'elastix');
  // The compressed binary is the one built for this loader (the plain .wasm beside it is not).
  const decoder = new ZSTDDecoder();
  await decoder.init();
  const wasmBinary = decoder.decode(new Uint8Array(await readFile(`${pipeline}.wasm.zst`)));
  const factory = ((await import(pathToFileURL(`${pipeline}.js`).href)) as { default: (options: { wasmBinary: Uint8Array }) => Promise<unknown> }).default;
  return factory({ wasmBinary });
}

let runner: Promise<RunPipelineEmscripten> | null = null;
let elastixModule: Promise<unknown> | null = null;

/** A cached load that is forgotten when it fails, so that the next call tries again. */
function forgetOnFailure<T>(load: Promise<T>, forget: () => void): Promise<T> {
  load.catch(forget);
  return load;
}

async function runElastix(parameterObject: ParameterMap[], fixed: Image, moving: Image, initial?: ParameterMap[]): Promise<ParameterMap[]> {
  runner ??= forgetOnFailure(loadRunner(), () => (runner = null));
  elastixModule ??= forgetOnFailure(loadElastixModule(), () => (elastixModule = null));
  const [run, module] = await Promise.all([runner, elastixModule]);
  const inputs: { type: string; data: unknown }[] = [
    { type: InterfaceTypes.JsonCompatible, data: parameterObject as unknown as JsonCompatible },
    { type: InterfaceTypes.Image, data: fixed },
    { type: InterfaceTypes.Image, data: moving },
  ];
  // Positional: parameter object, then the result image, transform and transform parameter object.
  const args = ['0', '0', '1', '2', '--memory-io', '--fixed', '1', '--moving', '2'];
  if (initial) {
    inputs.push({ type: InterfaceTypes.JsonCompatible, data: initial as unknown as JsonCompatible });
    args.push('--initial-transform-parameter-object', '3');
  }
  const outputs = [{ type: InterfaceTypes.Image }, { type: InterfaceTypes.TransformList }, { type: InterfaceTypes.JsonCompatible }];
  let result;
  // itk-wasm reports a pipeline exception with console.log — on stdout, where it would corrupt
  // `xemreg … --json` — and console.error, with nothing beyond the bare exception pointer that
  // is thrown anyway (explainElastixFailure words it). The call is synchronous, so the console
  // is silenced for exactly its duration.
  const { log, error: logError } = console;
  console.log = console.error = () => {};
  try {
    result = run(module, args, outputs, inputs);
  } catch (error) {
    elastixModule = null;
    throw error;
  } finally {
    console.log = log;
    console.error = logError;
  }
  if (result.returnValue !== 0) {
    elastixModule = null;
    throw new Error(result.stderr || `elastix exited with ${result.returnValue}`);
  }
  return result.outputs[2].data as ParameterMap[];
}

export const nodeElastixRunner: ElastixRunner = {
  backend: 'wasm',
  async run({ parameterObject, fixed, moving, initialTransformParameterObject, signal }) {
    // Node runs the pipeline synchronously in this thread: a signal can only stop it before it starts.
    if (signal?.aborted) throw new CancelledError();
    return callItk(() => runElastix(parameterObject, fixed, moving, initialTransformParameterObject));
  },
};
