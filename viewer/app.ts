/**
 * The app behind `npm start`: the <xem-viewer> with a bundled sample pair (or the user's files),
 * elastix registration in a web worker, the registered layer, and the comparison with the truth.
 */
import { configureItkAssets } from '../src/browser/assets.js';
import { createBrowserElastixRunner } from '../src/browser/elastix-runner.js';
import { readImageBlob } from '../src/browser/image-file.js';
import { compare } from '../src/compare.js';
import { CancelledError } from '../src/errors.js';
import { gridOf, type Image } from '../src/image/image.js';
import type { ElastixPresetName } from '../src/methods/elastix-presets.js';
import { prepareImage } from '../src/methods/prepare.js';
import { cornerError, isSuccess } from '../src/metrics/corner-error.js';
import { resample } from '../src/resample.js';
import { transformFromJSON, type TransformJSON } from '../src/transform/json.js';
import type { Transform } from '../src/transform/transform.js';
import { BLEND_MODES, type BlendMode } from './blend-modes.js';
import './xem-viewer.js';

interface SamplePair {
  name: string;
  fixed: string;
  moving: string;
  truth?: TransformJSON;
}

configureItkAssets('/dist/assets/itk');
const runner = createBrowserElastixRunner();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const viewer = $('viewer') as HTMLElementTagNameMap['xem-viewer'];
const status = $<HTMLDivElement>('status');
const state: { fixed?: Image; moving?: Image; truth?: Transform; controller?: AbortController } = {};

function say(text: string, error = false): void {
  status.textContent = text; // text, never HTML: file names come from users
  status.classList.toggle('error', error);
}

async function fetchFile(path: string): Promise<File> {
  const response = await fetch(`/samples/${path}`);
  if (!response.ok) throw new Error(`/samples/${path}: HTTP ${response.status}`);
  return new File([await response.blob()], path);
}

function showPair(): void {
  for (const layer of viewer.getLayers()) viewer.removeLayer(layer.id);
  if (state.fixed) viewer.addLayer(state.fixed, { role: 'fixed', name: `fixed: ${state.fixed.name}` });
  if (state.moving) viewer.addLayer(state.moving, { role: 'moving', name: `moving: ${state.moving.name}` });
  viewer.resetView();
}

async function loadPair(pair: SamplePair): Promise<void> {
  say(`Loading ${pair.name}…`);
  const [fixed, moving] = await Promise.all([readImageBlob(await fetchFile(pair.fixed)), readImageBlob(await fetchFile(pair.moving))]);
  Object.assign(state, { fixed, moving, truth: pair.truth ? transformFromJSON(pair.truth) : undefined });
  showPair();
  say(`Loaded ${pair.name}. Known truth: ${pair.truth ? `rotation ${pair.truth.rotationDeg}°, scale ${pair.truth.scale}, shift (${pair.truth.translation.join(', ')})` : 'none'}.`);
}

function showRegistered(transform: Transform): void {
  const { fixed, moving } = state;
  if (!fixed || !moving) return;
  const registered = resample(prepareImage(moving, moving.name), prepareImage(fixed, fixed.name), transform);
  const existing = viewer.getLayers().find((l) => l.role === 'registered');
  if (existing) viewer.updateLayer(existing.id, { image: registered });
  else viewer.addLayer(registered, { role: 'registered', name: 'registered', visible: true });
  const movingLayer = viewer.getLayers().find((l) => l.role === 'moving');
  if (movingLayer) viewer.updateLayer(movingLayer.id, { visible: false });
}

async function register(): Promise<void> {
  const { fixed, moving } = state;
  if (!fixed || !moving) return;
  const controller = new AbortController();
  state.controller = controller;
  $<HTMLButtonElement>('register').disabled = true;
  $<HTMLButtonElement>('cancel').disabled = false;
  say('Registering with elastix in a web worker…');
  try {
    const preset = $<HTMLSelectElement>('preset').value as ElastixPresetName;
    const [result] = await compare(fixed, moving, ['elastix'], { elastixRunner: runner }, { elastix: { preset }, signal: controller.signal });
    showRegistered(result.transform);
    const t = result.transform;
    const error = state.truth ? cornerError(state.truth, t, gridOf(fixed)) : NaN;
    const row = document.createElement('tr');
    const cells = [
      result.method,
      t.type === 'similarity' ? t.rotationDeg.toFixed(3) : '—',
      t.type === 'similarity' ? t.scale.toFixed(4) : '—',
      t.translation[0].toFixed(2),
      t.translation[1].toFixed(2),
      result.registrationMs.toFixed(0),
      `${result.quality.nmiBefore.toFixed(3)} → ${result.quality.nmiAfter.toFixed(3)}`,
      Number.isFinite(error) ? `${error.toFixed(2)} (${isSuccess(error, gridOf(fixed)) ? 'success' : 'failure'})` : 'no truth',
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
    }
    const table = $<HTMLTableElement>('results');
    table.tBodies[0].prepend(row);
    table.hidden = false;
    say(`Done in ${result.registrationMs.toFixed(0)} ms: the registered layer replaces the moving one.`);
  } catch (error) {
    say(error instanceof CancelledError ? 'Cancelled.' : (error as Error).message, !(error instanceof CancelledError));
  } finally {
    $<HTMLButtonElement>('register').disabled = false;
    $<HTMLButtonElement>('cancel').disabled = true;
  }
}

async function loadUserFile(which: 'fixed' | 'moving', input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  if (!file) return;
  try {
    state[which] = await readImageBlob(file);
    state.truth = undefined;
    showPair();
    say(`Loaded ${file.name}.`);
  } catch (error) {
    say((error as Error).message, true);
  }
}

function modeButtons(): void {
  const holder = $('modes');
  const sync = () => holder.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === viewer.blendMode)));
  BLEND_MODES.forEach((mode, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.mode = mode;
    button.textContent = `${i + 1} ${mode}`;
    button.addEventListener('click', () => {
      viewer.blendMode = mode as BlendMode;
    });
    holder.append(button);
  });
  viewer.addEventListener('view-changed', sync);
  sync();
}

async function main(): Promise<void> {
  const pairs = (await (await fetch('/samples/pairs.json')).json()) as SamplePair[];
  const select = $<HTMLSelectElement>('pair');
  pairs.forEach((pair, index) => select.add(new Option(pair.name, String(index))));
  select.addEventListener('change', () => loadPair(pairs[Number(select.value)]).catch((e) => say(e.message, true)));
  $('register').addEventListener('click', () => void register());
  $('cancel').addEventListener('click', () => state.controller?.abort());
  $('reset').addEventListener('click', () => viewer.resetView());
  $<HTMLInputElement>('tile').addEventListener('input', (e) => (viewer.tileSize = Number((e.target as HTMLInputElement).value)));
  $<HTMLInputElement>('alpha').addEventListener('input', (e) => (viewer.alpha = Number((e.target as HTMLInputElement).value)));
  $<HTMLInputElement>('swipe').addEventListener('input', (e) => (viewer.swipe = Number((e.target as HTMLInputElement).value)));
  $<HTMLInputElement>('fixed-file').addEventListener('change', (e) => void loadUserFile('fixed', e.target as HTMLInputElement));
  $<HTMLInputElement>('moving-file').addEventListener('change', (e) => void loadUserFile('moving', e.target as HTMLInputElement));
  viewer.addEventListener('load-error', (e) => say((e as CustomEvent).detail.message, true));
  modeButtons();
  await loadPair(pairs[0]);
  document.body.dataset.ready = 'true';
}

main().catch((error) => say((error as Error).message, true));
