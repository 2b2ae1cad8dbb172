/**
 * TIFF files as SEM software writes them, for tests: 8-bit pixels (stored as RGBA, which is what
 * UTIF writes; read back as luminance) with the microscope's metadata text in its private tag,
 * and no pixel size in the TIFF resolution tags.
 */
import UTIF from 'utif';

/** TIFF tags of the microscope texts: Thermo Fisher/FEI, Zeiss, TESCAN. */
export const MICROSCOPE_TAGS = { fei: 34682, zeiss: 34118, tescan: 50431 } as const;

/** A Thermo Fisher/FEI metadata text with the pixel size (metres) where its software puts it, and the scan's rows (the file may have more: a data bar). */
export function feiText(pixelMetres: number, scanRows?: number): string {
  const image = ['[Image]', 'ResolutionX=512', ...(scanRows ? [`ResolutionY=${scanRows}`] : [])];
  return ['[User]', 'Date=12/07/2026', '[System]', 'Type=DualBeam', '[Scan]', 'InternalScan=1', `PixelWidth=${pixelMetres}`, `PixelHeight=${pixelMetres}`, ...image, ''].join('\r\n');
}

/** A Zeiss SmartSEM metadata text with the pixel size in the given unit. */
export function zeissText(size: number, unit: string): string {
  return ['0', 'AP_PIXEL_SIZE', `Image Pixel Size = ${size} ${unit}`, 'AP_WD', 'WD = 5.0 mm', ''].join('\r\n');
}

/** `gray`: width × height values in 0–255, row-major. `texts`: tag number → text, as ASCII (or as BYTE values, as some writers store it). */
export function microscopeTiff(width: number, height: number, gray: ArrayLike<number>, texts: Record<number, string>, asBytes = false): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let k = 0; k < width * height; k++) {
    const v = Math.max(0, Math.min(255, Math.round(gray[k])));
    rgba.set([v, v, v, 255], 4 * k);
  }
  const tags: Record<string, string[]> = {};
  for (const [tag, text] of Object.entries(texts)) {
    // UTIF's writer knows a tag's type only when told: 2 is ASCII.
    (UTIF as unknown as { ttypes: Record<number, number> }).ttypes[Number(tag)] = 2;
    tags[`t${tag}`] = [text];
  }
  const bytes = new Uint8Array(UTIF.encodeImage(rgba, width, height, tags as unknown as UTIF.IFD));
  if (asBytes) {
    // UTIF writes no BYTE data: write ASCII, then retype those entries of the first directory
    // (its offset at byte 4, a count, then 12-byte entries of tag, type, …; UTIF writes big-endian "MM").
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const little = bytes[0] === 0x49;
    const ifd = view.getUint32(4, little);
    for (let e = 0; e < view.getUint16(ifd, little); e++) {
      const at = ifd + 2 + 12 * e;
      if (view.getUint16(at, little) in texts) view.setUint16(at + 2, 1, little);
    }
  }
  return bytes;
}
