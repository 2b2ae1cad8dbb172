/**
 * `npm run bench`: cnn, elastix and hybrid side by side on pairs with known transforms —
 * synthetic correlative pairs (held-out seed) and real co-registered pairs warped by random
 * similarities — binned by rotation and scale; plus the CNN in headless Chromium (Playwright) on
 * a subset of the same pairs, on WebGL and on wasm, and a precision floor (elastix started at the
 * truth); and, on their own, pairs of a small field inside a much larger one (field windows). Writes
 * BENCHMARK.md, bench/results.json (every registration)
 * and bench/success-vs-rotation.svg.
 *
 *   npm run bench [-- --quick] [--data samples] [--no-browser]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, sep } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { median } from '../cnn/evaluate.js';
import { compare, type CompareOptions } from '../compare.js';
import type { RegistrationError } from '../errors.js';
import type { MethodName } from '../methods/result.js';
import { gridOf } from '../image/image.js';
import { cornerError, isSuccess } from '../metrics/corner-error.js';
import { loadCnnModel, modelDirOrShipped } from '../node/cnn-model.js';
import { nodeElastixRunner } from '../node/elastix-runner.js';
import { registerElastix } from '../methods/elastix.js';
import { CONFIDENT, RETRY_BELOW, RETRY_STARTS, type StartGrid } from '../methods/cnn.js';
import { HYBRID_CNN_SEARCH, SEARCH_REFINED } from '../methods/hybrid.js';
import { readRealPair, realPairTypes } from '../node/real-pairs.js';
import { loadRealSources } from '../node/real-sources.js';
import { Rng } from '../synthetic/random.js';
import type { Matrix2x3 } from '../transform/matrix.js';
import { fieldCases, FIELDS_SET, rotationBin, scaleBin, ROTATION_BINS, SCALE_BINS, syntheticCases, warpedCases, type BenchCase } from '../bench/cases.js';
import { binTable, floorTable, shortfallTable, speedTable, successPlot, type SpeedRatio } from '../bench/report.js';
import { binsBelow, summariseBy, type BenchRecord } from '../bench/summary.js';
import { DEFAULTS, reproduceCommand, runPlan, type BenchFlags } from '../bench/plan.js';


const WEBGL = 'cnn (Chromium WebGL)';
/** The CNN in the same page on wasm: what the app runs where WebGL is software-rendered (no GPU). */
const BROWSER_WASM = 'cnn (Chromium wasm)';
/** The hybrid with its NMI search also for pairs the CNN is unsure of (`--hybrid-fallback 0.5`; not the default). */
const HYBRID_SEARCH = 'hybrid + search if unsure';
/**
 * A reference, not a method: the hybrid's elastix finish (preset 'finish') started at the true transform. Where
 * it ends is the intensity optimum nearest the truth; its distance from the truth is a floor for
 * the precision that any intensity-based finish (the hybrid's) can show on that set.
 */
const FROM_TRUTH = 'elastix from the truth';
/** The CNN on the field-window pairs with the frames as they are (`fieldWindows: 'never'`): what the windows add. */
const NO_WINDOWS = 'cnn without field windows';

function record(c: BenchCase, method: string, backend: string, matrix: Matrix2x3, registrationMs: number, kept?: string): BenchRecord {
  const grid = gridOf(c.fixed);
  const error = cornerError(c.truth, matrix, grid);
  return {
    caseId: c.id,
    set: c.set,
    kind: c.kind,
    rotationDeg: c.rotationDeg,
    scale: c.scale,
    rotationBin: rotationBin(c.rotationDeg),
    scaleBin: scaleBin(c.scale),
    method,
    backend,
    cornerErrorPx: error,
    success: isSuccess(error, grid),
    registrationMs,
    ...(kept ? { kept } : {}),
  };
}

function failed(c: BenchCase, method: string): BenchRecord {
  return { ...record(c, method, 'failed', [[NaN, NaN, NaN], [NaN, NaN, NaN]], NaN), success: false };
}

