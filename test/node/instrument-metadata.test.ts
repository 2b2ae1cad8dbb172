import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFloatImage } from '../../src/image/image.js';
import { metadataDataBarRows, pixelSizeFromTagTexts, pixelSizeSource, tiffMetadata, withInstrumentPixelSize } from '../../src/image/instrument-metadata.js';

/** A TIFF's pixel size as its metadata gives it, or null. */
const instrumentPixelSize = (bytes: Uint8Array) => tiffMetadata(bytes)?.pixelSize ?? null;
import { findDataBar, withoutDataBar } from '../../src/image/data-bar.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { spacingInMm, withSpacing } from '../../src/image/spacing.js';
import { readImageFile } from '../../src/node/image-file.js';
import { sidecarPixelSize } from '../../src/image/sem-sidecar.js';
import { fixture } from './helpers.js';
import { readImageNode } from '@itk-wasm/image-io';
import { DESCRIPTION_TAG, feiText, imageJLabelEntries, imageJText, MICROSCOPE_TAGS, microscopeTiff, omeText, tiffFile, zeissText } from '../microscope-tiff.js';
import { omePageNames, sliceNames } from '../../src/image/slice-names.js';
import { partLabel, partToChoose, toGrayscale } from '../../src/image/grayscale.js';
import { InputError } from '../../src/errors.js';

const close = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 1e-12 * Math.abs(b[i]));

