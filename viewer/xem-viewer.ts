/**
 * <xem-viewer>: a Lit element around a vtk.js 2-D image view for correlative X-ray/EM data.
 * Layers (fixed, moving, registered, others) sit in physical coordinates; blend modes compare the
 * fixed layer with the registered one (or the moving one as it lies) for visual QA.
 *
 * Properties / attributes: blend-mode (layers | alpha | checkerboard | difference | false-colour |
 * swipe), tile-size (px, checkerboard), alpha (0–1), swipe (0–1), unit (auto | px | nm | µm | mm).
 * Methods: addLayer, removeLayer, updateLayer, getLayers, resetView, loadFiles.
 * Events: layer-added, layer-removed, layer-updated, view-changed, load-error, choice-requested.
 * Keys (when focused): 1–6 blend modes, r reset view, [ ] checkerboard tile size.
 */
import { LitElement, css, html, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Geometry.js';
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow.js';
import vtkInteractorStyleManipulator from '@kitware/vtk.js/Interaction/Style/InteractorStyleManipulator.js';
import vtkMouseCameraTrackballPanManipulator from '@kitware/vtk.js/Interaction/Manipulators/MouseCameraTrackballPanManipulator.js';
import vtkMouseCameraTrackballZoomManipulator from '@kitware/vtk.js/Interaction/Manipulators/MouseCameraTrackballZoomManipulator.js';
import vtkGestureCameraManipulator from '@kitware/vtk.js/Interaction/Manipulators/GestureCameraManipulator.js';
import { readImageBlob, sidecarsAmong, withSidecarFile } from '../src/browser/image-file.js';
import { ImageChoiceError } from '../src/errors.js';
import { spacingInMm } from '../src/image/spacing.js';
import { partLabel, partName, partOption, partToChoose, toGrayscale, type GrayscaleOptions } from '../src/image/grayscale.js';
import { createFloatImage, gridOf, indexToPhysicalMatrix, type Grid, type Image } from '../src/image/image.js';
import { percentiles } from '../src/image/statistics.js';
import { resampleWithMask } from '../src/resample.js';
import { applyMatrix, identityMatrix, invertMatrix } from '../src/transform/matrix.js';
import { PluginRegistry } from '../plugin/registry.js';
import { blend, BLEND_MODES, type BlendMode } from './blend-modes.js';
import { COLORMAP_NAMES, type ColormapName } from './colormaps.js';
import { applyColormap, createImageSlice, createVtkLayer, deleteVtkLayer, DISPLAY_PIXEL_LIMIT, makeImageData, type VtkLayerObjects } from './vtk-layer.js';
import { downsampleToBudget } from '../src/image/downsample.js';

export type LayerRole = 'fixed' | 'moving' | 'registered' | 'other';

export interface LayerOptions {
  name?: string;
  role?: LayerRole;
  colormap?: ColormapName;
  /** Default: from the 0.5 and 99.5 percentiles. */
  window?: number;
  level?: number;
  opacity?: number;
  visible?: boolean;
  /** Component of multi-component images (default: luminance for RGB, else 0). */
  component?: number | 'luminance';
  /** Slice of a 3-D stack (a multi-page TIFF, an HDF5 file's maps), from 0 or by name; required for one (toGrayscale). */
  slice?: GrayscaleOptions['slice'];
  /**
   * Which of the image's pixels hold data (1) and which are only its frame (0), row-major like
   * the pixels: a registered image resampled onto the fixed grid has none outside the moving
   * image's footprint. The blend modes show the fixed image alone there. Default: every pixel.
   */
  coverage?: Uint8Array;
}

export interface LayerInfo {
  id: string;
  name: string;
  role: LayerRole;
  colormap: ColormapName;
  window: number;
  level: number;
  opacity: number;
  visible: boolean;
  size: [number, number];
  spacing: [number, number];
  origin: [number, number];
}

interface Layer extends LayerInfo {
  image: Image;
  coverage?: Uint8Array;
  vtk: VtkLayerObjects;
}

type Unit = 'auto' | 'px' | 'nm' | 'µm' | 'mm';

const NICE = [1, 2, 5];

/** vtkProp.setVisibility exists at run time; the typings of vtkImageSlice omit it. */
const setVisible = (actor: unknown, visible: boolean) => (actor as { setVisibility(v: boolean): void }).setVisibility(visible);
let nextId = 1;

/** A coverage mask for an image, checked against its pixel count; undefined: every pixel. */
function checkedCoverage(coverage: Uint8Array | undefined, image: Image): Uint8Array | undefined {
  if (!coverage) return undefined;
  const n = image.size[0] * image.size[1];
  if (coverage.length !== n) throw new Error(`coverage has ${coverage.length} values for ${image.size.join('×')} pixels`);
  return coverage;
}

/** A layer's coverage as a 0/1 image on its grid, to be resampled like its pixels. */
function coverageImage(layer: Layer): Image {
  return createFloatImage([layer.size[0], layer.size[1]], Float32Array.from(layer.coverage as Uint8Array), gridOf(layer.image));
}

function autoWindow(image: Image): { window: number; level: number } {
  const [lo, hi] = percentiles(image.data as Float32Array, [0.5, 99.5]);
  const window = hi > lo ? hi - lo : Math.max(1, Math.abs(hi));
  return { window, level: hi > lo ? (hi + lo) / 2 : lo };
}

export class XemViewer extends LitElement {
  static override properties = {
    blendMode: { type: String, attribute: 'blend-mode', reflect: true },
    tileSize: { type: Number, attribute: 'tile-size' },
    alpha: { type: Number },
    swipe: { type: Number },
    unit: { type: String },
    readout: { state: true },
    scaleBar: { state: true },
    message: { state: true },
    choice: { state: true },
  };

  static override styles = css`
    :host { display: block; position: relative; min-height: 240px; background: #000; outline: none; }
    .view { position: absolute; inset: 0; }
    .readout, .scale, .message { position: absolute; font: 12px/1.3 system-ui, sans-serif; color: #fff; pointer-events: none; text-shadow: 0 0 3px #000; }
    .readout { left: 8px; top: 6px; white-space: pre; }
    .scale { right: 12px; bottom: 10px; text-align: center; }
    .scale .bar { height: 4px; background: #fff; margin-bottom: 2px; box-shadow: 0 0 2px #000; }
    .message { left: 8px; bottom: 8px; color: #ffb4b4; }
    .channels { position: absolute; left: 8px; bottom: 28px; color: #fff; background: rgba(0, 0, 0, 0.6); padding: 4px 6px; font: 12px system-ui, sans-serif; }
    .drop { position: absolute; inset: 0; border: 3px dashed #6cf; display: none; }
    :host([dragging]) .drop { display: block; }
  `;

  blendMode: BlendMode = 'layers';
  tileSize = 32;
  alpha = 0.5;
  swipe = 0.5;
  unit: Unit = 'auto';
  protected readout = '';
  protected scaleBar: { width: number; label: string } | null = null;
  protected message = '';
  /**
   * A question in the view, waiting for the user: which image of a file that holds several, which
   * channel or slice of a multi-component image or a stack. `what` says what there is to choose
   * from ("3 slices"), `label` names the select for assistive technology.
   */
  protected choice: { name: string; what: string; label: string; options: string[]; resolve: (index: number | null) => void } | null = null;

  /** Plugins contributing commands, widgets, readers and writers to this viewer. */
  readonly plugins = new PluginRegistry<XemViewer>(this);

  private layers: Layer[] = [];
  private grw: ReturnType<typeof vtkGenericRenderWindow.newInstance> | null = null;
  private composite: Omit<VtkLayerObjects, 'ctf'> | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private frame = 0;
  /** vtk objects created and not yet deleted (layers and composite), for leak checks. */
  liveVtkObjects = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    // Focusable for the keyboard shortcuts (attributes cannot be set in the constructor).
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
  }

  override render() {
    return html`
      <div class="view" @pointermove=${this.onPointerMove} @pointerleave=${() => (this.readout = '')}></div>
      <div class="readout">${this.readout}</div>
      ${this.scaleBar ? html`<div class="scale"><div class="bar" style="width:${this.scaleBar.width}px"></div>${this.scaleBar.label}</div>` : ''}
      <div class="message" role="status">${this.message}</div>
      ${this.choice
        ? // A new select per question: one kept from the last would keep the option picked there.
          keyed(
            this.choice,
            html`<label class="channels"
            >${this.choice.name}: ${this.choice.what} — show
            <select aria-label=${this.choice.label} @change=${this.onChosen}>
              <option value="" selected disabled>choose…</option>
              ${this.choice.options.map((option, k) => html`<option value=${k}>${option}</option>`)}
            </select></label
            >`,
          )
        : ''}
      <div class="drop"></div>
    `;
  }

  override firstUpdated(): void {
    const container = this.renderRoot.querySelector('.view') as HTMLDivElement;
    this.grw = vtkGenericRenderWindow.newInstance({ background: [0, 0, 0], listenWindowResize: false });
    this.grw.setContainer(container);
    const style = vtkInteractorStyleManipulator.newInstance();
    style.addMouseManipulator(vtkMouseCameraTrackballPanManipulator.newInstance({ button: 1 }));
    style.addMouseManipulator(vtkMouseCameraTrackballPanManipulator.newInstance({ button: 2 }));
    style.addMouseManipulator(vtkMouseCameraTrackballZoomManipulator.newInstance({ button: 3 } as object));
    style.addMouseManipulator(vtkMouseCameraTrackballZoomManipulator.newInstance({ scrollEnabled: true, dragEnabled: false } as object));
    style.addGestureManipulator(vtkGestureCameraManipulator.newInstance());
    this.grw.getInteractor().setInteractorStyle(style);
    const camera = this.grw.getRenderer().getActiveCamera();
    camera.setParallelProjection(true);
    camera.onModified(() => this.scheduleOverlay());
    this.grw.resize();
    this.resizeObserver = new ResizeObserver(() => {
      this.grw?.resize();
      this.requestRender();
    });
    this.resizeObserver.observe(this);
    this.addEventListener('keydown', this.onKey);
    this.addEventListener('dragover', this.onDragOver);
    this.addEventListener('dragleave', () => this.removeAttribute('dragging'));
    this.addEventListener('drop', this.onDrop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    for (const layer of [...this.layers]) this.removeLayer(layer.id);
    this.dropComposite();
    (this.grw as unknown as { delete(): void } | null)?.delete();
    this.grw = null;
  }

  override updated(changed: PropertyValues): void {
    if (['blendMode', 'tileSize', 'alpha', 'swipe'].some((k) => changed.has(k))) {
      this.refreshBlend();
      this.dispatchEvent(new CustomEvent('view-changed', { detail: this.viewState(), bubbles: true, composed: true }));
    }
    if (changed.has('unit')) this.scheduleOverlay();
  }

  /** A layer's pixels (float32 grayscale itk-wasm Image, not a copy: do not modify). */
  getLayerImage(id: string): Image {
    return this.layerById(id).image;
  }

  /** A layer's coverage (1: the pixel holds data), row-major; undefined: every pixel. */
  getLayerCoverage(id: string): Uint8Array | undefined {
    return this.layerById(id).coverage;
  }

  private layerById(id: string): Layer {
    const layer = this.layers.find((l) => l.id === id);
    if (!layer) throw new Error(`no layer "${id}"`);
    return layer;
  }

  /** Layers in drawing order (first at the bottom). */
  getLayers(): LayerInfo[] {
    return this.layers.map(({ image: _image, vtk: _vtk, ...info }) => ({ ...info }));
  }

  /** Add an image as a layer; returns its info (with id). The image is converted to grayscale; the caller's object is not modified. */
  addLayer(image: Image, options: LayerOptions = {}): LayerInfo {
    const gray = toGrayscale(image, { component: options.component, slice: options.slice, label: options.name ?? image.name });
    const auto = autoWindow(gray);
    const grid = gridOf(gray);
    const role = options.role ?? (this.layers.some((l) => l.role === 'fixed') ? 'moving' : 'fixed');
    const layer: Layer = {
      id: `layer-${nextId++}`,
      name: options.name ?? (image.name || role),
      role,
      colormap: options.colormap ?? (role === 'fixed' ? 'magenta' : role === 'moving' || role === 'registered' ? 'green' : 'gray'),
      window: options.window ?? auto.window,
      level: options.level ?? auto.level,
      opacity: options.opacity ?? (this.layers.length === 0 ? 1 : 0.5),
      visible: options.visible ?? true,
      size: grid.size,
      spacing: grid.spacing,
      origin: grid.origin,
      image: gray,
      coverage: checkedCoverage(options.coverage, gray),
      vtk: createVtkLayer(gray),
    };
    this.liveVtkObjects++;
    this.applyLayerStyle(layer);
    this.layers.push(layer);
    this.grw?.getRenderer().addActor(layer.vtk.actor);
    if (this.layers.length === 1) this.resetView();
    this.refreshBlend();
    this.dispatchEvent(new CustomEvent('layer-added', { detail: this.getLayers().find((l) => l.id === layer.id), bubbles: true, composed: true }));
    return this.getLayers().find((l) => l.id === layer.id) as LayerInfo;
  }

  removeLayer(id: string): void {
    const index = this.layers.findIndex((l) => l.id === id);
    if (index < 0) return;
    const [layer] = this.layers.splice(index, 1);
    // The cached comparison may hold this layer's pixels: let them go.
    this.comparisonCache = null;
    this.grw?.getRenderer().removeActor(layer.vtk.actor);
    deleteVtkLayer(layer.vtk);
    this.liveVtkObjects--;
    this.refreshBlend();
    this.dispatchEvent(new CustomEvent('layer-removed', { detail: { id, name: layer.name }, bubbles: true, composed: true }));
  }

  /** Change a layer's style or replace its image (e.g. a new registration result). */
  updateLayer(id: string, patch: Partial<Omit<LayerOptions, 'component' | 'slice'>> & { image?: Image }): LayerInfo {
    const layer = this.layerById(id);
    if (patch.image) {
      const gray = toGrayscale(patch.image, { label: layer.name });
      // A new image's coverage is the patch's (default: every pixel), not the old image's.
      layer.coverage = checkedCoverage(patch.coverage, gray);
      this.grw?.getRenderer().removeActor(layer.vtk.actor);
      deleteVtkLayer(layer.vtk);
      layer.image = gray;
      layer.vtk = createVtkLayer(gray);
      const grid = gridOf(gray);
      Object.assign(layer, { size: grid.size, spacing: grid.spacing, origin: grid.origin });
      this.grw?.getRenderer().addActor(layer.vtk.actor);
    } else if (patch.coverage) {
      // A coverage alone applies to the layer's present image.
      layer.coverage = checkedCoverage(patch.coverage, layer.image);
    }
    for (const key of ['name', 'role', 'colormap', 'window', 'level', 'opacity', 'visible'] as const) {
      if (patch[key] !== undefined) (layer as unknown as Record<string, unknown>)[key] = patch[key];
    }
    if (patch.colormap && !COLORMAP_NAMES.includes(patch.colormap)) throw new Error(`unknown colormap "${patch.colormap}"`);
    this.applyLayerStyle(layer);
    this.refreshBlend();
    const info = this.getLayers().find((l) => l.id === id) as LayerInfo;
    this.dispatchEvent(new CustomEvent('layer-updated', { detail: info, bubbles: true, composed: true }));
    return info;
  }

  /** Fit all layers in the view. */
  resetView(): void {
    if (!this.grw) return;
    const renderer = this.grw.getRenderer();
    const camera = renderer.getActiveCamera();
    // y points down on screen, as in every image viewer: look along +z with −y up.
    camera.setPosition(0, 0, -1);
    camera.setFocalPoint(0, 0, 0);
    camera.setViewUp(0, -1, 0);
    // Fit x and y only: an image slice is one unit thick along z whatever its pixel size, and vtk
    // fits the diagonal, so a 10 µm field in mm (0.01 wide) would be shown as if 1 wide, a speck.
    const bounds = renderer.computeVisiblePropBounds();
    renderer.resetCamera([bounds[0], bounds[1], bounds[2], bounds[3], 0, 0]);
    renderer.resetCameraClippingRange(bounds);
    this.requestRender();
    this.dispatchEvent(new CustomEvent('view-changed', { detail: this.viewState(), bubbles: true, composed: true }));
  }

  /**
   * Read files (drag and drop, file picker) and add them as layers: a plugin's reader when one
   * claims the file name (its command gets the File and returns an Image or Images), else
   * itk-wasm off the main thread. A file of several images (an HDF5 file with several maps) asks
   * which, a stack or a multi-component image which slice or channel: the chooser in the view. A
   * Hitachi or JEOL SEM's `.txt` among the files sizes the image of the same name.
   * Errors show in the view and as `load-error` events.
   */
  async loadFiles(files: Iterable<File>): Promise<LayerInfo[]> {
    const added: LayerInfo[] = [];
    const all = [...files];
    // A Hitachi or JEOL SEM's text dropped with its image gives the image's pixel size.
    const sidecars = sidecarsAmong(all);
    for (const file of all.filter((f) => !sidecars.includes(f))) {
      try {
        const reader = this.plugins.readerFor(file.name);
        const read = reader ? { images: await this.plugins.execute(reader, file), name: file.name } : await this.readAsked(file);
        // Another question took the chooser's place before this one was answered.
        if (!read) continue;
        const images = (Array.isArray(read.images) ? read.images : [read.images]) as Image[];
        if (images.length === 0 || images.some((i) => !i?.data)) throw new Error(`${file.name}: the reader ${reader} returned no image`);
        for (const raw of images) {
          const image = await withSidecarFile(raw, file.name, sidecars);
          const part = partToChoose(image);
          const layer = part ? await this.choosePart(image, read.name, part) : this.addLayer(image, { name: read.name });
          if (layer) added.push(layer);
        }
        this.message = '';
      } catch (error) {
        this.message = (error as Error).message; // rendered as text by lit
        this.dispatchEvent(new CustomEvent('load-error', { detail: { name: file.name, message: this.message }, bubbles: true, composed: true }));
      }
    }
    return added;
  }

  /**
   * A file's image; for a file of several (ImageChoiceError) the one the user picks, named as the
   * CLI names it (`file.h5::/path`). Null if another question replaced this one.
   */
  private async readAsked(file: File): Promise<{ images: Image; name: string } | null> {
    try {
      return { images: await readImageBlob(file), name: file.name };
    } catch (error) {
      if (!(error instanceof ImageChoiceError)) throw error;
      const { choices } = error;
      const index = await this.ask({ name: file.name, what: `${choices.length} images`, label: `Image of ${file.name}`, options: choices.map((c) => c.label) });
      if (index === null) return null;
      return { images: await readImageBlob(file, file.name, { dataset: choices[index].path }), name: `${file.name}::${choices[index].path}` };
    }
  }

  /** The chosen channel or slice of a multi-component image or a stack as a layer; null if another question replaced this one. */
  private async choosePart(image: Image, name: string, part: { kind: 'channel' | 'slice'; count: number; names?: string[] }): Promise<LayerInfo | null> {
    const options = Array.from({ length: part.count }, (_, k) => partLabel(part.kind, k, part.names?.[k]));
    const index = await this.ask({ name, what: `${part.count} ${part.kind}s`, label: `${part.kind === 'slice' ? 'Slice' : 'Channel'} of ${name}`, options });
    if (index === null) return null;
    return this.addLayer(image, { name: partName(name, part.kind, index, part.names?.[index]), ...partOption(part.kind, index) });
  }

  /**
   * Show a question in the chooser, and say so (`choice-requested`: a host may ask in its own UI
   * and answer with `choose`); resolves with the option picked, or null if another question
   * replaces it.
   */
  private ask(question: Omit<NonNullable<XemViewer['choice']>, 'resolve'>): Promise<number | null> {
    this.choice?.resolve(null);
    return new Promise((resolve) => {
      this.choice = { ...question, resolve };
      this.dispatchEvent(new CustomEvent('choice-requested', { detail: { ...question }, bubbles: true, composed: true }));
    });
  }

  /** Answer the chooser's question with option `index` (its select calls this). */
  choose(index: number): void {
    const pending = this.choice;
    if (!pending || !Number.isInteger(index) || index < 0 || index >= pending.options.length) return;
    this.choice = null;
    pending.resolve(index);
  }

  private onChosen = (event: Event): void => {
    this.choose(Number((event.target as HTMLSelectElement).value));
  };

  /** The canvas vtk.js draws into (for screenshots and tests). */
  get canvas(): HTMLCanvasElement | null {
    return this.renderRoot.querySelector('canvas');
  }

  /** The rendered view as pixels (vtk.js capture of the WebGL canvas), for tests and exports. */
  async captureImage(): Promise<ImageData> {
    if (!this.grw) throw new Error('the viewer is not connected');
    this.renderNow();
    const [url] = this.grw.getRenderWindow().captureImages();
    const picture = new window.Image();
    picture.src = await url;
    await picture.decode();
    const canvas = document.createElement('canvas');
    canvas.width = picture.naturalWidth;
    canvas.height = picture.naturalHeight;
    const context = canvas.getContext('2d') as CanvasRenderingContext2D;
    context.drawImage(picture, 0, 0);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }

  /** Actors in the vtk renderer (leak checks). */
  get actorCount(): number {
    return this.grw?.getRenderer().getActors().length ?? 0;
  }

  /** Render now (tests and screenshots); rendering is otherwise batched per animation frame. */
  renderNow(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.grw?.getRenderWindow().render();
    this.updateOverlay();
  }

  private viewState() {
    const camera = this.grw?.getRenderer().getActiveCamera();
    return { blendMode: this.blendMode, tileSize: this.tileSize, alpha: this.alpha, swipe: this.swipe, parallelScale: camera?.getParallelScale(), focalPoint: camera?.getFocalPoint() };
  }

  private applyLayerStyle(layer: Layer): void {
    applyColormap(layer.vtk, layer.colormap, layer.window, layer.level);
    layer.vtk.actor.getProperty().setOpacity(layer.opacity);
    setVisible(layer.vtk.actor, layer.visible && this.blendMode === 'layers');
    this.requestRender();
  }

  private comparisonPair(): { fixed: Layer; other: Layer } | null {
    const fixed = this.layers.find((l) => l.role === 'fixed');
    const other = this.layers.find((l) => l.role === 'registered') ?? this.layers.find((l) => l.role === 'moving');
    return fixed && other ? { fixed, other } : null;
  }

  private dropComposite(): void {
    if (!this.composite) return;
    this.grw?.getRenderer().removeActor(this.composite.actor);
    deleteVtkLayer(this.composite);
    this.composite = null;
    this.liveVtkObjects--;
  }

  /** The last comparisonInputs and what they were made from: a slider moved recomputes only the blend. */
  private comparisonCache: { fixed: Image; other: Image; coverage?: Uint8Array; inputs: ReturnType<XemViewer['resampleForComparison']> } | null = null;

  /**
   * The fixed layer at display resolution and the other layer resampled onto it with its mask:
   * made again only when either image (a new image, or a new header: a pixel size) or the other's
   * coverage changes, not for every tile size, alpha or swipe.
   */
  private comparisonInputs(fixed: Layer, other: Layer) {
    const c = this.comparisonCache;
    if (c && c.fixed === fixed.image && c.other === other.image && c.coverage === other.coverage) return c.inputs;
    const inputs = this.resampleForComparison(fixed, other);
    this.comparisonCache = { fixed: fixed.image, other: other.image, coverage: other.coverage, inputs };
    return inputs;
  }

  private resampleForComparison(fixed: Layer, other: Layer) {
    // The fixed grid, at display resolution (see DISPLAY_PIXEL_LIMIT).
    const fixedShown = downsampleToBudget(fixed.image, DISPLAY_PIXEL_LIMIT);
    const grid: Grid = gridOf(fixedShown);
    // The other layer on that grid, where it lies physically (registered layers already are).
    const { image, mask } = resampleWithMask(other.image, grid, identityMatrix());
    if (other.coverage) {
      // Where the layer has no data of its own, on the display grid.
      const covered = resampleWithMask(coverageImage(other), grid, identityMatrix()).image.data as Float32Array;
      for (let k = 0; k < mask.length; k++) if (!(covered[k] >= 0.5)) mask[k] = 0;
    }
    return { fixedShown, grid, image, mask };
  }

  /** Recompute the blend-mode composite (CPU) and show it, or show the layers themselves. */
  private refreshBlend(): void {
    const pair = this.comparisonPair();
    const compare = this.blendMode !== 'layers' && pair !== null;
    for (const layer of this.layers) setVisible(layer.vtk.actor, layer.visible && !compare);
    this.dropComposite();
    if (compare && pair && BLEND_MODES.includes(this.blendMode)) {
      const { fixedShown, grid, image, mask } = this.comparisonInputs(pair.fixed, pair.other);
      const rgb = blend(this.blendMode as Exclude<BlendMode, 'layers'>, {
        width: grid.size[0],
        height: grid.size[1],
        fixed: fixedShown.data as Float32Array,
        moving: image.data as Float32Array,
        movingMask: mask,
        fixedWindow: pair.fixed,
        movingWindow: pair.other,
        fixedColormap: pair.fixed.colormap,
        movingColormap: pair.other.colormap,
      }, { tileSize: this.tileSize, alpha: this.alpha, swipe: this.swipe });
      const imageData = makeImageData(grid, rgb, 3);
      const { mapper, actor } = createImageSlice(imageData);
      const property = actor.getProperty();
      property.setIndependentComponents(false);
      property.setColorWindow(255);
      property.setColorLevel(127.5);
      property.setInterpolationTypeToNearest();
      this.composite = { actor, mapper, imageData };
      this.liveVtkObjects++;
      this.grw?.getRenderer().addActor(actor);
    }
    this.requestRender();
  }

  private requestRender(): void {
    if (this.frame || !this.grw) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.grw?.getRenderWindow().render();
      this.updateOverlay();
    });
  }

  private scheduleOverlay(): void {
    requestAnimationFrame(() => this.updateOverlay());
  }

  /** Physical units of the view: the fixed layer's, guessed from its spacing when `unit` is auto. */
  private viewUnit(): Exclude<Unit, 'auto'> {
    if (this.unit !== 'auto') return this.unit;
    const reference = this.layers.find((l) => l.role === 'fixed') ?? this.layers[0];
    // Files without spacing (PNG, JPEG, plain TIFF) have spacing 1: pixels, not a length.
    if (!reference || (reference.spacing[0] === 1 && reference.spacing[1] === 1)) return 'px';
    // TIFF resolutions, microscope metadata and sizes typed with a unit are in mm (spacing.ts);
    // other sizes (NRRD, MHA, a bare number) are taken for µm.
    return spacingInMm(reference.image) ? 'mm' : 'µm';
  }

  private updateOverlay(): void {
    if (!this.grw || this.layers.length === 0) {
      this.scaleBar = null;
      return;
    }
    const camera = this.grw.getRenderer().getActiveCamera();
    const height = this.clientHeight || 1;
    const perCssPixel = (2 * camera.getParallelScale()) / height;
    const target = 100 * perCssPixel;
    const exponent = Math.floor(Math.log10(target));
    let length = NICE[0] * 10 ** exponent;
    for (const n of NICE) if (n * 10 ** exponent <= target) length = n * 10 ** exponent;
    let unit = this.viewUnit();
    let shown = length;
    if (unit === 'µm' && length < 1) {
      unit = 'nm';
      shown = length * 1000;
    } else if (unit === 'µm' && length >= 1000) {
      unit = 'mm';
      shown = length / 1000;
    } else if (unit === 'mm' && length < 1e-3) {
      [unit, shown] = ['nm', length * 1e6];
    } else if (unit === 'mm' && length < 1) {
      [unit, shown] = ['µm', length * 1e3];
    }
    this.scaleBar = { width: length / perCssPixel, label: `${Number(shown.toPrecision(3))} ${unit}` };
  }

  private onPointerMove = (event: PointerEvent): void => {
    if (!this.grw || this.layers.length === 0) return;
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const view = this.grw.getApiSpecificRenderWindow() as unknown as { displayToWorld(x: number, y: number, z: number, r: unknown): number[]; getSize(): number[] };
    const [w, h] = view.getSize();
    const x = ((event.clientX - rect.left) / rect.width) * w;
    const y = h - ((event.clientY - rect.top) / rect.height) * h;
    const world = view.displayToWorld(x, y, 0, this.grw.getRenderer());
    const p: [number, number] = [world[0], world[1]];
    const lines = [`(${p[0].toFixed(2)}, ${p[1].toFixed(2)}) ${this.viewUnit()}`];
    for (const layer of this.layers) {
      const grid = gridOf(layer.image);
      const [i, j] = applyMatrix(invertMatrix(indexToPhysicalMatrix(grid)), p).map(Math.round);
      const inside = i >= 0 && j >= 0 && i < grid.size[0] && j < grid.size[1];
      lines.push(`${layer.name}: ${inside ? Number((layer.image.data as Float32Array)[j * grid.size[0] + i].toPrecision(5)) : '—'}`);
    }
    this.readout = lines.join('\n');
  };

  private onKey = (event: KeyboardEvent): void => {
    const index = Number(event.key) - 1;
    if (index >= 0 && index < BLEND_MODES.length) this.blendMode = BLEND_MODES[index];
    else if (event.key === 'r') this.resetView();
    else if (event.key === '[') this.tileSize = Math.max(4, Math.round(this.tileSize / 2));
    else if (event.key === ']') this.tileSize = Math.min(1024, this.tileSize * 2);
  };

  private onDragOver = (event: DragEvent): void => {
    event.preventDefault();
    this.setAttribute('dragging', '');
  };

  private onDrop = (event: DragEvent): void => {
    event.preventDefault();
    this.removeAttribute('dragging');
    if (event.dataTransfer?.files.length) void this.loadFiles(Array.from(event.dataTransfer.files));
  };
}

if (!customElements.get('xem-viewer')) customElements.define('xem-viewer', XemViewer);

declare global {
  interface HTMLElementTagNameMap {
    'xem-viewer': XemViewer;
  }
}
