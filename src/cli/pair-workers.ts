/**
 * `xemreg batch --jobs N`: pairs registered by N worker threads, each with its own model and
 * elastix pipeline (tfjs wasm and elastix each use one core). Outcomes are handed on in list
 * order, so the output reads the same as with one job. A worker that dies (out of memory, a
 * crash in a pipeline) fails the pair it held and is replaced; one that cannot start (the model
 * does not load) stops the run, since every replacement would fail the same way.
 */
import { Worker } from 'node:worker_threads';
import type { PairEntry } from './pair-list.js';
import { failedPair, type PairOutcome, type Settings } from './register-files.js';

export interface PairTask {
  index: number;
  pair: PairEntry;
  stem: string;
  outDir?: string;
}

type Message = { ready: true } | { index: number; outcome: PairOutcome };

function workerFailure(task: PairTask, error: Error): PairOutcome {
  return failedPair(task.pair, { code: 1, message: `unexpected error: worker stopped: ${error.message.split('\n')[0]}` });
}

/** Run every task on `jobs` workers; `onOutcome` is called in task order. */
export async function runInWorkers(tasks: PairTask[], jobs: number, settings: Settings, onOutcome: (task: PairTask, outcome: PairOutcome) => void): Promise<void> {
  const outcomes = new Map<number, PairOutcome>();
  const workers = new Set<Worker>();
  let next = 0; // next task to hand out
  let reported = 0; // next task to report
  const run = new Promise<void>((resolve, reject) => {
    const settle = (index: number, outcome: PairOutcome) => {
      outcomes.set(index, outcome);
      while (outcomes.has(reported)) {
        onOutcome(tasks[reported], outcomes.get(reported)!);
        outcomes.delete(reported);
        reported++;
      }
      if (reported === tasks.length) resolve();
    };
    const start = () => {
      const worker = new Worker(new URL('./pair-worker.js', import.meta.url), { workerData: { settings } });
      workers.add(worker);
      let ready = false;
      let held: PairTask | null = null;
      worker.on('message', (message: Message) => {
        ready = true;
        if (!('ready' in message)) settle(message.index, message.outcome);
        held = next < tasks.length ? tasks[next++] : null;
        worker.postMessage(held);
      });
      worker.on('error', (error: Error) => {
        if (!ready) reject(error);
        else if (held) settle(held.index, workerFailure(held, error));
        held = null;
      });
      worker.on('exit', (code) => {
        workers.delete(worker);
        const stopped = new Error(`exit code ${code}`);
        if (!ready) reject(stopped);
        else if (held) settle(held.index, workerFailure(held, stopped));
        held = null;
        if (ready && next < tasks.length) start();
      });
    };
    if (tasks.length === 0) resolve();
    for (let j = 0; j < Math.min(jobs, tasks.length); j++) start();
  });
  try {
    await run;
  } finally {
    await Promise.all([...workers].map((w) => w.terminate()));
  }
}
