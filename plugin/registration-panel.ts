/**
 * <xem-registration-panel>: pick fixed and moving layers of a viewer, a method (CNN, elastix,
 * hybrid, or all three) and its parameters; run with progress and cancel; compare the results
 * side by side; choose one to create or update the registered layer; export the transform or the
 * registered image. elastix runs in a web worker; the CNN on WebGL when the page has it.
 */
import { LitElement, css, html } from 'lit';
import { writeImageBlob } from '../src/browser/image-file.js';
import { compare, availableMethods, METHOD_ORDER, type ComparedResult } from '../src/compare.js';
import { CancelledError } from '../src/errors.js';
import { gridOf, type Image } from '../src/image/image.js';
import { formatShift } from '../src/image/length-units.js';
import { spacingInMm } from '../src/image/spacing.js';
import { CONFIDENT, DEFAULT_PASSES, isUnsure, type CnnModel } from '../src/methods/cnn.js';
import type { ElastixRunner } from '../src/methods/elastix.js';
import { STANDALONE_PRESETS, type ElastixPresetName } from '../src/methods/elastix-presets.js';
import { cnnConfidence, describeFieldWindow, fieldsUnknownOf, fieldWindowsOf, type MethodName } from '../src/methods/result.js';
import { cornerError } from '../src/metrics/corner-error.js';
import { resampleWithMask } from '../src/resample.js';
import { formatTransform, type TransformFormat } from '../src/transform/formats.js';
import { transformToJSON } from '../src/transform/json.js';
import type { RegistrationHost } from './host.js';

type MethodChoice = MethodName | 'all';

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** Which field window of the larger image the CNN kept (field-windows.ts), in that image's pixels. */
function fieldWindowCell(r: ComparedResult): string {
  const used = fieldWindowsOf(r);
  return used ? describeFieldWindow(used) : '—';
}

/** The rows of the results table: a label and how to show one result's value. */
function resultRows(results: readonly ComparedResult[], reference: ComparedResult, grid: ReturnType<typeof gridOf> | null, inMm: boolean): [string, (r: ComparedResult) => string][] {
  const similarity = (r: ComparedResult, f: (t: { rotationDeg: number; scale: number }) => string) => (r.transform.type === 'similarity' ? f(r.transform) : '—');
  return [
    ['rotation °', (r) => similarity(r, (t) => fmt(t.rotationDeg, 3))],
    ['scale', (r) => similarity(r, (t) => fmt(t.scale, 4))],
    ['shift x', (r) => formatShift(r.transform.translation[0], inMm)],
    ['shift y', (r) => formatShift(r.transform.translation[1], inMm)],
    ['ms', (r) => fmt(r.registrationMs, 0)],
    ['backend', (r) => r.backend],
    ['NMI before → after', (r) => `${fmt(r.quality.nmiBefore, 3)} → ${fmt(r.quality.nmiAfter, 3)}`],
    ['confidence', (r) => fmt(cnnConfidence(r) ?? NaN, 2)],
    [`Δ to ${reference.method} (px)`, (r) => (grid ? fmt(cornerError(reference.transform, r.transform, grid), 2) : '—')],
    // Only for a small field inside a larger one, where the windows ran.
    ...(results.some((r) => fieldWindowsOf(r)) ? [['field window', fieldWindowCell] as [string, (r: ComparedResult) => string]] : []),
  ];
}

export class XemRegistrationPanel extends LitElement {
  static override properties = {
    viewer: { attribute: false },
    cnn: { attribute: false },
    elastixRunner: { attribute: false },
    backendNote: { type: String, attribute: 'backend-note' },
    method: { state: true },
    preset: { state: true },
    passes: { state: true },
    hybridFallback: { state: true },
    fieldSearch: { state: true },
    fixedId: { state: true },
    movingId: { state: true },
    running: { state: true },
    status: { state: true },
    results: { state: true },
    chosen: { state: true },
  };

  static override styles = css`
    :host { display: block; font: 13px/1.4 system-ui, sans-serif; }
    fieldset { border: 1px solid #ccc; margin: 0 0 6px; padding: 4px 8px; display: grid; grid-template-columns: auto 1fr; gap: 4px 8px; align-items: center; }
    /* Methods are columns: three of them fit a side panel, eleven quantities across did not. */
    table { border-collapse: collapse; margin-top: 6px; display: block; overflow-x: auto; font-size: 12px; }
    th, td { border: 1px solid #ddd; padding: 2px 4px; text-align: right; font-variant-numeric: tabular-nums; }
    th[scope='row'] { text-align: left; font-weight: normal; color: #444; }
    .chosen { background: #e3f3e3; }
    .status { min-height: 1.3em; color: #444; }
    .status.error { color: #b00020; }
    .actions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
    /* The display above would otherwise override the hidden attribute (the export row before a result is chosen). */
    .actions[hidden] { display: none; }
  `;

