/**
 * Non-square views of a synthetic pair's square images. Real images are seldom square (a 4:3
 * SEM frame, a rectangular fluorescence scan), and the model's frame pads their shorter side with
 * background. A view is a window of the image on the image's own physical coordinates, so the
 * pair's transform still holds between the two views.
 */
import { gridOf, indexToPhysical, type Image } from '../image/image.js';
import { resample } from '../resample.js';
import type { Rng } from './random.js';

/** Short side of a view as a share of the long one: uniform in this range. */
export const VIEW_ASPECT: readonly [number, number] = [0.45, 0.8];

/** A window of `image` (full along one axis, landscape or portrait at random) at a random offset. */
export function randomView(image: Image, rng: Rng): Image {
  const grid = gridOf(image);
  const [w, h] = grid.size;
  const landscape = rng.next() < 0.5;
  const [long, across] = landscape ? [w, h] : [h, w];
  const short = Math.min(across, Math.max(1, Math.round(long * rng.uniform(VIEW_ASPECT[0], VIEW_ASPECT[1]))));
  const offset = rng.int(0, across - short);
  const [x0, y0, vw, vh] = landscape ? [0, offset, w, short] : [offset, 0, short, h];
  // Integer offsets: the identity resample copies pixels exactly.
  return resample(image, { ...grid, size: [vw, vh], origin: indexToPhysical(grid, x0, y0) }, [
    [1, 0, 0],
    [0, 1, 0],
  ]);
}