describe('pixel sizes in microscope metadata', () => {
  it('reads Thermo Fisher/FEI, Zeiss and TESCAN texts, in millimetres, and nothing from texts without a size', () => {
    const fei = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.fei, feiText(2.5e-9)]]));
    assert.equal(fei?.source, 'Thermo Fisher/FEI');
    assert.ok(fei && close(fei.spacing, [2.5e-6, 2.5e-6]), String(fei?.spacing));
    // [EScan] where there is no [Scan]; width and height apart.
    const escan = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.fei, '[EScan]\r\nPixelWidth=4e-9\r\nPixelHeight=5e-9\r\n[Stage]\r\nX=0.001\r\n']]));
    assert.ok(escan && close(escan.spacing, [4e-6, 5e-6]));
    const zeiss = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.zeiss, zeissText(4.467, 'nm')]]));
    assert.equal(zeiss?.source, 'Zeiss');
    assert.ok(zeiss && close(zeiss.spacing, [4.467e-6, 4.467e-6]));
    const zeissUm = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.zeiss, zeissText(0.1, 'µm')]]));
    assert.ok(zeissUm && close(zeissUm.spacing, [1e-4, 1e-4]));
    // The same written as UTF-8 and read byte by byte.
    const zeissUtf8 = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.zeiss, zeissText(0.1, '\u00c2\u00b5m')]]));
    assert.ok(zeissUtf8 && close(zeissUtf8.spacing, [1e-4, 1e-4]));
    const tescan = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.tescan, '[MAIN]\r\nPixelSizeX=1.2e-08\r\nPixelSizeY=1.2e-08\r\n']]));
    assert.ok(tescan && close(tescan.spacing, [1.2e-5, 1.2e-5]) && tescan.source === 'TESCAN');
    for (const text of ['[Scan]\r\nPixelWidth=0\r\n', '[Scan]\r\nPixelWidth=abc\r\n', '[User]\r\nDate=x\r\n', '[Beam]\r\nPixelWidth=2e-9\r\n']) {
      assert.equal(pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.fei, text]])), null, text);
    }
    assert.equal(pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.zeiss, 'AP_WD\r\nWD = 5.0 mm\r\n']])), null);
    assert.equal(pixelSizeFromTagTexts(new Map()), null);
  });

  it('finds the size in a TIFF file, not in other bytes; a size of the header\'s own stays', async () => {
    const gray = Array.from({ length: 40 * 30 }, (_, k) => (k * 37) % 256);
    const tiff = microscopeTiff(40, 30, gray, { [MICROSCOPE_TAGS.fei]: feiText(3e-9) });
    assert.ok(close(instrumentPixelSize(tiff)?.spacing ?? [], [3e-6, 3e-6]));
    assert.equal(instrumentPixelSize(microscopeTiff(40, 30, gray, {})), null, 'no microscope tag');
    const asBytes = instrumentPixelSize(microscopeTiff(40, 30, gray, { [MICROSCOPE_TAGS.zeiss]: zeissText(2, 'µm') }, true));
    assert.ok(asBytes && close(asBytes.spacing, [2e-3, 2e-3]), `text stored as bytes: ${asBytes?.spacing}`);
    assert.equal(instrumentPixelSize(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0])), null, 'a PNG');
    assert.equal(instrumentPixelSize(Uint8Array.from([0x49, 0x49, 42, 0, 255, 255, 255, 255, 1, 2])), null, 'a broken TIFF directory');
    const found = instrumentPixelSize(tiff);
    const plain = createFloatImage([4, 3], new Float32Array(12));
    const spaced = withInstrumentPixelSize(plain, found);
    assert.deepEqual(spaced.spacing, found?.spacing);
    assert.equal(pixelSizeSource(spaced), 'Thermo Fisher/FEI');
    assert.deepEqual(plain.spacing, [1, 1], 'the input is not changed');
    assert.equal(pixelSizeSource(plain), undefined);
    const own = createFloatImage([4, 3], new Float32Array(12), { spacing: [0.01, 0.01] });
    assert.equal(withInstrumentPixelSize(own, found), own, 'the header\'s own size wins');
    // A size the user sets replaces the metadata's, and no longer claims to come from it.
    const given = withSpacing(spaced, [0.02, 0.02]);
    assert.equal(pixelSizeSource(given), undefined);
    assert.equal(pixelSizeSource(spaced), 'Thermo Fisher/FEI');
  });

  it('reads OME-XML and ImageJ calibrations from the image description, in millimetres', () => {
    const from = (text: string, resolution?: { x: number; y: number }) => pixelSizeFromTagTexts(new Map([[DESCRIPTION_TAG, text]]), resolution);
    // OME: µm unless a unit attribute says otherwise; the unit as UTF-8 read byte by byte, or as a character reference.
    const ome = from(omeText(0.65, 0.7));
    assert.equal(ome?.source, 'OME');
    assert.ok(ome && close(ome.spacing, [6.5e-4, 7e-4]), String(ome?.spacing));
    for (const unit of ['nm', '\u00c2\u00b5m', '&#181;m', 'mm']) {
      const expected = { nm: 1e-6, '\u00c2\u00b5m': 1e-3, '&#181;m': 1e-3, mm: 1 }[unit] as number;
      const found = from(omeText(4, 4, unit));
      assert.ok(found && close(found.spacing, [4 * expected, 4 * expected]), `${unit}: ${found?.spacing}`);
    }
    assert.equal(from(omeText(0, 0.5)), null, 'a zero size');
    assert.equal(from('<OME><Image><Pixels SizeX="4" SizeY="4"/></Image></OME>'), null, 'no physical size');
    // ImageJ: the unit in the description, pixels per unit in the resolution tags.
    const imageJ = from(imageJText('micron'), { x: 10, y: 10 });
    assert.equal(imageJ?.source, 'ImageJ');
    assert.ok(imageJ && close(imageJ.spacing, [1e-4, 1e-4]), String(imageJ?.spacing));
    assert.ok(close(from(imageJText('nm'), { x: 0.2, y: 0.25 })?.spacing ?? [], [5e-6, 4e-6]));
    assert.ok(close(from(imageJText('\\u00B5m'), { x: 2, y: 2 })?.spacing ?? [], [5e-4, 5e-4]), 'the escaped micro sign');
    assert.ok(close(from(imageJText('micron', 'nm'), { x: 1, y: 1 })?.spacing ?? [], [1e-3, 1e-6]), 'a y unit of its own');
    assert.equal(from(imageJText('pixel'), { x: 1, y: 1 }), null, 'uncalibrated');
    assert.equal(from(imageJText('micron')), null, 'no resolution tags');
    assert.equal(from('unit=micron\n', { x: 10, y: 10 }), null, 'not an ImageJ description');
    // A microscope's own tag comes first.
    const both = pixelSizeFromTagTexts(new Map([[MICROSCOPE_TAGS.fei, feiText(3e-9)], [DESCRIPTION_TAG, imageJText('micron')]]), { x: 10, y: 10 });
    assert.equal(both?.source, 'Thermo Fisher/FEI');
  });

  it('readImageFile gives a Fiji TIFF its calibration, which ITK does not read, and an OME-TIFF its size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-meta-'));
    try {
      const gray = Array.from({ length: 64 * 48 }, (_, k) => (k * 13) % 256);
      // As Fiji saves an image calibrated in µm: 8 pixels per µm, ResolutionUnit "none".
      const fiji = join(dir, 'xrf.tif');
      await writeFile(fiji, microscopeTiff(64, 48, gray, { [DESCRIPTION_TAG]: imageJText('micron') }, false, { x: 8, y: 8, unit: 1 }));
      assert.deepEqual((await readImageNode(fiji)).spacing, [1, 1], 'ITK alone reads no size');
      const image = await readImageFile(fiji);
      assert.ok(close(image.spacing.slice(0, 2), [1.25e-4, 1.25e-4]), String(image.spacing));
      assert.equal(pixelSizeSource(image), 'ImageJ');
      assert.ok(spacingInMm(image), 'marked as mm');
      // Calibrated in cm, Fiji writes ResolutionUnit cm, which ITK reads itself: that size stays.
      const cm = join(dir, 'cm.tif');
      await writeFile(cm, microscopeTiff(64, 48, gray, { [DESCRIPTION_TAG]: imageJText('cm') }, false, { x: 1000, y: 1000, unit: 3 }));
      const own = await readImageFile(cm);
      assert.ok(close(own.spacing.slice(0, 2), [0.01, 0.01]), String(own.spacing));
      assert.equal(pixelSizeSource(own), undefined);
      assert.ok(spacingInMm(own), 'ITK\'s TIFF resolution is in mm');
      assert.ok(!spacingInMm(await readImageFile(fixture('deepclem_s6_em_crop512.png'))), 'a PNG\'s spacing 1 is no length');
      // The HXN map is an ImageJ-format TIFF (written by tifffile) whose description has no unit: no size.
      const hxn = await readImageFile(fixture('hxn_xrf_Fe_K.tiff'));
      assert.ok(!spacingInMm(hxn) && pixelSizeSource(hxn) === undefined && hxn.spacing[0] === 1, 'nor a TIFF\'s without a size');
      const ome = join(dir, 'em.ome.tif');
      await writeFile(ome, microscopeTiff(64, 48, gray, { [DESCRIPTION_TAG]: omeText(5, 5, 'nm') }));
      const omeImage = await readImageFile(ome);
      assert.ok(close(omeImage.spacing.slice(0, 2), [5e-6, 5e-6]), String(omeImage.spacing));
      assert.equal(pixelSizeSource(omeImage), 'OME');
      assert.deepEqual(omeImage.size, [64, 48]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Thermo Fisher/FEI file\'s rows below the scan are its data bar, whatever they look like', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-meta-'));
    try {
      // 64 × 60 pixels of which the scan is 48 rows; the 12 below are a smooth ramp, which the
      // pixel rule (a flat band with crisp text) does not take for a bar.
      const gray = Array.from({ length: 64 * 60 }, (_, k) => (Math.floor(k / 64) < 48 ? (k * 37) % 256 : (k % 64) * 4));
      const path = join(dir, 'fei.tif');
      await writeFile(path, microscopeTiff(64, 60, gray, { [MICROSCOPE_TAGS.fei]: feiText(1e-8, 48) }));
      const image = prepareImage(await readImageFile(path), path);
      assert.equal(metadataDataBarRows(image), 12);
      const { image: scan, bar } = withoutDataBar(image);
      assert.deepEqual(bar, { edge: 'bottom', rows: 12, from: 'metadata' });
      assert.deepEqual(scan.size, [64, 48]);
      assert.ok(close(scan.spacing.slice(0, 2), [1e-5, 1e-5]));
      // The same pixels without the metadata: no bar found.
      assert.equal(findDataBar(createFloatImage([64, 60], Float32Array.from(image.data as Float32Array))), null);
      // A header with a size of its own keeps it, and still learns of the bar.
      const own = withInstrumentPixelSize(createFloatImage([64, 60], new Float32Array(64 * 60), { spacing: [0.5, 0.5] }), { spacing: [1e-5, 1e-5], source: 'Thermo Fisher/FEI', imageRows: 48 });
      assert.deepEqual(own.spacing, [0.5, 0.5]);
      assert.equal(metadataDataBarRows(own), 12);
      assert.equal(pixelSizeSource(own), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('readImageFile gives a microscope TIFF its pixel size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-meta-'));
    try {
      const path = join(dir, 'sem.tif');
      await writeFile(path, microscopeTiff(64, 48, Array.from({ length: 64 * 48 }, (_, k) => k % 256), { [MICROSCOPE_TAGS.zeiss]: zeissText(5, 'nm') }));
      const image = await readImageFile(path);
      assert.deepEqual(image.size, [64, 48]);
      assert.ok(close(image.spacing.slice(0, 2), [5e-6, 5e-6]), String(image.spacing));
      assert.equal(pixelSizeSource(image), 'Zeiss');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the slices of a stack from ImageJ\'s labels or OME\'s channels, in either byte order; offers and explains them by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-meta-'));
    try {
      const pages = [0, 1, 2].map((k) => Array.from({ length: 40 * 30 }, (_, i) => (i * (k + 2)) % 256));
      for (const little of [false, true]) {
        const path = join(dir, `elements-${little}.tif`);
        await writeFile(path, tiffFile(40, 30, pages, [[DESCRIPTION_TAG, 2, 'ImageJ=1.54f\nimages=3\nslices=3\n'], ...imageJLabelEntries(['Fe_K', 'P_K', 'S_K'], little)], little));
        const stack = await readImageFile(path);
        assert.deepEqual(stack.size, [40, 30, 3]);
        assert.deepEqual(sliceNames(stack), ['Fe_K', 'P_K', 'S_K'], `little-endian: ${little}`);
        assert.deepEqual(partToChoose(stack), { kind: 'slice', count: 3, names: ['Fe_K', 'P_K', 'S_K'] });
        assert.throws(() => toGrayscale(stack, { label: path }), (e: unknown) => e instanceof InputError && /choose a slice, 0–2: 0 Fe_K, 1 P_K, 2 S_K/.test(e.message));
        // The pixels of slice 1 are the second page's.
        assert.deepEqual(Array.from((toGrayscale(stack, { slice: 1 }).data as Float32Array).slice(0, 4)), [0, 3, 6, 9]);
      }
      assert.equal(partLabel('slice', 1, 'P_K'), 'slice 1 · P_K');
      assert.equal(partLabel('slice', 1), 'slice 1');
      // A block that is not ImageJ's (no "IJIJ"): the stack reads, its slices stay numbered.
      const broken = join(dir, 'broken.tif');
      const [counts, data] = imageJLabelEntries(['a', 'b', 'c']);
      (data[2] as number[])[0] = 0;
      await writeFile(broken, tiffFile(40, 30, pages, [counts, data]));
      const plain = await readImageFile(broken);
      assert.equal(sliceNames(plain), undefined);
      assert.deepEqual(partToChoose(plain), { kind: 'slice', count: 3 });
      // OME: channel names where the pages are the channels; not one per page: none.
      const ome = (channels: string[]) => `<OME><Image><Pixels SizeX="40" SizeY="30" SizeC="${channels.length}" PhysicalSizeX="0.5" PhysicalSizeY="0.5">${channels.map((c, k) => `<Channel ID="Channel:0:${k}" Name="${c}"/>`).join('')}</Pixels></Image></OME>`;
      assert.deepEqual(omePageNames(ome(['EM', 'Hoechst'])), ['EM', 'Hoechst']);
      assert.equal(omePageNames(ome([])), null);
      // Planes and time points: named by channel, z and t in DimensionOrder (the first after XY fastest).
      const planes = (order: string, z: number, c: number, t: number, channels: string[], tiffData = '') =>
        `<OME><Image><Pixels DimensionOrder="${order}" SizeX="4" SizeY="4" SizeZ="${z}" SizeC="${c}" SizeT="${t}">${channels.map((n, k) => `<Channel ID="Channel:0:${k}" Name="${n}" SamplesPerPixel="1"/>`).join('')}${tiffData}</Pixels></Image></OME>`;
      assert.deepEqual(omePageNames(planes('XYZCT', 2, 2, 1, ['Fe', 'P'])), ['Fe, z 0', 'Fe, z 1', 'P, z 0', 'P, z 1']);
      assert.deepEqual(omePageNames(planes('XYCZT', 2, 2, 1, ['Fe', 'P'])), ['Fe, z 0', 'P, z 0', 'Fe, z 1', 'P, z 1']);
      assert.deepEqual(omePageNames(planes('XYZCT', 3, 1, 2, [''])), ['z 0, t 0', 'z 1, t 0', 'z 2, t 0', 'z 0, t 1', 'z 1, t 1', 'z 2, t 1']);
      assert.deepEqual(omePageNames(planes('XYTCZ', 1, 2, 2, [])), ['c 0, t 0', 'c 0, t 1', 'c 1, t 0', 'c 1, t 1']);
      assert.deepEqual(omePageNames(planes('XYZCT', 1, 3, 1, ['EM', 'Hoechst', 'GFP'], '<TiffData PlaneCount="3"/>')), ['EM', 'Hoechst', 'GFP']);
      assert.equal(omePageNames(planes('XYZCT', 1, 2, 1, ['a', 'b'], '<TiffData IFD="0" FirstC="1" PlaneCount="1"/><TiffData IFD="1" FirstC="0" PlaneCount="1"/>')), null, 'pages mapped out of order: not guessed');
      assert.equal(omePageNames(planes('XYZCT', 2, 1, 1, ['RGB']).replace('SamplesPerPixel="1"', 'SamplesPerPixel="3"')), null);
      assert.equal(omePageNames(omeText(0.5, 0.5)), null, 'one page');
      const omePath = join(dir, 'clem.ome.tif');
      await writeFile(omePath, tiffFile(40, 30, pages, [[DESCRIPTION_TAG, 2, ome(['EM', 'Hoechst', 'GFP'])]]));
      const omeStack = await readImageFile(omePath);
      assert.deepEqual(sliceNames(omeStack), ['EM', 'Hoechst', 'GFP']);
      assert.ok(close(omeStack.spacing.slice(0, 2), [5e-4, 5e-4]), String(omeStack.spacing));
      await writeFile(omePath, tiffFile(40, 30, pages, [[DESCRIPTION_TAG, 2, ome(['EM', 'Hoechst'])]]));
      assert.equal(sliceNames(await readImageFile(omePath)), undefined, '2 channels over 3 pages');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('pixel sizes in an SEM\'s text beside the image (Hitachi, JEOL)', () => {
  const hitachi = (dataSize: string) => `[SemImageFile]\r\nInstructName=S-4800\r\nSerialNumber=1234\r\nDataSize=${dataSize}\r\nPixelSize=9.921875\r\nMagnification=10000\r\n`;
  const jeol = (marker: string, full = '40 30') => `$CM_FORMAT JEOL/SEM\n$CM_FULL_SIZE ${full}\n$$SM_MICRON_BAR 20\n$$SM_MICRON_MARKER ${marker}\n`;

  it('reads Hitachi\'s PixelSize (nm) and JEOL\'s scale bar, per saved pixel; not channelling angles or other texts', () => {
    const h = sidecarPixelSize(hitachi('40x30'), 40);
    assert.equal(h?.source, 'Hitachi .txt');
    assert.ok(Math.abs(h!.mm - 9.921875e-6) < 1e-15, String(h?.mm));
    assert.ok(Math.abs(sidecarPixelSize(hitachi('1280x960'), 640)!.mm - 2 * 9.921875e-6) < 1e-15, 'a half-size copy: twice the pixel');
    assert.equal(sidecarPixelSize('PixelSize=9.9\n', 40), null, 'no sign of Hitachi');
    const j = sidecarPixelSize(jeol('1um'), 40);
    assert.equal(j?.source, 'JEOL .txt');
    assert.ok(Math.abs(j!.mm - 5e-5) < 1e-15, String(j?.mm));
    assert.ok(Math.abs(sidecarPixelSize(jeol('500nm', '1280 960'), 640)!.mm - 5e-5) < 1e-15);
    assert.equal(sidecarPixelSize(jeol('5deg.'), 40), null, 'channelling pattern: an angle');
    assert.equal(sidecarPixelSize('notes about the sample\nPixelSize is unknown\n', 40), null);
  });

  it('readImageFile takes the text beside a TIFF or JPEG without a size, not beside one with its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-sidecar-'));
    try {
      const gray = Array.from({ length: 40 * 30 }, (_, k) => k % 251);
      await writeFile(join(dir, 'h.tif'), tiffFile(40, 30, [gray]));
      await writeFile(join(dir, 'h.txt'), hitachi('40x30'));
      const h = await readImageFile(join(dir, 'h.tif'));
      assert.ok(spacingInMm(h) && close(h.spacing.slice(0, 2), [9.921875e-6, 9.921875e-6]), String(h.spacing));
      assert.equal(pixelSizeSource(h), 'Hitachi .txt');
      await writeFile(join(dir, 'j.tif'), tiffFile(40, 30, [gray]));
      await writeFile(join(dir, 'j.TXT'), jeol('1um'));
      assert.equal(pixelSizeSource(await readImageFile(join(dir, 'j.tif'))), 'JEOL .txt');
      // An FEI file keeps the size its own tag gives, whatever lies beside it.
      await writeFile(join(dir, 'f.tif'), microscopeTiff(40, 30, gray, { [MICROSCOPE_TAGS.fei]: feiText(2.5e-9) }));
      await writeFile(join(dir, 'f.txt'), hitachi('40x30'));
      assert.equal(pixelSizeSource(await readImageFile(join(dir, 'f.tif'))), 'Thermo Fisher/FEI');
      // A note beside a file is not a size.
      await writeFile(join(dir, 'n.tif'), tiffFile(40, 30, [gray]));
      await writeFile(join(dir, 'n.txt'), 'sample 3, second grid square\n');
      const n = await readImageFile(join(dir, 'n.tif'));
      assert.equal(spacingInMm(n), false);
      assert.equal(pixelSizeSource(n), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