  viewer: RegistrationHost | null = null;
  cnn: CnnModel | null = null;
  elastixRunner: ElastixRunner | null = null;
  /** Shown under the method choice, e.g. which tfjs backend runs the CNN and why. */
  backendNote = '';
  protected method: MethodChoice = 'elastix';
  protected preset: ElastixPresetName = 'default';
  protected passes = DEFAULT_PASSES;
  /** The hybrid also runs elastix from the identity and from the best starts of a coarse NMI search when the CNN's confidence is below CONFIDENT (off: the fast path). */
  protected hybridFallback = false;
  /** cnn and hybrid, for images without pixel sizes: an unsure pair also tries each image as the larger field (FieldWindowMode 'search'; off: seconds more per unsure pair). */
  protected fieldSearch = false;
  protected fixedId = '';
  protected movingId = '';
  protected running = false;
  protected status = '';
  protected results: ComparedResult[] = [];
  protected chosen = -1;
  private controller: AbortController | null = null;
  private readonly onLayers = () => this.syncLayers();

  override connectedCallback(): void {
    super.connectedCallback();
    this.syncLayers();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('viewer')) {
      const old = changed.get('viewer') as RegistrationHost | undefined;
      for (const type of ['layer-added', 'layer-removed']) {
        old?.removeEventListener(type, this.onLayers);
        this.viewer?.addEventListener(type, this.onLayers);
      }
      this.syncLayers();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.controller?.abort();
    for (const type of ['layer-added', 'layer-removed']) this.viewer?.removeEventListener(type, this.onLayers);
  }

  private syncLayers(): void {
    const layers = this.viewer?.getLayers().filter((l) => l.role !== 'registered') ?? [];
    if (!layers.some((l) => l.id === this.fixedId)) this.fixedId = layers.find((l) => l.role === 'fixed')?.id ?? layers[0]?.id ?? '';
    if (!layers.some((l) => l.id === this.movingId)) this.movingId = layers.find((l) => l.role === 'moving')?.id ?? layers[1]?.id ?? '';
    this.requestUpdate();
  }

  private methods(): MethodName[] {
    return this.method === 'all' ? availableMethods(this.cnn !== null) : [this.method];
  }

  /** Run the chosen method(s) on the chosen layers. Resolves with the results (also shown). */
  async run(): Promise<ComparedResult[]> {
    if (!this.viewer || !this.elastixRunner || !this.fixedId || !this.movingId) {
      this.status = 'Choose a fixed and a moving layer first.';
      return [];
    }
    this.controller = new AbortController();
    this.running = true;
    this.results = [];
    this.chosen = -1;
    const fixed = this.viewer.getLayerImage(this.fixedId);
    const moving = this.viewer.getLayerImage(this.movingId);
    // With "compare all", a method that fails leaves the others' results, and the status says which failed.
    const failed: string[] = [];
    const bars: string[] = [];
    let step = '';
    const fields = this.fieldSearch ? { fieldWindows: 'search' as const } : {};
    try {
      this.results = await compare(fixed, moving, this.methods(), { elastixRunner: this.elastixRunner, cnn: this.cnn ?? undefined }, {
        elastix: { preset: this.preset },
        cnn: { passes: this.passes, ...fields },
        hybridCnn: fields,
        hybridFallbackBelowConfidence: this.hybridFallback ? CONFIDENT : 0,
        signal: this.controller.signal,
        onMethodStart: (m, i, n) => {
          step = `${m} (${i + 1}/${n})`;
          this.status = `Running ${step}…`;
        },
        // A small field inside a larger one: the CNN works through windows for seconds.
        onProgress: (_, p) => (this.status = `Running ${step}: field windows ${p.done} of ${p.total}…`),
        onMethodFailed: (m, error) => failed.push(`${m} failed: ${error.reason}`),
        onDataBar: (which, bar) => bars.push(`the ${which} image's ${bar.edge} ${bar.rows} rows (an instrument data bar)`),
      });
      // The CLI's warning rule: below CONFIDENT the CNN's estimate is usually wrong.
      const unsureResults = this.results.filter((r) => isUnsure(cnnConfidence(r)));
      const unsure = unsureResults.map((r) => r.method);
      // Without pixel sizes a small field inside a much larger one cannot be read from the frames.
      const sizesHint = unsureResults.some((r) => fieldsUnknownOf(r) && !fieldWindowsOf(r)?.assumed)
        ? ' Neither image has a pixel size, so their fields were taken to be comparable: if one shows a much larger field, set both pixel sizes in the layer list, or tick "CNN: search field sizes".'
        : '';
      this.status =
        `Done: ${this.results.length} result${this.results.length === 1 ? '' : 's'}. Choose one to show it as the registered layer.` +
        (failed.length ? ` ${failed.join('; ')}.` : '') +
        (bars.length ? ` Left out of the registration: ${bars.join(' and ')}.` : '') +
        (unsure.length ? ` The CNN is unsure for ${unsure.join(' and ')} (confidence below ${CONFIDENT}): that estimate is likely wrong; check it against the overlay.${sizesHint}` : '');
      this.dispatchEvent(new CustomEvent('registration-done', { detail: { results: this.results }, bubbles: true, composed: true }));
      return this.results;
    } catch (error) {
      this.status = error instanceof CancelledError ? 'Cancelled.' : (error as Error).message;
      return [];
    } finally {
      this.running = false;
      this.controller = null;
    }
  }

