/**
 * HDF5 files in the layouts beamline software writes (src/image/hdf5-maps.ts), built with h5wasm's
 * in-memory file system, for the Node and browser tests alike: the bytes come back.
 */
import h5wasm from 'h5wasm';

export type Hdf5Layout = 'xrf-maps' | 'maps' | 'pyxrf' | 'channels-last';

export interface Hdf5Maps {
  /** One map per channel, row-major, `columns` × `rows` each. */
  planes: Float32Array[];
  columns: number;
  rows: number;
  names: string[];
  /** The scan's step in x and y, in the positions' numbers. */
  step?: [number, number];
  /** A `units` attribute on the positions. */
  unit?: string;
  /** Datasets besides the layout's: path → float32 values, (rows, columns), or (channels, rows, columns) with `channels`. */
  extra?: Record<string, { rows: number; columns: number; channels?: number; data: Float32Array }>;
}

let counter = 0;

/** The bytes of an HDF5 file holding `maps` as `layout` lays them out. */
export async function hdf5MapsFile(layout: Hdf5Layout, maps: Hdf5Maps): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const name = `/maps-${counter++}.h5`;
  const file = new h5wasm.File(name, 'w');
  const { planes, columns, rows, names } = maps;
  const n = planes.length;
  const stacked = new Float32Array(n * rows * columns);
  planes.forEach((p, c) => stacked.set(p, c * rows * columns));
  const [sx, sy] = maps.step ?? [0, 0];
  const withUnit = (path: string) => {
    if (maps.unit) (file.get(path) as InstanceType<typeof h5wasm.Dataset>).create_attribute('units', maps.unit);
  };
  if (layout === 'xrf-maps' || layout === 'maps') {
    const mapsPath = layout === 'xrf-maps' ? 'MAPS/XRF_Analyzed/Fitted/Counts_Per_Sec' : 'MAPS/XRF_fits';
    const namesPath = layout === 'xrf-maps' ? 'MAPS/XRF_Analyzed/Fitted/Channel_Names' : 'MAPS/channel_names';
    for (const g of layout === 'xrf-maps' ? ['MAPS', 'MAPS/XRF_Analyzed', 'MAPS/XRF_Analyzed/Fitted', 'MAPS/Scan'] : ['MAPS']) file.create_group(g);
    file.create_dataset({ name: mapsPath, data: stacked, shape: [n, rows, columns], dtype: '<f4', compression: 'gzip', chunks: [1, rows, columns] });
    file.create_dataset({ name: namesPath, data: names });
    if (maps.step) {
      const axis = layout === 'xrf-maps' ? 'MAPS/Scan' : 'MAPS';
      // MAPS keeps two positions more than a fly scan's map has columns.
      file.create_dataset({ name: `${axis}/x_axis`, data: Float64Array.from({ length: columns + 2 }, (_, i) => -1.25 + i * sx) });
      file.create_dataset({ name: `${axis}/y_axis`, data: Float64Array.from({ length: rows }, (_, j) => 3.5 + j * sy) });
      withUnit(`${axis}/x_axis`);
      withUnit(`${axis}/y_axis`);
    }
  } else if (layout === 'pyxrf') {
    for (const g of ['xrfmap', 'xrfmap/detsum', 'xrfmap/positions']) file.create_group(g);
    file.create_dataset({ name: 'xrfmap/detsum/xrf_fit', data: stacked, shape: [n, rows, columns], dtype: '<f4' });
    file.create_dataset({ name: 'xrfmap/detsum/xrf_fit_name', data: names });
    if (maps.step) {
      // x then y, each (rows, columns); a fly scan's positions jitter a little about the grid.
      const pos = new Float64Array(2 * rows * columns);
      for (let j = 0; j < rows; j++) {
        for (let i = 0; i < columns; i++) {
          pos[j * columns + i] = 10 + i * sx + (((i * 7 + j * 3) % 5) - 2) * 0.01 * sx;
          pos[rows * columns + j * columns + i] = -4 + j * sy;
        }
      }
      file.create_dataset({ name: 'xrfmap/positions/pos', data: pos, shape: [2, rows, columns] });
      file.create_dataset({ name: 'xrfmap/positions/name', data: ['x_pos', 'y_pos'] });
      withUnit('xrfmap/positions/pos');
    }
  } else {
    // (rows, columns, channels), names beside it: an array saved as NumPy lays out an RGB-like stack.
    const last = new Float32Array(n * rows * columns);
    for (let p = 0; p < rows * columns; p++) for (let c = 0; c < n; c++) last[p * n + c] = planes[c][p];
    file.create_group('maps');
    file.create_dataset({ name: 'maps/data', data: last, shape: [rows, columns, n], dtype: '<f4' });
    file.create_dataset({ name: 'maps/elements', data: names });
  }
  for (const [path, d] of Object.entries(maps.extra ?? {})) file.create_dataset({ name: path, data: d.data, shape: d.channels ? [d.channels, d.rows, d.columns] : [d.rows, d.columns], dtype: '<f4' });
  file.close();
  const bytes = FS!.readFile(name) as Uint8Array;
  FS!.unlink(name);
  return bytes;
}

