import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Image, ImageType } from 'itk-wasm';
import { InputError, RegistrationError } from '../../src/errors.js';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { castForFile, castToInteger, unsupportedPixels } from '../../src/image/cast.js';
import { readImageFile, writeImageFile } from '../../src/node/image-file.js';
import { downsampleBy, downsampleFactor, downsampleToBudget } from '../../src/image/downsample.js';
import { partToChoose, toGrayscale } from '../../src/image/grayscale.js';
import { createFloatImage, gridOf, indexToPhysical } from '../../src/image/image.js';
import { normalise } from '../../src/image/normalise.js';
import { percentileOfSorted, percentiles } from '../../src/image/statistics.js';
import { validateForRegistration } from '../../src/image/validate.js';
import { blobs } from './helpers.js';
import { nrrdMmPerUnit } from '../../src/image/nrrd-units.js';
import { spacingInMm } from '../../src/image/spacing.js';
import { pixelSizeSource } from '../../src/image/instrument-metadata.js';

function rawImage(size: number[], componentType: string, pixelType: string, components: number, data: ArrayLike<number>): Image {
  const image = new Image(new ImageType(size.length, componentType as 'uint8', pixelType as 'Scalar', components));
  image.size = size;
  image.spacing = size.map(() => 1);
  image.origin = size.map(() => 0);
  const n = size.length;
  image.direction = new Float64Array(n * n).map((_, k) => (k % (n + 1) === 0 ? 1 : 0));
  image.data = data as Image['data'];
  return image;
}

describe('grayscale conversion', () => {
  it('RGB → Rec. 709 luminance; gray stored as RGB keeps its values', () => {
    const rgb = rawImage([2, 1], 'uint8', 'RGB', 3, Uint8Array.from([255, 0, 0, 100, 100, 100]));
    const g = toGrayscale(rgb).data as Float32Array;
    assert.ok(Math.abs(g[0] - 0.2126 * 255) < 1e-3);
    assert.ok(Math.abs(g[1] - 100) < 1e-3);
  });

  it('takes the chosen component of multi-component pixels, and explains a missing one', () => {
    const v = rawImage([2, 1], 'uint16', 'VariableLengthVector', 3, Uint16Array.from([1, 2, 3, 4, 5, 6]));
    assert.deepEqual(Array.from(toGrayscale(v).data as Float32Array), [1, 4]);
    assert.deepEqual(Array.from(toGrayscale(v, { component: 2 }).data as Float32Array), [3, 6]);
    assert.throws(() => toGrayscale(v, { component: 5, label: 'spec.tif' }), (e: unknown) => e instanceof InputError && /spec\.tif.*component 5/.test(e.message));
  });

  it('treats a single-slice 3-D image as 2-D; of a stack, takes the chosen slice, and asks for one', () => {
    const slice = rawImage([3, 2, 1], 'float32', 'Scalar', 1, Float32Array.from([1, 2, 3, 4, 5, 6]));
    const g = toGrayscale(slice);
    assert.equal(g.imageType.dimension, 2);
    assert.deepEqual(g.size, [3, 2]);
    assert.equal(partToChoose(slice), null);
    // Four slices of 3×2: slice k holds 10k + pixel index.
    const volume = rawImage([3, 2, 4], 'float32', 'Scalar', 1, Float32Array.from({ length: 24 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6)));
    volume.spacing = [0.5, 0.25, 2];
    volume.origin = [1, 2, 3];
    const copy = Float32Array.from(volume.data as Float32Array);
    assert.deepEqual(partToChoose(volume), { kind: 'slice', count: 4 });
    assert.throws(() => toGrayscale(volume, { label: 'stack.tif' }), (e: unknown) => e instanceof InputError && /stack\.tif: is a stack of 4 slices \(3×2×4\).*choose a slice, 0–3/.test(e.message));
    const third = toGrayscale(volume, { slice: 2 });
    assert.equal(third.imageType.dimension, 2);
    assert.deepEqual(Array.from(third.data as Float32Array), [20, 21, 22, 23, 24, 25]);
    assert.deepEqual([...third.spacing], [0.5, 0.25]);
    assert.deepEqual([...third.origin], [1, 2], 'a slice of an upright stack sits where the stack does in x and y');
    for (const bad of [4, -1, 1.5]) assert.throws(() => toGrayscale(volume, { slice: bad, label: 'stack.tif' }), /stack\.tif: has 4 slices; slice .* does not exist \(0–3\)/);
    assert.deepEqual(Array.from(volume.data as Float32Array), Array.from(copy), 'the stack is not changed');
    // A slice of a stack of RGB pixels is still made luminance; a 2-D image ignores `slice`.
    const rgbStack = rawImage([1, 1, 2], 'uint8', 'RGB', 3, Uint8Array.from([0, 0, 0, 100, 100, 100]));
    assert.ok(Math.abs((toGrayscale(rgbStack, { slice: 1 }).data as Float32Array)[0] - 100) < 1e-3);
    assert.deepEqual(Array.from(toGrayscale(rawImage([2, 1], 'uint8', 'Scalar', 1, Uint8Array.from([7, 8])), { slice: 3 }).data as Float32Array), [7, 8]);
    assert.deepEqual(partToChoose(rawImage([2, 1], 'uint16', 'VariableLengthVector', 3, new Uint16Array(6))), { kind: 'channel', count: 3 });
    assert.equal(partToChoose(rawImage([2, 1], 'uint8', 'RGB', 3, new Uint8Array(6))), null);
  });

  it('does not mutate its input', () => {
    const data = Uint8Array.from([1, 2, 3, 4]);
    const image = rawImage([2, 2], 'uint8', 'Scalar', 1, data);
    const g = toGrayscale(image);
    (g.data as Float32Array)[0] = 99;
    assert.deepEqual(Array.from(image.data as Uint8Array), [1, 2, 3, 4]);
  });
});