/** The displacement cases, then the field-window cases (their own generator state: adding them leaves the others as they were). */
async function makeCases(flags: BenchFlags): Promise<{ cases: BenchCase[]; fields: BenchCase[] }> {
  const rng = new Rng(Number(flags.seed));
  const { synthetic: syntheticCount, real: realCount, fields: fieldCount } = runPlan(flags);
  const sources = await loadRealSources(flags.data);
  const cases = syntheticCases(rng, syntheticCount, Number(flags.size), sources);
  for (const type of realPairTypes(flags.data)) {
    const perPair = Math.ceil(realCount / type.pairs.length);
    for (const [i, pair] of type.pairs.entries()) {
      const { fixed, partner } = await readRealPair(pair);
      cases.push(...warpedCases(type.name, type.kind, fixed, partner, rng, perPair, i * perPair));
    }
  }
  return { cases, fields: fieldCases(new Rng(Number(flags.seed) + 1), fieldCount, sources) };
}

/** The CNN on every case in headless Chromium, through the bench page: on WebGL, then on wasm. */
async function runInChromium(cases: BenchCase[], modelDir: string, passes: number): Promise<{ records: BenchRecord[]; note: string }> {
  const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath} (apt-get install -y chromium, set CHROME_PATH, or pass --no-browser)`);
  // Case images as raw float32 files under dist/, which the app server serves.
  const dir = 'dist/bench-cases';
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const manifest = [];
  for (const c of cases) {
    const entry: Record<string, unknown> = { id: c.id };
    for (const role of ['fixed', 'moving'] as const) {
      const image = c[role];
      const file = `${c.id}-${role}.f32`;
      const data = image.data as Float32Array;
      await writeFile(join(dir, file), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      entry[role] = { url: `/${dir}/${file}`, size: image.size, spacing: image.spacing, origin: image.origin, direction: Array.from(image.direction as ArrayLike<number>) };
    }
    manifest.push(entry);
  }
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  // The model too, so that any --model folder is reachable by the server.
  await cp(modelDir, join(dir, 'model'), { recursive: true, filter: (src) => !src.includes('training') && !src.includes(`${sep}eval`) });
  const port = 8000 + Math.floor(Math.random() * 900);
  const server = spawn(process.execPath, ['scripts/serve.mjs', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (chunk) => {
        const m = /(http:\/\/[^/\s]+)/.exec(String(chunk));
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`app server exited with ${code}`)));
    });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/bench/browser/index.html`);
      await page.waitForFunction(() => 'xemregBench' in window, null, { timeout: 60000 });
      const methods = { webgl: WEBGL, wasm: BROWSER_WASM } as const;
      const runs = (await page.evaluate(
        ([m, model, p, b]) => (window as unknown as { xemregBench: (m: string, model: string, p: number, b: readonly string[]) => Promise<unknown> }).xemregBench(m, model, p, b),
        [`/${dir}/manifest.json`, `/${dir}/model/model.json`, passes, Object.keys(methods)] as const,
      )) as { requested: keyof typeof methods; backend: string; label: string; results: { id: string; matrix: Matrix2x3; registrationMs: number }[] }[];
      if (errors.length) throw new Error(`bench page: ${errors.join('; ')}`);
      const byId = new Map(cases.map((c) => [c.id, c]));
      const records = runs.flatMap((run) => run.results.map((r) => record(byId.get(r.id) as BenchCase, methods[run.requested], run.backend, r.matrix, r.registrationMs)));
      const notes = runs.map((run) => `${methods[run.requested]}: ${run.label} backend`);
      return { records, note: `${notes.join(', ')}, on ${cases.length} of the pairs, headless Chromium (Playwright, ${executablePath}; the page cross-origin isolated, as the app is served)` };
    } finally {
      await browser.close();
    }
  } finally {
    server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

async function bench(flags: BenchFlags): Promise<void> {
  const started = performance.now();
  const modelDir = modelDirOrShipped(flags.model);
  const cnn = await loadCnnModel(modelDir);
  const passes = Number(flags.passes);
  const { cases, fields } = await makeCases(flags);
  process.stderr.write(`bench: ${cases.length} pairs (${cases.filter((c) => c.set === 'synthetic').length} synthetic) and ${fields.length} field-window pairs, model ${cnn.name}\n`);
  const env = { elastixRunner: nodeElastixRunner, cnn };
  const options = { cnn: { passes } };
  // Field-window pairs: the pixel sizes count as known, as with --fixed-spacing and --moving-spacing.
  const windowed = { cnn: { passes, fieldWindows: 'always' as const }, hybridCnn: { fieldWindows: 'always' as const } };
  // Warm-up (pipelines compiled, kernels ready): not measured.
  await compare(cases[0].fixed, cases[0].moving, ['cnn', 'elastix', 'hybrid'], env, options);

  const records: BenchRecord[] = [];
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'bench [{bar}] {value}/{total} | ETA {eta_formatted}' }, cliProgress.Presets.shades_classic);
  bar.start(cases.length + fields.length, 0);
  // cnn, elastix and hybrid on one pair, each recorded under `labels[method]`; a method that fails
  // counts as a failure of that method only (compare's onMethodFailed), not of the others.
  const runMethods = async (c: BenchCase, methods: MethodName[], o: CompareOptions, labels: Partial<Record<MethodName, string>> = {}) => {
    const failures = new Set<MethodName>();
    const onMethodFailed = (method: MethodName, error: RegistrationError) => {
      process.stderr.write(`\n${c.id} ${labels[method] ?? method}: ${error.reason}\n`);
      failures.add(method);
    };
    const results = await compare(c.fixed, c.moving, methods, env, { ...o, onMethodFailed }).catch((error: Error) => {
      // Every method failed (each reported above), or the pair itself was unusable.
      if (failures.size === 0) process.stderr.write(`\n${c.id}: ${error.message}\n`);
      return [];
    });
    for (const method of methods) {
      const label = labels[method] ?? method;
      const r = results.find((x) => x.method === method);
      records.push(r ? record(c, label, r.backend, r.transform.matrix, r.registrationMs, r.details.kept as string | undefined) : failed(c, label));
    }
  };
  for (const c of cases) {
    await runMethods(c, ['cnn', 'elastix', 'hybrid'], options);
    await runMethods(c, ['hybrid'], { ...options, hybridFallbackBelowConfidence: CONFIDENT }, { hybrid: HYBRID_SEARCH });
    try {
      const r = await registerElastix(c.fixed, c.moving, nodeElastixRunner, { preset: 'finish', initialTransform: c.truth });
      records.push(record(c, FROM_TRUTH, r.backend, r.transform.matrix, r.registrationMs));
    } catch {
      records.push(failed(c, FROM_TRUTH));
    }
    bar.increment();
  }
  for (const c of fields) {
    await runMethods(c, ['cnn', 'elastix', 'hybrid'], windowed);
    await runMethods(c, ['cnn'], { cnn: { passes, fieldWindows: 'never' } }, { cnn: NO_WINDOWS });
    bar.increment();
  }
  bar.stop();
  let browserNote = 'not run (--no-browser)';
  if (flags.browser) {
    process.stderr.write('bench: the CNN in headless Chromium (WebGL, then wasm)…\n');
    // Software WebGL is slow here (no GPU): an evenly spread subset of the pairs.
    const limit = runPlan(flags).browserPairs;
    // An odd stride, so that the subset does not fall in step with the 4 stratified rotation bins.
    const stride = Math.ceil(cases.length / limit) | 1;
    const subset = cases.filter((_, i) => i % stride === 0);
    const web = await runInChromium(subset, modelDir, passes);
    records.push(...web.records);
    browserNote = web.note;
  }
  const seconds = (performance.now() - started) / 1000;
  await writeReport(flags, records, { model: cnn.name, passes, seconds, browserNote, cases: cases.length });
}

