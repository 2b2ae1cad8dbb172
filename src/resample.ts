/**
 * Resampling the moving image onto the fixed grid: each fixed pixel p takes the bilinear value of
 * the moving image at T(p) (CONVENTIONS.md). The chain fixed index → physical → T → moving
 * index is one affine map, so the inner loop is two additions per pixel.
 */
import { createFloatImage, gridOf, indexToPhysicalMatrix, type Grid, type Image } from './image/image.js';
import { composeMatrices, invertMatrix, type Matrix2x3 } from './transform/matrix.js';
import type { Transform } from './transform/transform.js';

export interface ResampleOptions {
  /** Value outside the moving image. Default 0. */
  defaultValue?: number;
  /**
   * Moving-image pixels beyond the outer pixel centres that still count as inside, taking the
   * edge's value. Default 0.
   */
  margin?: number;
}

export interface ResampleResult {
  image: Image;
  /** 1 where T(p) falls inside the moving image, 0 outside. */
  mask: Uint8Array;
}

/** Fixed index → moving continuous index, through the physical transform. */
export function fixedIndexToMovingIndex(fixed: Grid, moving: Grid, transform: Transform | Matrix2x3): Matrix2x3 {
  const t = Array.isArray(transform) ? transform : transform.matrix;
  return composeMatrices(composeMatrices(indexToPhysicalMatrix(fixed), t), invertMatrix(indexToPhysicalMatrix(moving)));
}

/** Resample a float32 grayscale moving image onto a fixed grid, with the overlap mask. */
export function resampleWithMask(
  moving: Image,
  fixedGrid: Grid,
  transform: Transform | Matrix2x3,
  options: ResampleOptions = {},
): ResampleResult {
  const fill = options.defaultValue ?? 0;
  const m = fixedIndexToMovingIndex(fixedGrid, gridOf(moving), transform);
  const [fw, fh] = fixedGrid.size;
  const [mw, mh] = moving.size;
  const src = moving.data as Float32Array;
  const out = new Float32Array(fw * fh);
  const mask = new Uint8Array(fw * fh);
  // Pixel centres sit on integer indices: valid continuous indices span [0, size − 1].
  const maxX = mw - 1;
  const maxY = mh - 1;
  const lo = -(options.margin ?? 0) - 1e-6;
  const hiX = maxX - lo;
  const hiY = maxY - lo;
  for (let j = 0; j < fh; j++) {
    let x = m[0][1] * j + m[0][2];
    let y = m[1][1] * j + m[1][2];
    for (let i = 0; i < fw; i++, x += m[0][0], y += m[1][0]) {
      const k = j * fw + i;
      if (!(x >= lo && y >= lo && x <= hiX && y <= hiY)) {
        out[k] = fill;
        continue;
      }
      const xc = Math.min(Math.max(x, 0), maxX);
      const yc = Math.min(Math.max(y, 0), maxY);
      const x0 = Math.min(Math.floor(xc), Math.max(0, maxX - 1));
      const y0 = Math.min(Math.floor(yc), Math.max(0, maxY - 1));
      const fx = xc - x0;
      const fy = yc - y0;
      const x1 = Math.min(x0 + 1, maxX);
      const y1 = Math.min(y0 + 1, maxY);
      const r0 = y0 * mw;
      const r1 = y1 * mw;
      const top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * fx;
      const bottom = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * fx;
      out[k] = top + (bottom - top) * fy;
      mask[k] = 1;
    }
  }
  return { image: createFloatImage([fw, fh], out, { ...fixedGrid, name: moving.name }), mask };
}

/** The moving image on the fixed image's grid (bilinear, `defaultValue` outside). */
export function resample(moving: Image, fixed: Image | Grid, transform: Transform | Matrix2x3, options: ResampleOptions = {}): Image {
  const grid = 'imageType' in fixed ? gridOf(fixed) : fixed;
  return resampleWithMask(moving, grid, transform, options).image;
}
