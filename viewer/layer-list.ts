/**
 * <xem-layer-list>: the layers of a viewer with their controls — visibility, colormap, opacity,
 * window and level, pixel size — labelled and keyboard operable.
 */
import { LitElement, css, html } from 'lit';
import { withSpacing } from '../src/image/spacing.js';
import { COLORMAP_NAMES, type ColormapName } from './colormaps.js';
import type { LayerInfo, XemViewer } from './xem-viewer.js';

export class XemLayerList extends LitElement {
  static override properties = { viewer: { attribute: false } };

  static override styles = css`
    :host { display: block; font: 12px/1.4 system-ui, sans-serif; }
    .layer { border-bottom: 1px solid #ddd; padding: 4px 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 6px; align-items: center; }
    .name { grid-column: 1 / -1; font-weight: 600; overflow-wrap: anywhere; }
    input[type='number'] { width: 7em; }
  `;

  viewer: XemViewer | null = null;
  private readonly refresh = () => this.requestUpdate();
  private static readonly EVENTS = ['layer-added', 'layer-removed', 'layer-updated'];

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('viewer')) {
      const old = changed.get('viewer') as XemViewer | undefined;
      for (const type of XemLayerList.EVENTS) {
        old?.removeEventListener(type, this.refresh);
        this.viewer?.addEventListener(type, this.refresh);
      }
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const type of XemLayerList.EVENTS) this.viewer?.removeEventListener(type, this.refresh);
  }

  private update_(layer: LayerInfo, patch: Parameters<XemViewer['updateLayer']>[1]): void {
    this.viewer?.updateLayer(layer.id, patch);
  }

  /**
   * A pixel size the file did not carry (or carried wrongly): the layer's image gets it, so that
   * registration works in physical units — and the CNN registers a much smaller field inside
   * windows of a larger one (field-windows.ts) once both layers have sizes of their own.
   */
  private setPixelSize(layer: LayerInfo, input: HTMLInputElement): void {
    const x = Number(input.value);
    if (!this.viewer || !(Number.isFinite(x) && x > 0)) {
      input.value = String(+layer.spacing[0].toPrecision(5));
      return;
    }
    const image = withSpacing(this.viewer.getLayerImage(layer.id), [x, (x * layer.spacing[1]) / layer.spacing[0]]);
    // The same pixels under a new header: a registered layer keeps its coverage.
    this.viewer.updateLayer(layer.id, { image, coverage: this.viewer.getLayerCoverage(layer.id) });
    // The layers' physical layout changed: fit them in the view again.
    this.viewer.resetView();
  }

  override render() {
    const layers = this.viewer?.getLayers() ?? [];
    return html`${layers.map(
      (l) => html`<div class="layer" data-layer=${l.id}>
        <div class="name">${l.name} <small>(${l.role}, ${l.size.join('×')}, spacing ${l.spacing.map((s) => +s.toPrecision(4)).join('×')})</small></div>
        <label for="${l.id}-visible">visible</label>
        <input id="${l.id}-visible" type="checkbox" .checked=${l.visible} @change=${(e: Event) => this.update_(l, { visible: (e.target as HTMLInputElement).checked })} />
        <label for="${l.id}-colormap">colormap</label>
        <select id="${l.id}-colormap" @change=${(e: Event) => this.update_(l, { colormap: (e.target as HTMLSelectElement).value as ColormapName })}>
          ${COLORMAP_NAMES.map((c) => html`<option ?selected=${c === l.colormap}>${c}</option>`)}
        </select>
        <label for="${l.id}-opacity">opacity</label>
        <input id="${l.id}-opacity" type="range" min="0" max="1" step="0.01" .value=${String(l.opacity)} @input=${(e: Event) => this.update_(l, { opacity: Number((e.target as HTMLInputElement).value) })} />
        <label for="${l.id}-window">window</label>
        <input id="${l.id}-window" type="number" step="any" .value=${String(+l.window.toPrecision(5))} @change=${(e: Event) => this.update_(l, { window: Math.max(1e-12, Number((e.target as HTMLInputElement).value)) })} />
        <label for="${l.id}-level">level</label>
        <input id="${l.id}-level" type="number" step="any" .value=${String(+l.level.toPrecision(5))} @change=${(e: Event) => this.update_(l, { level: Number((e.target as HTMLInputElement).value) })} />
        <label for="${l.id}-pixel" title="physical size of a pixel along x (y keeps its ratio); PNG and JPEG files carry none">pixel size</label>
        <input id="${l.id}-pixel" type="number" min="0" step="any" .value=${String(+l.spacing[0].toPrecision(5))} @change=${(e: Event) => this.setPixelSize(l, e.target as HTMLInputElement)} />
      </div>`,
    )}`;
  }
}

if (!customElements.get('xem-layer-list')) customElements.define('xem-layer-list', XemLayerList);
