import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFloatImage } from '../../src/image/image.js';
import { instrumentPixelSize, metadataDataBarRows, pixelSizeFromTagTexts, pixelSizeSource, withInstrumentPixelSize } from '../../src/image/instrument-metadata.js';
import { findDataBar, withoutDataBar } from '../../src/image/data-bar.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { withSpacing } from '../../src/image/spacing.js';
import { readImageFile } from '../../src/node/image-file.js';
import { feiText, MICROSCOPE_TAGS, microscopeTiff, zeissText } from '../microscope-tiff.js';

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
});
