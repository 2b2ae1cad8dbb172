import { expect } from 'chai';
import { Image as ItkImage, ImageType } from 'itk-wasm';
import { configureItkAssets } from '../../src/browser/assets.js';
import { readImageBlob, writeImageBlob } from '../../src/browser/image-file.js';
import { castToInteger } from '../../src/image/cast.js';
import { ImageChoiceError } from '../../src/errors.js';
import { pixelSizeSource } from '../../src/image/instrument-metadata.js';
import { spacingInMm } from '../../src/image/spacing.js';
import { imageJLabelEntries, MICROSCOPE_TAGS, microscopeTiff, tiffFile, zeissText } from '../microscope-tiff.js';
import { hdf5MapsFile, nexusFile } from '../hdf5-files.js';
import { createFloatImage, gridCenter, gridOf, type Image } from '../../src/image/image.js';
import { resampleWithMask } from '../../src/resample.js';
import { similarity } from '../../src/transform/transform.js';
import { BLEND_MODES } from '../../viewer/blend-modes.js';
import '../../viewer/xem-viewer.js';
import '../../viewer/layer-list.js';
import type { XemLayerList } from '../../viewer/layer-list.js';
import type { XemViewer } from '../../viewer/xem-viewer.js';

configureItkAssets('/dist/assets/itk');

async function sample(name: string): Promise<Image> {
  const response = await fetch(`/samples/${name}`);
  return readImageBlob(new File([await response.blob()], name));
}

function stats(pixels: ImageData): { mean: number; nonBlack: number } {
  let sum = 0;
  let nonBlack = 0;
  for (let k = 0; k < pixels.data.length; k += 4) {
    const v = pixels.data[k] + pixels.data[k + 1] + pixels.data[k + 2];
    sum += v;
    if (v > 30) nonBlack++;
  }
  return { mean: sum / (pixels.data.length / 4) / 3, nonBlack: nonBlack / (pixels.data.length / 4) };
}

function difference(a: ImageData, b: ImageData): number {
  let d = 0;
  for (let k = 0; k < a.data.length; k++) d += Math.abs(a.data[k] - b.data[k]);
  return d / a.data.length;
}

async function mount(): Promise<XemViewer> {
  const viewer = document.createElement('xem-viewer');
  viewer.style.width = '400px';
  viewer.style.height = '400px';
  document.body.append(viewer);
  await viewer.updateComplete;
  return viewer;
}

