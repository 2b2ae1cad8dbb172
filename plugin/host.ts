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
  /**
   * `coverage`: which pixels hold data (1), row-major; the registered image has none outside the
   * moving image's footprint. A host may use it to show the fixed image alone there, or ignore it.
   */
  addLayer(image: Image, options: { name?: string; role?: HostLayerRole; coverage?: Uint8Array }): HostLayer;
  /** Replace a layer's image (the registered result, with its coverage) or rename it. */
  updateLayer(id: string, patch: { image?: Image; name?: string; coverage?: Uint8Array }): HostLayer;
}
