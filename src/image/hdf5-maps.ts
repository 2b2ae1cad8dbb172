/**
 * X-ray maps from HDF5 files, as synchrotron beamlines write them: an XRF-Maps or MAPS analysis
 * (APS), a PyXRF one (NSLS-II), or any file with a 2-D image or a stack of 2-D maps; and the
 * images and EDS maps of Velox EMD files (velox-emd.ts), Thermo Fisher's HDF5 for (S)TEM. ITK reads
 * only its own HDF5 layout, so these files are opened with h5wasm (the caller's side effect: Node
 * and the browser open them differently) and read here into an image: a map as a 2-D image, a
 * stack of element maps as a 3-D one whose slices carry the elements' names (slice-names.ts), so
 * the user picks an element as they pick a slice of a TIFF stack.
 *
 * Which dataset: the one named after "::" in the path (`maps.h5::/MAPS/XRF_roi`, the convention of
 * silx and fabio); else the first of the known analyses' maps (KNOWN_LAYOUTS) that the file has;
 * else a NeXus file's default plot where it is a map or a stack of maps (nexus.ts: its axes give
 * the names and the pixel size); else its only image dataset; else an error listing them
 * (ImageChoiceError, for a chooser).
 *
 * Pixel size: from the scan's positions where the layout keeps them (MAPS x_axis and y_axis, PyXRF
 * positions/pos, a NeXus plot's axes): the median step; or a HyperSpy signal's axis scales
 * (hyperspy.ts). Converted to mm only where the file states the unit (a `units` or `unit`
 * attribute); otherwise kept in the file's own numbers, marked as of no known unit (as
 * NRRD's), and the user gives the size with its unit where it matters. Neither MAPS nor PyXRF
 * writes one: beamlines differ (APS 2-ID-E's MAPS axes are in mm; HXN's PyXRF positions in µm,
 * as analysis scripts of those beamlines read them).
 * Origin 0, as for every format without one: the stage's coordinates would put the map far from
 * another image's frame. Array order is kept: a map mirrored against the stage stays mirrored.
 */
import type { Dataset, Group } from 'h5wasm';
import type { Image } from 'itk-wasm';
import { ImageChoiceError, InputError } from '../errors.js';
import { axesStep, getDataset, mapShape, isDataset, isGroup, mapImage, MAX_VALUES, medianStep, numbers, numeric, statedUnit, STRING, strings, type AxesStep } from './hdf5-tree.js';
import { readVelox } from './velox-emd.js';
import { nexusNames, nexusPixelSize, nexusPlot, type NexusPlot } from './nexus.js';
import { hyperspyPixelSize } from './hyperspy.js';
import { withMetadata, withPixelSizeFrom } from './spacing.js';
import { withSliceNames } from './slice-names.js';

/** The HDF5 signature; a file may start with a user block of 512, 1024, 2048 … bytes before it. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `bytes` (a file's first few kilobytes at least) are an HDF5 file's. */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** `maps.h5::/MAPS/XRF_roi` → the file and the dataset; a path without "::" names only a file. */
export function splitDatasetPath(path: string): { file: string; dataset?: string } {
  const at = path.lastIndexOf('::');
  if (at <= 0) return { file: path };
  const dataset = path.slice(at + 2).trim();
  return { file: path.slice(0, at), ...(dataset ? { dataset: dataset.startsWith('/') ? dataset : `/${dataset}` } : {}) };
}

/** A known analysis's maps: the dataset (channels first), its channels' names and the scan's positions. */
interface KnownLayout {
  software: string;
  maps: string;
  names: string;
  /** 1-D positions along x and y, or one (2, rows, columns) array of x and y positions. */
  axes: { x: string[]; y: string[] } | { xy: string };
}

const MAPS_AXES = { x: ['/MAPS/Scan/x_axis', '/MAPS/x_axis'], y: ['/MAPS/Scan/y_axis', '/MAPS/y_axis'] };
const PYXRF_AXES = { xy: '/xrfmap/positions/pos' };

