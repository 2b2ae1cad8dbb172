/** The CLI's JSON document (CONVENTIONS.md) and its human-readable summary. */
import type { ComparedResult } from '../compare.js';
import { CONFIDENT, isUnsure } from '../methods/cnn.js';
import { cnnConfidence, describeFieldWindow, fieldsUnknownOf, fieldWindowsOf, type FieldWindowsUsed } from '../methods/result.js';
import type { DataBar } from '../image/data-bar.js';
import { gridOf, type Image } from '../image/image.js';
import { pixelSizeSource } from '../image/instrument-metadata.js';
import { formatLengthMm, formatShift } from '../image/length-units.js';
import { spacingInMm } from '../image/spacing.js';
import { partName, partToChoose, sliceIndex } from '../image/grayscale.js';
import { sliceNames } from '../image/slice-names.js';
import { HDF5_DATASET_KEY, HDF5_UNSCANNED_KEY } from '../image/hdf5-maps.js';
import { transformToJSON } from '../transform/json.js';

export interface CliResultJSON {
  method: string;
  backend: string;
  transform: ReturnType<typeof transformToJSON>;
  timings: { totalMs: number; registrationMs: number };
  quality: { nmiBefore: number | null; nmiAfter: number | null; overlapAfter: number };
  /**
   * cnn and hybrid: the CNN's confidence (0–1; below CONFIDENT, 0.5, a likely failure: MODEL_CARD.md
   * measures how well it separates). For a batch, the field to sort or filter on.
   */
  confidence?: number | null;
  /** hybrid: which candidate it returns ('cnn', 'elastix' from the CNN estimate, 'elastix-identity', 'elastix-search' from a start of the NMI search). */
  kept?: string;
  /** cnn and hybrid, for a small field inside a much larger one: the field windows the CNN used and the one it kept (FieldWindowsUsed). */
  fieldWindows?: FieldWindowsUsed;
  /** cnn and hybrid: neither image carries a pixel size, so the CNN took their fields to be comparable (within 2×). */
  fieldsUnknown?: true;
}

export interface CliDocument {
  fixed: string;
  moving: string;
  /**
   * Per image: its grid and type; `pixelSizeFrom` when the spacing came from a TIFF's metadata (a
   * microscope's, OME or ImageJ: instrument-metadata.ts); `spacingUnit` 'mm' where the spacing is
   * known to be in mm (that metadata, a TIFF's resolution tags, a size given with its unit);
   * `slice` (and `sliceName`) the slice registered of a stack; `hdf5Dataset` the dataset an HDF5
   * file's image was read from (hdf5-maps.ts), `hdf5Unscanned` the empty columns (right) and rows
   * (bottom) of its maps left out as not scanned.
   */
  images: Record<'fixed' | 'moving', { size: number[]; spacing: number[]; origin: number[]; pixelType: string; componentType: string; dataBar?: DataBar; pixelSizeFrom?: string; spacingUnit?: 'mm'; slice?: number; sliceName?: string; hdf5Dataset?: string; hdf5Unscanned?: { columns: number; rows: number } }>;
  results: CliResultJSON[];
  /** Methods that failed to register the pair while others did (several methods asked for): `results` has the others. */
  failures?: { method: string; message: string }[];
}

const round = (v: number, digits = 6) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

function unscannedOf(image: Image): { hdf5Unscanned?: { columns: number; rows: number } } {
  const v = image.metadata?.get(HDF5_UNSCANNED_KEY);
  return Array.isArray(v) ? { hdf5Unscanned: { columns: Number(v[0]), rows: Number(v[1]) } } : {};
}

/** An image's grid, type and where its size and pixels came from, as the JSON documents give them. */
export function describeImage(image: Image) {
  const grid = gridOf(image);
  return {
    size: grid.size,
    spacing: grid.spacing,
    origin: grid.origin,
    pixelType: String(image.imageType.pixelType),
    componentType: String(image.imageType.componentType),
    ...(pixelSizeSource(image) ? { pixelSizeFrom: pixelSizeSource(image) } : {}),
    ...(spacingInMm(image) ? { spacingUnit: 'mm' as const } : {}),
    ...(typeof image.metadata?.get(HDF5_DATASET_KEY) === 'string' ? { hdf5Dataset: image.metadata.get(HDF5_DATASET_KEY) as string } : {}),
    ...unscannedOf(image),
  };
}

