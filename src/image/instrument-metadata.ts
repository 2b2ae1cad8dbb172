/**
 * Pixel sizes that microscope software writes into its TIFF files as text, where the TIFF
 * resolution tags hold none ITK reads (it takes only inch and cm resolutions) or a screen default
 * (72 dpi): such a file then carries its physical pixel size after all. Read from the tags, not
 * the pixels:
 * - Thermo Fisher / FEI (tag 34682, "FEI_HELIOS"/"FEI_SFEG"): an INI text whose `[Scan]` (or
 *   `[EScan]`) section has `PixelWidth=` and `PixelHeight=` in metres;
 * - Zeiss SmartSEM (tag 34118, "CZ_SEM"): lines such as `Image Pixel Size = 4.467 nm`;
 * - TESCAN (tag 50431): `PixelSizeX=` and `PixelSizeY=` in metres;
 * - OME-TIFF (Bio-Formats, many microscopes' exports): the OME-XML in ImageDescription (tag 270),
 *   whose first `Pixels` element has `PhysicalSizeX`/`PhysicalSizeY` (unit attributes, µm by default);
 * - ImageJ and Fiji: ImageDescription starting `ImageJ=` with `unit=micron` (or nm, …), and the
 *   resolution tags holding pixels per that unit, which ITK ignores with ResolutionUnit "none".
 * Sizes come back in millimetres, the unit ITK gives TIFF resolutions in, so that two TIFFs agree.
 */
import UTIF from 'utif';
import { gridOf, type Image } from './image.js';
import { hasOwnPixelSize, PIXEL_SIZE_SOURCE_KEY, withMetadata, withPixelSizeFrom } from './spacing.js';
import { mmPerUnit } from './length-units.js';
import { imageJSliceLabels, omePageNames, withSliceNames } from './slice-names.js';
import { isOmeXml, omePixels, xmlAttribute } from './ome-xml.js';

export interface InstrumentPixelSize {
  /** x, y in millimetres. */
  spacing: [number, number];
  /** Which software's tag said so, for the user: 'Thermo Fisher/FEI', 'Zeiss', 'TESCAN', 'OME', 'ImageJ'. */
  source: string;
  /**
   * The scan's own rows, where the software says (Thermo Fisher/FEI `[Image] ResolutionY`): rows
   * of the file below them are its data bar.
   */
  imageRows?: number;
}

const FEI_TAG = 34682;
const ZEISS_TAG = 34118;
const TESCAN_TAG = 50431;
const DESCRIPTION_TAG = 270;

/** The TIFF resolution tags (XResolution, YResolution: pixels per unit), where a file has them. */
export interface TiffResolution {
  x: number;
  y: number;
}

const METRES_TO_MM = 1e3;

