/**
 * The "world" a synthetic pair is imaged from: a square raster over normalised coordinates
 * [−extent, extent]², holding a phase label per pixel (which material is there) and a fine
 * texture in [0, 1] (membranes, grain boundaries, EM-like detail). Each modality later maps
 * phases to its own intensities, so the two images share geometry but not contrast.
 *
 * Procedural structures follow what X-ray/EM specimens look like: particles (catalysts,
 * inclusions), grains (metals, minerals), cells with nuclei and organelles, fibres, membranes.
 * Real images (EM or X-ray maps) can be worlds too: their intensity is the texture and their
 * quantised intensity the phases.
 */
import { gaussianBlur } from '../image/gaussian.js';
import { sortedSample, percentileOfSorted } from '../image/statistics.js';
import type { Rng } from './random.js';

export interface World {
  /** Raster side, pixels. */
  size: number;
  /** Half-width of the covered square in normalised coordinates. */
  extent: number;
  /** Number of phases; labels are 0 … phases − 1. */
  phases: number;
  labels: Uint8Array;
  texture: Float32Array;
  /** What made it, for reports. */
  kind: string;
}

/** A real image usable as a world: intensities normalised to [0, 1]. */
export interface RealSource {
  name: string;
  width: number;
  height: number;
  data: Float32Array;
  modality: 'em' | 'xray';
}

export const PROCEDURAL_KINDS = ['particles', 'grains', 'cells', 'fibres', 'membranes'] as const;
export type ProceduralKind = (typeof PROCEDURAL_KINDS)[number];

function emptyWorld(size: number, extent: number, phases: number, kind: string): World {
  return { size, extent, phases, labels: new Uint8Array(size * size), texture: new Float32Array(size * size), kind };
}

/** Fill an ellipse (centre, radii in pixels, angle) with a label; optionally mark its rim in the texture. */
function ellipse(w: World, cx: number, cy: number, rx: number, ry: number, angle: number, label: number, rim: number): void {
  const r = Math.max(rx, ry) + 2;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(w.size - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(w.size - 1, Math.ceil(cy + r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (c * dx + s * dy) / rx;
      const v = (-s * dx + c * dy) / ry;
      const d = Math.sqrt(u * u + v * v);
      const k = y * w.size + x;
      if (d <= 1) {
        w.labels[k] = label;
        if (rim > 0) w.texture[k] = Math.max(w.texture[k], rim * Math.max(0, 1 - (1 - d) * Math.min(rx, ry) / 1.5));
      }
    }
  }
}

/** Voronoi over jittered seeds; texture = closeness to a cell boundary (1 on the boundary). */
function voronoi(w: World, rng: Rng, cells: number, labelOf: (cell: number) => number, boundaryWidth: number): Int32Array {
  const n = w.size;
  const grid = Math.max(1, Math.round(Math.sqrt(cells)));
  const step = n / grid;
  const seeds: number[] = [];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) seeds.push((gx + rng.uniform(0.1, 0.9)) * step, (gy + rng.uniform(0.1, 0.9)) * step);
  }
  const owner = new Int32Array(n * n);
  for (let y = 0; y < n; y++) {
    const gy = Math.min(grid - 1, Math.floor(y / step));
    for (let x = 0; x < n; x++) {
      const gx = Math.min(grid - 1, Math.floor(x / step));
      let best = Infinity;
      let second = Infinity;
      let bestCell = 0;
      // Seeds are jittered within their cells: the 3×3 neighbourhood holds the nearest two almost always.
      for (let oy = -1; oy <= 1; oy++) {
        const cy = gy + oy;
        if (cy < 0 || cy >= grid) continue;
        for (let ox = -1; ox <= 1; ox++) {
          const cx = gx + ox;
          if (cx < 0 || cx >= grid) continue;
          const id = cy * grid + cx;
          const dx = seeds[2 * id] - x;
          const dy = seeds[2 * id + 1] - y;
          const d = Math.sqrt(dx * dx + dy * dy);
          if (d < best) {
            second = best;
            best = d;
            bestCell = id;
          } else if (d < second) second = d;
        }
      }
      const k = y * n + x;
      owner[k] = bestCell;
      w.labels[k] = labelOf(bestCell);
      const gap = (second - best) / 2; // distance to the boundary
      w.texture[k] = Math.max(w.texture[k], Math.max(0, 1 - gap / boundaryWidth));
    }
  }
  return owner;
}

function particles(w: World, rng: Rng): void {
  const n = w.size;
  const count = rng.int(20, 160);
  const rMax = rng.uniform(0.03, 0.12) * n;
  for (let i = 0; i < count; i++) {
    const rx = rng.uniform(0.15, 1) * rMax;
    ellipse(w, rng.uniform(0, n), rng.uniform(0, n), rx, rx * rng.uniform(0.4, 1), rng.uniform(0, Math.PI), rng.int(1, w.phases - 1), rng.uniform(0, 1));
  }
}

function grains(w: World, rng: Rng): void {
  const phaseOfCell: number[] = [];
  voronoi(w, rng, rng.int(30, 220), (c) => (phaseOfCell[c] ??= rng.int(0, w.phases - 1)), rng.uniform(0.8, 3));
}