/** In order of preference: fitted maps before region-of-interest sums, the newer MAPS layout before the older. */
export const KNOWN_LAYOUTS: readonly KnownLayout[] = [
  ...['Fitted', 'NNLS', 'ROI'].map((fit) => ({ software: 'XRF-Maps', maps: `/MAPS/XRF_Analyzed/${fit}/Counts_Per_Sec`, names: `/MAPS/XRF_Analyzed/${fit}/Channel_Names`, axes: MAPS_AXES })),
  { software: 'MAPS', maps: '/MAPS/XRF_fits', names: '/MAPS/channel_names', axes: MAPS_AXES },
  { software: 'MAPS', maps: '/MAPS/XRF_roi', names: '/MAPS/channel_names', axes: MAPS_AXES },
  { software: 'PyXRF', maps: '/xrfmap/detsum/xrf_fit', names: '/xrfmap/detsum/xrf_fit_name', axes: PYXRF_AXES },
  { software: 'PyXRF', maps: '/xrfmap/detsum/xrf_roi', names: '/xrfmap/detsum/xrf_roi_name', axes: PYXRF_AXES },
];


/** A dataset's image-like facts: numeric, 2-D, or 3-D with one axis much shorter (the channels). */
interface ImageDataset {
  path: string;
  shape: number[];
}

/** Sides below this are not images (a table of a few rows, positions along one axis). */
const MIN_SIDE = 4;
/** Channels of a stack offered without being named: more are a spectrum per pixel, not element maps. */
const MAX_CHANNELS = 256;
/** Datasets listed in an error. */
const LISTED = 12;
/** Objects walked in a file before giving up the search (a raw-data file may hold many thousands). */
const MAX_OBJECTS = 5000;

/** The channel axis of a 3-D shape (0 or 2), where its other two are the image's rows and columns. */
function channelAxis(shape: readonly number[], channels?: number): 0 | 2 {
  if (channels !== undefined && shape[0] !== shape[2]) {
    if (shape[2] === channels) return 2;
    if (shape[0] === channels) return 0;
  }
  // NumPy's stacking of maps puts them first; a (rows, columns, channels) array has its short axis last.
  return shape[2] < Math.min(shape[0], shape[1]) ? 2 : 0;
}

function imageShape(dataset: Dataset): number[] | null {
  if (!dataset.shape || !numeric(dataset)) return null;
  const { shape } = mapShape(dataset.shape);
  if (shape.length === 2) return shape.every((n) => n >= MIN_SIDE) ? shape : null;
  if (shape.length !== 3) return null;
  const axis = channelAxis(shape);
  const sides = shape.filter((_, i) => i !== axis);
  return sides.every((n) => n >= MIN_SIDE) && shape[axis] <= MAX_CHANNELS ? shape : null;
}

/** Every image-like dataset of the file, in the file's order (breadth first), up to MAX_OBJECTS objects. */
function imageDatasets(root: Group): ImageDataset[] {
  const found: ImageDataset[] = [];
  const queue: Group[] = [root];
  let seen = 0;
  while (queue.length && seen < MAX_OBJECTS) {
    const group = queue.shift()!;
    for (const key of group.keys()) {
      if (++seen > MAX_OBJECTS) break;
      // An object h5wasm cannot open (a broken external link, a type it does not know) is passed over.
      let entity: unknown;
      try {
        entity = group.get(key);
      } catch {
        continue;
      }
      if (isGroup(entity)) queue.push(entity);
      else if (isDataset(entity)) {
        const shape = imageShape(entity);
        if (shape) found.push({ path: entity.path, shape });
      }
    }
  }
  return found;
}

function describe(d: ImageDataset): string {
  return `${d.path} (${d.shape.join('×')})`;
}

/** The channels' names: the layout's, else a 1-D string dataset beside the maps with one name per channel. */
function channelNames(root: Group, maps: Dataset, layout: KnownLayout | undefined, count: number): string[] | null {
  const own = layout ? strings(getDataset(root, layout.names)) : null;
  if (own?.length === count) return own;
  const parent = maps.path.slice(0, maps.path.lastIndexOf('/')) || '/';
  const group = parent === '/' ? root : root.get(parent);
  if (!isGroup(group)) return null;
  const candidates = group
    .keys()
    .map((key) => getDataset(group, key))
    .filter((d): d is Dataset => d !== null && d.shape?.length === 1 && d.shape[0] === count && d.metadata.type === STRING);
  // A name that says so first ("xrf_fit_name", "Channel_Names", "elements").
  candidates.sort((a, b) => Number(/name|element|channel/i.test(b.path)) - Number(/name|element|channel/i.test(a.path)));
  return strings(candidates[0] ?? null);
}

