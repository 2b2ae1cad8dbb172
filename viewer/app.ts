/**
 * The app behind `npm start`: the <xem-viewer> with a bundled sample pair (or the user's files),
 * the built-in registration plugin's panel (elastix in a web worker; the CNN on WebGL when a model
 * is shipped), and the command palette of all plugins.
 */
import { configureItkAssets } from '../src/browser/assets.js';
import { createBrowserElastixRunner } from '../src/browser/elastix-runner.js';
import { readImageBlob, sidecarsAmong, withSidecarFile } from '../src/browser/image-file.js';
import { ImageChoiceError } from '../src/errors.js';
import { partLabel, partName, partOption, partToChoose, toGrayscale } from '../src/image/grayscale.js';
import { pixelSizeSource } from '../src/image/instrument-metadata.js';
import { spacingInMm } from '../src/image/spacing.js';
import { formatLengthMm } from '../src/image/length-units.js';
import { backendLabel, chooseTfBackend, loadCnnModelFromUrl } from '../src/browser/tf-backend.js';
import type { CnnModel } from '../src/methods/cnn.js';
import type { Image } from '../src/image/image.js';
import { transformToJSON, type TransformJSON } from '../src/transform/json.js';
import { transformFromJSON } from '../src/transform/json.js';
import { cornerError } from '../src/metrics/corner-error.js';
import { gridOf } from '../src/image/image.js';
import { BLEND_MODES, type BlendMode } from './blend-modes.js';
import '../plugin/command-palette.js';
import { REGISTRATION_MANIFEST, registrationPlugin } from '../plugin/registration-plugin.js';
import type { XemRegistrationPanel } from '../plugin/registration-panel.js';
import './xem-viewer.js';
import './layer-list.js';

interface SamplePair {
  name: string;
  fixed: string;
  moving: string;
  truth?: TransformJSON;
}

configureItkAssets('/dist/assets/itk');

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const viewer = $('viewer') as HTMLElementTagNameMap['xem-viewer'];
const status = $<HTMLDivElement>('status');
const state: { fixed?: Image; moving?: Image; truth?: TransformJSON } = {};

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

/** Counts loads: a sample pair that finishes loading after a newer pair or a user's file was chosen is dropped. */
let loads = 0;

async function loadPair(pair: SamplePair): Promise<void> {
  const load = ++loads;
  say(`Loading ${pair.name}…`);
  const [fixed, moving] = await Promise.all([readImageBlob(await fetchFile(pair.fixed)), readImageBlob(await fetchFile(pair.moving))]);
  if (load !== loads) return;
  Object.assign(state, { fixed, moving, truth: pair.truth });
  for (const which of ['fixed', 'moving'] as const) {
    delete parts[which];
    delete severalImages[which];
    $<HTMLSelectElement>(`${which}-part`).hidden = true;
    $<HTMLSelectElement>(`${which}-image`).hidden = true;
  }
  showPair();
  say(`Loaded ${pair.name}. Known truth: ${pair.truth ? `rotation ${pair.truth.rotationDeg}°, scale ${pair.truth.scale}, shift (${pair.truth.translation.join(', ')})` : 'none'}.`);
}

/**
 * A stack (a Fiji stack of element maps, an OME-TIFF's channels as pages) or a multi-channel image,
 * as read, and which part of it is shown: the select beside its file input picks another.
 */
const parts: Partial<Record<'fixed' | 'moving', { image: Image; kind: 'channel' | 'slice'; names?: string[] }>> = {};

/** The image of `which` as the pair shows it: the file's, or the chosen slice or channel of it. */
function showPart(which: 'fixed' | 'moving', index: number): void {
  const part = parts[which];
  if (!part) return;
  const image = toGrayscale(part.image, { ...partOption(part.kind, index), label: part.image.name });
  image.name = partName(part.image.name, part.kind, index, part.names?.[index]);
  state[which] = image;
}

