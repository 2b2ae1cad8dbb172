/**
 * What the HDF5 readers (hdf5-maps.ts, velox-emd.ts) share: finding datasets in an h5wasm file
 * without trusting what is there, and making an image of maps read from one.
 */
import type { Dataset, Group } from 'h5wasm';
import { Image, ImageType } from 'itk-wasm';
import { mmPerUnit, sameUnit } from './length-units.js';
import { percentiles } from './statistics.js';

/** HDF5 type classes (H5T_class_t): numbers, and strings. */
const INTEGER = 0;
const FLOAT = 1;
export const STRING = 3;

/** Values read from one dataset at most: the pixel limit of one image (validate.ts), as float32 1 GiB. */
export const MAX_VALUES = 2 ** 28;

export function isDataset(entity: unknown): entity is Dataset {
  return (entity as Dataset | null)?.type === 'Dataset';
}

export function isGroup(entity: unknown): entity is Group {
  return (entity as Group | null)?.type === 'Group';
}

export function numeric(dataset: Dataset): boolean {
  const type = dataset.metadata.type;
  return type === INTEGER || type === FLOAT;
}

/** What is at `path` when `is` says it is what is wanted, else null (nothing there, something else, a broken link). */
function entityAt<T>(root: Group, path: string, is: (entity: unknown) => entity is T): T | null {
  try {
    const entity = root.get(path);
    return is(entity) ? entity : null;
  } catch {
    return null;
  }
}

/** The dataset at `path`, or null. */
export function getDataset(root: Group, path: string): Dataset | null {
  return entityAt(root, path, isDataset);
}

/** The group at `path`, or null. */
export function getGroup(root: Group, path: string): Group | null {
  return entityAt(root, path, isGroup);
}

/**
 * A dataset's shape as a map or a stack of maps sees it: without the length-1 dimensions that
 * writers put around one ((1, 1, rows, columns) from a detector's frame and channel axes,
 * (1, rows, columns, 1)) where it has more than three and two or three are left; else as it is.
 * `dims`: the dataset's dimension of each one kept. The values' order is the same either way.
 */
export function mapShape(shape: readonly number[]): { shape: number[]; dims: number[] } {
  const dims = shape.map((_, i) => i);
  if (shape.length <= 3) return { shape: [...shape], dims };
  const kept = dims.filter((i) => shape[i] !== 1);
  return kept.length === 2 || kept.length === 3 ? { shape: kept.map((i) => shape[i]), dims: kept } : { shape: [...shape], dims };
}

/** An attribute's value, or undefined (none, or one h5wasm cannot read). */
export function attribute(entity: Group | Dataset, name: string): unknown {
  try {
    return entity.attrs[name]?.value;
  } catch {
    return undefined;
  }
}

/** An attribute's text (a string, or the first of an array of them), trimmed of C padding; null if it has none. */
export function attributeText(entity: Group | Dataset, name: string): string | null {
  const value = attribute(entity, name);
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' ? text.replace(/\0+$/, '').trim() : null;
}

/** Strings of a 1-D string dataset (channel names), or null. */
export function strings(dataset: Dataset | null): string[] | null {
  if (!dataset || dataset.metadata.type !== STRING) return null;
  const value = dataset.value;
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : null;
  return list ? list.map((v) => String(v).replace(/\0+$/, '').trim()) : null;
}

/** Numbers of a numeric dataset as doubles (int64 included), or null. */
export function numbers(dataset: Dataset | null): Float64Array | null {
  if (!dataset || !numeric(dataset)) return null;
  const value = dataset.value;
  if (value === null || typeof value !== 'object' || !('length' in value)) return null;
  return Float64Array.from(value as ArrayLike<number | bigint>, Number);
}

/** The unit a dataset's attributes state, in mm per unit, or null. */
export function statedUnit(dataset: Dataset): number | null {
  for (const key of ['units', 'unit', 'Units', 'Unit']) {
    const text = attributeText(dataset, key);
    const perUnit = text === null ? null : mmPerUnit(text);
    if (perUnit !== null) return perUnit;
  }
  return null;
}

/** The median absolute step between neighbours `stride` apart along runs of `run` values, or NaN. */
export function medianStep(values: Float64Array, run: number, stride: number, runs: number, runStride: number): number {
  const steps: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k + 1 < run; k++) {
      const a = values[r * runStride + k * stride];
      const b = values[r * runStride + (k + 1) * stride];
      const step = Math.abs(b - a);
      if (Number.isFinite(step) && step > 0) steps.push(step);
    }
  }
  // Positions written as decimals come back as 0.09999999999999964: nine digits are more than any stage's.
  return steps.length ? Number(percentiles(steps, [50])[0].toPrecision(9)) : NaN;
}

/** A pixel size from scan positions: [x, y] in the positions' numbers, and mm per unit where stated. */
export interface AxesStep {
  step: [number, number];
  mmPerUnit: number | null;
}

/** The median steps of 1-D x and y positions, in mm where both state the same unit; null without both. */
export function axesStep(xs: Dataset | null, ys: Dataset | null): AxesStep | null {
  const [xv, yv] = [numbers(xs), numbers(ys)];
  if (!xv || !yv || xv.length < 2 || yv.length < 2) return null;
  const x = medianStep(xv, xv.length, 1, 1, 0);
  const y = medianStep(yv, yv.length, 1, 1, 0);
  return Number.isFinite(x) && Number.isFinite(y) ? { step: [x, y], mmPerUnit: sameUnit(statedUnit(xs!), statedUnit(ys!)) } : null;
}

/**
 * A float32 image of `planes` maps of `columns` × `rows`, one after the other in `data`: 2-D for
 * `planes` 0 (one map, not a stack), else 3-D with a slice per map. Spacing 1, origin 0.
 */
export function mapImage(data: Float32Array, columns: number, rows: number, planes: number, label: string): Image {
  const stack = planes > 0;
  const image = new Image(new ImageType(stack ? 3 : 2, 'float32', 'Scalar', 1));
  image.name = label;
  image.size = stack ? [columns, rows, planes] : [columns, rows];
  image.spacing = stack ? [1, 1, 1] : [1, 1];
  image.origin = stack ? [0, 0, 0] : [0, 0];
  image.direction = new Float64Array(stack ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : [1, 0, 0, 1]);
  image.data = data;
  return image;
}