/** The pixel size from the scan's positions: [x, y] and mm per unit where stated, or null. */
function positionsStep(root: Group, layout: KnownLayout, columns: number, rows: number): AxesStep | null {
  if ('xy' in layout.axes) {
    const dataset = getDataset(root, layout.axes.xy);
    const shape = dataset?.shape;
    const values = numbers(dataset);
    // (2, rows, columns): x positions first, then y.
    if (!values || !shape || shape.length !== 3 || shape[0] < 2 || shape[1] !== rows || shape[2] !== columns) return null;
    const plane = rows * columns;
    const x = medianStep(values, columns, 1, rows, columns);
    const y = medianStep(values.subarray(plane, 2 * plane), rows, columns, columns, 1);
    return Number.isFinite(x) && Number.isFinite(y) ? { step: [x, y], mmPerUnit: statedUnit(dataset!) } : null;
  }
  const first = (paths: string[]) => paths.map((p) => getDataset(root, p)).find((d) => d !== null) ?? null;
  // MAPS may keep a position or two more than the map has columns (fly scans): the steps are what counts.
  return axesStep(first(layout.axes.x), first(layout.axes.y));
}

export interface Hdf5MapOptions {
  /** The dataset to read ("::" in the path, splitDatasetPath); default: the known layouts', else the only image. */
  dataset?: string;
  /** The file as the user named it, for errors and the image's name. */
  label: string;
}

/** A NeXus stack's map names: a string axis along its first or last dimension (`dims`: their indices in the dataset). */
function plotNames(plot: NexusPlot, shape: readonly number[], dims: readonly number[]): string[] | null {
  return nexusNames(plot, dims[0], shape[0]) ?? nexusNames(plot, dims[2], shape[2]);
}

/**
 * The dataset to read: the one asked for, a known analysis's maps, a NeXus file's default plot
 * (nexus.ts) where it is a map or a stack of maps, or the file's only image. `layout` or `plot`
 * says where its names and scan positions are.
 */
function chooseDataset(root: Group, options: Hdf5MapOptions): { dataset: Dataset; layout?: KnownLayout; plot?: NexusPlot } {
  const { label } = options;
  if (options.dataset) {
    const dataset = getDataset(root, options.dataset);
    if (!dataset) throw new InputError(label, `has no dataset ${options.dataset}${listing(root)}`);
    const shape = mapShape(dataset.shape ?? []).shape;
    if (!numeric(dataset)) throw new InputError(label, `dataset ${options.dataset} does not hold numbers`);
    if (shape.length !== 2 && shape.length !== 3) throw new InputError(label, `dataset ${options.dataset} is ${shape.length}-D (${shape.join('×')}); xemreg reads a 2-D map or a 3-D stack of maps`);
    // The default plot's signal or one of its auxiliary signals, named: that map alone, with the plot's axes.
    const plot = nexusPlot(root);
    const plotted = plot && [plot.signal, ...plot.auxiliary].some((d) => d.path === dataset.path);
    return { dataset, layout: KNOWN_LAYOUTS.find((l) => l.maps === dataset.path), ...(plotted ? { plot: { ...plot, auxiliary: [] } } : {}) };
  }
  for (const layout of KNOWN_LAYOUTS) {
    const dataset = getDataset(root, layout.maps);
    if (dataset && imageShape(dataset)) return { dataset, layout };
  }
  // A default plot that is a spectrum per pixel or a line scan is not ours: the search below may find the maps.
  const plot = nexusPlot(root);
  if (plot && imageShape(plot.signal)) return { dataset: plot.signal, plot };
  const images = imageDatasets(root);
  if (images.length === 1) return { dataset: getDataset(root, images[0].path)! };
  if (images.length === 0) throw new InputError(label, 'is an HDF5 file without a 2-D map or a stack of maps among its datasets (numbers, at least 4×4 pixels, at most 256 maps); name one as file.h5::/path/to/dataset');
  const choices = images.map((d) => ({ path: d.path, label: describe(d) }));
  throw new ImageChoiceError(label, `is an HDF5 file with ${images.length} images; name one as file.h5::/path/to/dataset: ${images.slice(0, LISTED).map(describe).join(', ')}${images.length > LISTED ? ', …' : ''}`, choices);
}

