/** Minimal canvas rendering for the preview page: robust 8-bit grayscale and a magenta/green overlay. */
import type { Image } from '../src/image/image.js';
import { normalise } from '../src/image/normalise.js';

function toBytes(image: Image): Uint8ClampedArray {
  const n = normalise(image, { low: 0.5, high: 99.5 }).data as Float32Array;
  return Uint8ClampedArray.from(n, (v) => v * 255);
}

function paint(canvas: HTMLCanvasElement, width: number, height: number, fill: (rgba: Uint8ClampedArray) => void): void {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('2-D canvas is not available');
  const pixels = context.createImageData(width, height);
  fill(pixels.data);
  context.putImageData(pixels, 0, 0);
}

export function drawGray(canvas: HTMLCanvasElement, image: Image): void {
  const g = toBytes(image);
  paint(canvas, image.size[0], image.size[1], (rgba) => {
    for (let k = 0; k < g.length; k++) {
      rgba[4 * k] = rgba[4 * k + 1] = rgba[4 * k + 2] = g[k];
      rgba[4 * k + 3] = 255;
    }
  });
}

/** Fixed in magenta, moving in green: aligned structure turns white/gray. Both on the fixed grid. */
export function drawOverlay(canvas: HTMLCanvasElement, fixed: Image, moving: Image): void {
  const f = toBytes(fixed);
  const m = toBytes(moving);
  paint(canvas, fixed.size[0], fixed.size[1], (rgba) => {
    for (let k = 0; k < f.length; k++) {
      rgba[4 * k] = f[k];
      rgba[4 * k + 1] = m[k];
      rgba[4 * k + 2] = f[k];
      rgba[4 * k + 3] = 255;
    }
  });
}
