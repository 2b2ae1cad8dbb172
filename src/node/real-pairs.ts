/** Co-registered real pairs (same specimen, same frame) found under a data folder, by type. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Image } from '../image/image.js';
import { prepareImage } from '../methods/prepare.js';
import { readImageFile } from './image-file.js';

export interface RealPairType {
  name: string;
  /** Short label for tables and case ids. */
  kind: string;
  pairs: { fixed: string; moving: string }[];
}

/** The project's shared data layout (clem/, xray/) or the bundled samples/ folder. */
export function realPairTypes(dir: string): RealPairType[] {
  const types: RealPairType[] = [];
  const clem = [6, 7, 8, 9].map((s) => ({ fixed: join(dir, 'clem', `deepclem_s${s}_em.png`), moving: join(dir, 'clem', `deepclem_s${s}_fm.png`) })).filter((p) => existsSync(p.fixed) && existsSync(p.moving));
  if (clem.length === 0 && existsSync(join(dir, 'deepclem_s6_em_crop512.png'))) clem.push({ fixed: join(dir, 'deepclem_s6_em_crop512.png'), moving: join(dir, 'deepclem_s6_fm_crop512.png') });
  if (clem.length) types.push({ name: 'DeepCLEM EM (fixed) vs chromatin fluorescence (moving)', kind: 'clem', pairs: clem });
  const xrfDir = existsSync(join(dir, 'xray')) ? join(dir, 'xray') : dir;
  const partners = ['Cr', 'P', 'S', 'Si'].map((e) => join(xrfDir, `hxn_xrf_${e}_K.tiff`)).filter(existsSync);
  const fe = join(xrfDir, 'hxn_xrf_Fe_K.tiff');
  if (existsSync(fe) && partners.length) types.push({ name: 'HXN XRF Fe (fixed) vs other element maps (moving)', kind: 'xrf', pairs: partners.map((moving) => ({ fixed: fe, moving })) });
  return types;
}

/** Both images of a real pair, read and prepared (grayscale, validated). */
export async function readRealPair(pair: { fixed: string; moving: string }): Promise<{ fixed: Image; partner: Image }> {
  return { fixed: prepareImage(await readImageFile(pair.fixed), pair.fixed), partner: prepareImage(await readImageFile(pair.moving), pair.moving) };
}