  cancel(): void {
    this.controller?.abort();
  }

  /** Show result `index` as the registered layer (created, or updated in place). */
  choose(index: number): void {
    const result = this.results[index];
    if (!result || !this.viewer) return;
    const fixed = this.viewer.getLayerImage(this.fixedId);
    // Outside the moving image's footprint the registered layer has no data (a small field inside a
    // larger one covers little of it): the blend modes show the fixed image alone there.
    const { image: registered, mask: coverage } = resampleWithMask(this.viewer.getLayerImage(this.movingId), gridOf(fixed), result.transform);
    const existing = this.viewer.getLayers().find((l) => l.role === 'registered');
    if (existing) this.viewer.updateLayer(existing.id, { image: registered, coverage, name: `registered (${result.method})` });
    else this.viewer.addLayer(registered, { role: 'registered', name: `registered (${result.method})`, coverage });
    this.chosen = index;
  }

  /** The chosen transform as text in a format (JSON, ITK .tfm, elastix parameters). */
  exportTransform(format: TransformFormat): string {
    const result = this.results[this.chosen];
    if (!result || !this.viewer) throw new Error('choose a result first');
    return formatTransform(result.transform, format, gridOf(this.viewer.getLayerImage(this.fixedId)));
  }

  private download(blob: Blob, name: string): void {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    // Revoked after the click has started the download: no object URL outlives its use.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  private async exportImage(ext: 'tif' | 'nrrd'): Promise<void> {
    const registered = this.viewer?.getLayers().find((l) => l.role === 'registered');
    if (!registered || !this.viewer) return;
    const image: Image = this.viewer.getLayerImage(registered.id);
    this.download(await writeImageBlob(image, `registered.${ext}`), `registered.${ext}`);
  }

  private async copyJson(): Promise<void> {
    try {
      await navigator.clipboard.writeText(JSON.stringify(transformToJSON(this.results[this.chosen].transform), null, 2));
      this.status = 'Transform JSON copied to the clipboard.';
    } catch (error) {
      this.status = `Could not copy: ${(error as Error).message}`;
    }
  }