/** CNN options in a sentence for the report (only those set). */
function describeCnnOptions(o: typeof HYBRID_CNN_SEARCH): string {
  const parts = [
    o.searchSize && `starts scored at ${o.searchSize} px`,
    o.candidates && `the best ${o.candidates} of each direction refined`,
    o.passes && `${o.passes} passes`,
    o.bothWaysSize && o.bothWaysSize !== o.refineSize && `the passes before the direction is chosen at ${o.bothWaysSize} px`,
    o.refineSize && `refinement at ${o.refineSize} px`,
    o.matching?.subcell === 'window' && 'soft-argmax matches',
    o.keepBestPass === false && 'the last pass kept',
    o.retry && describeRetry(o.retry, o.retryBelow),
  ];
  return parts.filter(Boolean).join(', ');
}

/** A CNN search's retry of unsure pairs in words, for the report (the CNN method's and the hybrid's). */
function describeRetry(retry: StartGrid, below = RETRY_BELOW): string {
  const where = retry.zoomOffsets?.includes(0) ? 'at the centre, edges and corners' : 'in the corners';
  return `below confidence ${below} a second search with the zoomed starts' windows ${where} of the moving image`;
}

/** The field-window pairs' section: outside the displacement bins and the speed ratios above, a capability of its own. */
function fieldSection(records: readonly BenchRecord[]): string[] {
  if (records.length === 0) return [];
  const pairs = new Set(records.map((r) => r.caseId)).size;
  return [
    `## ${FIELDS_SET}`,
    '',
    `${pairs} pairs (\`fieldCases\`, \`--fields\`): a world imaged as an X-ray map (the generator's X-ray contrast, blur, 1–8× coarser pixels, counts) and as an EM view of a part of it 2.5–5× narrower (the generator's EM contrast and degradation) at the world's pixel size, turned anywhere (stratified), scale off by up to ±5 %, wholly inside the map; the map fixed for half of them, the view for the others. Both carry their pixel sizes, counted as known (as with \`--fixed-spacing\` and \`--moving-spacing\`): the CNN registers the view inside windows of the map (field-windows.ts), and the hybrid's elastix finish runs on the part of the larger image under the smaller. \`${NO_WINDOWS}\`: the CNN on the images' own frames, which asks it for a zoom of 2.5–5. Not in the tables, ratios and bins above.`,
    '',
    binTable('rotation', summariseBy(records, 'rotationBin', ['cnn', NO_WINDOWS, 'elastix', 'hybrid'], ROTATION_BINS.map((e) => `≤ ${e}°`))),
    '',
  ];
}

