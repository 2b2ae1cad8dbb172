/**
 * What the registration panel needs from the viewer it works in. <xem-viewer> provides it; so
 * does the adapter for a plain vtk.js app (vtk-app-adapter.ts), which is how the panel embeds in
 * viewers that are not ours.
 */
import type { Image } from '../src/image/image.js';

export type HostLayerRole = 'fixed' | 'moving' | 'registered' | 'other';

export interface HostLayer {
  id: string;
  name: string;
  role: HostLayerRole;
}

export interface RegistrationHost extends EventTarget {
  /** Layers in drawing order; `layer-added` / `layer-removed` events announce changes. */
  getLayers(): HostLayer[];
  /** A layer's pixels as an itk-wasm Image (grayscale, physical geometry). */
  getLayerImage(id: string): Image;
  addLayer(image: Image, options: { name?: string; role?: HostLayerRole }): HostLayer;
  /** Replace a layer's image (the registered result) or rename it. */
  updateLayer(id: string, patch: { image?: Image; name?: string }): HostLayer;
}