export function resultToJSON(result: ComparedResult, totalMs: number): CliResultJSON {
  const raw = cnnConfidence(result);
  const confidence = raw === undefined ? undefined : round(raw, 4);
  const kept = result.method === 'hybrid' ? result.details?.kept : undefined;
  const fieldWindows = fieldWindowsOf(result);
  return {
    method: result.method,
    backend: result.backend,
    transform: transformToJSON(result.transform),
    timings: { totalMs: round(totalMs, 1) ?? 0, registrationMs: round(result.registrationMs, 1) ?? 0 },
    quality: {
      nmiBefore: round(result.quality.nmiBefore),
      nmiAfter: round(result.quality.nmiAfter),
      overlapAfter: round(result.quality.overlapAfter, 4) ?? 0,
    },
    ...(confidence !== undefined ? { confidence } : {}),
    ...(typeof kept === 'string' ? { kept } : {}),
    ...(fieldWindows ? { fieldWindows } : {}),
    ...(fieldsUnknownOf(result) ? { fieldsUnknown: true as const } : {}),
  };
}

/** `dataBars`: the instrument data bars left out of the registration (compare's onDataBar), reported with their image. */
export function cliDocument(
  fixedPath: string,
  movingPath: string,
  fixed: Image,
  moving: Image,
  results: CliResultJSON[],
  dataBars: Partial<Record<'fixed' | 'moving', DataBar>> = {},
  slices: Partial<Record<'fixed' | 'moving', number | string>> = {},
): CliDocument {
  const image = (which: 'fixed' | 'moving', im: Image) => ({ ...describeImage(im), ...(dataBars[which] ? { dataBar: dataBars[which] } : {}), ...sliceOf(im, slices[which]) });
  return { fixed: fixedPath, moving: movingPath, images: { fixed: image('fixed', fixed), moving: image('moving', moving) }, results };
}

/** The slice registered of a stack (and its name, where the file keeps one); nothing for a 2-D image. */
function sliceOf(image: Image, given: number | string | undefined): { slice?: number; sliceName?: string } {
  if (given === undefined || partToChoose(image)?.kind !== 'slice') return {};
  const slice = sliceIndex(image, given)!;
  const name = sliceNames(image)?.[slice];
  return { slice, ...(name ? { sliceName: name } : {}) };
}

/** One note per image whose pixel size came from its TIFF's metadata: the user should know where a size came from, and its unit. */
export function pixelSizeNotes(doc: CliDocument): string[] {
  return (['fixed', 'moving'] as const).flatMap((which) => {
    const { pixelSizeFrom, spacing } = doc.images[which];
    if (!pixelSizeFrom) return [];
    const other = which === 'fixed' ? 'moving' : 'fixed';
    if (doc.images[which].spacingUnit !== 'mm') {
      // An HDF5 map's positions without a unit (hdf5-maps.ts): the number is the file's own.
      return [`note: ${doc[which]}: pixel size ${fmtSpacing(spacing[0])} from its ${pixelSizeFrom}, in the file's own unit, which it does not state; give the other image's size in that unit, or this one's with its unit, e.g. --${which}-spacing 100nm`];
    }
    return [`note: ${doc[which]}: pixel size ${formatLengthMm(spacing[0], 6)} from its ${pixelSizeFrom} metadata (spacing in mm, the unit ITK reads TIFF resolutions in; give the other image's size in mm too, or with its unit, e.g. --${other}-spacing 0.5um)`];
  });
}

/** One note per image whose data bar was left out: the user should know what the registration did not see. */
export function dataBarNotes(doc: CliDocument): string[] {
  return (['fixed', 'moving'] as const).flatMap((which) => {
    const bar = doc.images[which].dataBar;
    if (!bar) return [];
    const what = bar.from === 'metadata' ? 'are the data bar below the scan, by its microscope\'s metadata,' : 'look like an instrument data bar (a flat band with text) and were';
    return [`note: ${doc[which]}: its ${bar.edge} ${bar.rows} rows ${what} left out of the registration; --keep-data-bars registers them too`];
  });
}

