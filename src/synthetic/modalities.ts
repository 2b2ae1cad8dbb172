/**
 * Imaging a world as an X-ray map or an EM image. Both start from per-phase intensities (chosen
 * independently, so contrast between the two is neither shared nor monotonic) plus some of the
 * world's fine texture, then add each instrument's degradations:
 * An X-ray map is often sparse (SPARSE_XRAY_SHARE): the element or stain sits in one or two
 * phases and the rest of the field is dark — chromatin fluorescence inside nuclei, a dopant in
 * some particles, one mineral in a matrix.
 *   X-ray (XRF/EDS/STXM): point-spread blur, coarse pixels (1–8× binning), Poisson counting noise
 *     at low counts (never so low that the structure drowns: MIN_CNR), background and its
 *     gradient, hot pixels.
 *   EM (SEM/TEM/STEM): detail-rich texture, Gaussian noise, blur, gamma and contrast, inversion
 *     (bright-field vs dark-field/HAADF), scan-line offsets.
 */
import { gaussianBlur } from '../image/gaussian.js';
import type { Rng } from './random.js';
import type { World } from './world.js';

export type Modality = 'xray' | 'em';

/**
 * Share of X-ray maps whose signal sits in one or two phases only. Real element maps and
 * fluorescence stains look like this far more often than a map with an intensity for every phase.
 */
export const SPARSE_XRAY_SHARE = 0.35;

/** Phases covering between 1 % and 50 % of the world: carriers whose map has structure, not a flat field. */
function carrierCandidates(world: World): number[] {
  const counts = new Array<number>(world.phases).fill(0);
  for (const label of world.labels) counts[label]++;
  return counts.flatMap((c, p) => (c >= 0.01 * world.labels.length && c <= 0.5 * world.labels.length ? [p] : []));
}

/**
 * A sparse map: bright in the carrier phases, near zero elsewhere, and modulated inside the
 * carriers by the world's texture (or its negative) — chromatin is dark in EM, bright in FM.
 */
function sparseField(world: World, carriers: number[], rng: Rng): Float32Array {
  const values = new Float32Array(world.phases).map(() => rng.uniform(0, 0.05));
  const carries = new Uint8Array(world.phases);
  for (const p of carriers) {
    values[p] = rng.uniform(0.4, 1);
    carries[p] = 1;
  }
  const modulation = rng.uniform(0, 0.9);
  const inverse = rng.chance(0.5);
  const out = new Float32Array(world.labels.length);
  for (let k = 0; k < out.length; k++) {
    const label = world.labels[k];
    const t = Math.min(1, Math.max(0, inverse ? 1 - world.texture[k] : world.texture[k]));
    out[k] = carries[label] ? values[label] * (1 - modulation + modulation * t) : values[label];
  }
  return out;
}

/** The world seen through one modality's contrast, at world resolution. */
export function renderField(world: World, modality: Modality, rng: Rng): Float32Array {
  if (modality === 'xray' && rng.chance(SPARSE_XRAY_SHARE)) {
    const candidates = carrierCandidates(world);
    if (candidates.length > 0) {
      const first = rng.pick(candidates);
      const second = rng.pick(candidates);
      return sparseField(world, rng.chance(0.6) ? [first] : [first, second], rng);
    }
  }
  const values = new Float32Array(world.phases);
  for (let p = 0; p < world.phases; p++) values[p] = rng.next();
  if (modality === 'xray' && rng.chance(0.7)) values[0] = rng.uniform(0, 0.1); // element absent from the matrix
  const realSame = world.kind.startsWith('real:') && rng.chance(0.5);
  const textureWeight = modality === 'em' ? rng.uniform(realSame ? 0.6 : 0.2, realSame ? 1 : 0.8) : rng.uniform(0, 0.25);
  const sign = rng.chance(0.5) ? 1 : -1;
  const out = new Float32Array(world.labels.length);
  for (let k = 0; k < out.length; k++) out[k] = Math.max(0, values[world.labels[k]] + sign * textureWeight * world.texture[k] + (sign < 0 ? textureWeight : 0));
  return out;
}

/** Mean over f×f blocks: the m×m map a scan with f-times coarser pixels records (m = ⌊n/f⌋). */
function bin(data: Float32Array, n: number, f: number): { small: Float32Array; m: number } {
  const m = Math.max(2, Math.floor(n / f));
  const small = new Float32Array(m * m);
  const block = n / m;
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      let c = 0;
      for (let y = Math.floor(j * block); y < Math.floor((j + 1) * block); y++) {
        for (let x = Math.floor(i * block); x < Math.floor((i + 1) * block); x++) {
          s += data[y * n + x];
          c++;
        }
      }
      small[j * m + i] = c ? s / c : 0;
    }
  }
  return { small, m };
}

