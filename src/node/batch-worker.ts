/** A worker thread that makes synthetic batches on request (see batch-pool.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { makeBatch } from '../synthetic/batches.js';
import type { PairOptions } from '../synthetic/pairs.js';
import { loadRealSources } from './real-sources.js';

interface WorkerSetup {
  options: Omit<PairOptions, 'sources'>;
  dataDir: string | null;
}

const setup = workerData as WorkerSetup;
const sources = setup.dataDir ? await loadRealSources(setup.dataDir) : [];
const options: PairOptions = { ...setup.options, sources };

parentPort?.on('message', (request: { seed: number; index: number; batchSize: number }) => {
  const batch = makeBatch(request.seed, request.index, request.batchSize, options);
  parentPort?.postMessage(batch, [batch.fixed.buffer, batch.moving.buffer, batch.targets.buffer] as ArrayBuffer[]);
});
parentPort?.postMessage({ ready: true, sources: sources.length });