const fmtSpacing = (v: number) => String(Number(v.toPrecision(6)));

export function summary(doc: CliDocument): string {
  // Lengths with their unit where both sizes are known to be in mm; else numbers in the files' unit.
  const inMm = doc.images.fixed.spacingUnit === 'mm' && doc.images.moving.spacingUnit === 'mm';
  const spacing = (which: 'fixed' | 'moving') => doc.images[which].spacing.map((v) => (doc.images[which].spacingUnit === 'mm' ? formatLengthMm(v, 6) : fmtSpacing(v))).join(' × ');
  const named = (which: 'fixed' | 'moving') => {
    const { slice, sliceName } = doc.images[which];
    return slice === undefined ? doc[which] : partName(doc[which], 'slice', slice, sliceName);
  };
  const lines = [`fixed  ${named('fixed')}  ${doc.images.fixed.size.join('×')} px, spacing ${spacing('fixed')}`,
    `moving ${named('moving')}  ${doc.images.moving.size.join('×')} px, spacing ${spacing('moving')}`];
  for (const r of doc.results) {
    const t = r.transform;
    const params =
      t.type === 'similarity'
        ? `rotation ${t.rotationDeg?.toFixed(3)}°, scale ${t.scale?.toFixed(5)}, shift (${t.translation.map((v) => formatShift(v, inMm)).join(', ')})`
        : `affine matrix ${JSON.stringify(t.matrix.map((row) => row.map((v) => Number(v.toFixed(5)))))}`;
    const judged = [r.confidence != null ? `confidence ${r.confidence.toFixed(2)}` : '', r.kept ? `kept ${r.kept}` : '', r.fieldWindows ? `field window ${describeFieldWindow(r.fieldWindows)}` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(
      `${r.method.padEnd(8)} ${params}; NMI ${r.quality.nmiBefore?.toFixed(3)} → ${r.quality.nmiAfter?.toFixed(3)}; ${judged ? judged + '; ' : ''}` +
        `${r.timings.registrationMs.toFixed(0)} ms registration (${r.backend}), ${r.timings.totalMs.toFixed(0)} ms total`,
    );
  }
  for (const f of doc.failures ?? []) lines.push(`${f.method.padEnd(8)} failed: ${f.message}`);
  return lines.join('\n') + '\n';
}

/** Where the hybrid's fallback candidates start, by their `kept` name. */
const FALLBACK_STARTS: Record<string, string> = { 'elastix-identity': 'the identity', 'elastix-search': 'a start of the NMI search' };

/**
 * One line per result whose CNN confidence is below CONFIDENT: such estimates are usually wrong
 * (MODEL_CARD.md), and a scripted run that reads only the transform would not know.
 */
export function lowConfidenceWarnings(doc: CliDocument): string[] {
  return doc.results.flatMap((r) => {
    if (r.confidence == null || !isUnsure(r.confidence)) return [];
    const fallbackStart = FALLBACK_STARTS[r.kept ?? ''];
    const advice =
      r.method === 'cnn'
        ? 'check it, or use --method hybrid'
        : fallbackStart
          ? `the result is elastix from ${fallbackStart}`
          : 'its start may be wrong; --hybrid-fallback 0.5 also runs elastix from the identity and from the starts of an NMI search';
    // Without pixel sizes a small field inside a much larger one looks like a failure to read the pair.
    const fields =
      r.fieldsUnknown && !r.fieldWindows?.assumed
        ? '. Neither image carries a pixel size, so their fields were taken to be comparable: if one image shows a much larger field than the other, give --fixed-spacing and --moving-spacing, or try --field-search'
        : '';
    return [`warning: ${r.method}: CNN confidence ${r.confidence.toFixed(2)} (below ${CONFIDENT}): the estimate is likely wrong; ${advice}${fields}`];
  });
}
