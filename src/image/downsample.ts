/**
 * Downsampling to a pixel budget by averaging f×f blocks. Physical coordinates are kept: the new
 * spacing is f × the old, and the origin moves to the centre of the first block, so every
 * physical point keeps its place in the image.
 */
import { createFloatImage, gridOf, indexToPhysical, type Image } from './image.js';

/** The integer block size that brings an image within `maxPixels`. */
export function downsampleFactor(size: readonly number[], maxPixels: number): number {
  const n = size[0] * size[1];
  return n <= maxPixels ? 1 : Math.ceil(Math.sqrt(n / maxPixels) - 1e-9);
}

/** Average f×f blocks of a float32 grayscale image (f = 1 returns the image itself). */
export function downsampleBy(image: Image, factor: number): Image {
  if (factor <= 1) return image;
  const [w, h] = image.size;
  const nw = Math.max(1, Math.floor(w / factor));
  const nh = Math.max(1, Math.floor(h / factor));
  const src = image.data as Float32Array;
  const out = new Float32Array(nw * nh);
  const inv = 1 / (factor * factor);
  for (let j = 0; j < nh; j++) {
    for (let i = 0; i < nw; i++) {
      let sum = 0;
      for (let dj = 0; dj < factor; dj++) {
        const row = (j * factor + dj) * w + i * factor;
        for (let di = 0; di < factor; di++) sum += src[row + di];
      }
      out[j * nw + i] = sum * inv;
    }
  }
  const grid = gridOf(image);
  const origin = indexToPhysical(grid, (factor - 1) / 2, (factor - 1) / 2);
  return createFloatImage([nw, nh], out, {
    spacing: [grid.spacing[0] * factor, grid.spacing[1] * factor],
    origin,
    direction: grid.direction,
    name: image.name,
  });
}

/** Downsample so that the image has at most `maxPixels` pixels. */
export function downsampleToBudget(image: Image, maxPixels: number): Image {
  return downsampleBy(image, downsampleFactor(image.size, maxPixels));
}
