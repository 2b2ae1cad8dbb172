/**
 * Velox EMD files (Thermo Fisher's HDF5 for (S)TEM images and EDS maps): the images of
 * `/Data/Image/<id>/Data`, each (rows, columns, frames), with a JSON text per frame in `Metadata`
 * (uint8, one column per frame) that holds the pixel size (`BinaryResult.PixelSize.width/height`
 * in `PixelUnitX/Y`, metres) and the detector (`BinaryResult.Detector`, else the first of
 * `Detectors`); an EDS map's element is the label of its display (displayLabels). The layout
 * follows open readers of the format (openNCEM's emdVelox, RosettaSciIO).
 *
 * Read as: the one image asked for (`file.emd::/Data/Image/<id>`), its frames as slices when it
 * has several; else all images of the file as slices named by their labels (their first frame)
 * when they have one size — a HAADF image with the EDS maps of the same scan — else an error
 * listing them. The pixel size in mm from the metadata; origin 0.
 */
import type { Dataset, Group } from 'h5wasm';
import type { Image } from 'itk-wasm';
import { ImageChoiceError, InputError } from '../errors.js';
import { getDataset, getGroup, mapImage, MAX_VALUES, numeric } from './hdf5-tree.js';
import { mmPerUnit } from './length-units.js';
import { withPixelSizeFrom } from './spacing.js';
import { withSliceNames } from './slice-names.js';

const IMAGES = '/Data/Image';

interface VeloxImage {
  /** The image's group, `/Data/Image/<id>`. */
  path: string;
  data: Dataset;
  rows: number;
  columns: number;
  frames: number;
  /** What Velox shows it as: its display's label (an EDS map's element), else its detector. */
  detector: string;
  /** Pixel size in mm, x and y, where the metadata gives it. */
  pixelMm?: [number, number];
}

/** The first frame's metadata JSON, or null (absent, unreadable). */
function metadataOf(group: Group): Record<string, unknown> | null {
  const dataset = getDataset(group, 'Metadata');
  const shape = dataset?.shape;
  if (!dataset || !shape || shape.length < 1) return null;
  const values = dataset.value as ArrayLike<number> | null;
  if (!values || typeof values !== 'object') return null;
  const columns = shape.length > 1 ? shape[1] : 1;
  const bytes: number[] = [];
  for (let k = 0; k < shape[0]; k++) {
    const b = Number(values[k * columns]);
    if (!b) break;
    bytes.push(b);
  }
  try {
    const parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(bytes)));
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}

const field = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

function detectorOf(metadata: Record<string, unknown> | null): string {
  const named = field(metadata, 'BinaryResult', 'Detector') ?? field(metadata, 'Detectors', 'Detector-01', 'DetectorName');
  return typeof named === 'string' && named.trim() ? named.trim() : 'image';
}

function pixelMmOf(metadata: Record<string, unknown> | null): [number, number] | undefined {
  const size = [field(metadata, 'BinaryResult', 'PixelSize', 'width'), field(metadata, 'BinaryResult', 'PixelSize', 'height')].map(Number);
  const units = [field(metadata, 'BinaryResult', 'PixelUnitX'), field(metadata, 'BinaryResult', 'PixelUnitY')].map((u) => mmPerUnit(String(u ?? 'm')));
  if (!size.every((s) => Number.isFinite(s) && s > 0) || units.some((u) => u === null)) return undefined;
  return [size[0] * units[0]!, size[1] * units[1]!];
}

/** The file's Velox images, in its order; empty for a file that is no Velox EMD. */
function veloxImages(root: Group): VeloxImage[] {
  const images = getGroup(root, IMAGES);
  if (!images) return [];
  const labels = displayLabels(root);
  return images.keys().flatMap((id) => {
    const group = getGroup(images, id);
    if (!group) return [];
    const data = getDataset(group, 'Data');
    const shape = data?.shape;
    if (!data || !shape || shape.length < 2 || shape.length > 3 || !numeric(data)) return [];
    const metadata = metadataOf(group);
    const pixelMm = pixelMmOf(metadata);
    return [{ path: `${IMAGES}/${id}`, data, rows: shape[0], columns: shape[1], frames: shape[2] ?? 1, detector: labels.get(id) ?? detectorOf(metadata), ...(pixelMm ? { pixelMm } : {}) }];
  });
}

