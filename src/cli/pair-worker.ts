/**
 * Worker thread of `xemreg batch --jobs N`: loads the model and the elastix pipeline once, then
 * registers the pairs it is sent, one at a time, and posts each outcome back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { modelFor, registerListedPair, type Settings } from './register-files.js';
import type { PairTask } from './pair-workers.js';

// As in the main thread: itk-wasm's own diagnostics must not reach stdout (XEMREG_DEBUG=1: stderr).
const toStderr = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
console.log = console.info = console.warn = console.error = process.env.XEMREG_DEBUG === '1' ? toStderr : () => {};

const { settings } = workerData as { settings: Settings };
const port = parentPort!;
const cnn = await modelFor(settings);
port.on('message', (task: PairTask | null) => {
  if (task === null) {
    port.close();
    return;
  }
  void registerListedPair(task.pair, task.stem, settings, cnn, task.outDir).then((outcome) => port.postMessage({ index: task.index, outcome }));
});
port.postMessage({ ready: true });
