/** BENCHMARK.md and its success-vs-displacement plot, from benchmark summaries. */
import { linePlot } from '../report/svg-plot.js';
import type { BenchRecord, BinShortfall, BinSummary } from './summary.js';
import { median } from '../cnn/evaluate.js';

const COLORS: Record<string, string> = { cnn: '#1f77b4', 'cnn (Chromium WebGL)': '#17becf', 'cnn (Chromium wasm)': '#9467bd', elastix: '#d62728', hybrid: '#2ca02c' };

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(0)} %` : '—');
const num = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

export function binTable(title: string, summaries: readonly BinSummary[]): string {
  return [
    `| ${title} | method | pairs | success | median corner error (px) | median on successes (px) | median ms | p95 ms |`,
    '|---|---|---|---|---|---|---|---|',
    ...summaries.map((s) => `| ${s.bin} | ${s.method} | ${s.count} | ${pct(s.successRate)} | ${num(s.medianCornerPx)} | ${num(s.medianCornerSuccessPx, 2)} | ${num(s.medianMs, s.medianMs < 100 ? 1 : 0)} | ${num(s.p95Ms, s.p95Ms < 100 ? 1 : 0)} |`),
  ].join('\n');
}

/** Success rate per rotation bin, one line per method. */
export function successPlot(summaries: readonly BinSummary[], bins: readonly string[], title: string): string {
  const methods = [...new Set(summaries.map((s) => s.method))];
  return linePlot(
    methods.map((method) => ({
      label: method,
      color: COLORS[method] ?? '#7f7f7f',
      points: bins.map((bin, i) => [i + 1, summaries.find((s) => s.method === method && s.bin === bin)?.successRate ?? NaN] as [number, number]).filter(([, y]) => Number.isFinite(y)),
    })),
    { title, xLabel: `rotation bin: ${bins.map((b, i) => `${i + 1} = ${b}`).join(', ')}`, yLabel: 'success rate', yRange: [0, 1], width: 620, height: 340 },
  );
}

export interface SpeedRatio {
  label: string;
  cnnMs: number;
  elastixMs: number;
  hybridMs: number;
}

export function speedTable(rows: readonly SpeedRatio[]): string {
  return [
    '| pairs | cnn median ms | elastix median ms | hybrid median ms | elastix / cnn | hybrid / elastix |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${num(r.cnnMs)} | ${num(r.elastixMs, 0)} | ${num(r.hybridMs, 0)} | ${num(r.elastixMs / r.cnnMs, 0)}× | ${num(r.hybridMs / r.elastixMs, 2)} |`),
  ].join('\n');
}

/**
 * Per set: the reference's median corner error over every pair and over the pairs the hybrid
 * aligned, beside the hybrid's median on those pairs (the same pairs: a like-for-like floor).
 */
export function floorTable(sets: readonly { label: string; records: readonly BenchRecord[] }[], reference: string): string {
  const errors = (records: readonly BenchRecord[]) => records.filter((r) => Number.isFinite(r.cornerErrorPx)).map((r) => r.cornerErrorPx);
  return [
    `| pairs | ${reference}: median corner error (px) | the same on the pairs the hybrid aligned (px) | hybrid: median on those pairs (px) |`,
    '|---|---|---|---|',
    ...sets.map(({ label, records }) => {
      const aligned = new Set(records.filter((r) => r.method === 'hybrid' && r.success).map((r) => r.caseId));
      const floor = records.filter((r) => r.method === reference);
      const onAligned = floor.filter((r) => aligned.has(r.caseId));
      const hybrid = records.filter((r) => r.method === 'hybrid' && aligned.has(r.caseId));
      return `| ${label} | ${num(median(errors(floor)), 2)} | ${num(median(errors(onAligned)), 2)} | ${num(median(errors(hybrid)), 2)} |`;
    }),
  ].join('\n');
}

/** The bins where the hybrid aligned fewer pairs than the better single method, or a line saying there are none. */
export function shortfallTable(shortfalls: readonly BinShortfall[], method: string): string {
  if (shortfalls.length === 0) return `No bin in which ${method} aligns fewer pairs than the better of the single methods.`;
  const rows = shortfalls.map((s) => `| ${s.set} | ${s.key === 'rotationBin' ? 'rotation' : 'scale'} ${s.bin} | ${s.count} | ${s.successes} | ${s.best.successes} (${s.best.method}) |`);
  return [`| pairs | bin | pairs in bin | ${method} successes | best single method |`, '|---|---|---|---|---|', ...rows].join('\n');
}