describe('<xem-viewer>', () => {
  let viewer: XemViewer;
  let fixed: Image;
  let moving: Image;

  before(async () => {
    fixed = await sample('deepclem_s6_em_crop512.png');
    moving = await sample('deepclem_s6_em_moved.png');
  });

  beforeEach(async () => {
    viewer = await mount();
  });

  afterEach(() => viewer.remove());

  it('renders fixed and moving layers', async () => {
    viewer.addLayer(fixed, { role: 'fixed' });
    viewer.addLayer(moving, { role: 'moving' });
    const s = stats(await viewer.captureImage());
    expect(s.nonBlack, 'image area').to.be.greaterThan(0.3);
    expect(viewer.getLayers().map((l) => l.role)).to.deep.equal(['fixed', 'moving']);
  });

  it('each blend mode gives a different, non-empty picture; tile size changes the checkerboard', async () => {
    viewer.addLayer(fixed, { role: 'fixed', colormap: 'gray' });
    viewer.addLayer(moving, { role: 'moving', colormap: 'gray' });
    // Layers mode draws the moving layer at its opacity (0.5): a different alpha for the alpha mode.
    viewer.alpha = 0.85;
    const pictures: ImageData[] = [];
    for (const mode of BLEND_MODES) {
      viewer.blendMode = mode;
      await viewer.updateComplete;
      const picture = await viewer.captureImage();
      expect(stats(picture).nonBlack, `${mode} is not empty`).to.be.greaterThan(0.05);
      for (const [i, other] of pictures.entries()) expect(difference(picture, other), `${mode} vs ${BLEND_MODES[i]}`).to.be.greaterThan(0.5);
      pictures.push(picture);
    }
    viewer.blendMode = 'checkerboard';
    viewer.tileSize = 32;
    await viewer.updateComplete;
    const coarse = await viewer.captureImage();
    viewer.tileSize = 8;
    await viewer.updateComplete;
    expect(difference(coarse, await viewer.captureImage())).to.be.greaterThan(0.5);
  });

  it('a registered layer\'s coverage: outside it, the blend modes show the fixed image alone', async () => {
    viewer.addLayer(fixed, { role: 'fixed', colormap: 'gray' });
    const gray = viewer.getLayerImage(viewer.getLayers()[0].id);
    // A small field registered inside the fixed one: only the middle third of the fixed grid is covered.
    const { image, mask } = resampleWithMask(gray, gridOf(gray), similarity({ scale: 3, center: gridCenter(gridOf(gray)) }));
    const registered = viewer.addLayer(image, { role: 'registered', colormap: 'gray', coverage: mask });
    viewer.blendMode = 'checkerboard';
    await viewer.updateComplete;
    const covered = stats(await viewer.captureImage()).nonBlack;
    // The same image without its coverage: the zeros around the footprint count as data, and half
    // of the checkerboard's tiles there turn black.
    viewer.updateLayer(registered.id, { image });
    await viewer.updateComplete;
    const uncovered = stats(await viewer.captureImage()).nonBlack;
    expect(covered - uncovered, `${covered} vs ${uncovered}`).to.be.greaterThan(0.1);
    // A coverage alone applies to the present image.
    viewer.updateLayer(registered.id, { coverage: mask });
    await viewer.updateComplete;
    expect(stats(await viewer.captureImage()).nonBlack).to.be.closeTo(covered, 0.01);
    expect(() => viewer.updateLayer(registered.id, { image, coverage: new Uint8Array(5) })).to.throw(/coverage has 5 values for 512×512 pixels/);
    // A pixel size typed into the layer list gives the same pixels a new header: the coverage stays.
    const list = document.createElement('xem-layer-list') as XemLayerList;
    list.viewer = viewer;
    document.body.append(list);
    await list.updateComplete;
    for (const l of viewer.getLayers()) {
      const input = list.shadowRoot?.querySelector(`#${l.id}-pixel`) as HTMLInputElement;
      input.value = '0.02';
      input.dispatchEvent(new Event('change'));
    }
    expect(viewer.getLayerCoverage(registered.id)).to.equal(mask);
    await viewer.updateComplete;
    expect(stats(await viewer.captureImage()).nonBlack).to.be.closeTo(covered, 0.01);
    list.remove();
  });

  it('window/level changes the rendered values', async () => {
    const layer = viewer.addLayer(fixed, { role: 'fixed', colormap: 'gray' });
    const before = stats(await viewer.captureImage()).mean;
    viewer.updateLayer(layer.id, { window: layer.window / 4, level: layer.level - layer.window / 4 });
    const after = stats(await viewer.captureImage()).mean;
    expect(after - before, `mean ${before} → ${after}`).to.be.greaterThan(10);
  });

  it('the layer list adjusts window/level, colormap, opacity and visibility from labelled controls', async () => {
    const layer = viewer.addLayer(fixed, { role: 'fixed', colormap: 'gray' });
    const list = document.createElement('xem-layer-list') as XemLayerList;
    list.viewer = viewer;
    document.body.append(list);
    await list.updateComplete;
    const before = stats(await viewer.captureImage()).mean;
    const windowInput = list.shadowRoot?.querySelector(`#${layer.id}-window`) as HTMLInputElement;
    expect(list.shadowRoot?.querySelector(`label[for="${layer.id}-window"]`)?.textContent).to.equal('window');
    windowInput.value = String(layer.window / 4);
    windowInput.dispatchEvent(new Event('change'));
    const colormap = list.shadowRoot?.querySelector(`#${layer.id}-colormap`) as HTMLSelectElement;
    colormap.value = 'fire';
    colormap.dispatchEvent(new Event('change'));
    expect(viewer.getLayers()[0].window).to.be.closeTo(layer.window / 4, layer.window * 1e-4);
    expect(viewer.getLayers()[0].colormap).to.equal('fire');
    expect(Math.abs(stats(await viewer.captureImage()).mean - before)).to.be.greaterThan(5);
    // A pixel size typed in: the layer's image gets it (registration reads it from there); a bad value is refused.
    const pixel = list.shadowRoot?.querySelector(`#${layer.id}-pixel`) as HTMLInputElement;
    expect(list.shadowRoot?.querySelector(`label[for="${layer.id}-pixel"]`)?.textContent).to.equal('pixel size');
    pixel.value = '0.02';
    pixel.dispatchEvent(new Event('change'));
    expect(viewer.getLayers()[0].spacing).to.deep.equal([0.02, 0.02]);
    expect(Array.from(viewer.getLayerImage(layer.id).spacing)).to.deep.equal([0.02, 0.02]);
    expect(fixed.spacing, 'the loaded image keeps its own').to.deep.equal([1, 1]);
    pixel.value = '-3';
    pixel.dispatchEvent(new Event('change'));
    expect(viewer.getLayers()[0].spacing).to.deep.equal([0.02, 0.02]);
    await list.updateComplete;
    expect(pixel.value).to.equal('0.02');
    // With a unit: in mm, as sizes read from files are, and shown with its unit; a bare number then is in the unit shown.
    pixel.value = '20 nm';
    pixel.dispatchEvent(new Event('change'));
    expect(viewer.getLayers()[0].spacing[0]).to.be.closeTo(2e-5, 1e-15);
    expect(spacingInMm(viewer.getLayerImage(layer.id))).to.equal(true);
    await list.updateComplete;
    expect(pixel.value).to.equal('20 nm');
    pixel.value = '25';
    pixel.dispatchEvent(new Event('change'));
    expect(viewer.getLayers()[0].spacing[0]).to.be.closeTo(2.5e-5, 1e-15);
    pixel.value = '25 furlongs';
    pixel.dispatchEvent(new Event('change'));
    await list.updateComplete;
    expect(pixel.value).to.equal('25 nm');
    expect(viewer.getLayers()[0].spacing[0]).to.be.closeTo(2.5e-5, 1e-15);
    const visible = list.shadowRoot?.querySelector(`#${layer.id}-visible`) as HTMLInputElement;
    visible.click();
    expect(viewer.getLayers()[0].visible).to.equal(false);
    expect(stats(await viewer.captureImage()).nonBlack).to.be.lessThan(0.01);
    list.remove();
  });

  it('fits an image whose pixels are a few nanometres in mm, and labels the scale bar in µm', async () => {
    // 512 pixels of 20 nm, as a microscope's metadata gives them (mm): a 10 µm field, 0.01 wide.
    const bytes = microscopeTiff(512, 512, Array.from({ length: 512 * 512 }, (_, k) => (k * 7) % 256), { [MICROSCOPE_TAGS.zeiss]: zeissText(20, 'nm') });
    viewer.addLayer(await readImageBlob(new File([bytes as Uint8Array<ArrayBuffer>], 'sem.tif')), { role: 'fixed', colormap: 'gray' });
    let parallelScale = NaN;
    viewer.addEventListener('view-changed', (e) => (parallelScale = (e as CustomEvent).detail.parallelScale), { once: true });
    viewer.resetView();
    await viewer.updateComplete;
    // The field fills the view: half its diagonal, not the one-unit thickness of a slice along z.
    expect(parallelScale).to.be.closeTo((Math.SQRT2 * 512 * 2e-5) / 2, 1e-4);
    expect(stats(await viewer.captureImage()).nonBlack).to.be.greaterThan(0.3);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await viewer.updateComplete;
    const label = (viewer.shadowRoot?.querySelector('.scale') as HTMLElement).textContent ?? '';
    expect(label).to.match(/^\s*[\d.]+ µm\s*$/);
  });

  it('labels the scale bar of a TIFF whose resolution tags ITK reads (cm) in its unit, mm', async () => {
    // 100-nm pixels as 1e5 pixels per cm: ITK reads 1e-4 mm, a 51.2 µm field.
    const bytes = microscopeTiff(512, 512, Array.from({ length: 512 * 512 }, (_, k) => (k * 7) % 256), {}, false, { x: 1e5, y: 1e5, unit: 3 });
    const image = await readImageBlob(new File([bytes as Uint8Array<ArrayBuffer>], 'map.tif'));
    expect(image.spacing[0]).to.be.closeTo(1e-4, 1e-12);
    expect(spacingInMm(image)).to.equal(true);
    viewer.addLayer(image, { role: 'fixed', colormap: 'gray' });
    viewer.resetView();
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await viewer.updateComplete;
    // A bar of about a fifth of the view: some µm (taken for µm, the spacing would read as nm).
    const label = (viewer.shadowRoot?.querySelector('.scale') as HTMLElement).textContent ?? '';
    expect(label).to.match(/^\s*[\d.]+ µm\s*$/);
    expect(Number(label.trim().split(' ')[0])).to.be.within(2, 50);
  });

  it('reads a microscope TIFF\'s pixel size from its metadata, as in Node', async () => {
    const bytes = microscopeTiff(50, 40, Array.from({ length: 2000 }, (_, k) => (k * 13) % 256), { [MICROSCOPE_TAGS.zeiss]: zeissText(7.5, 'nm') });
    const image = await readImageBlob(new File([bytes as Uint8Array<ArrayBuffer>], 'sem.tif'));
    expect(image.size).to.deep.equal([50, 40]);
    expect(image.spacing[0]).to.be.closeTo(7.5e-6, 1e-15);
    expect(pixelSizeSource(image)).to.equal('Zeiss');
  });

  it('loads a 16-bit TIFF and an MHA with spacing, with the right size and spacing; the scale bar follows the spacing', async () => {
    const data = Float32Array.from({ length: 300 * 200 }, (_, k) => (k * 37) % 60000);
    const image16 = castToInteger(createFloatImage([300, 200], data, { spacing: [0.25, 0.25] }), 'uint16');
    const tiff = new File([await writeImageBlob(image16, 'map16.tif')], 'map16.tif');
    const mha = new File([await writeImageBlob(createFloatImage([120, 80], data.slice(0, 9600), { spacing: [2, 2], origin: [5, 5] }), 'em.mha')], 'em.mha');
    const [a, b] = await viewer.loadFiles([mha, tiff]);
    expect(a.size).to.deep.equal([120, 80]);
    expect(a.spacing).to.deep.equal([2, 2]);
    expect(b.size).to.deep.equal([300, 200]);
    expect(b.spacing[0]).to.be.closeTo(0.25, 1e-6);
    viewer.resetView();
    viewer.renderNow();
    await viewer.updateComplete;
    const bar = viewer.shadowRoot?.querySelector('.scale') as HTMLElement;
    expect(bar, 'scale bar shown').to.exist;
    // The fixed layer (the MHA) has spacing 2 µm: the label is in µm and the bar length matches it.
    const [value, unit] = (bar.textContent ?? '').trim().split(' ');
    expect(unit).to.equal('µm');
    const width = (bar.querySelector('.bar') as HTMLElement).getBoundingClientRect().width;
    // Measure µm per CSS pixel independently, from the readout 100 px apart.
    const view = viewer.shadowRoot?.querySelector('.view') as HTMLElement;
    const rect = view.getBoundingClientRect();
    const readX = (dx: number) => {
      view.dispatchEvent(new PointerEvent('pointermove', { clientX: rect.left + 100 + dx, clientY: rect.top + 150, bubbles: true }));
      return Number(/^\((-?[\d.]+),/.exec((viewer as unknown as { readout: string }).readout)?.[1]);
    };
    const perCssPixel = Math.abs(readX(100) - readX(0)) / 100;
    expect(Number(value) / perCssPixel, `bar ${width} px for ${value} µm at ${perCssPixel} µm/px`).to.be.closeTo(width, width * 0.03);
  });

  /** The viewer's channel or slice chooser once it is shown (up to 5 s), or null. */
  /** The viewer's chooser once it shows (the one asking `label`, where given), or null after 5 s. */
  async function chooserOf(v: XemViewer, label?: string): Promise<HTMLSelectElement | null> {
    for (let i = 0; i < 100; i++) {
      const select = v.shadowRoot?.querySelector<HTMLSelectElement>('.channels select');
      if (select && (label === undefined || select.getAttribute('aria-label') === label)) return select;
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  }

  /** Answer the chooser as a user does: pick option `value`. */
  function pick(select: HTMLSelectElement, value: string): void {
    select.value = value;
    select.dispatchEvent(new Event('change'));
  }

  it('asks which channel to show for a multi-component image', async () => {
    const multi = new ItkImage(new ImageType(2, 'float32', 'VariableLengthVector', 3));
    const values = Float32Array.from({ length: 40 * 30 * 3 }, (_, k) => (k % 3) * 100 + (Math.floor(k / 3) % 40));
    Object.assign(multi, { size: [40, 30], spacing: [1, 1], origin: [0, 0], direction: new Float64Array([1, 0, 0, 1]), data: values, name: 'spectra' });
    const file = new File([await writeImageBlob(multi, 'spectra.nrrd')], 'spectra.nrrd');
    const loading = viewer.loadFiles([file]);
    const select = await chooserOf(viewer);
    expect(select, 'channel chooser shown').to.exist;
    expect(select!.options.length).to.equal(4); // placeholder + 3 channels
    pick(select!, '2');
    const [layer] = await loading;
    expect(layer.name).to.contain('channel 2');
    expect(viewer.getLayerImage(layer.id).data?.[5]).to.equal(205);
  });

  it('asks which slice to show for a multi-page TIFF (a stack), by the names its ImageJ labels give', async () => {
    // A Fiji stack of three element maps; slice k holds 100 k + x.
    const pages = [0, 1, 2].map((k) => Array.from({ length: 40 * 30 }, (_, i) => 100 * k + (i % 40)));
    const bytes = tiffFile(40, 30, pages, [[270, 2, 'ImageJ=1.54f\nimages=3\nslices=3\n'], ...imageJLabelEntries(['Fe_K', 'P_K', 'S_K'])]);
    const file = new File([bytes as Uint8Array<ArrayBuffer>], 'maps.tif');
    const loading = viewer.loadFiles([file]);
    const select = await chooserOf(viewer);
    expect(select, 'slice chooser shown').to.exist;
    expect(select!.getAttribute('aria-label')).to.equal('Slice of maps.tif');
    expect(Array.from(select!.options).map((o) => o.textContent)).to.deep.equal(['choose…', 'slice 0 · Fe_K', 'slice 1 · P_K', 'slice 2 · S_K']);
    pick(select!, '1');
    const [layer] = await loading;
    expect(layer.name).to.equal('maps.tif [slice 1 · P_K]');
    expect(layer.size).to.deep.equal([40, 30]);
    expect(viewer.getLayerImage(layer.id).data?.[5]).to.equal(105);
  });

  it('reads the element maps of a beamline\'s HDF5 file (XRF-Maps), asks which by name, and takes the scan\'s step as the pixel size', async () => {
    const planes = [0, 1, 2].map((k) => Float32Array.from({ length: 40 * 30 }, (_, i) => 100 * k + (i % 40)));
    const bytes = await hdf5MapsFile('xrf-maps', { planes, columns: 40, rows: 30, names: ['Fe_K', 'P_K', 'S_K'], step: [0.25, 0.25], unit: 'um' });
    const file = new File([bytes as Uint8Array<ArrayBuffer>], 'scan.h5');
    const loading = viewer.loadFiles([file]);
    const select = await chooserOf(viewer);
    expect(select, 'slice chooser shown').to.exist;
    expect(Array.from(select!.options).map((o) => o.textContent)).to.deep.equal(['choose…', 'slice 0 · Fe_K', 'slice 1 · P_K', 'slice 2 · S_K']);
    pick(select!, '2');
    const [layer] = await loading;
    expect(layer.name).to.equal('scan.h5 [slice 2 · S_K]');
    const image = viewer.getLayerImage(layer.id);
    expect(image.data?.[5]).to.equal(205);
    expect(image.spacing[0]).to.be.closeTo(0.25e-3, 1e-12);
    const read = await readImageBlob(file);
    expect(spacingInMm(read), 'µm stated on the positions: mm').to.equal(true);
    expect(pixelSizeSource(read)).to.equal('XRF-Maps positions');
    // A broken one: an error naming it, as for any file.
    const broken = new Uint8Array(600).fill(7);
    broken.set(bytes.subarray(0, 8));
    let message = '';
    await readImageBlob(new File([broken], 'broken.h5')).catch((e: Error) => (message = e.message));
    expect(message).to.equal('broken.h5: is not a readable HDF5 file (truncated or corrupt)');
    // Read by a worker in parts, not whole: the limit on files read whole does not apply to it.
    expect((await readImageBlob(file, 'scan.h5', { maxBytes: 100 })).size).to.deep.equal([40, 30, 3]);
    // Other files too large to read whole (limit made small here): refused before they are read, saying what to do.
    const tiff = new File([tiffFile(40, 30, [planes[0]], []) as Uint8Array<ArrayBuffer>], 'big.tif');
    await readImageBlob(tiff, 'big.tif', { maxBytes: 100 }).catch((e: Error) => (message = e.message));
    expect(message).to.match(/^big\.tif: is 0\.0 GiB; the page reads files up to 0\.0 GiB: bin the image first, or use the CLI$/);
    expect((await readImageBlob(tiff)).size).to.deep.equal([40, 30], 'within the default limits');
  });

  it('asks which image of an HDF5 file that holds several, then which slice of a stack, and names the layer as the CLI names the file', async () => {
    // Two images and no analysis layout (PyXRF's group holds a 2 × 2 map, no image): a map /a and a stack of two /b.
    const a = Float32Array.from({ length: 64 }, (_, k) => k);
    const b = Float32Array.from({ length: 2 * 10 * 12 }, (_, k) => (k < 120 ? 7 : 1000 + (k - 120)));
    const bytes = await hdf5MapsFile('pyxrf', { planes: [new Float32Array(4)], columns: 2, rows: 2, names: ['x'], extra: { '/a': { rows: 8, columns: 8, data: a }, '/b': { rows: 10, columns: 12, channels: 2, data: b } } });
    const file = new File([bytes as Uint8Array<ArrayBuffer>], 'two.h5');
    const asked: { label: string; options: string[] }[] = [];
    const onAsk = (e: Event) => asked.push((e as CustomEvent).detail);
    viewer.addEventListener('choice-requested', onAsk);
    const loading = viewer.loadFiles([file]);
    const images = await chooserOf(viewer);
    expect(images, 'image chooser shown').to.exist;
    expect(images!.getAttribute('aria-label')).to.equal('Image of two.h5');
    expect(Array.from(images!.options).map((o) => o.textContent)).to.deep.equal(['choose…', '/a (8×8)', '/b (2×10×12)']);
    pick(images!, '1');
    // The stack chosen: its slices asked next, in the same place.
    const slices = await chooserOf(viewer, 'Slice of two.h5::/b');
    expect(slices, 'slice chooser after the image chooser').to.exist;
    expect(Array.from(slices!.options).map((o) => o.textContent)).to.deep.equal(['choose…', 'slice 0', 'slice 1']);
    expect(slices!.value, 'a new question starts unanswered').to.equal('');
    pick(slices!, '1');
    const [layer] = await loading;
    expect(layer.name).to.equal('two.h5::/b [slice 1]');
    expect(layer.size).to.deep.equal([12, 10]);
    expect(viewer.getLayerImage(layer.id).data?.[5]).to.equal(1005);
    // A host sees both questions, and may answer them itself.
    viewer.removeEventListener('choice-requested', onAsk);
    expect(asked.map((q) => [q.label, q.options.length])).to.deep.equal([['Image of two.h5', 2], ['Slice of two.h5::/b', 2]]);
    const byHost = viewer.loadFiles([file]);
    await chooserOf(viewer);
    viewer.choose(5); // not an option: ignored
    viewer.choose(0);
    expect((await byHost).map((l) => l.name)).to.deep.equal(['two.h5::/a']);
    // Read directly: the error carries the choices, and each one's path reads it.
    const refused = await readImageBlob(file).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(ImageChoiceError);
    expect((refused as ImageChoiceError).choices.map((c) => c.path)).to.deep.equal(['/a', '/b']);
    expect(Array.from((await readImageBlob(file, 'two.h5', { dataset: '/a' })).data as Float32Array)).to.deep.equal(Array.from(a));
    // A NeXus file with the same two images beside its default plot: the plot, with its axes' names and pixel size, asks nothing.
    const nexus = new File([(await nexusFile({ planes: [a.subarray(0, 32), a.subarray(32)], columns: 8, rows: 4, names: ['Fe', 'P'], x: [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5], y: [0, 0.5, 1, 1.5], unit: 'um', others: { camera: { rows: 8, columns: 8, data: a } } })) as Uint8Array<ArrayBuffer>], 'scan.nxs');
    const plot = await readImageBlob(nexus);
    expect(plot.size).to.deep.equal([8, 4, 2]);
    expect(pixelSizeSource(plot)).to.equal('NeXus axes');
    expect(plot.spacing[0]).to.be.closeTo(5e-4, 1e-12);
    // A question left unanswered is dropped when another file asks one: its load adds nothing.
    const first = viewer.loadFiles([file]);
    await chooserOf(viewer);
    const second = viewer.loadFiles([file]);
    expect(await first).to.deep.equal([]);
    const select = await chooserOf(viewer);
    pick(select!, '0');
    const [only] = await second;
    expect(only.name).to.equal('two.h5::/a');
    expect(only.size).to.deep.equal([8, 8]);
  });

  it('takes a NIfTI size as mm where its header states a length unit, as in Node', async () => {
    const written = new Uint8Array(await (await writeImageBlob(createFloatImage([8, 6], new Float32Array(48).fill(3), { spacing: [0.1, 0.1] }), 'map.nii')).arrayBuffer());
    written[123] = 3; // xyzt_units: µm
    const microns = await readImageBlob(new File([written], 'map.nii'));
    expect(microns.spacing[0] / 1e-4).to.be.closeTo(1, 1e-6);
    expect(spacingInMm(microns)).to.equal(true);
    expect(pixelSizeSource(microns)).to.equal('NIfTI');
    written[123] = 0;
    expect(spacingInMm(await readImageBlob(new File([written], 'map.nii')))).to.equal(false);
  });

  it('sizes a Hitachi or JEOL SEM image by the .txt dropped with it, which is not a layer itself', async () => {
    const message = { text: '' };
    const onError = (e: Event) => (message.text = (e as CustomEvent).detail.message);
    viewer.addEventListener('load-error', onError);
    const tiff = new File([tiffFile(40, 30, [Array.from({ length: 1200 }, (_, k) => k % 200)], []) as Uint8Array<ArrayBuffer>], 'S4800_01.tif');
    const text = new File(['[SemImageFile]\r\nInstructName=S-4800\r\nDataSize=40x30\r\nPixelSize=12.5\r\n'], 'S4800_01.txt');
    const layers = await viewer.loadFiles([text, tiff]);
    viewer.removeEventListener('load-error', onError);
    expect(layers.map((l) => l.name)).to.deep.equal(['S4800_01.tif']);
    expect(message.text, 'the text is not read as an image').to.equal('');
    const image = viewer.getLayerImage(layers[0].id);
    expect(image.spacing[0]).to.be.closeTo(12.5e-6, 1e-15);
    expect(pixelSizeSource(image)).to.equal('Hitachi .txt');
    // Without it: no size.
    const [plain] = await viewer.loadFiles([tiff]);
    expect(pixelSizeSource(viewer.getLayerImage(plain.id))).to.equal(undefined);
  });

  it('shows file names and errors as text, never as HTML', async () => {
    const name = '<img src=x onerror=alert(1)>.png';
    await viewer.loadFiles([new File(['not an image'], name)]);
    await viewer.updateComplete;
    const message = viewer.shadowRoot?.querySelector('.message') as HTMLElement;
    expect(message.textContent).to.contain(name);
    expect(viewer.shadowRoot?.querySelector('img')).to.equal(null);
    expect(document.querySelector('img')).to.equal(null);
  });

  it('an 8k × 8k 16-bit image loads and stays interactive (display copy ≤ 2048², full data kept)', async () => {
    const n = 8192;
    const data = new Uint16Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[j * n + i] = ((i >> 6) ^ (j >> 6)) & 1 ? 60000 : 1000;
    const big = new ItkImage(new ImageType(2, 'uint16', 'Scalar', 1));
    Object.assign(big, { size: [n, n], spacing: [1, 1], origin: [0, 0], direction: new Float64Array([1, 0, 0, 1]), data, name: '8k' });
    let t0 = performance.now();
    const layer = viewer.addLayer(big, { name: '8k' });
    const loadMs = performance.now() - t0;
    expect(layer.size).to.deep.equal([n, n]);
    viewer.renderNow();
    const frames: number[] = [];
    for (let k = 0; k < 5; k++) {
      viewer.updateLayer(layer.id, { opacity: 1 - k * 0.1 });
      t0 = performance.now();
      viewer.renderNow();
      frames.push(performance.now() - t0);
    }
    frames.sort((a, b) => a - b);
    expect(frames[2], `median frame ${frames[2]} ms (load ${loadMs} ms)`).to.be.lessThan(250);
    expect(viewer.getLayerImage(layer.id).size).to.deep.equal([n, n]);
  });

  it('adding and removing 50 layers leaves no vtk objects behind', async () => {
    const small = createFloatImage([64, 64], Float32Array.from({ length: 4096 }, (_, k) => k % 97));
    const ids = [];
    for (let i = 0; i < 50; i++) ids.push(viewer.addLayer(small, { name: `l${i}` }).id);
    viewer.blendMode = 'checkerboard';
    await viewer.updateComplete;
    viewer.renderNow();
    expect(viewer.actorCount).to.be.greaterThan(49);
    for (const id of ids) viewer.removeLayer(id);
    viewer.blendMode = 'layers';
    await viewer.updateComplete;
    expect(viewer.getLayers()).to.have.length(0);
    expect(viewer.liveVtkObjects).to.equal(0);
    expect(viewer.actorCount).to.equal(0);
  });
});