describe('validation', () => {
  it('refuses tiny, all-NaN and mostly-NaN images with the file name', () => {
    assert.throws(() => validateForRegistration(createFloatImage([1, 1], new Float32Array(1)), 'dot.png'), /dot\.png: is 1×1 pixels/);
    const nan = createFloatImage([32, 32], new Float32Array(1024).fill(NaN));
    assert.throws(() => validateForRegistration(nan, 'nan.tif'), /nan\.tif: has no finite pixel values/);
    const mostly = new Float32Array(1024).fill(NaN);
    for (let k = 0; k < 100; k++) mostly[k] = k;
    assert.throws(() => validateForRegistration(createFloatImage([32, 32], mostly), 'm.tif'), /90 % of its pixels are NaN/);
  });

  it('refuses an image file too large for itk-wasm\'s memory before reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-big-'));
    try {
      // Sparse: 3 GiB on paper, nothing on disk; a TIFF's first bytes so that only its size is wrong.
      const path = join(dir, 'huge.tif');
      await writeFile(path, new Uint8Array([0x49, 0x49, 42, 0, 8, 0, 0, 0]));
      await truncate(path, 3 * 2 ** 30);
      await assert.rejects(readImageFile(path), /huge\.tif: is 3\.0 GiB; itk-wasm reads image files up to 2 GiB: bin the image or crop it first/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a constant image as a registration failure, not an input error', () => {
    assert.throws(() => validateForRegistration(createFloatImage([32, 32], new Float32Array(1024).fill(7)), 'flat.png'),
      (e: unknown) => e instanceof RegistrationError && /flat\.png.*constant/.test(e.message));
  });

  it('fills a few NaN pixels with the background level, on a copy', () => {
    const image = blobs(32, 32);
    const data = image.data as Float32Array;
    data[5] = NaN;
    const out = validateForRegistration(image, 'x');
    assert.ok(Number.isFinite((out.data as Float32Array)[5]));
    assert.ok(Number.isNaN(data[5]), 'input untouched');
  });
});

describe('percentiles', () => {
  it('equal the sorted-sample percentiles on random, repeated, sorted, constant and non-finite data', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const cases: number[][] = [
      Array.from({ length: 1001 }, random),
      Array.from({ length: 500 }, () => Math.floor(random() * 4)),
      Array.from({ length: 300 }, (_, k) => k),
      Array.from({ length: 300 }, (_, k) => 300 - k),
      new Array(50).fill(3),
      [5, NaN, 1, Infinity, 3, -Infinity, 2],
      [42],
    ];
    const ps = [0, 1, 12.5, 50, 95, 99, 100];
    for (const data of cases) {
      const sorted = Float64Array.from(data.filter(Number.isFinite)).sort();
      const expected = ps.map((p) => percentileOfSorted(sorted, p));
      assert.deepEqual(percentiles(data, ps), expected);
    }
    assert.deepEqual(percentiles([NaN, NaN], [50]), [NaN]);
  });

  it('does not reorder its input', () => {
    const data = new Float32Array([3, 1, 2, 5, 4]);
    percentiles(data, [50]);
    assert.deepEqual(Array.from(data), [3, 1, 2, 5, 4]);
  });
});

