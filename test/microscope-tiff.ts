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

/** TIFF ImageDescription, where ImageJ and OME-TIFF keep their metadata. */
export const DESCRIPTION_TAG = 270;

/** ImageJ's description for a calibrated 2-D image, as Fiji writes it (`unit` as ImageJ spells it: "micron", "nm", "\\u00B5m"). */
export function imageJText(unit: string, yunit?: string): string {
  return ['ImageJ=1.54f', `unit=${unit}`, ...(yunit ? [`yunit=${yunit}`] : []), 'min=0.0', 'max=255.0', ''].join('\n');
}

/** A minimal OME-XML description with the pixel size in its Pixels element (unit attributes left out when not given: µm by default). */
export function omeText(x: number, y: number, unit?: string): string {
  const units = unit ? ` PhysicalSizeXUnit="${unit}" PhysicalSizeYUnit="${unit}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint8" SizeX="64" SizeY="48" SizeZ="1" SizeC="1" SizeT="1" PhysicalSizeX="${x}" PhysicalSizeY="${y}"${units}/></Image></OME>`;
}

/** The TIFF resolution tags: pixels per unit along x and y; `unit` 1 none (what ImageJ writes for µm and nm), 2 inch, 3 cm. */
export interface ResolutionTags {
  x: number;
  y: number;
  unit: 1 | 2 | 3;
}

/**
 * `gray`: width × height values in 0–255, row-major. `texts`: tag number → text, as ASCII (or as
 * BYTE values, as some writers store it). `resolution`: the resolution tags (UTIF writes 1 pixel
 * per unit "none" otherwise: no size, for ITK).
 */
export function microscopeTiff(width: number, height: number, gray: ArrayLike<number>, texts: Record<number, string>, asBytes = false, resolution?: ResolutionTags): Uint8Array {
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
  const resolutionTags = resolution ? { t282: [resolution.x], t283: [resolution.y], t296: [resolution.unit] } : {};
  const bytes = new Uint8Array(UTIF.encodeImage(rgba, width, height, { ...tags, ...resolutionTags } as unknown as UTIF.IFD));
  // The first directory: its offset at byte 4, a count, then 12-byte entries of tag, type, count,
  // value or offset (UTIF writes big-endian "MM").
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = bytes[0] === 0x49;
  const ifd = view.getUint32(4, little);
  const count = view.getUint16(ifd, little);
  // UTIF writes its own tags first, then the ones given: sorted, as TIFF asks (libtiff warns otherwise).
  const entries = Array.from({ length: count }, (_, e) => bytes.slice(ifd + 2 + 12 * e, ifd + 14 + 12 * e));
  entries.sort((a, b) => new DataView(a.buffer).getUint16(0, little) - new DataView(b.buffer).getUint16(0, little));
  entries.forEach((entry, e) => bytes.set(entry, ifd + 2 + 12 * e));
  if (asBytes) {
    // UTIF writes no BYTE data: write ASCII, then retype those entries.
    for (let e = 0; e < count; e++) {
      const at = ifd + 2 + 12 * e;
      if (view.getUint16(at, little) in texts) view.setUint16(at + 2, 1, little);
    }
  }
  return bytes;
}
