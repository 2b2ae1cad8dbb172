/**
 * Names of a stack's slices, as the software that wrote the TIFF kept them: ImageJ's slice labels
 * (a Fiji stack of element maps: "Fe_K", "P_K", …) and OME-XML's channel names (an OME-TIFF whose
 * channels are its pages). They let a user choose a slice by what it shows, not by its number.
 */
import type { Image } from './image.js';
import { withMetadata } from './spacing.js';
import { omeElements, omePixels, xmlAttribute } from './ome-xml.js';

/** ImageJ's binary metadata (IJMetadataByteCounts, IJMetadata) and the block type of slice labels. */
const IJ_COUNTS_TAG = 50838;
const IJ_DATA_TAG = 50839;
const IJ_MAGIC = 0x494a494a; // "IJIJ"
const IJ_LABELS = 0x6c61626c; // "labl"

/**
 * ImageJ's slice labels from a TIFF directory (UTIF's `t<tag>` keys), or null. The metadata block
 * starts with "IJIJ" and (type, count) pairs; the byte counts tag gives the header's size, then
 * each entry's; labels are UTF-16 in the file's byte order (`little`).
 */
export function imageJSliceLabels(ifd: Record<string, unknown>, little: boolean): string[] | null {
  const counts = ifd[`t${IJ_COUNTS_TAG}`];
  const data = ifd[`t${IJ_DATA_TAG}`];
  if (!Array.isArray(counts) || !(Array.isArray(data) || data instanceof Uint8Array)) return null;
  const bytes = Uint8Array.from(data as ArrayLike<number>);
  const view = new DataView(bytes.buffer);
  const header = Number(counts[0]);
  if (bytes.length < 4 || view.getUint32(0, little) !== IJ_MAGIC || !(header >= 4 && header <= bytes.length && (header - 4) % 8 === 0)) return null;
  let at = header;
  let entry = 1;
  for (let t = 0; t < (header - 4) / 8; t++) {
    const type = view.getUint32(4 + 8 * t, little);
    const count = view.getUint32(8 + 8 * t, little);
    const lengths = counts.slice(entry, entry + count).map(Number);
    if (lengths.length < count || lengths.some((n) => !(n >= 0)) || at + lengths.reduce((a, b) => a + b, 0) > bytes.length) return null;
    if (type === IJ_LABELS) {
      const decoder = new TextDecoder(little ? 'utf-16le' : 'utf-16be');
      return lengths.map((n) => {
        const label = decoder.decode(bytes.subarray(at, at + n));
        at += n;
        return label;
      });
    }
    at += lengths.reduce((a, b) => a + b, 0);
    entry += count;
  }
  return null;
}

/**
 * A name for every page of an OME-TIFF's first image, in the order its DimensionOrder puts them
 * (XYZCT by default: z fastest, then channel, then time): the channel's name (or "c 1") where there
 * are several channels, with "z 3" and "t 2" where there are several planes or time points ("Fe_K",
 * "EM, z 2", "z 4, t 1"). Null for a single page, for channels of several samples per pixel (RGB
 * pages), and where TiffData elements map pages otherwise than in order (not guessed).
 */
export function omePageNames(xml: string): string[] | null {
  const pixels = omePixels(xml);
  if (!pixels) return null;
  const order = (xmlAttribute(pixels.start, 'DimensionOrder') ?? 'XYZCT').toUpperCase();
  if (!/^XY(?:ZCT|ZTC|CZT|CTZ|TZC|TCZ)$/.test(order)) return null;
  const sizes: Record<string, number> = { Z: 1, C: 1, T: 1 };
  for (const d of ['Z', 'C', 'T']) {
    const n = Number(xmlAttribute(pixels.start, `Size${d}`) ?? 1);
    if (!Number.isInteger(n) || n < 1) return null;
    sizes[d] = n;
  }
  const pages = sizes.Z * sizes.C * sizes.T;
  if (pages < 2) return null;
  const channels = omeElements(pixels.element, 'Channel');
  if (channels.some((c) => Number(xmlAttribute(c, 'SamplesPerPixel') ?? 1) > 1)) return null;
  const tiffData = omeElements(pixels.element, 'TiffData');
  if (tiffData.length > 1 || tiffData.some((t) => ['FirstZ', 'FirstC', 'FirstT', 'IFD'].some((a) => Number(xmlAttribute(t, a) ?? 0) !== 0))) return null;
  const names = channels.map((c) => xmlAttribute(c, 'Name') ?? '');
  return Array.from({ length: pages }, (_, k) => {
    // The first dimension after XY varies fastest.
    const index: Record<string, number> = {};
    let rest = k;
    for (const d of order.slice(2)) {
      index[d] = rest % sizes[d];
      rest = Math.floor(rest / sizes[d]);
    }
    const parts: string[] = [];
    const channel = names[index.C] || (sizes.C > 1 ? `c ${index.C}` : '');
    if (channel) parts.push(channel);
    if (sizes.Z > 1) parts.push(`z ${index.Z}`);
    if (sizes.T > 1) parts.push(`t ${index.T}`);
    return parts.join(', ');
  });
}

/** Where a reader keeps a stack's slice names (image metadata). */
export const SLICE_NAMES_KEY = 'xemreg.sliceNames';

/** The image with its slice names, where there are some. A new header over the same pixels. */
export function withSliceNames(image: Image, names: readonly string[] | null): Image {
  return names?.length ? withMetadata(image, { [SLICE_NAMES_KEY]: [...names] }) : image;
}

/**
 * The names of the image's slices, one per slice, or undefined: none kept, or not one per slice
 * (an OME-TIFF's pages may be its planes, not its channels). Names are trimmed; printable text only.
 */
export function sliceNames(image: Image): string[] | undefined {
  const names = image.metadata?.get(SLICE_NAMES_KEY);
  const depth = image.imageType.dimension > 2 ? image.size[2] : 1;
  if (!Array.isArray(names) || names.length !== depth) return undefined;
  const clean = names.map((n) => String(n).replace(/[\u0000-\u001f\u007f]/g, '').trim());
  return clean.some((n) => n) ? clean : undefined;
}