function listing(root: Group): string {
  const images = imageDatasets(root);
  return images.length ? `; its images: ${images.slice(0, LISTED).map(describe).join(', ')}${images.length > LISTED ? ', …' : ''}` : '';
}

/** A dataset's values as read (numbers, bigints for 64-bit integers). */
function valuesOf(dataset: Dataset, label: string): ArrayLike<number | bigint> {
  const values = dataset.value;
  if (values === null || typeof values !== 'object' || !('length' in values)) throw new InputError(label, `dataset ${dataset.path} could not be read`);
  return values as ArrayLike<number | bigint>;
}

/** Same-shaped datasets' values one after the other. */
function concatenated(datasets: Dataset[], label: string): Float32Array {
  const parts = datasets.map((d) => valuesOf(d, label));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) for (let k = 0; k < part.length; k++) out[at++] = Number(part[k]);
  return out;
}

/**
 * The map or stack of maps of an opened HDF5 file (h5wasm's File), as a float32 image: 2-D, or 3-D
 * with one slice per channel (named where the file names them). Throws InputError naming the file.
 */
export function readHdf5Map(root: Group, options: Hdf5MapOptions): Image {
  const { label } = options;
  // Velox EMD: images with their own metadata (velox-emd.ts), unless a dataset outside them is named.
  const velox = !options.dataset || options.dataset.startsWith('/Data/Image/') ? readVelox(root, options) : null;
  if (velox) return withMetadata(velox, { [HDF5_DATASET_KEY]: options.dataset ?? '/Data/Image' });
  const { dataset, layout, plot } = chooseDataset(root, options);
  // A NeXus plot of one map per dataset (its signal and auxiliary signals): a stack of them, named by their datasets.
  // Each member's dimensions kept (mapShape), and their indices in the dataset, where its axes are.
  const { shape: own, dims } = mapShape(dataset.shape!);
  const members = plot && own.length === 2 && plot.auxiliary.length ? [dataset, ...plot.auxiliary] : [dataset];
  const shape = members.length > 1 ? [members.length, ...own] : own;
  const total = shape.reduce((a, b) => a * b, 1);
  if (total > MAX_VALUES) throw new InputError(label, `dataset ${dataset.path} holds ${shape.join('×')} values (${(total / 1e6).toFixed(0)} M), above the ${(MAX_VALUES / 1e6).toFixed(0)} M xemreg reads at once; save the map wanted on its own`);
  const source = members.length > 1 ? concatenated(members, label) : valuesOf(dataset, label);
  const stack = shape.length === 3;
  const memberNames = members.length > 1 ? members.map((d) => d.path.slice(d.path.lastIndexOf('/') + 1)) : null;
  const names = stack ? memberNames ?? (plot && plotNames(plot, shape, dims)) ?? channelNames(root, dataset, layout, shape[channelAxis(shape)]) ?? undefined : undefined;
  const axis = stack ? channelAxis(shape, names?.length) : 0;
  const [channels, rows, columns] = !stack ? [1, shape[0], shape[1]] : axis === 0 ? [shape[0], shape[1], shape[2]] : [shape[2], shape[0], shape[1]];
  const plane = rows * columns;
  const data = new Float32Array(channels * plane);
  if (axis === 0) {
    for (let k = 0; k < data.length; k++) data[k] = Number(source[k]);
  } else {
    // (rows, columns, channels) → one plane per channel.
    for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) data[c * plane + p] = Number(source[p * channels + c]);
  }
  const [keptColumns, keptRows] = scannedExtent(data, columns, rows, channels);
  const image = mapImage(keptColumns === columns && keptRows === rows ? data : cropMaps(data, columns, rows, channels, keptColumns, keptRows), keptColumns, keptRows, stack ? channels : 0, label);
  // The image's rows and columns among the dataset's dimensions (each member's, for a stack of datasets).
  const [rowsDim, columnsDim] = stack && axis === 0 && members.length === 1 ? [1, 2] : [0, 1];
  const [rowsAt, columnsAt] = [dims[rowsDim], dims[columnsDim]];
  const positions = layout ? positionsStep(root, layout, columns, rows) : plot ? nexusPixelSize(plot, rowsAt, columnsAt) : hyperspyPixelSize(root, dataset, rowsAt, columnsAt);
  const perUnit = positions?.mmPerUnit ?? null;
  const from = layout ? `${layout.software} positions` : plot ? 'NeXus axes' : 'HyperSpy axes';
  const result = positions ? withPixelSizeFrom(image, [positions.step[0] * (perUnit ?? 1), positions.step[1] * (perUnit ?? 1)], from, perUnit === null ? undefined : 'mm') : image;
  const unscanned: Record<string, string[]> = columns - keptColumns || rows - keptRows ? { [HDF5_UNSCANNED_KEY]: [columns - keptColumns, rows - keptRows].map(String) } : {};
  return withMetadata(withSliceNames(result, names ?? null), { [HDF5_DATASET_KEY]: dataset.path, ...unscanned });
}

