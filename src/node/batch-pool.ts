/** Synthetic batches made ahead of time by worker threads, delivered in index order. */
import { Worker } from 'node:worker_threads';
import type { PairBatch } from '../synthetic/batches.js';
import type { PairOptions } from '../synthetic/pairs.js';

export interface BatchPoolOptions {
  seed: number;
  batchSize: number;
  /** First batch index (resume). */
  startIndex: number;
  options: Omit<PairOptions, 'sources'>;
  /** Folder of real images used as worlds (null: procedural only). */
  dataDir: string | null;
  /** Worker threads. Default 1 (the training loop needs the other core). */
  workers?: number;
  /** Batches requested ahead. Default 2 per worker. */
  prefetch?: number;
}

export class BatchPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (b: PairBatch) => void; reject: (e: Error) => void; promise: Promise<PairBatch> }>();
  private nextIndex: number;
  private requested: number;
  private readonly ready: Promise<number>;

  constructor(private readonly config: BatchPoolOptions) {
    const count = config.workers ?? 1;
    this.nextIndex = config.startIndex;
    this.requested = config.startIndex;
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./batch-worker.js', import.meta.url), { workerData: { options: config.options, dataDir: config.dataDir } }));
    const readies = this.workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once('error', reject);
          w.on('message', (message: PairBatch | { ready: true; sources: number }) => {
            if ('ready' in message) resolve(message.sources);
            else this.pending.get(message.index)?.resolve(message);
          });
        }),
    );
    this.ready = Promise.all(readies).then((n) => n[0]);
  }

  /** Number of real sources the workers loaded. */
  sources(): Promise<number> {
    return this.ready;
  }

  private request(index: number): void {
    let resolve!: (b: PairBatch) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<PairBatch>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending.set(index, { resolve, reject, promise });
    this.workers[index % this.workers.length].postMessage({ seed: this.config.seed, index, batchSize: this.config.batchSize });
  }

  async next(): Promise<PairBatch> {
    await this.ready;
    const ahead = this.config.prefetch ?? 2 * this.workers.length;
    while (this.requested < this.nextIndex + ahead) this.request(this.requested++);
    const index = this.nextIndex++;
    const batch = await this.pending.get(index)!.promise;
    this.pending.delete(index);
    return batch;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