function cells(w: World, rng: Rng): void {
  const n = w.size;
  const count = rng.int(6, 30);
  const rMax = rng.uniform(0.08, 0.2) * n;
  for (let i = 0; i < count; i++) {
    const cx = rng.uniform(0, n);
    const cy = rng.uniform(0, n);
    const r = rng.uniform(0.5, 1) * rMax;
    const a = rng.uniform(0, Math.PI);
    const e = rng.uniform(0.6, 1);
    ellipse(w, cx, cy, r, r * e, a, 1, 1);
    // Nucleus, then organelles: phases 2 and 3+ (clamped to the available phases).
    ellipse(w, cx + rng.uniform(-0.2, 0.2) * r, cy + rng.uniform(-0.2, 0.2) * r, 0.45 * r, 0.45 * r * rng.uniform(0.7, 1), a, Math.min(2, w.phases - 1), 0.6);
    for (let o = rng.int(0, 6); o > 0; o--) {
      const t = rng.uniform(0, 2 * Math.PI);
      const d = rng.uniform(0.55, 0.85) * r * e;
      ellipse(w, cx + d * Math.cos(t), cy + d * Math.sin(t), 0.1 * r, 0.05 * r, rng.uniform(0, Math.PI), Math.min(3, w.phases - 1), 0);
    }
  }
}

function fibres(w: World, rng: Rng): void {
  const n = w.size;
  const count = rng.int(8, 60);
  for (let f = 0; f < count; f++) {
    let x = rng.uniform(0, n);
    let y = rng.uniform(0, n);
    let dir = rng.uniform(0, 2 * Math.PI);
    const width = rng.uniform(1, 0.02 * n);
    const label = rng.int(1, w.phases - 1);
    const steps = rng.int(20, 200);
    const curl = rng.uniform(0, 0.15);
    for (let s = 0; s < steps; s++) {
      ellipse(w, x, y, width, width, 0, label, 0.5);
      dir += curl * rng.normal();
      x += Math.cos(dir) * width * 0.8;
      y += Math.sin(dir) * width * 0.8;
    }
  }
}

function membranes(w: World, rng: Rng): void {
  const owner = voronoi(w, rng, rng.int(10, 80), () => 0, rng.uniform(1, 4));
  // Compartments keep phase 0 or 1; the membrane (texture high) becomes its own phase.
  const inner: number[] = [];
  for (let k = 0; k < owner.length; k++) {
    const c = owner[k];
    inner[c] ??= rng.int(0, Math.min(1, w.phases - 2));
    w.labels[k] = w.texture[k] > 0.6 ? w.phases - 1 : inner[c];
  }
}

/** A procedural world. `size` pixels cover [−extent, extent]². */
export function proceduralWorld(rng: Rng, size: number, extent: number, kind: ProceduralKind = rng.pick(PROCEDURAL_KINDS)): World {
  const w = emptyWorld(size, extent, rng.int(3, 6), kind);
  ({ particles, grains, cells, fibres, membranes })[kind](w, rng);
  // Specimens rarely hold one kind of structure: sometimes sprinkle particles over the rest.
  if (kind !== 'particles' && rng.chance(0.3)) particles(w, rng);
  // Fine random texture so that flat phases are not perfectly flat.
  const grain = new Float32Array(size * size).map(() => rng.next());
  const smooth = gaussianBlur(grain, size, size, rng.uniform(0.7, 2.5));
  const amount = rng.uniform(0, 0.4);
  for (let k = 0; k < smooth.length; k++) w.texture[k] = Math.min(1, w.texture[k] + amount * (smooth[k] - 0.5) * 2);
  return w;
}

/**
 * A world from a real image: a random crop, resampled to the raster (zoom between 0.6× and 1.6×
 * of the source's pixels), texture = intensity, phases = intensity quantiles of a smoothed copy.
 */
export function realWorld(rng: Rng, source: RealSource, size: number, extent: number): World {
  const phases = rng.int(3, 6);
  const w = emptyWorld(size, extent, phases, `real:${source.name}`);
  const zoom = rng.uniform(0.6, 1.6); // source pixels per world pixel
  const span = size * zoom;
  const x0 = span >= source.width ? (source.width - span) / 2 : rng.uniform(0, source.width - span);
  const y0 = span >= source.height ? (source.height - span) / 2 : rng.uniform(0, source.height - span);
  const flip = rng.chance(0.5);
  const sw = source.width;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Out-of-source regions mirror back in: no artificial black borders for the network to key on.
      let sx = x0 + (flip ? size - 1 - x : x) * zoom;
      let sy = y0 + y * zoom;
      sx = Math.abs(sx);
      sy = Math.abs(sy);
      if (sx > sw - 1) sx = Math.max(0, 2 * (sw - 1) - sx);
      if (sy > source.height - 1) sy = Math.max(0, 2 * (source.height - 1) - sy);
      const ix = Math.min(sw - 2, Math.floor(sx));
      const iy = Math.min(source.height - 2, Math.floor(sy));
      const fx = Math.min(1, sx - ix);
      const fy = Math.min(1, sy - iy);
      const d = source.data;
      const a = d[iy * sw + ix] + (d[iy * sw + ix + 1] - d[iy * sw + ix]) * fx;
      const b = d[(iy + 1) * sw + ix] + (d[(iy + 1) * sw + ix + 1] - d[(iy + 1) * sw + ix]) * fx;
      w.texture[y * size + x] = a + (b - a) * fy;
    }
  }
  const smooth = gaussianBlur(w.texture, size, size, rng.uniform(1, 3));
  const sorted = sortedSample(smooth, 1 << 14);
  const cuts = Array.from({ length: phases - 1 }, (_, i) => percentileOfSorted(sorted, (100 * (i + 1)) / phases));
  for (let k = 0; k < smooth.length; k++) {
    let label = 0;
    while (label < cuts.length && smooth[k] > cuts[label]) label++;
    w.labels[k] = label;
  }
  return w;
}