  override render() {
    const layers = this.viewer?.getLayers().filter((l) => l.role !== 'registered') ?? [];
    const available = availableMethods(this.cnn !== null);
    const reference = this.results.find((r) => r.method === 'elastix') ?? this.results[0];
    const grid = this.viewer && this.fixedId ? gridOf(this.viewer.getLayerImage(this.fixedId)) : null;
    const inMm = Boolean(this.viewer && this.fixedId && this.movingId && [this.fixedId, this.movingId].every((id) => spacingInMm(this.viewer!.getLayerImage(id))));
    return html`
      <fieldset ?disabled=${this.running}>
        <legend>Registration</legend>
        <label for="fixed">Fixed layer</label>
        <select id="fixed" @change=${(e: Event) => (this.fixedId = (e.target as HTMLSelectElement).value)}>
          ${layers.map((l) => html`<option value=${l.id} ?selected=${l.id === this.fixedId}>${l.name}</option>`)}
        </select>
        <label for="moving">Moving layer</label>
        <select id="moving" @change=${(e: Event) => (this.movingId = (e.target as HTMLSelectElement).value)}>
          ${layers.map((l) => html`<option value=${l.id} ?selected=${l.id === this.movingId}>${l.name}</option>`)}
        </select>
        <label for="method">Method</label>
        <select id="method" @change=${(e: Event) => (this.method = (e.target as HTMLSelectElement).value as MethodChoice)}>
          ${METHOD_ORDER.map((m) => html`<option value=${m} ?disabled=${!available.includes(m)} ?selected=${m === this.method}>${m}${available.includes(m) ? '' : ' (no model loaded)'}</option>`)}
          <option value="all" ?selected=${this.method === 'all'}>compare all${available.length < 3 ? ' available' : ''}</option>
        </select>
        <label for="preset">elastix preset</label>
        <select id="preset" @change=${(e: Event) => (this.preset = (e.target as HTMLSelectElement).value as ElastixPresetName)}>
          ${STANDALONE_PRESETS.map((p) => html`<option ?selected=${p === this.preset}>${p}</option>`)}
        </select>
        <label for="passes" title="forward passes of the CNN method at most (it stops when a pass changes little); the hybrid runs its own, coarser search">CNN passes</label>
        <input id="passes" type="number" min="1" max="10" .value=${String(this.passes)} @change=${(e: Event) => (this.passes = Math.max(1, Number((e.target as HTMLInputElement).value) || 1))} />
        <label for="hybrid-fallback" title="when the CNN is unsure, the hybrid also runs elastix from the identity and from the best starts of a coarse search over every rotation, scale and shift (slower)">hybrid: search if unsure</label>
        <input id="hybrid-fallback" type="checkbox" style="justify-self: start" .checked=${this.hybridFallback} @change=${(e: Event) => (this.hybridFallback = (e.target as HTMLInputElement).checked)} />
        <label for="field-search" title="for images without pixel sizes: when the CNN is unsure of the pair as it is, also try each image as a field 3× and 5× larger than the other (seconds more per such pair)">CNN: search field sizes</label>
        <input id="field-search" type="checkbox" style="justify-self: start" .checked=${this.fieldSearch} @change=${(e: Event) => (this.fieldSearch = (e.target as HTMLInputElement).checked)} />
      </fieldset>
      ${this.backendNote ? html`<div class="note">${this.backendNote}</div>` : ''}
      <div class="actions">
        <button id="run" type="button" ?disabled=${this.running} @click=${() => void this.run()}>Run</button>
        <button id="cancel" type="button" ?disabled=${!this.running} @click=${() => this.cancel()}>Cancel</button>
      </div>
      <div class="status" role="status" aria-live="polite">${this.status}</div>
      ${this.results.length
        ? html`<table>
            <thead>
              <tr>
                <th></th>
                ${this.results.map(
                  (r, i) => html`<th scope="col" data-method=${r.method} class=${i === this.chosen ? 'chosen' : ''} aria-selected=${String(i === this.chosen)}>
                    ${r.method}<br /><button type="button" aria-label="Use the ${r.method} result" @click=${() => this.choose(i)}>use</button>
                  </th>`,
                )}
              </tr>
            </thead>
            <tbody>
              ${resultRows(this.results, reference, grid, inMm).map(
                ([label, cell]) => html`<tr>
                  <th scope="row">${label}</th>
                  ${this.results.map((r, i) => html`<td class=${i === this.chosen ? 'chosen' : ''}>${cell(r)}</td>`)}
                </tr>`,
              )}
            </tbody>
          </table>`
        : ''}
      <div class="actions exports" ?hidden=${this.chosen < 0}>
        <button type="button" @click=${() => this.download(new Blob([this.exportTransform('json')]), 'transform.json')}>Transform JSON</button>
        <button type="button" @click=${() => this.download(new Blob([this.exportTransform('tfm')]), 'transform.tfm')}>ITK .tfm</button>
        <button type="button" @click=${() => this.download(new Blob([this.exportTransform('elastix')]), 'TransformParameters.txt')}>elastix parameters</button>
        <button type="button" @click=${() => void this.exportImage('tif')}>Registered TIFF</button>
        <button type="button" @click=${() => void this.exportImage('nrrd')}>Registered NRRD</button>
        <button type="button" @click=${() => void this.copyJson()}>Copy JSON</button>
      </div>
    `;
  }
}

if (!customElements.get('xem-registration-panel')) customElements.define('xem-registration-panel', XemRegistrationPanel);