/**
 * Columns at the right and rows at the bottom that hold nothing in any map (exactly 0, or not a
 * number): not scanned. MAPS adds two such columns after a fly scan's rows, and a scan stopped early
 * leaves its last rows unfilled; registered, they would be a black band with a sharp edge that the
 * specimen does not have. Returns the columns and rows kept (at least MIN_SIDE each); the grid's
 * origin stays where it is, so coordinates do not change.
 */
export function scannedExtent(data: Float32Array, columns: number, rows: number, channels: number): [number, number] {
  const plane = columns * rows;
  const empty = (x0: number, x1: number, y0: number, y1: number) => {
    for (let c = 0; c < channels; c++) {
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const v = data[c * plane + y * columns + x];
          if (v !== 0 && !Number.isNaN(v)) return false;
        }
      }
    }
    return true;
  };
  let keptRows = rows;
  while (keptRows > MIN_SIDE && empty(0, columns, keptRows - 1, keptRows)) keptRows--;
  let keptColumns = columns;
  while (keptColumns > MIN_SIDE && empty(keptColumns - 1, keptColumns, 0, keptRows)) keptColumns--;
  // A map that is empty everywhere is left whole: validation says what is wrong with it.
  return keptColumns === MIN_SIDE && keptRows === MIN_SIDE && empty(0, MIN_SIDE, 0, MIN_SIDE) ? [columns, rows] : [keptColumns, keptRows];
}

/** The top-left `keptColumns` × `keptRows` of every map. */
function cropMaps(data: Float32Array, columns: number, rows: number, channels: number, keptColumns: number, keptRows: number): Float32Array {
  const out = new Float32Array(keptColumns * keptRows * channels);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < keptRows; y++) out.set(data.subarray(c * columns * rows + y * columns, c * columns * rows + y * columns + keptColumns), (c * keptRows + y) * keptColumns);
  }
  return out;
}

/** Columns and rows left out as not scanned (scannedExtent), as ["2", "0"], where there were some. */
export const HDF5_UNSCANNED_KEY = 'xemreg.hdf5Unscanned';

/** Whether the file is in ITK's own HDF5 layout, which itk-wasm reads with its geometry. */
function isItkHdf5(root: Group): boolean {
  return root.keys().includes('ITKImage');
}

/**
 * The map or stack of maps of an HDF5 file that `open` opens (h5wasm's File, as Node or the page
 * opens it), closed again whatever happens; null for a file in ITK's own layout, which itk-wasm
 * reads. Throws InputError naming `label`: a file h5wasm cannot open, or what readHdf5Map says.
 */
export function readHdf5(open: () => Group & { close(): unknown }, options: Hdf5MapOptions): Image | null {
  const { label } = options;
  let file: Group & { close(): unknown };
  try {
    file = open();
  } catch {
    throw new InputError(label, 'is not a readable HDF5 file (truncated or corrupt)');
  }
  try {
    if (!options.dataset && isItkHdf5(file)) return null;
    return readHdf5Map(file, options);
  } catch (error) {
    if (error instanceof InputError) throw error;
    // h5wasm's own errors carry HDF5's error stack after the first line.
    throw new InputError(label, `could not be read as HDF5 (${String((error as Error)?.message ?? error).split('\n')[0]})`);
  } finally {
    file.close();
  }
}

/** The dataset an image was read from (readHdf5Map). */
export const HDF5_DATASET_KEY = 'xemreg.hdf5Dataset';