/** A user's file that holds several images (ImageChoiceError), kept while the select beside it asks which. */
const severalImages: Partial<Record<'fixed' | 'moving', File>> = {};

async function loadUserFile(which: 'fixed' | 'moving', input: HTMLInputElement): Promise<void> {
  const chosen = [...(input.files ?? [])];
  // The image, and a Hitachi or JEOL SEM's text chosen with it (its pixel size).
  const sidecars = sidecarsAmong(chosen);
  const file = chosen.find((f) => !sidecars.includes(f));
  if (!file) return;
  loads++; // a sample pair still loading is not shown over the user's file
  const images = $<HTMLSelectElement>(`${which}-image`);
  images.hidden = true;
  delete severalImages[which];
  try {
    showUserImage(which, file.name, await withSidecarFile(await readImageBlob(file), file.name, sidecars));
  } catch (error) {
    if (!(error instanceof ImageChoiceError)) return say((error as Error).message, true);
    // An HDF5 file with several maps, a Velox file of several sizes: the user says which, as the CLI's file::path does.
    severalImages[which] = file;
    // The previous file's slices are not this file's.
    $<HTMLSelectElement>(`${which}-part`).hidden = true;
    const prompt = new Option('choose an image…', '', true, true);
    prompt.disabled = true;
    images.replaceChildren(prompt, ...error.choices.map((c) => new Option(c.label, c.path)));
    images.hidden = false;
    say(`${file.name} holds ${error.choices.length} images: choose one beside the file.`);
  }
}

async function chooseImage(which: 'fixed' | 'moving', select: HTMLSelectElement): Promise<void> {
  const file = severalImages[which];
  if (!file) return;
  loads++;
  try {
    const image = await readImageBlob(file, file.name, { dataset: select.value });
    image.name = `${file.name}::${select.value}`;
    showUserImage(which, image.name, image);
  } catch (error) {
    say((error as Error).message, true);
  }
}

/** A user's image as the pair's `which`, asking for its slice or channel when it has several. */
function showUserImage(which: 'fixed' | 'moving', name: string, image: Image): void {
  const choice = partToChoose(image);
  const select = $<HTMLSelectElement>(`${which}-part`);
  select.hidden = !choice;
  delete parts[which];
  state[which] = image;
  if (choice) {
    parts[which] = { image, kind: choice.kind, names: choice.names };
    select.replaceChildren(...Array.from({ length: choice.count }, (_, k) => new Option(partLabel(choice.kind, k, choice.names?.[k]), String(k))));
    showPart(which, 0);
  }
  state.truth = undefined;
  showPair();
  const source = pixelSizeSource(state[which] as Image);
  // Where a size came from matters: the other image's must be given in the same unit (mm).
  say(
    `Loaded ${name}.` +
      (choice ? ` It has ${choice.count} ${choice.kind}s: showing ${partLabel(choice.kind, 0, choice.names?.[0])} (choose another beside the file).` : '') +
      (source ? ` Pixel size ${pixelSizeWords(state[which] as Image, source)}.` : ''),
  );
}

/** Where a size came from, with its unit where the file states one (an HDF5 map's positions may not: hdf5-maps.ts). */
function pixelSizeWords(image: Image, source: string): string {
  if (spacingInMm(image)) return `${formatLengthMm(image.spacing[0])} from its ${source} metadata`;
  return `${image.spacing[0]} from its ${source}, in a unit the file does not state (taken as µm; type it with its unit in the layer list if not)`;
}

function choosePart(which: 'fixed' | 'moving', select: HTMLSelectElement): void {
  showPart(which, Number(select.value));
  showPair();
  say(`Showing ${state[which]?.name}.`);
}

function modeButtons(): void {
  const holder = $('modes');
  const sync = () => holder.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === viewer.blendMode)));
  BLEND_MODES.forEach((mode, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.mode = mode;
    button.textContent = `${i + 1} ${mode}`;
    button.addEventListener('click', () => (viewer.blendMode = mode as BlendMode));
    holder.append(button);
  });
  viewer.addEventListener('view-changed', sync);
  sync();
}

