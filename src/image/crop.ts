/**
 * A rectangular part of an image that keeps its place in physical space: the crop's pixel (0, 0)
 * is the source's (x0, y0), so a transform found for the crop holds for the whole image.
 */
import { createFloatImage, gridOf, indexToPhysical, type Image } from './image.js';

/** Pixels [x0, x0 + width) × [y0, y0 + height) of a float32 grayscale image, as a new image (the source is not changed). */
export function cropImage(image: Image, x0: number, y0: number, width: number, height: number): Image {
  const grid = gridOf(image);
  const [w, h] = grid.size;
  const whole = [x0, y0, width, height].every(Number.isInteger) && x0 >= 0 && y0 >= 0 && width >= 1 && height >= 1;
  if (!whole || x0 + width > w || y0 + height > h) {
    throw new RangeError(`crop ${width}×${height} at (${x0}, ${y0}) does not fit the ${w}×${h} image`);
  }
  const src = image.data as Float32Array;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) out.set(src.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + width), y * width);
  return createFloatImage([width, height], out, {
    spacing: grid.spacing,
    origin: indexToPhysical(grid, x0, y0),
    direction: grid.direction,
    name: image.name,
  });
}
