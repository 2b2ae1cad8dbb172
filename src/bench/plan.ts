/** What a benchmark run does with its options: the defaults it fills in, and the command that repeats it. */
import { DEFAULT_PASSES } from '../methods/cnn.js';

/** The options of `npm run bench` as commander hands them over. */
export interface BenchFlags {
  quick?: boolean;
  data: string;
  synthetic?: string;
  real?: string;
  fields?: string;
  size: string;
  seed: string;
  model?: string;
  passes: string;
  browser: boolean;
  browserPairs?: string;
  out?: string;
}

/** Defaults of the options that always have a value (commander fills them in). */
export const DEFAULTS = { data: 'samples', size: '256', seed: '7001', passes: String(DEFAULT_PASSES) };

/** What a run uses where the flags say nothing: a full run's counts and folders, or --quick's. */
export function runPlan(flags: BenchFlags) {
  const quick = Boolean(flags.quick);
  return {
    synthetic: Number(flags.synthetic ?? (quick ? 8 : 64)),
    real: Number(flags.real ?? (quick ? 4 : 32)),
    // Field-window pairs take ~10 s each (every window scored): none in --quick, which one took
    // from 163 to 173 s (2026-12-07), too near its 3 minutes.
    fields: Number(flags.fields ?? (quick ? 0 : 16)),
    // Quick: 1 pair (and the warm-up run of it). Each takes up to ~20 s on SwiftShader: all 16
    // made --quick take 217 s; on a slower machine (2026-12-07, with the wasm pass) 4 took 199 s
    // and 2 took 176 s.
    browserPairs: Math.max(1, Number(flags.browserPairs ?? (quick ? 1 : 32))),
    outDir: flags.out ?? (quick ? 'bench/quick' : '.'),
    assetDir: flags.out ?? (quick ? 'bench/quick' : 'bench'),
  };
}

/** The command that repeats this run: every option given that is not a default. */
export function reproduceCommand(flags: BenchFlags): string {
  const given: [string, string | undefined][] = [
    ['--data', flags.data !== DEFAULTS.data ? flags.data : undefined],
    ['--synthetic', flags.synthetic],
    ['--real', flags.real],
    ['--fields', flags.fields],
    ['--size', flags.size !== DEFAULTS.size ? flags.size : undefined],
    ['--seed', flags.seed !== DEFAULTS.seed ? flags.seed : undefined],
    ['--model', flags.model],
    ['--passes', flags.passes !== DEFAULTS.passes ? flags.passes : undefined],
    ['--browser-pairs', flags.browser ? flags.browserPairs : undefined],
    ['--out', flags.out],
  ];
  const options = [flags.quick ? '--quick' : '', ...given.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`), flags.browser ? '' : '--no-browser'];
  return ['npm run bench --', ...options.filter(Boolean)].join(' ');
}
