/**
 * <xem-layer-list>: the layers of a viewer with their controls — visibility, colormap, opacity,
 * window and level, pixel size — labelled and keyboard operable.
 */
import { LitElement, css, html } from 'lit';
import type { Image } from '../src/image/image.js';
import { formatLengthMm, parseLength } from '../src/image/length-units.js';
import { spacingInMm, withSpacing } from '../src/image/spacing.js';
import { COLORMAP_NAMES, type ColormapName } from './colormaps.js';
import type { LayerInfo, XemViewer } from './xem-viewer.js';

export class XemLayerList extends LitElement {
  static override properties = { viewer: { attribute: false } };

  static override styles = css`
    :host { display: block; font: 12px/1.4 system-ui, sans-serif; }
    .layer { border-bottom: 1px solid #ddd; padding: 4px 0; display: grid; grid-template-columns: auto 1fr; gap: 2px 6px; align-items: center; }
    .name { grid-column: 1 / -1; font-weight: 600; overflow-wrap: anywhere; }
    input[type='number'], input[type='text'] { width: 7em; }
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
   * windows of a larger one (field-windows.ts) once both layers have sizes of their own. With a unit
   * ("20 nm", "0.5 µm") it is set in mm, as sizes read from files are, so that the two layers agree;
   * a bare number is in the unit shown.
   */
  private setPixelSize(layer: LayerInfo, input: HTMLInputElement): void {
    const image = this.viewer?.getLayerImage(layer.id);
    const typed = parseLength(input.value);
    if (!this.viewer || !image || !typed) {
      input.value = pixelSizeText(layer, image);
      return;
    }
    const shownUnit = spacingInMm(image) ? formatLengthMm(layer.spacing[0]).split(' ')[1] : undefined;
    const x = typed.unit || !shownUnit ? typed.value : parseLength(`${input.value} ${shownUnit}`)!.value;
    const sized = withSpacing(image, [x, (x * layer.spacing[1]) / layer.spacing[0]], typed.unit || shownUnit ? 'mm' : undefined);
    // The same pixels under a new header: a registered layer keeps its coverage.
    this.viewer.updateLayer(layer.id, { image: sized, coverage: this.viewer.getLayerCoverage(layer.id) });
    // The layers' physical layout changed: fit them in the view again.
    this.viewer.resetView();
  }

  override render() {
    const layers = this.viewer?.getLayers() ?? [];
    return html`${layers.map(
      (l) => html`<div class="layer" data-layer=${l.id}>
        <div class="name">${l.name} <small>(${l.role}, ${l.size.join('×')}, spacing ${spacingText(l, this.viewer?.getLayerImage(l.id))})</small></div>
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
        <label for="${l.id}-pixel" title="physical size of a pixel along x (y keeps its ratio), with its unit (20 nm, 0.5 µm) or a bare number in the unit shown; PNG and JPEG files carry none">pixel size</label>
        <input id="${l.id}-pixel" type="text" inputmode="decimal" .value=${pixelSizeText(l, this.viewer?.getLayerImage(l.id))} @change=${(e: Event) => this.setPixelSize(l, e.target as HTMLInputElement)} />
      </div>`,
    )}`;
  }
}

/** A layer's pixel size (x) as its input shows it: with its unit where it is in mm, else the bare number. */
function pixelSizeText(layer: LayerInfo, image: Image | undefined): string {
  return image && spacingInMm(image) ? formatLengthMm(layer.spacing[0], 5) : String(+layer.spacing[0].toPrecision(5));
}

/** A layer's spacing (x × y) for its heading, with the unit where it is in mm. */
function spacingText(layer: LayerInfo, image: Image | undefined): string {
  return image && spacingInMm(image) ? layer.spacing.map((v) => formatLengthMm(v)).join(' × ') : layer.spacing.map((v) => +v.toPrecision(4)).join('×');
}

if (!customElements.get('xem-layer-list')) customElements.define('xem-layer-list', XemLayerList);
