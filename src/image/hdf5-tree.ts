/**
 * What the HDF5 readers (hdf5-maps.ts, velox-emd.ts) share: finding datasets in an h5wasm file
 * without trusting what is there, and making an image of maps read from one.
 */
import type { Dataset, Group } from 'h5wasm';
import { Image, ImageType } from 'itk-wasm';

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
