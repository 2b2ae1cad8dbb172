/**
 * Adapter for embedding the plugin API and the registration panel in a plain vtk.js app — one
 * that owns its render window, renderer and image actors. The app adopts the actors it wants the
 * panel to see; results come back as new image actors in its renderer.
 *
 *   const adapter = new VtkAppAdapter(renderer, renderWindow);
 *   adapter.adoptLayer(emImage, emActor, { role: 'fixed', name: 'EM' });
 *   adapter.adoptLayer(xrfImage, xrfActor, { role: 'moving', name: 'XRF Fe' });
 *   adapter.plugins.register(REGISTRATION_MANIFEST, registrationPlugin({ elastixRunner, cnn: null }));
 *   sidebar.append(await adapter.plugins.execute('xemreg.registration-panel'));
 */
import { toGrayscale } from '../src/image/grayscale.js';
import type { Image } from '../src/image/image.js';
import { percentiles } from '../src/image/statistics.js';
import { applyColormap, createVtkLayer, deleteVtkLayer, type VtkLayerObjects } from '../viewer/vtk-layer.js';
import type { HostLayer, HostLayerRole, RegistrationHost } from './host.js';
import { PluginRegistry } from './registry.js';

interface VtkRenderer {
  addActor(actor: unknown): void;
  removeActor(actor: unknown): void;
}

interface VtkRenderWindow {
  render(): void;
}

interface AdaptedLayer extends HostLayer {
  image: Image;
  /** Actors the adapter created (and must delete); adopted ones stay the app's. */
  owned: VtkLayerObjects | null;
}

let nextId = 1;

export class VtkAppAdapter extends EventTarget implements RegistrationHost {
  readonly plugins = new PluginRegistry<RegistrationHost>(this);
  private readonly layers: AdaptedLayer[] = [];

  constructor(private readonly renderer: VtkRenderer, private readonly renderWindow: VtkRenderWindow) {
    super();
  }

  /** Make an image the app already shows (with its own actor) visible to plugins. */
  adoptLayer(image: Image, _actor: unknown, options: { name?: string; role?: HostLayerRole } = {}): HostLayer {
    const layer: AdaptedLayer = { id: `vtk-layer-${nextId++}`, name: options.name ?? image.name, role: options.role ?? 'other', image: toGrayscale(image), owned: null };
    this.layers.push(layer);
    this.dispatchEvent(new CustomEvent('layer-added', { detail: { id: layer.id } }));
    return this.info(layer);
  }

  getLayers(): HostLayer[] {
    return this.layers.map((l) => this.info(l));
  }

  getLayerImage(id: string): Image {
    return this.find(id).image;
  }

  /** A new layer drawn by the adapter (gray, window from percentiles, half transparent over the rest). */
  addLayer(image: Image, options: { name?: string; role?: HostLayerRole } = {}): HostLayer {
    const gray = toGrayscale(image);
    const layer: AdaptedLayer = { id: `vtk-layer-${nextId++}`, name: options.name ?? image.name, role: options.role ?? 'other', image: gray, owned: null };
    layer.owned = this.draw(gray);
    this.layers.push(layer);
    this.renderWindow.render();
    this.dispatchEvent(new CustomEvent('layer-added', { detail: { id: layer.id } }));
    return this.info(layer);
  }

  updateLayer(id: string, patch: { image?: Image; name?: string }): HostLayer {
    const layer = this.find(id);
    if (patch.name) layer.name = patch.name;
    if (patch.image) {
      layer.image = toGrayscale(patch.image);
      if (layer.owned) {
        this.renderer.removeActor(layer.owned.actor);
        deleteVtkLayer(layer.owned);
        layer.owned = this.draw(layer.image);
      }
      this.renderWindow.render();
    }
    return this.info(layer);
  }

  removeLayer(id: string): void {
    const index = this.layers.findIndex((l) => l.id === id);
    if (index < 0) return;
    const [layer] = this.layers.splice(index, 1);
    if (layer.owned) {
      this.renderer.removeActor(layer.owned.actor);
      deleteVtkLayer(layer.owned);
      this.renderWindow.render();
    }
    this.dispatchEvent(new CustomEvent('layer-removed', { detail: { id } }));
  }

  private draw(image: Image): VtkLayerObjects {
    const objects = createVtkLayer(image);
    const [lo, hi] = percentiles(image.data as Float32Array, [0.5, 99.5]);
    applyColormap(objects, 'green', Math.max(hi - lo, 1e-6), (hi + lo) / 2);
    objects.actor.getProperty().setOpacity(0.5);
    this.renderer.addActor(objects.actor);
    return objects;
  }

  private find(id: string): AdaptedLayer {
    const layer = this.layers.find((l) => l.id === id);
    if (!layer) throw new Error(`no layer "${id}"`);
    return layer;
  }

  private info(layer: AdaptedLayer): HostLayer {
    return { id: layer.id, name: layer.name, role: layer.role };
  }
}