export interface VeloxTestImage {
  detector: string;
  columns: number;
  rows: number;
  /** Frames, each row-major columns × rows. */
  frames: Uint16Array[];
  /** Pixel size in metres, as Velox writes it. */
  pixelM: number;
  /** The label of the image's display (an EDS map's element), written as `displays` says. */
  label?: string;
}

/**
 * The bytes of a Velox EMD file: per image a group `/Data/Image/<id>` with `Data` (rows, columns,
 * frames; uint16) and `Metadata` (uint8, the JSON text zero-padded, one column per frame).
 */
export async function veloxFile(images: VeloxTestImage[], displays: 'before 11' | 'from 11' = 'before 11'): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const name = `/velox-${counter++}.emd`;
  const file = new h5wasm.File(name, 'w');
  for (const g of ['Data', 'Data/Image']) file.create_group(g);
  // Displays: before version 11 a JSON text per display with the image's path and its label; from 11 the label as `id` and a reference to a JSON text with the path.
  const displayGroup = displays === 'before 11' ? 'Presentation/Displays/ImageDisplay' : 'Displays/ImageDisplay';
  if (images.some((im) => im.label)) {
    for (const g of displays === 'before 11' ? ['Presentation', 'Presentation/Displays', displayGroup] : ['Displays', displayGroup, 'SharedProperties', 'SharedProperties/ImageSeriesDataReference']) file.create_group(g);
  }
  images.forEach((im, k) => {
    const id = `${(k + 1) * 1111111}abcdef0123456789abcdef`.slice(0, 32);
    if (im.label) {
      const dataPath = `/Data/Image/${id}`;
      if (displays === 'before 11') file.create_dataset({ name: `${displayGroup}/display${k}`, data: [JSON.stringify({ dataPath, display: { label: im.label } })] });
      else {
        const reference = `/SharedProperties/ImageSeriesDataReference/ref${k}`;
        file.create_dataset({ name: reference, data: [JSON.stringify({ dataPath })] });
        file.create_dataset({ name: `${displayGroup}/display${k}`, data: [JSON.stringify({ id: im.label, data: reference, settings: {} })] });
      }
    }
    file.create_group(`Data/Image/${id}`);
    const n = im.frames.length;
    const data = new Uint16Array(im.rows * im.columns * n);
    for (let p = 0; p < im.rows * im.columns; p++) for (let f = 0; f < n; f++) data[p * n + f] = im.frames[f][p];
    file.create_dataset({ name: `Data/Image/${id}/Data`, data, shape: [im.rows, im.columns, n], dtype: '<H' });
    const json = JSON.stringify({
      BinaryResult: { Detector: im.detector, PixelSize: { width: String(im.pixelM), height: String(im.pixelM) }, PixelUnitX: 'm', PixelUnitY: 'm' },
      Acquisition: { AcquisitionStartDatetime: { DateTime: '1700000000' } },
    });
    const text = new TextEncoder().encode(json);
    const length = text.length + 64;
    const metadata = new Uint8Array(length * n);
    for (let f = 0; f < n; f++) for (let b = 0; b < text.length; b++) metadata[b * n + f] = text[b];
    file.create_dataset({ name: `Data/Image/${id}/Metadata`, data: metadata, shape: [length, n], dtype: '<B' });
  });
  file.close();
  const bytes = FS!.readFile(name) as Uint8Array;
  FS!.unlink(name);
  return bytes;
}