describe('normalisation', () => {
  it('maps percentiles to [0, 1], so one hot pixel does not squash the image', () => {
    const data = new Float32Array(10000);
    for (let k = 0; k < data.length; k++) data[k] = k % 100;
    data[0] = 1e6; // hot pixel
    const n = normalise(createFloatImage([100, 100], data), { low: 1, high: 99 }).data as Float32Array;
    assert.equal(n[0], 1);
    assert.ok(Math.abs(n[50] - 0.5) < 0.02, `mid value ${n[50]}`);
    assert.ok(n.every((v) => v >= 0 && v <= 1));
  });

  it('sqrt and log compress count data before scaling', () => {
    const data = Float32Array.from({ length: 400 }, (_, k) => k * k);
    const lin = normalise(createFloatImage([20, 20], data), { low: 0, high: 100 }).data as Float32Array;
    const sq = normalise(createFloatImage([20, 20], data), { low: 0, high: 100, compress: 'sqrt' }).data as Float32Array;
    assert.ok(Math.abs(sq[200] - 200 / 399) < 1e-3);
    assert.ok(sq[200] > lin[200]);
  });
});

describe('downsampling to a pixel budget', () => {
  it('chooses the smallest block that fits', () => {
    assert.equal(downsampleFactor([512, 512], 512 * 512), 1);
    assert.equal(downsampleFactor([512, 512], 256 * 256), 2);
    assert.equal(downsampleFactor([1000, 1000], 256 * 256), 4);
  });

  it('keeps physical coordinates: a feature stays at its physical point', () => {
    const w = 64;
    const data = new Float32Array(w * w);
    // A bright 4×4 block at indices 20..23: centre index 21.5.
    for (let j = 20; j < 24; j++) for (let i = 20; i < 24; i++) data[j * w + i] = 1;
    const image = createFloatImage([w, w], data, { spacing: [0.5, 0.5], origin: [10, -3] });
    const centre = indexToPhysical(gridOf(image), 21.5, 21.5);
    const small = downsampleBy(image, 4);
    assert.deepEqual(small.spacing, [2, 2]);
    const d = small.data as Float32Array;
    let sx = 0;
    let sy = 0;
    let s = 0;
    for (let j = 0; j < 16; j++) for (let i = 0; i < 16; i++) {
      sx += i * d[j * 16 + i];
      sy += j * d[j * 16 + i];
      s += d[j * 16 + i];
    }
    const got = indexToPhysical(gridOf(small), sx / s, sy / s);
    assert.ok(Math.hypot(got[0] - centre[0], got[1] - centre[1]) < 1e-9, `${got} vs ${centre}`);
    assert.equal(downsampleToBudget(image, 64 * 64), image);
  });
});