/** Bilinear from m×m back to n×n, as the model's preprocessing resamples a coarse map onto its grid. */
export function upsample(small: Float32Array, m: number, n: number): Float32Array {
  if (m === n) return small;
  const block = n / m;
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const sy = Math.min(m - 1, Math.max(0, (y + 0.5) / block - 0.5));
    const y0 = Math.min(m - 2, Math.floor(sy));
    const fy = sy - y0;
    for (let x = 0; x < n; x++) {
      const sx = Math.min(m - 1, Math.max(0, (x + 0.5) / block - 0.5));
      const x0 = Math.min(m - 2, Math.floor(sx));
      const fx = sx - x0;
      const a = small[y0 * m + x0] + (small[y0 * m + x0 + 1] - small[y0 * m + x0]) * fx;
      const b = small[(y0 + 1) * m + x0] + (small[(y0 + 1) * m + x0 + 1] - small[(y0 + 1) * m + x0]) * fx;
      out[y * n + x] = a + (b - a) * fy;
    }
  }
  return out;
}

/**
 * Contrast-to-noise, per X-ray pixel, below which no map is generated. A map whose structure is
 * below its counting noise cannot be registered by anyone, and nobody brings one to correlate:
 * beamline scientists raise the dwell time or the step size until the structure shows. Such pairs
 * made up a good part of the earlier synthetic sets (the element contrast falls under the noise at
 * 2–10 counts per pixel) and taught the network nothing but noise.
 */
export const MIN_CNR = 1;

/**
 * Counts per unit concentration: the drawn dose, raised where needed so that the structure's
 * spread over the map's pixels is at least `cnr` times the Poisson noise at the mean level
 * (σ·√c / √μ ≥ cnr). Capped: a flat element map stays flat rather than becoming noise-free.
 */
export function visibleCounts(small: Float32Array, background: number, drawn: number, cnr: number): number {
  let sum = 0;
  let sum2 = 0;
  for (const v of small) {
    sum += v;
    sum2 += v * v;
  }
  const mean = sum / small.length;
  const variance = Math.max(0, sum2 / small.length - mean * mean);
  const level = mean + background;
  if (variance === 0 || level <= 0) return drawn;
  return Math.min(1e5, Math.max(drawn, (cnr * cnr * level) / variance));
}

function ramp(n: number, rng: Rng, amplitude: number): (x: number, y: number) => number {
  const a = rng.uniform(0, 2 * Math.PI);
  const c = Math.cos(a) / n;
  const s = Math.sin(a) / n;
  return (x, y) => amplitude * ((x - n / 2) * c + (y - n / 2) * s + 0.5);
}

/** An X-ray map at its own pixel size: m×m pixels, each covering n/m pixels of the n×n view. */
export interface XrayMap {
  data: Float32Array;
  m: number;
}

/**
 * Degrade an n×n sampled X-ray concentration image into a realistic map (counts), at the scan's
 * own (coarse) pixel size. Counting noise, background and hot pixels belong to those pixels — each
 * is one dwell of the beam. `upsample` brings the map onto the n×n grid.
 */
export function degradeXrayMap(clean: Float32Array, n: number, rng: Rng): XrayMap {
  const blurred = gaussianBlur(clean, n, n, rng.uniform(0.3, 3));
  const coarseness = Math.round(rng.logUniform(1, 8));
  const { small, m } = coarseness > 1 ? bin(blurred, n, coarseness) : { small: blurred, m: n };
  const background = rng.uniform(0, 0.2);
  const counts = visibleCounts(small, background, rng.logUniform(2, 300), rng.uniform(MIN_CNR, 3 * MIN_CNR));
  const gradient = ramp(m, rng, rng.chance(0.5) ? rng.uniform(0, 0.3) : 0);
  const out = new Float32Array(m * m);
  for (let y = 0; y < m; y++) {
    for (let x = 0; x < m; x++) {
      const k = y * m + x;
      out[k] = rng.poisson(counts * Math.max(0, small[k] + background + gradient(x, y)));
    }
  }
  if (rng.chance(0.5)) {
    const hot = Math.floor(m * m * rng.uniform(0, 0.003));
    for (let h = 0; h < hot; h++) out[rng.int(0, m * m - 1)] = counts * rng.uniform(5, 50);
  }
  return { data: out, m };
}


/** Degrade an n×n sampled EM intensity image. */
export function degradeEm(clean: Float32Array, n: number, rng: Rng): Float32Array {
  let img = gaussianBlur(clean, n, n, rng.uniform(0, 1.2));
  const noise = rng.uniform(0, 0.15);
  const gamma = rng.logUniform(0.6, 1.6);
  const invert = rng.chance(0.3);
  const lines = rng.chance(0.3) ? rng.uniform(0, 0.05) : 0;
  let max = 0;
  for (const v of img) if (v > max) max = v;
  const scale = max > 0 ? 1 / max : 1;
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const offset = lines * rng.normal();
    for (let x = 0; x < n; x++) {
      const k = y * n + x;
      let v = Math.pow(Math.max(0, img[k] * scale), gamma);
      if (invert) v = 1 - v;
      out[k] = v + offset + noise * rng.normal();
    }
  }
  img = out;
  return img;
}
