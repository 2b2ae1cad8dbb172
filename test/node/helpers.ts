import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createFloatImage, gridCenter, gridOf, type Image } from '../../src/image/image.js';
import { resample } from '../../src/resample.js';
import { Rng } from '../../src/synthetic/random.js';
import { invertTransform, similarity, type SimilarityParameters, type Transform } from '../../src/transform/transform.js';

/** Absolute path of a committed fixture (tests run from dist/test/node). */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../samples/${name}`, import.meta.url));
}

/** A similarity about the image centre. */
export function similarityAbout(image: Image, params: SimilarityParameters): Transform {
  return similarity({ ...params, center: gridCenter(gridOf(image)) });
}

/**
 * The moving image of a synthetic pair with ground truth `truth` (fixed → moving):
 * moving(T(p)) = fixed(p), on `grid` (default: the fixed grid).
 */
export function warp(fixed: Image, truth: Transform, grid = gridOf(fixed)): Image {
  return resample(fixed, grid, invertTransform(truth));
}

/** A deterministic uniform generator for test data (the project's seeded Rng). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** A smooth random test image (sum of Gaussian blobs), float32. */
export function blobs(width: number, height: number, seed = 1, count = 40): Image {
  const r = rng(seed);
  const data = new Float32Array(width * height);
  for (let b = 0; b < count; b++) {
    const cx = r() * width;
    const cy = r() * height;
    const s = 3 + r() * (Math.min(width, height) / 10);
    const a = 0.5 + r();
    for (let j = 0; j < height; j++) {
      for (let i = 0; i < width; i++) data[j * width + i] += a * Math.exp(-((i - cx) ** 2 + (j - cy) ** 2) / (2 * s * s));
    }
  }
  return createFloatImage([width, height], data);
}

/** What a script run as a child process did: exit code (1 when killed) and its output. */
export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Node script (the CLIs under test) with `args`; never rejects, the exit code says how it went. */
export function runScript(script: string, args: string[], options: { cwd?: string } = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { ...options, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * The image with an instrument data bar added along an edge, as SEM/TEM software writes one: a
 * flat band (`flat`, e.g. 0) with a margin, two lines of crisp 5×7 glyphs (`ink`) and a scale bar.
 * The image's rows keep their physical coordinates (a top bar moves the origin up).
 */
export function withDataBar(image: Image, rows: number, edge: 'bottom' | 'top', flat: number, ink: number, seed = 3): Image {
  const [w, h] = image.size;
  const r = rng(seed);
  const bar = new Float32Array(w * rows).fill(flat);
  for (const top of [4, 15]) {
    for (let x0 = 8; x0 + 5 < 0.6 * w; x0 += 7) {
      for (let y = 0; y < 7; y++) for (let x = 0; x < 5; x++) if (r() < 0.45) bar[(top + y) * w + x0 + x] = ink;
    }
  }
  for (let y = 16; y < 20; y++) for (let x = Math.round(0.7 * w); x < Math.round(0.85 * w); x++) bar[y * w + x] = ink;
  const data = new Float32Array(w * (h + rows));
  const content = image.data as Float32Array;
  data.set(edge === 'bottom' ? content : bar, 0);
  data.set(edge === 'bottom' ? bar : content, edge === 'bottom' ? w * h : w * rows);
  const [sx, sy] = image.spacing;
  const origin = edge === 'top' ? [image.origin[0], image.origin[1] - rows * sy] : image.origin.slice(0, 2);
  return createFloatImage([w, h + rows], data, { spacing: [sx, sy], origin: origin as [number, number], name: image.name });
}