/** The JSON object of a dataset holding one JSON text (a string), or null. */
function jsonOf(dataset: Dataset | null): Record<string, unknown> | null {
  if (!dataset) return null;
  try {
    const value = dataset.value;
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text !== 'string') return null;
    const parsed = JSON.parse(text.replace(/\0+$/, ''));
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The labels Velox shows its images under, by image id: an EDS map's element ("Fe"), which the
 * image's own metadata does not name (its detector is the EDS detector). Before file version 11
 * each display in /Presentation/Displays/ImageDisplay is a JSON text with the image's `dataPath`
 * and its `display.label`; from version 11 each in /Displays/ImageDisplay has the label as `id`
 * and, in `data`, the path of a JSON text with the `dataPath` (as RosettaSciIO reads them).
 */
function displayLabels(root: Group): Map<string, string> {
  const labels = new Map<string, string>();
  const add = (dataPath: unknown, label: unknown) => {
    if (typeof dataPath === 'string' && typeof label === 'string' && label.trim()) labels.set(dataPath.split('/').pop()!, label.trim());
  };
  for (const [path, version11] of [['/Presentation/Displays/ImageDisplay', false], ['/Displays/ImageDisplay', true]] as const) {
    const displays = getGroup(root, path);
    for (const key of displays?.keys() ?? []) {
      const display = jsonOf(getDataset(displays!, key));
      if (!display) continue;
      if (!version11) add(display.dataPath, field(display, 'display', 'label'));
      else if (typeof display.data === 'string') add(jsonOf(getDataset(root, display.data))?.dataPath, display.id);
    }
  }
  return labels;
}

/** What an image is: "HAADF, 16×16" (its id says nothing to a user). */
function summary(v: VeloxImage): string {
  return `${v.detector}, ${v.columns}×${v.rows}${v.frames > 1 ? `, ${v.frames} frames` : ''}`;
}

function describe(v: VeloxImage): string {
  return `${v.path} (${summary(v)})`;
}

/** Frames `from` to `to` (exclusive) of an image, one plane each; only those frames are read. */
function frames(v: VeloxImage, from: number, to: number, label: string): Float32Array {
  const plane = v.rows * v.columns;
  const count = to - from;
  if (plane * count > MAX_VALUES) throw new InputError(label, `${describe(v)} is more than xemreg reads at once; export the frame wanted on its own`);
  const values = (v.data.shape!.length === 3 ? v.data.slice([[], [], [from, to]]) : v.data.value) as ArrayLike<number | bigint> | null;
  if (!values || typeof values !== 'object' || values.length !== plane * count) throw new InputError(label, `${v.path} could not be read`);
  const out = new Float32Array(plane * count);
  for (let f = 0; f < count; f++) for (let p = 0; p < plane; p++) out[f * plane + p] = Number(values[p * count + f]);
  return out;
}

/** Names made unique ("HAADF", "DF4", "SuperX", "SuperX 2"), as a slice chooser lists them. */
function unique(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n} ${count}`;
  });
}

/**
 * The image or images of a Velox EMD file (`dataset`: `/Data/Image/<id>` or its `/Data`), as
 * described above; null for a file without Velox images. Throws InputError naming the file.
 */
export function readVelox(root: Group, options: { dataset?: string; label: string }): Image | null {
  const { label } = options;
  const all = veloxImages(root);
  if (all.length === 0) return null;
  let image: Image;
  let chosen: VeloxImage[];
  if (options.dataset) {
    const wanted = options.dataset.replace(/\/Data$/, '');
    const one = all.find((v) => v.path === wanted);
    if (!one) throw new InputError(label, `has no Velox image ${options.dataset}; its images: ${all.map(describe).join(', ')}`);
    chosen = [one];
  } else {
    const [first] = all;
    if (all.some((v) => v.rows !== first.rows || v.columns !== first.columns)) {
      const choices = all.map((v) => ({ path: v.path, label: `${summary(v)} (${v.path})` }));
      throw new ImageChoiceError(label, `is a Velox file with ${all.length} images of different sizes; name one as file.emd::/Data/Image/<id>: ${all.map(describe).join(', ')}`, choices);
    }
    chosen = all;
  }
  const [first] = chosen;
  if (chosen.length === 1) {
    // One image: its frames as slices (a series), or a 2-D image.
    const data = frames(first, 0, first.frames, label);
    image = withSliceNames(mapImage(data, first.columns, first.rows, first.frames > 1 ? first.frames : 0, label), first.frames > 1 ? Array.from({ length: first.frames }, (_, f) => `${first.detector} frame ${f}`) : null);
  } else {
    const plane = first.rows * first.columns;
    const data = new Float32Array(plane * chosen.length);
    chosen.forEach((v, k) => data.set(frames(v, 0, 1, label), k * plane));
    image = withSliceNames(mapImage(data, first.columns, first.rows, chosen.length, label), unique(chosen.map((v) => v.detector)));
  }
  return first.pixelMm ? withPixelSizeFrom(image, first.pixelMm, 'Velox', 'mm') : image;
}
