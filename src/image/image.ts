/**
 * The one image type of the project is itk-wasm's `Image`. These helpers create float32
 * grayscale images and map between pixel indices and physical points, following
 * CONVENTIONS.md: physical = origin + direction · (spacing ⊙ index).
 */
import { Image, ImageType } from 'itk-wasm';
import type { Matrix2x3 } from '../transform/matrix.js';

export type { Image };

/** Geometry of a 2-D image grid, without pixels. */
export interface Grid {
  size: [number, number];
  spacing: [number, number];
  origin: [number, number];
  /** Row-major 2×2 direction cosines. */
  direction: [number, number, number, number];
}

export interface FloatImageGeometry {
  spacing?: readonly number[];
  origin?: readonly number[];
  direction?: ArrayLike<number>;
  name?: string;
}

/** A new 2-D float32 scalar image. Geometry defaults to spacing 1, origin 0, identity direction. */
export function createFloatImage(
  size: readonly [number, number],
  data: Float32Array,
  geometry: FloatImageGeometry = {},
): Image {
  if (data.length !== size[0] * size[1]) {
    throw new Error(`pixel buffer has ${data.length} values, expected ${size[0]}×${size[1]}`);
  }
  const image = new Image(new ImageType(2, 'float32', 'Scalar', 1));
  image.name = geometry.name ?? '';
  image.size = [size[0], size[1]];
  image.spacing = geometry.spacing ? [geometry.spacing[0], geometry.spacing[1]] : [1, 1];
  image.origin = geometry.origin ? [geometry.origin[0], geometry.origin[1]] : [0, 0];
  image.direction = new Float64Array(geometry.direction ? Array.from(geometry.direction).slice(0, 4) : [1, 0, 0, 1]);
  image.data = data;
  return image;
}

/** The 2-D grid of an image (its first two axes). */
export function gridOf(image: Image): Grid {
  const d = image.direction;
  const n = image.imageType.dimension;
  // A 3-D direction is 3×3 row-major; its in-plane block sits at [0], [1], [n], [n + 1].
  return {
    size: [image.size[0], image.size[1]],
    spacing: [image.spacing[0], image.spacing[1]],
    origin: [image.origin[0], image.origin[1]],
    direction: [Number(d[0]), Number(d[1]), Number(d[n]), Number(d[n + 1])],
  };
}

/** The affine map from continuous pixel index (i, j) to physical point. */
export function indexToPhysicalMatrix(grid: Grid): Matrix2x3 {
  const [d00, d01, d10, d11] = grid.direction;
  const [sx, sy] = grid.spacing;
  return [
    [d00 * sx, d01 * sy, grid.origin[0]],
    [d10 * sx, d11 * sy, grid.origin[1]],
  ];
}

/** Physical point of a (continuous) pixel index. */
export function indexToPhysical(grid: Grid, i: number, j: number): [number, number] {
  const m = indexToPhysicalMatrix(grid);
  return [m[0][0] * i + m[0][1] * j + m[0][2], m[1][0] * i + m[1][1] * j + m[1][2]];
}

/** Physical centre of the grid: the midpoint between the first and last pixel centres. */
export function gridCenter(grid: Grid): [number, number] {
  return indexToPhysical(grid, (grid.size[0] - 1) / 2, (grid.size[1] - 1) / 2);
}

/** Physical positions of the four corner pixel centres, clockwise from index (0, 0). */
export function gridCorners(grid: Grid): [number, number][] {
  const [w, h] = grid.size;
  return [
    indexToPhysical(grid, 0, 0),
    indexToPhysical(grid, w - 1, 0),
    indexToPhysical(grid, w - 1, h - 1),
    indexToPhysical(grid, 0, h - 1),
  ];
}

/** Geometric mean of the pixel spacing: converts a physical distance into "pixels". */
export function meanSpacing(grid: Grid): number {
  return Math.sqrt(Math.abs(grid.spacing[0] * grid.spacing[1]));
}