async function writeReport(flags: BenchFlags, records: BenchRecord[], info: { model: string; passes: number; seconds: number; browserNote: string; cases: number }): Promise<void> {
  const { outDir, assetDir } = runPlan(flags);
  await mkdir(assetDir, { recursive: true });
  const methods = ['cnn', WEBGL, BROWSER_WASM, 'elastix', 'hybrid', HYBRID_SEARCH];
  const rotationBins = ROTATION_BINS.map((e) => `≤ ${e}°`);
  const scaleBins = SCALE_BINS.map((e) => `${(2 ** -e).toFixed(2)}–${(2 ** e).toFixed(2)}`);
  const fieldRecords = records.filter((r) => r.set === FIELDS_SET);
  records = records.filter((r) => r.set !== FIELDS_SET);
  const sets = [...new Set(records.map((r) => r.set))];
  const sections: string[] = [];
  for (const set of sets) {
    const mine = records.filter((r) => r.set === set);
    sections.push(`### ${set}`, '', binTable('rotation', summariseBy(mine, 'rotationBin', methods, rotationBins)), '', binTable('scale', summariseBy(mine, 'scaleBin', methods, scaleBins)), '');
  }
  const all = summariseBy(records, 'rotationBin', methods, rotationBins);
  const plotFile = join(assetDir, 'success-vs-rotation.svg');
  await writeFile(plotFile, successPlot(all, rotationBins, 'success rate vs rotation, all pairs'));
  const speeds: SpeedRatio[] = sets.map((set) => {
    const ms = (m: string) => median(records.filter((r) => r.set === set && r.method === m && Number.isFinite(r.registrationMs)).map((r) => r.registrationMs));
    return { label: set, cnnMs: ms('cnn'), elastixMs: ms('elastix'), hybridMs: ms('hybrid') };
  });
  // The browser runs a subset of the pairs: Node's CNN is compared on the same ones.
  const browserCases = new Set(records.filter((r) => r.method === WEBGL).map((r) => r.caseId));
  const browserMs = (method: string) => {
    const ms = median(records.filter((r) => r.method === method && browserCases.has(r.caseId)).map((r) => r.registrationMs));
    return Number.isFinite(ms) ? ms.toFixed(1) : '—';
  };
  const command = reproduceCommand(flags);
  const md = [
    '# Benchmark: CNN vs elastix vs hybrid',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\` (${info.seconds.toFixed(0)} s), model \`${info.model}\`, ${info.passes} CNN passes (cnn: ${describeRetry(RETRY_STARTS)}, \`RETRY_STARTS\`).`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, no GPU; Node ${process.version} (cnn: tfjs wasm backend; elastix: itk-wasm in Node); Chromium: ${info.browserNote}.`,
    '',
    `${info.cases} pairs with known transforms: synthetic correlative pairs (the training generator on a held-out seed, all modality orders, over a ${flags.size}-pixel field: EM images at ${flags.size}², X-ray maps at their own 1–8× coarser pixels and in counts, as a beamline writes them) and real co-registered pairs from \`${flags.data}\` whose moving image is resampled through a random similarity. Rotations are stratified over the bins, scale log-uniform in 0.5–2, shifts up to ±25 % of the field. Success: corner error ≤ 2 % of the fixed width (CONVENTIONS.md); corner errors are in fixed-image pixels, so X-ray pixels when an X-ray map is fixed. elastix: preset \`default\` from the identity; hybrid: its own CNN search (\`HYBRID_CNN_SEARCH\`: ${describeCnnOptions(HYBRID_CNN_SEARCH)}) refined by elastix preset \`finish\` (one level), keeping whichever of the two has the higher NMI (elastix from the identity, preset \`default\`, and from the best ${SEARCH_REFINED} starts of a coarse NMI search over the whole range, \`nmi-search.ts\`, refined with preset \`refine\` (2 levels), only when the CNN's estimate is unusable: \`--hybrid-fallback\` is off by default); \`${HYBRID_SEARCH}\`: the same with \`--hybrid-fallback ${CONFIDENT}\`, that fallback also where the CNN's confidence is below ${CONFIDENT}. Times are \`registrationMs\` (images loaded, model and pipelines warm).`,
    '',
    '## Speed',
    '',
    speedTable(speeds),
    '',
    `CNN in headless Chromium, median per pair: ${browserMs(WEBGL)} ms on WebGL (SwiftShader on this GPU-less machine), ${browserMs(BROWSER_WASM)} ms on wasm (what the app runs here: it skips software-rendered WebGL), against ${browserMs('cnn')} ms in Node (wasm) on the same pairs.`,
    '',
    '## Precision floor',
    '',
    `Where the hybrid's elastix finish (preset \`finish\`) ends when started at the true transform (\`${FROM_TRUTH}\` in results.json): the intensity optimum nearest the truth. On real pairs the truth is the pair's own co-registration and the modalities show different structures, so that optimum may sit off the truth; no intensity-based finish is expected to beat it there. Compare the hybrid with it on the same pairs (the pairs the hybrid aligned).`,
    '',
    floorTable([{ label: 'all pairs', records }, ...sets.map((set) => ({ label: set, records: records.filter((r) => r.set === set) }))], FROM_TRUTH),
    '',
    '## Hybrid against the better single method',
    '',
    `Bins (each set and all pairs, by rotation and by scale) in which the hybrid aligns fewer pairs than the better of cnn and elastix on the same pairs:`,
    '',
    shortfallTable(binsBelow(records, 'hybrid', ['cnn', 'elastix']), 'hybrid'),
    '',
    '## Success vs displacement',
    '',
    `![success vs rotation](${join(assetDir === outDir ? '.' : assetDir, 'success-vs-rotation.svg')})`,
    '',
    '### all pairs',
    '',
    binTable('rotation', all),
    '',
    ...sections,
    ...fieldSection(fieldRecords),
    `Raw results (one row per registration): \`${join(assetDir, 'results.json')}\`.`,
    '',
  ].join('\n');
  await writeFile(join(assetDir, 'results.json'), JSON.stringify({ ...info, command, date: new Date().toISOString(), records: [...records, ...fieldRecords] }, null, 1));
  await writeFile(join(outDir, 'BENCHMARK.md'), md);
  process.stdout.write(md);
}