describe('casting for files', () => {
  it('rounds and clamps to the original integer type, rescales float for PNG', () => {
    const f = createFloatImage([3, 1], Float32Array.from([-5, 100.6, 70000]));
    assert.deepEqual(Array.from(castForFile(f, 'a.tif', 'uint16').data as Uint16Array), [0, 101, 65535]);
    const png = castForFile(f, 'a.png', 'float32');
    assert.equal(png.imageType.componentType, 'uint8');
    assert.equal(castForFile(f, 'a.nrrd', 'float32'), f);
  });

  it('refuses to write pixels the format cannot hold, naming the file, and writes them once cast', async () => {
    const f = createFloatImage([4, 3], Float32Array.from({ length: 12 }, (_, k) => k * 10.5));
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-write-'));
    try {
      for (const name of ['float.png', 'float.JPG']) {
        const path = join(dir, name);
        await assert.rejects(writeImageFile(f, path), (e: Error) => e instanceof InputError && e.message.includes(path) && /float32/.test(e.message) && /castForFile/.test(e.message));
      }
      assert.match(unsupportedPixels(castToInteger(f, 'uint16'), 'a.jpeg') ?? '', /uint8/);
      assert.equal(unsupportedPixels(castToInteger(f, 'uint16'), 'a.png'), null);
      assert.equal(unsupportedPixels(f, 'a.tif'), null);
      const png = join(dir, 'cast.png');
      await writeImageFile(castForFile(f, png, 'float32'), png);
      const back = await readImageFile(png);
      assert.deepEqual(back.size, [4, 3]);
      assert.equal(back.imageType.componentType, 'uint8');
      const tif = join(dir, 'float.tif');
      await writeImageFile(f, tif);
      assert.deepEqual(Array.from((await readImageFile(tif)).data as Float32Array), Array.from(f.data as Float32Array));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('NRRD units', () => {
  /** A 4 × 3 float NRRD with 0.5 spacing, origin (2, 3), and the given unit fields. */
  const nrrd = (fields: string) =>
    new Uint8Array(
      Buffer.concat([
        Buffer.from(`NRRD0004\ntype: float\ndimension: 2\nspace dimension: 2\nsizes: 4 3\nspace directions: (0.5,0) (0,0.5)\n${fields}space origin: (2,3)\nendian: little\nencoding: raw\n\n`),
        Buffer.from(new Float32Array(12).map((_, k) => k).buffer),
      ]),
    );

  it('reads the unit ITK drops: spacing and origin in mm, marked; none stated, the numbers as they are', async () => {
    assert.equal(nrrdMmPerUnit(nrrd('space units: "um" "um"\n')), 1e-3);
    assert.equal(nrrdMmPerUnit(nrrd('space units: "microns" "microns"\n')), 1e-3);
    assert.equal(nrrdMmPerUnit(nrrd('space units: "nm" "um"\n')), null, 'two units: not guessed');
    assert.equal(nrrdMmPerUnit(nrrd('space units: "counts" "counts"\n')), null);
    assert.equal(nrrdMmPerUnit(nrrd('')), null);
    assert.equal(nrrdMmPerUnit(new TextEncoder().encode('P5\n4 3\n255\n')), null, 'not a NRRD');
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-nrrd-'));
    try {
      const path = join(dir, 'map.nrrd');
      await writeFile(path, nrrd('space units: "um" "um"\n'));
      const image = await readImageFile(path);
      assert.deepEqual(image.spacing, [5e-4, 5e-4]);
      assert.deepEqual(image.origin, [2e-3, 3e-3]);
      assert.ok(spacingInMm(image));
      assert.equal(pixelSizeSource(image), 'NRRD');
      assert.equal((image.data as Float32Array)[11], 11);
      await writeFile(path, nrrd(''));
      const plain = await readImageFile(path);
      assert.deepEqual(plain.spacing, [0.5, 0.5]);
      assert.equal(spacingInMm(plain), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('NIfTI units', () => {
  it('takes a NIfTI size as mm where its header states a length unit (ITK converts it), and not where it states none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-nifti-'));
    try {
      const path = join(dir, 'map.nii');
      await writeImageFile(createFloatImage([8, 6], Float32Array.from({ length: 48 }, (_, k) => k), { spacing: [0.1, 0.2] }), path);
      const bytes = new Uint8Array(await readFile(path));
      // xyzt_units, byte 123 of the NIfTI-1 header: the spatial unit in its low 3 bits.
      const withUnits = async (code: number) => {
        bytes[123] = code;
        await writeFile(path, bytes);
        return readImageFile(path);
      };
      const microns = await withUnits(3);
      // float32 in the header: 0.1 is 0.10000000149.
      assert.ok(Math.abs(microns.spacing[0] / 1e-4 - 1) < 1e-6 && Math.abs(microns.spacing[1] / 2e-4 - 1) < 1e-6, `µm → mm: ${microns.spacing}`);
      assert.ok(spacingInMm(microns));
      assert.equal(pixelSizeSource(microns), 'NIfTI');
      assert.equal((microns.data as Float32Array)[47], 47);
      const metres = await withUnits(1 | 8);
      assert.ok(Math.abs(metres.spacing[0] - 100) < 1e-4, 'm → mm, time bits aside');
      assert.ok(spacingInMm(metres));
      const none = await withUnits(0);
      assert.ok(Math.abs(none.spacing[0] - 0.1) < 1e-7);
      assert.equal(spacingInMm(none), false, 'no unit stated: the numbers as they are');
      assert.equal(pixelSizeSource(none), undefined);
      // A size never given (spacing 1) written by ITK, which states mm for every image: still none.
      await writeImageFile(createFloatImage([8, 6], new Float32Array(48).fill(1)), path);
      assert.equal(spacingInMm(await readImageFile(path)), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
