/**
 * `xemreg info <file…>`: what xemreg reads in each file before anything is registered — its size,
 * its slices or channels by name, its pixel size and where that came from, the HDF5 dataset read —
 * or, for a file of several images, the `file::path` names to pick one by. For checking a batch's
 * inputs and for finding what to pass to `--fixed-slice` or after `::`.
 */
import { ImageChoiceError, InputError } from '../errors.js';
import { partLabel, partToChoose } from '../image/grayscale.js';
import type { Image } from '../image/image.js';
import { formatLengthMm } from '../image/length-units.js';
import { readImageFile } from '../node/image-file.js';
import { describeImage } from './output.js';

/** What `info --json` prints per file: the image read, the images to choose among, or why it could not be read. */
export type FileInfo =
  | ({ file: string; parts?: { kind: 'slice' | 'channel'; count: number; names?: string[] } } & ReturnType<typeof describeImage>)
  | { file: string; choices: { path: string; label: string }[] }
  | { file: string; error: string };

/** Facts about one file; never throws for a file it cannot read (the error is its answer). */
export async function fileInfo(path: string): Promise<FileInfo> {
  let image: Image;
  try {
    image = await readImageFile(path);
  } catch (error) {
    if (error instanceof ImageChoiceError) return { file: path, choices: error.choices.map((c) => ({ ...c })) };
    if (error instanceof InputError) return { file: path, error: error.reason };
    throw error;
  }
  const part = partToChoose(image);
  return { file: path, ...describeImage(image), ...(part ? { parts: part } : {}) };
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

/** One file's facts as lines for a person. */
export function infoText(info: FileInfo): string {
  if ('error' in info) return `${info.file}: ${info.error}`;
  if ('choices' in info) {
    return [`${info.file}: ${info.choices.length} images; name one as ${info.file}::<path>`, ...info.choices.map((c) => `  ${c.path}  ${c.label}`)].join('\n');
  }
  const [w, h] = info.size;
  const spacing = info.spacing.slice(0, 2).map((v) => (info.spacingUnit === 'mm' ? formatLengthMm(v, 6) : fmt(v))).join(' × ');
  const none = info.spacing[0] === 1 && info.spacing[1] === 1 && !info.pixelSizeFrom;
  const from = info.pixelSizeFrom ? ` from its ${info.pixelSizeFrom}${info.spacingUnit === 'mm' ? '' : ', in a unit it does not state'}` : info.spacingUnit === 'mm' ? '' : ' in no stated unit';
  // ITK's spacing 1 is a file without a size: say so, and how to give one.
  const size = none ? 'no pixel size (give one with --fixed-spacing / --moving-spacing)' : `spacing ${spacing}${from}`;
  const lines = [`${info.file}: ${w}×${h} px, ${info.componentType} ${info.pixelType}, ${size}`];
  if (info.hdf5Dataset) lines.push(`  dataset ${info.hdf5Dataset}${info.hdf5Unscanned ? ` (${info.hdf5Unscanned.columns} columns, ${info.hdf5Unscanned.rows} rows not scanned, left out)` : ''}`);
  if (info.parts) {
    const { kind, count, names } = info.parts;
    lines.push(`  ${count} ${kind}s (--fixed-${kind === 'slice' ? 'slice' : 'component'} takes the number${names ? ' or the name' : ''}): ${Array.from({ length: count }, (_, k) => partLabel(kind, k, names?.[k])).join(', ')}`);
  }
  return lines.join('\n');
}
