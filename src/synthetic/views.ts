/**
 * Non-square views of a synthetic pair's square images. Real images are seldom square (a 4:3
 * SEM frame, a rectangular fluorescence scan), and the model's frame pads their shorter side with
 * background. A view is a window of the image on the image's own physical coordinates, so the
 * pair's transform still holds between the two views.
 */
import { frameOf, normalisedMatrix, toModelInput, toNormalised, type NormalisedSimilarity } from '../cnn/model-frame.js';
import { createFloatImage, gridOf, indexToPhysical, type Image } from '../image/image.js';
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

/** A model input (N×N, row-major) as an image whose physical coordinates are the normalised frame's, [−1, 1]². */
export function normalisedImage(data: Float32Array, n: number): Image {
  return createFloatImage([n, n], data, { spacing: [2 / (n - 1), 2 / (n - 1)], origin: [-1, -1] });
}

/**
 * A pair's model inputs with each image, at chance `share`, cut to a random view (`randomView`)
 * and framed as inference frames it (`toModelInput`: centred on the view, its shorter side padded
 * with background), and the truth re-expressed between the new frames. Training on square views
 * only, the network never saw padding: on non-square views of held-out pairs it succeeded on
 * 20 % against 65 % whole (xemreg-sim-v9; trained on with a share of 0.2 and half its steps at
 * 256 px, 24 %, but fewer square pairs: its card). Draws nothing from `rng` when `share` is 0.
 */
export function viewInputs(
  pair: { fixed: Float32Array; moving: Float32Array; truth: NormalisedSimilarity },
  n: number,
  share: number,
  rng: Rng,
): { fixed: Float32Array; moving: Float32Array; truth: NormalisedSimilarity } {
  if (!(share > 0)) return pair;
  const frame = (data: Float32Array) => {
    const image = normalisedImage(data, n);
    if (!rng.chance(share)) return { data, frame: frameOf(gridOf(image)) };
    const input = toModelInput(randomView(image, rng), n);
    return { data: input.data, frame: input.frame };
  };
  const fixed = frame(pair.fixed);
  const moving = frame(pair.moving);
  return { fixed: fixed.data, moving: moving.data, truth: toNormalised(normalisedMatrix(pair.truth), fixed.frame, moving.frame) };
}

