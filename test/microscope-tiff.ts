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

/** One TIFF directory entry for `tiffFile`: tag, type (1 BYTE, 2 ASCII, 3 SHORT, 4 LONG) and values. */
type Entry = [tag: number, type: 1 | 2 | 3 | 4, values: number[] | string];

/**
 * A multi-page 8-bit gray TIFF written entry by entry (UTIF writes one page and no BYTE arrays):
 * `extra` entries go into the first directory (a description, ImageJ's binary metadata, …).
 */
export function tiffFile(width: number, height: number, pages: ArrayLike<number>[], extra: Entry[] = [], little = false): Uint8Array {
  const size = { 1: 1, 2: 1, 3: 2, 4: 4 } as const;
  const directories = pages.map((_, p): Entry[] =>
    [
      [256, 4, [width]], [257, 4, [height]], [258, 3, [8]], [259, 3, [1]], [262, 3, [1]], [273, 4, [0]], [277, 3, [1]], [278, 4, [height]], [279, 4, [width * height]],
      ...(p === 0 ? extra : []),
    ].sort((a, b) => (a[0] as number) - (b[0] as number)) as Entry[],
  );
  const bytesOf = ([, type, values]: Entry) => (typeof values === 'string' ? values.length + 1 : values.length) * size[type];
  // Layout: header, then per page its directory, the values that do not fit in an entry, its pixels.
  let at = 8;
  const places = directories.map((entries, p) => {
    const ifd = at;
    at += 2 + 12 * entries.length + 4;
    const values = entries.map((e) => {
      if (bytesOf(e) <= 4) return -1;
      const where = at;
      at += bytesOf(e) + (bytesOf(e) % 2);
      return where;
    });
    const pixels = at;
    at += pages[p].length;
    return { ifd, values, pixels };
  });
  const out = new Uint8Array(at);
  const view = new DataView(out.buffer);
  out.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  view.setUint32(4, places[0].ifd, little);
  const write = (offset: number, [, type, values]: Entry) => {
    if (typeof values === 'string') {
      for (let k = 0; k < values.length; k++) out[offset + k] = values.charCodeAt(k) & 255;
      return;
    }
    values.forEach((v, k) => {
      if (type === 1) out[offset + k] = v;
      else if (type === 3) view.setUint16(offset + 2 * k, v, little);
      else view.setUint32(offset + 4 * k, v, little);
    });
  };
  directories.forEach((entries, p) => {
    const { ifd, values, pixels } = places[p];
    view.setUint16(ifd, entries.length, little);
    entries.forEach((entry, e) => {
      const at = ifd + 2 + 12 * e;
      const resolved: Entry = entry[0] === 273 ? [273, 4, [pixels]] : entry;
      view.setUint16(at, entry[0], little);
      view.setUint16(at + 2, entry[1], little);
      view.setUint32(at + 4, typeof entry[2] === 'string' ? entry[2].length + 1 : entry[2].length, little);
      if (values[e] < 0) write(at + 8, resolved);
      else {
        view.setUint32(at + 8, values[e], little);
        write(values[e], resolved);
      }
    });
    view.setUint32(ifd + 2 + 12 * entries.length, p + 1 < pages.length ? places[p + 1].ifd : 0, little);
    out.set(Array.from(pages[p], (v) => Math.max(0, Math.min(255, Math.round(v)))), pixels);
  });
  return out;
}

/** ImageJ's binary metadata holding slice labels, as its two TIFF entries (IJMetadataByteCounts, IJMetadata), in the file's byte order. */
export function imageJLabelEntries(labels: string[], little = false): Entry[] {
  const chars = labels.map((l) => l.length * 2);
  const data = new Uint8Array(12 + chars.reduce((a, b) => a + b, 0));
  const view = new DataView(data.buffer);
  view.setUint32(0, 0x494a494a, little); // "IJIJ"
  view.setUint32(4, 0x6c61626c, little); // "labl"
  view.setUint32(8, labels.length, little);
  let at = 12;
  for (const label of labels) for (let k = 0; k < label.length; k++, at += 2) view.setUint16(at, label.charCodeAt(k), little);
  return [[50838, 4, [12, ...chars]], [50839, 1, Array.from(data)]];
}
