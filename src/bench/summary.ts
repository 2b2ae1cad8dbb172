/** Benchmark statistics: per method and displacement bin, success rate, corner error and time. */
import { median } from '../cnn/evaluate.js';
import { percentileOfSorted } from '../image/statistics.js';

export interface BenchRecord {
  caseId: string;
  set: string;
  kind: string;
  rotationDeg: number;
  scale: number;
  rotationBin: string;
  scaleBin: string;
  method: string;
  backend: string;
  cornerErrorPx: number;
  success: boolean;
  registrationMs: number;
  /** Hybrid only: which estimate it kept. */
  kept?: string;
}

export interface BinSummary {
  method: string;
  bin: string;
  count: number;
  successRate: number;
  /** Median corner error over all cases, and over the successful ones (px). */
  medianCornerPx: number;
  medianCornerSuccessPx: number;
  medianMs: number;
  p95Ms: number;
}

function summariseGroup(method: string, bin: string, records: readonly BenchRecord[]): BinSummary {
  const ms = records.map((r) => r.registrationMs);
  const successes = records.filter((r) => r.success);
  return {
    method,
    bin,
    count: records.length,
    successRate: records.length ? successes.length / records.length : NaN,
    medianCornerPx: median(records.map((r) => r.cornerErrorPx)),
    medianCornerSuccessPx: successes.length ? median(successes.map((r) => r.cornerErrorPx)) : NaN,
    medianMs: median(ms),
    p95Ms: percentileOfSorted([...ms].sort((a, b) => a - b), 95),
  };
}

/** One summary per (method, bin) in the given orders, plus an "all" bin per method. */
export function summariseBy(records: readonly BenchRecord[], key: 'rotationBin' | 'scaleBin', methods: readonly string[], bins: readonly string[]): BinSummary[] {
  const out: BinSummary[] = [];
  for (const method of methods) {
    const mine = records.filter((r) => r.method === method);
    if (mine.length === 0) continue;
    for (const bin of bins) {
      const group = mine.filter((r) => r[key] === bin);
      if (group.length) out.push(summariseGroup(method, bin, group));
    }
    out.push(summariseGroup(method, 'all', mine));
  }
  return out;
}

/** A bin where `method` aligned fewer pairs than the best of `others`. */
export interface BinShortfall {
  set: string;
  key: 'rotationBin' | 'scaleBin';
  bin: string;
  count: number;
  successes: number;
  best: { method: string; successes: number };
}

/**
 * Every bin (each set and all pairs together, by rotation and by scale, and "all") in which
 * `method` has fewer successes than the best of `others` on the same pairs: what the issue's
 * "hybrid ≥ the better of cnn and elastix in every bin" asks to be empty.
 */
export function binsBelow(records: readonly BenchRecord[], method: string, others: readonly string[]): BinShortfall[] {
  const out: BinShortfall[] = [];
  for (const set of ['all pairs', ...new Set(records.map((r) => r.set))]) {
    const inSet = set === 'all pairs' ? records : records.filter((r) => r.set === set);
    for (const key of ['rotationBin', 'scaleBin'] as const) {
      const summaries = summariseBy(inSet, key, [method, ...others], [...new Set(inSet.map((r) => r[key]))]);
      const successes = (s: BinSummary) => Math.round(s.successRate * s.count);
      for (const mine of summaries.filter((s) => s.method === method)) {
        if (key === 'scaleBin' && mine.bin === 'all') continue; // the same pairs as the rotation's "all"
        const rivals = summaries.filter((s) => s.bin === mine.bin && s.method !== method);
        if (rivals.length === 0) continue;
        const best = rivals.reduce((a, b) => (successes(b) > successes(a) ? b : a));
        if (successes(mine) < successes(best)) out.push({ set, key, bin: mine.bin, count: mine.count, successes: successes(mine), best: { method: best.method, successes: successes(best) } });
      }
    }
  }
  return out;
}