export interface NexusTestPlot {
  /** Maps first: (maps, rows, columns), float32, row-major planes. */
  planes: Float32Array[];
  columns: number;
  rows: number;
  /** The maps' names, as a string axis; none: no axis along the maps ("."). */
  names?: string[];
  /** Positions along x and y (numbers per column and per row), with a `units` attribute if `unit`. */
  x?: number[];
  y?: number[];
  unit?: string;
  /** Write the root and entry `default` attributes (NIAC 2014); without them the only NXentry/NXdata is found. */
  defaults?: boolean;
  /** Datasets elsewhere in the file: path (under /entry/instrument) → 2-D (rows, columns) values. */
  others?: Record<string, { rows: number; columns: number; data: Float32Array }>;
  /** One dataset per map, named by `names`: the first the signal, the others its auxiliary_signals. */
  split?: boolean;
}

/** The bytes of a NeXus file: /entry (NXentry) with /entry/plot (NXdata: signal "maps", its axes), and an NXinstrument group. */
export async function nexusFile(plot: NexusTestPlot): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const name = `/nexus-${counter++}.nxs`;
  const file = new h5wasm.File(name, 'w');
  const group = (path: string, nxClass: string) => {
    file.create_group(path);
    (file.get(path) as InstanceType<typeof h5wasm.Group>).create_attribute('NX_class', nxClass);
    return file.get(path) as InstanceType<typeof h5wasm.Group>;
  };
  const entry = group('entry', 'NXentry');
  const data = group('entry/plot', 'NXdata');
  group('entry/instrument', 'NXinstrument');
  if (plot.defaults ?? true) {
    file.create_attribute('default', 'entry');
    entry.create_attribute('default', 'plot');
  }
  const { planes, columns, rows } = plot;
  const stacked = new Float32Array(planes.length * rows * columns);
  planes.forEach((p, k) => stacked.set(p, k * rows * columns));
  const stack = planes.length > 1 && !plot.split;
  if (plot.split) {
    planes.forEach((p, k) => data.create_dataset({ name: plot.names![k], data: p, shape: [rows, columns], dtype: '<f4' }));
    data.create_attribute('signal', plot.names![0]);
    data.create_attribute('auxiliary_signals', plot.names!.slice(1));
  } else {
    data.create_dataset({ name: 'maps', data: stacked, shape: stack ? [planes.length, rows, columns] : [rows, columns], dtype: '<f4' });
    data.create_attribute('signal', 'maps');
  }
  data.create_attribute('axes', [...(stack ? [plot.names ? 'element' : '.'] : []), plot.y ? 'y' : '.', plot.x ? 'x' : '.']);
  if (plot.names && stack) data.create_dataset({ name: 'element', data: plot.names });
  for (const axis of ['x', 'y'] as const) {
    const positions = plot[axis];
    if (!positions) continue;
    data.create_dataset({ name: axis, data: Float64Array.from(positions) });
    if (plot.unit) (data.get(axis) as InstanceType<typeof h5wasm.Dataset>).create_attribute('units', plot.unit);
  }
  for (const [path, d] of Object.entries(plot.others ?? {})) file.create_dataset({ name: `entry/instrument/${path}`, data: d.data, shape: [d.rows, d.columns], dtype: '<f4' });
  file.close();
  const bytes = FS!.readFile(name) as Uint8Array;
  FS!.unlink(name);
  return bytes;
}

/** HyperSpy's layout: /Experiments/<title>/data and per dimension axis-<i> (attributes scale, offset, units, name, navigate). */
export async function hyperspyFile(signal: { title: string; rows: number; columns: number; data: Float32Array; scale: [number, number]; units: [string, string] }): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const name = `/hspy-${counter++}.hspy`;
  const file = new h5wasm.File(name, 'w');
  file.create_attribute('file_format', 'HyperSpy');
  const base = `Experiments/${signal.title}`;
  file.create_group('Experiments');
  file.create_group(base);
  file.create_dataset({ name: `${base}/data`, data: signal.data, shape: [signal.rows, signal.columns], dtype: '<f4' });
  // Array order: axis-0 the rows (y), axis-1 the columns (x).
  (['y', 'x'] as const).forEach((axisName, i) => {
    file.create_group(`${base}/axis-${i}`);
    const axis = file.get(`${base}/axis-${i}`) as InstanceType<typeof h5wasm.Group>;
    axis.create_attribute('name', axisName);
    axis.create_attribute('scale', signal.scale[i], null, '<f8');
    axis.create_attribute('offset', 0, null, '<f8');
    axis.create_attribute('units', signal.units[i]);
    axis.create_attribute('navigate', 0, null, '<b');
  });
  file.close();
  const bytes = FS!.readFile(name) as Uint8Array;
  FS!.unlink(name);
  return bytes;
}