/** A positive finite number, or null. */
function positive(text: string | undefined): number | null {
  const v = Number(text);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** `key=value` in the first of these INI sections that has it. */
function iniValue(text: string, sections: readonly string[], key: string): string | undefined {
  for (const section of sections) {
    const start = text.indexOf(`[${section}]`);
    if (start < 0) continue;
    const end = text.indexOf('\n[', start + 1);
    const body = text.slice(start, end < 0 ? undefined : end);
    const m = new RegExp(`^\\s*${key}\\s*=\\s*([^\\r\\n]+)`, 'm').exec(body);
    if (m) return m[1].trim();
  }
  return undefined;
}

/** OME-XML's first `Pixels` element's physical pixel size, or null. Units default to µm (OME schema). */
function omePixelSize(xml: string): [number, number] | null {
  const pixels = omePixels(xml);
  if (!pixels) return null;
  const attribute = (name: string) => xmlAttribute(pixels.start, name);
  const size = (axis: 'X' | 'Y') => {
    const v = positive(attribute(`PhysicalSize${axis}`));
    const perUnit = mmPerUnit(attribute(`PhysicalSize${axis}Unit`) ?? 'µm');
    return v && perUnit ? v * perUnit : null;
  };
  const x = size('X');
  const y = size('Y') ?? x;
  return x && y ? [x, y] : null;
}

/**
 * ImageJ's calibration: `unit=` (and `yunit=` where y differs) in its description, the resolution
 * tags in pixels per unit. Null without a length unit ("pixel") or without the resolution.
 */
function imageJPixelSize(description: string, resolution: TiffResolution | undefined): [number, number] | null {
  const value = (key: string) => new RegExp(`^${key}=(.+)$`, 'm').exec(description)?.[1].trim();
  const x = mmPerUnit(value('unit') ?? '');
  const y = mmPerUnit(value('yunit') ?? '') ?? x;
  if (!x || !y || !resolution || !(resolution.x > 0 && resolution.y > 0)) return null;
  return [x / resolution.x, y / resolution.y];
}

/**
 * The pixel size in a TIFF's metadata texts, keyed by tag (the microscope's own, and
 * ImageDescription), with the resolution tags that ImageJ's calibration needs; null when none is there.
 */
export function pixelSizeFromTagTexts(texts: ReadonlyMap<number, string>, resolution?: TiffResolution): InstrumentPixelSize | null {
  const fei = texts.get(FEI_TAG);
  if (fei) {
    const x = positive(iniValue(fei, ['Scan', 'EScan', 'IScan'], 'PixelWidth'));
    const y = positive(iniValue(fei, ['Scan', 'EScan', 'IScan'], 'PixelHeight')) ?? x;
    const rows = positive(iniValue(fei, ['Image'], 'ResolutionY'));
    if (x && y) return { spacing: [x * METRES_TO_MM, y * METRES_TO_MM], source: 'Thermo Fisher/FEI', ...(rows && Number.isInteger(rows) ? { imageRows: rows } : {}) };
  }
  const zeiss = texts.get(ZEISS_TAG);
  if (zeiss) {
    // "µm" read byte by byte from UTF-8 comes as "Âµm".
    // The unit as written (µm read byte by byte is "Âµm"): length-units.ts knows its spellings.
    const size = (label: string) => new RegExp(`${label}\\s*=\\s*([0-9.eE+-]+)\\s*(\\p{L}+)`, 'u').exec(zeiss);
    const m = size('Image Pixel Size') ?? size('Pixel Size');
    const v = positive(m?.[1]);
    const perUnit = m && mmPerUnit(m[2]);
    if (v && perUnit) return { spacing: [v * perUnit, v * perUnit], source: 'Zeiss' };
  }
  const tescan = texts.get(TESCAN_TAG);
  if (tescan) {
    const x = positive(/PixelSizeX\s*=\s*([0-9.eE+-]+)/.exec(tescan)?.[1]);
    const y = positive(/PixelSizeY\s*=\s*([0-9.eE+-]+)/.exec(tescan)?.[1]) ?? x;
    if (x && y) return { spacing: [x * METRES_TO_MM, y * METRES_TO_MM], source: 'TESCAN' };
  }
  const description = texts.get(DESCRIPTION_TAG);
  if (description && isOmeXml(description)) {
    const spacing = omePixelSize(description);
    if (spacing) return { spacing, source: 'OME' };
  }
  if (description?.startsWith('ImageJ=')) {
    const spacing = imageJPixelSize(description, resolution);
    if (spacing) return { spacing, source: 'ImageJ' };
  }
  return null;
}

/** Whether the bytes start like a TIFF (II*\0 or MM\0*; BigTIFF too). */
export function isTiff(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && ((bytes[0] === 0x49 && bytes[1] === 0x49 && (bytes[2] === 42 || bytes[2] === 43)) || (bytes[0] === 0x4d && bytes[1] === 0x4d && (bytes[3] === 42 || bytes[3] === 43)));
}

/** What xemreg reads from a TIFF's metadata: the pixel size (and data bar), and the names of a stack's slices. */
export interface TiffMetadata {
  pixelSize: InstrumentPixelSize | null;
  sliceNames: string[] | null;
}

/**
 * A TIFF file's metadata (its first image directory), or null: not a TIFF, or a directory that
 * cannot be parsed (the image itself was read by ITK: a metadata problem is no reason to refuse it).
 */
export function tiffMetadata(bytes: Uint8Array): TiffMetadata | null {
  if (!isTiff(bytes)) return null;
  let ifd: Record<string, unknown> | undefined;
  try {
    // A view of the whole buffer is read in place; UTIF copies a typed array it is given.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const buffer = (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    ifd = UTIF.decode(buffer)[0] as Record<string, unknown> | undefined;
  } catch {
    return null;
  }
  if (!ifd) return null;
  const texts = new Map<number, string>();
  for (const tag of [FEI_TAG, ZEISS_TAG, TESCAN_TAG, DESCRIPTION_TAG]) {
    const value = ifd[`t${tag}`];
    // ASCII tags come as strings; some writers store the text as bytes.
    if (Array.isArray(value) && typeof value[0] === 'string') texts.set(tag, value.join('\n'));
    else if (Array.isArray(value) || value instanceof Uint8Array) texts.set(tag, new TextDecoder('latin1').decode(Uint8Array.from(value as ArrayLike<number>)));
  }
  const [x, y] = [ifd.t282, ifd.t283].map((v) => (Array.isArray(v) ? Number(v[0]) : NaN));
  const description = texts.get(DESCRIPTION_TAG) ?? '';
  let sliceNames: string[] | null = null;
  try {
    sliceNames = imageJSliceLabels(ifd, bytes[0] === 0x49) ?? (isOmeXml(description) ? omePageNames(description) : null);
  } catch {
    // Names are a convenience: a broken block leaves the slices numbered.
  }
  return { pixelSize: pixelSizeFromTagTexts(texts, Number.isFinite(x) ? { x, y: Number.isFinite(y) ? y : x } : undefined), sliceNames };
}

/** The image with what its TIFF's metadata says: withInstrumentPixelSize, and the slice names. */
export function withTiffMetadata(image: Image, metadata: TiffMetadata | null): Image {
  return withSliceNames(withInstrumentPixelSize(image, metadata?.pixelSize ?? null), metadata?.sliceNames ?? null);
}


/**
 * The image with what its TIFF's metadata says (`tiffMetadata`'s pixel size): the pixel size,
 * where its own header has none (spacing 1 or a screen resolution: hasOwnPixelSize), and the scan's
 * own rows where the file has more (a data bar below: `metadataDataBarRows`). Otherwise the image
 * itself. A new header over the same pixels: the image passed in is not changed.
 */
export function withInstrumentPixelSize(image: Image, found: InstrumentPixelSize | null): Image {
  if (!found) return image;
  const spacing = !hasOwnPixelSize(gridOf(image));
  const bar = found.imageRows !== undefined && found.imageRows < image.size[1] ? image.size[1] - found.imageRows : 0;
  if (!spacing && !bar) return image;
  const sized = spacing ? withPixelSizeFrom(image, found.spacing, found.source, 'mm') : image;
  return bar ? withMetadata(sized, { [DATA_BAR_ROWS_KEY]: bar }) : sized;
}

/** Where withInstrumentPixelSize records the data bar's rows that the metadata implies. */
const DATA_BAR_ROWS_KEY = 'xemreg.dataBarRows';

/** Rows at the bottom of an image that its microscope's metadata says are not the scan (a data bar), or 0. */
export function metadataDataBarRows(image: Image): number {
  const v = image.metadata?.get(DATA_BAR_ROWS_KEY);
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < image.size[1] ? v : 0;
}

/** Which microscope's metadata gave an image its pixel size (withInstrumentPixelSize), if any. */
export function pixelSizeSource(image: Image): string | undefined {
  const v = image.metadata?.get(PIXEL_SIZE_SOURCE_KEY);
  return typeof v === 'string' ? v : undefined;
}