/** The shipped model (models/index.json), if any, on the best tfjs backend. */
async function loadModel(): Promise<{ cnn: CnnModel | null; note: string }> {
  const index = await fetch('/models/index.json');
  if (!index.ok) return { cnn: null, note: 'No registration model is shipped yet: cnn and hybrid are unavailable.' };
  const { default: name } = (await index.json()) as { default: string };
  const choice = await chooseTfBackend();
  const fell = choice.fallbacks.map((f) => `not ${f.backend}: ${f.reason}`).join('; ');
  return { cnn: await loadCnnModelFromUrl(`/models/${name}/model.json`, name), note: `CNN ${name} on ${backendLabel(choice)}${fell ? ` — ${fell}` : ''}.` };
}

async function main(): Promise<void> {
  const pairs = (await (await fetch('/samples/pairs.json')).json()) as SamplePair[];
  const select = $<HTMLSelectElement>('pair');
  pairs.forEach((pair, index) => select.add(new Option(pair.name, String(index))));
  select.addEventListener('change', () => loadPair(pairs[Number(select.value)]).catch((e) => say(e.message, true)));
  $('reset').addEventListener('click', () => viewer.resetView());
  $<HTMLInputElement>('tile').addEventListener('input', (e) => (viewer.tileSize = Number((e.target as HTMLInputElement).value)));
  $<HTMLInputElement>('alpha').addEventListener('input', (e) => (viewer.alpha = Number((e.target as HTMLInputElement).value)));
  $<HTMLInputElement>('swipe').addEventListener('input', (e) => (viewer.swipe = Number((e.target as HTMLInputElement).value)));
  $<HTMLInputElement>('fixed-file').addEventListener('change', (e) => void loadUserFile('fixed', e.target as HTMLInputElement));
  $<HTMLInputElement>('moving-file').addEventListener('change', (e) => void loadUserFile('moving', e.target as HTMLInputElement));
  for (const which of ['fixed', 'moving'] as const) {
    $<HTMLSelectElement>(`${which}-part`).addEventListener('change', (e) => choosePart(which, e.target as HTMLSelectElement));
    $<HTMLSelectElement>(`${which}-image`).addEventListener('change', (e) => void chooseImage(which, e.target as HTMLSelectElement));
  }
  viewer.addEventListener('load-error', (e) => say((e as CustomEvent).detail.message, true));
  modeButtons();

  const { cnn, note } = await loadModel();
  viewer.plugins.register(REGISTRATION_MANIFEST, registrationPlugin({ elastixRunner: createBrowserElastixRunner(), cnn, backendNote: note }));
  const panel = (await viewer.plugins.execute('xemreg.registration-panel')) as XemRegistrationPanel;
  $('panel-slot').append(panel);
  // After a registration, compare with the sample's known truth and show the chosen result.
  panel.addEventListener('registration-done', (e) => {
    const results = (e as CustomEvent).detail.results as { method: string; transform: Parameters<typeof transformToJSON>[0] }[];
    if (results.length) panel.choose(results.length - 1);
    if (state.truth && state.fixed && results.length) {
      const errors = results.map((r) => `${r.method} ${cornerError(transformFromJSON(state.truth as TransformJSON), r.transform, gridOf(state.fixed as Image)).toFixed(2)} px`);
      say(`Corner error against the known truth: ${errors.join(', ')} (success ≤ ${(0.02 * (state.fixed as Image).size[0]).toFixed(1)} px).`);
    }
  });
  ($('palette') as HTMLElementTagNameMap['xem-command-palette']).registry = viewer.plugins;
  ($('layers') as import('./layer-list.js').XemLayerList).viewer = viewer;
  await loadPair(pairs[0]);
  document.body.dataset.ready = 'true';
}

main().catch((error) => say((error as Error).message, true));

declare global {
  interface HTMLElementTagNameMap {
    'xem-command-palette': import('../plugin/command-palette.js').XemCommandPalette;
  }
}