await new Command()
  .name('xemreg-bench')
  .description('Benchmark cnn, elastix and hybrid on pairs with known transforms; writes BENCHMARK.md, bench/results.json and an SVG plot.')
  .option('--quick', 'a few pairs (under 3 minutes); writes into bench/quick/')
  .option('--data <dir>', 'folder with co-registered real pairs and EM worlds (the shared layout or samples/)', DEFAULTS.data)
  .option('--synthetic <n>', 'synthetic pairs (default 64, quick 8)')
  .option('--real <n>', 'warped pairs per real pair type (default 32, quick 4)')
  .option('--fields <n>', 'field-window pairs: an EM view in a 2.5–5× wider X-ray map (default 16, none with --quick)')
  .option('--size <n>', 'side of the synthetic images', DEFAULTS.size)
  .option('--seed <n>', 'seed of the pairs and transforms', DEFAULTS.seed)
  .option('--model <dir>', 'model folder (default: the shipped model)')
  .option('--passes <n>', 'passes of the cnn method at most (the hybrid runs its own search, HYBRID_CNN_SEARCH)', DEFAULTS.passes)
  .option('--no-browser', 'skip the CNN in headless Chromium')
  .option('--browser-pairs <n>', 'at most this many pairs (evenly spread) for the CNN in Chromium, on WebGL and on wasm (default 32, quick 1)')
  .option('--out <dir>', 'output folder (default: BENCHMARK.md at the top level, assets in bench/)')
  .action(bench)
  .parseAsync(process.argv);
