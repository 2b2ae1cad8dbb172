/** Real images as synthetic-data worlds: every readable 2-D image under a folder (recursively). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toGrayscale } from '../image/grayscale.js';
import { normaliseData } from '../image/normalise.js';
import type { RealSource } from '../synthetic/world.js';
import { readImageFile } from './image-file.js';

const IMAGE = /\.(png|tiff?|jpe?g|nrrd|mha|nii(\.gz)?)$/i;
/** Files that are derived from other sources (our warped demo images) would leak test transforms. */
const SKIP = /_moved\./i;

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(path)));
    else if (IMAGE.test(e.name) && !SKIP.test(e.name)) files.push(path);
  }
  return files.sort();
}

/** X-ray-like by name (xrf, xray, stxm, eds); everything else is treated as EM-like detail. */
function modalityOf(path: string): RealSource['modality'] {
  return /xrf|xray|x-ray|stxm|eds|hxn/i.test(path) ? 'xray' : 'em';
}

/** Load every usable image under `dir` (unreadable or tiny files are skipped with a note on stderr). */
export async function loadRealSources(dir: string, exclude: RegExp | null = null): Promise<RealSource[]> {
  const sources: RealSource[] = [];
  for (const path of await walk(dir)) {
    if (exclude?.test(path)) continue;
    try {
      const gray = toGrayscale(await readImageFile(path), { label: path });
      if (gray.size[0] < 64 || gray.size[1] < 64) continue;
      sources.push({ name: path, width: gray.size[0], height: gray.size[1], data: normaliseData(gray.data as Float32Array, { low: 0.5, high: 99.5 }), modality: modalityOf(path) });
    } catch (error) {
      process.stderr.write(`skipping ${path}: ${(error as Error).message}\n`);
    }
  }
  return sources;
}
