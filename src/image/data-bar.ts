/**
 * Instrument data bars: SEM and TEM software often writes a strip of annotation into the image
 * itself — a flat band (black or white) across the bottom or top with crisp text, a scale bar and
 * acquisition settings. The X-ray map has nothing like it, so registration would try to match
 * lettering and a full-width edge. The bar is found from its signature and left out; a crop keeps
 * physical coordinates, so transforms stay those of the whole image.
 */
import { cropImage } from './crop.js';
import type { Image } from './image.js';
import { finiteSummary } from './statistics.js';

export interface DataBar {
  edge: 'bottom' | 'top';
  /** Rows the bar takes, counted from that edge. */
  rows: number;
}

/** Share of a bar row at the bar's flat value: text lines leave the rest. */
const BAR_ROW_SHARE = 0.6;
/** Share of the row next to the bar at the flat value, at most: image content is not flat. */
const CONTENT_ROW_SHARE = 0.5;
/** A bar has at least this many rows wholly (FLAT_ROW) at its flat value: the margins around its text. */
const FLAT_ROWS = 2;
const FLAT_ROW = 0.995;
/** Share of a bar's other pixels at least half the image's range away from the flat value: text is crisp. */
const CRISP_SHARE = 0.6;
/** Share of a bar's pixels that are text, at least: a flat strip without text is not a bar. */
const TEXT_SHARE = 0.002;

/**
 * The data bar along the bottom or top edge of a grayscale image, or null. A bar is a band of
 * 1.5–30 % of the height (at least 3 rows) whose rows are mostly (≥ 60 %) exactly the image's
 * minimum or maximum, at least two of them entirely — among them the one next to the content —
 * holding crisp text (pixels far from the flat value), and whose neighbouring row is image
 * content (under half at that value). Dark pores, the empty part of a sparse X-ray map or the
 * zero padding of a warped image are not bars: their edge is not a straight full-width line with
 * a flat margin, or what they hold is not crisp.
 */
export function findDataBar(image: Image): DataBar | null {
  const [w, h] = image.size;
  const data = image.data as Float32Array;
  const { min: lo, max: hi } = finiteSummary(data);
  if (!(hi > lo)) return null;
  const minRows = Math.max(3, Math.ceil(0.015 * h));
  const maxRows = Math.floor(0.3 * h);
  for (const flat of [lo, hi]) {
    const share = new Float32Array(h);
    for (let y = 0; y < h; y++) {
      let n = 0;
      for (let x = 0; x < w; x++) if (data[y * w + x] === flat) n++;
      share[y] = n / w;
    }
    for (const edge of ['bottom', 'top'] as const) {
      const row = (k: number) => (edge === 'bottom' ? h - 1 - k : k);
      let rows = 0;
      while (rows < h && share[row(rows)] >= BAR_ROW_SHARE) rows++;
      // Its row next to the content is a flat margin: a near-level edge of zero padding (a
      // warped image) also gives mostly-flat rows, but content reaches right up to it.
      if (rows < minRows || rows > maxRows || share[row(rows)] >= CONTENT_ROW_SHARE || share[row(rows - 1)] < FLAT_ROW) continue;
      let flatRows = 0;
      let text = 0;
      let crisp = 0;
      for (let k = 0; k < rows; k++) {
        const y = row(k);
        if (share[y] >= FLAT_ROW) flatRows++;
        for (let x = 0; x < w; x++) {
          const v = data[y * w + x];
          if (v === flat) continue;
          text++;
          if (Math.abs(v - flat) >= 0.5 * (hi - lo)) crisp++;
        }
      }
      if (flatRows >= FLAT_ROWS && text >= TEXT_SHARE * rows * w && crisp >= CRISP_SHARE * text) return { edge, rows };
    }
  }
  return null;
}

/** The image without its data bar (findDataBar), and the bar; the same image and null when it has none. */
export function withoutDataBar(image: Image): { image: Image; bar: DataBar | null } {
  const bar = findDataBar(image);
  if (!bar) return { image, bar };
  const [w, h] = image.size;
  return { image: cropImage(image, 0, bar.edge === 'top' ? bar.rows : 0, w, h - bar.rows), bar };
}
