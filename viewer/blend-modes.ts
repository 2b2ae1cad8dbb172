/**
 * Visual-QA comparisons of two images on the same grid (fixed and registered moving), composed
 * on the CPU into one RGB image: checkerboard, difference, false colour (fixed magenta, moving
 * green: aligned structure turns white), swipe curtain, alpha blend. Each image is first mapped
 * through its own window/level to [0, 1], as the user sees it.
 */
import { colormapTable, type ColormapName } from './colormaps.js';

export const BLEND_MODES = ['layers', 'alpha', 'checkerboard', 'difference', 'false-colour', 'swipe'] as const;
export type BlendMode = (typeof BLEND_MODES)[number];

export interface WindowLevel {
  window: number;
  level: number;
}

export interface BlendInput {
  width: number;
  height: number;
  fixed: Float32Array;
  moving: Float32Array;
  fixedWindow: WindowLevel;
  movingWindow: WindowLevel;
  fixedColormap?: ColormapName;
  movingColormap?: ColormapName;
  /** Pixels where the moving image has data (others show the fixed image alone); default all. */
  movingMask?: Uint8Array;
}

export interface BlendParameters {
  /** Checkerboard tile side, pixels. Default 32. */
  tileSize?: number;
  /** Alpha blend weight of the moving image, 0–1. Default 0.5. */
  alpha?: number;
  /** Swipe curtain position as a fraction of the width, 0–1. Default 0.5. */
  swipe?: number;
}

function toUnit(v: number, wl: WindowLevel): number {
  const t = (v - (wl.level - wl.window / 2)) / (wl.window || 1);
  return t < 0 ? 0 : t > 1 ? 1 : Number.isNaN(t) ? 0 : t;
}

/** RGB bytes (width × height × 3) of a blend mode ('layers' is rendered by vtk, not here). */
export function blend(mode: Exclude<BlendMode, 'layers'>, input: BlendInput, params: BlendParameters = {}): Uint8Array {
  const { width, height, fixed, moving, movingMask } = input;
  const out = new Uint8Array(width * height * 3);
  const lutF = colormapTable(input.fixedColormap ?? 'gray');
  const lutM = colormapTable(input.movingColormap ?? 'gray');
  const tile = Math.max(1, Math.round(params.tileSize ?? 32));
  const alpha = params.alpha ?? 0.5;
  const curtain = (params.swipe ?? 0.5) * width;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const k = j * width + i;
      const f = toUnit(fixed[k], input.fixedWindow);
      const has = movingMask ? movingMask[k] === 1 : true;
      const m = has ? toUnit(moving[k], input.movingWindow) : 0;
      const o = 3 * k;
      const fi = Math.round(f * 255) * 3;
      const mi = Math.round(m * 255) * 3;
      switch (mode) {
        case 'checkerboard':
        case 'swipe': {
          const useMoving = has && (mode === 'swipe' ? i >= curtain : ((Math.floor(i / tile) + Math.floor(j / tile)) & 1) === 1);
          const lut = useMoving ? lutM : lutF;
          const idx = useMoving ? mi : fi;
          out[o] = lut[idx];
          out[o + 1] = lut[idx + 1];
          out[o + 2] = lut[idx + 2];
          break;
        }
        case 'difference': {
          const d = Math.round(Math.abs(f - m) * 255);
          out[o] = out[o + 1] = out[o + 2] = has ? d : 0;
          break;
        }
        case 'false-colour': {
          const fb = Math.round(f * 255);
          const mb = Math.round(m * 255);
          out[o] = fb;
          out[o + 1] = mb;
          out[o + 2] = fb;
          break;
        }
        case 'alpha': {
          const a = has ? alpha : 0;
          out[o] = Math.round((1 - a) * lutF[fi] + a * lutM[mi]);
          out[o + 1] = Math.round((1 - a) * lutF[fi + 1] + a * lutM[mi + 1]);
          out[o + 2] = Math.round((1 - a) * lutF[fi + 2] + a * lutM[mi + 2]);
          break;
        }
      }
    }
  }
  return out;
}
