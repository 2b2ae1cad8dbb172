import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HDF5_DATASET_KEY, isHdf5, splitDatasetPath } from '../../src/image/hdf5-maps.js';
import { toGrayscale } from '../../src/image/grayscale.js';
import { gridOf, createFloatImage } from '../../src/image/image.js';
import { sliceNames } from '../../src/image/slice-names.js';
import { pixelSizeSource } from '../../src/image/instrument-metadata.js';
import { spacingInMm } from '../../src/image/spacing.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { cornerError, isSuccess } from '../../src/metrics/corner-error.js';
import { readImageFile, writeImageFile } from '../../src/node/image-file.js';
import { transformFromJSON } from '../../src/transform/json.js';
import { similarity } from '../../src/transform/transform.js';
import { fixture, runScript, similarityAbout, warp } from './helpers.js';
import h5wasm from 'h5wasm';
import { hdf5MapsFile, hyperspyFile, nexusFile, veloxFile, type Hdf5Layout, type Hdf5Maps } from '../hdf5-files.js';
import { castToInteger } from '../../src/image/cast.js';
import { ImageChoiceError } from '../../src/errors.js';

const bin = fileURLToPath(new URL('../../../bin/xemreg.js', import.meta.url));
let dir: string;

/** Three 7 × 5 maps whose values say where they are: 100 × channel + row-major index. */
const small = (): Hdf5Maps => ({
  planes: [0, 1, 2].map((c) => Float32Array.from({ length: 7 * 5 }, (_, k) => 100 * c + k)),
  columns: 7,
  rows: 5,
  names: ['Fe_K', 'P_K', 'S_K'],
  step: [0.05, 0.08],
});

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xemreg-hdf5-'));
});

describe('HDF5 maps: recognising files and datasets', () => {
  it('finds the signature at the start or after a user block, and splits "file.h5::/dataset"', () => {
    const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
    const at = (offset: number) => {
      const b = new Uint8Array(4096);
      b.set(sig, offset);
      return b;
    };
    assert.ok(isHdf5(at(0)) && isHdf5(at(512)) && isHdf5(at(2048)));
    assert.ok(!isHdf5(at(100)), 'only where HDF5 puts its superblock');
    assert.ok(!isHdf5(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG');
    assert.deepEqual(splitDatasetPath('a/maps.h5::/MAPS/XRF_roi'), { file: 'a/maps.h5', dataset: '/MAPS/XRF_roi' });
    assert.deepEqual(splitDatasetPath('maps.h5::MAPS/XRF_roi'), { file: 'maps.h5', dataset: '/MAPS/XRF_roi' });
    assert.deepEqual(splitDatasetPath('C:\\data\\maps.h5'), { file: 'C:\\data\\maps.h5' });
  });
});

describe('HDF5 maps: the layouts of X-ray analyses', () => {
  const layouts: [Hdf5Layout, string, string | undefined][] = [
    ['xrf-maps', 'XRF-Maps positions', '/MAPS/XRF_Analyzed/Fitted/Counts_Per_Sec'],
    ['maps', 'MAPS positions', '/MAPS/XRF_fits'],
    ['pyxrf', 'PyXRF positions', '/xrfmap/detsum/xrf_fit'],
    ['channels-last', '', undefined],
  ];
  for (const [layout, source] of layouts) {
    it(`reads ${layout} as a stack of named maps, every pixel in place`, async () => {
      const maps = small();
      const image = await readImageFile(await write(`${layout}.h5`, await hdf5MapsFile(layout, maps)));
      assert.deepEqual(image.size, [7, 5, 3]);
      assert.deepEqual(sliceNames(image), maps.names);
      for (const [c, plane] of maps.planes.entries()) {
        const gray = toGrayscale(image, { slice: c });
        assert.deepEqual(Array.from(gray.data as Float32Array), Array.from(plane), `slice ${c}`);
      }
      if (!source) {
        assert.equal(pixelSizeSource(image), undefined, 'no positions: no pixel size');
        assert.deepEqual(gridOf(image).spacing, [1, 1]);
        return;
      }
      assert.equal(pixelSizeSource(image), source);
      // PyXRF's fly-scan positions jitter about the grid: the median step is within 2 %.
      const [sx, sy] = gridOf(image).spacing;
      assert.ok(Math.abs(sx / 0.05 - 1) < 0.02 && Math.abs(sy / 0.08 - 1) < 1e-9, `${sx}, ${sy}`);
      assert.equal(spacingInMm(image), false, 'no unit stated: the numbers are the file\'s own');
      assert.deepEqual(image.origin, [0, 0, 0]);
    });
  }

  it('leaves out what was not scanned: empty columns at the right (MAPS fly scans) and rows at the bottom (a scan stopped early)', async () => {
    const [columns, rows] = [66, 50];
    // Scanned: 64 columns × 47 rows of smooth structure; 2 zero columns after every row, 3 rows never filled (0 in one map, NaN in the other).
    const planes = [0, 1].map((c) => Float32Array.from({ length: columns * rows }, (_, k) => {
      const [x, y] = [k % columns, Math.floor(k / columns)];
      if (y >= 47) return c === 0 ? 0 : NaN;
      return x >= 64 ? 0 : 10 + 5 * Math.sin(x / 5 + c) * Math.cos(y / 7) + (x * y) / 300;
    }));
    // A scanned pixel may be 0 in one map: only what is empty in every map goes.
    planes[0][46 * columns + 63] = 0;
    const path = await write('stopped.h5', await hdf5MapsFile('xrf-maps', { planes, columns, rows, names: ['Fe_K', 'P_K'], step: [0.1, 0.1] }));
    const image = await readImageFile(path);
    assert.deepEqual(image.size, [64, 47, 2]);
    const p = toGrayscale(image, { slice: 'P_K' }).data as Float32Array;
    assert.equal(p[46 * 64 + 63], planes[1][46 * columns + 63], 'the last scanned pixel, in place');
    assert.deepEqual(image.origin, [0, 0, 0]);
    assert.ok(Math.abs(gridOf(image).spacing[0] - 0.1) < 1e-9, 'the step is the scan\'s');
    const run = await runScript(bin, ['register', path, path, '--fixed-slice', '0', '--moving-slice', '1', '--method', 'elastix', '--preset', 'fast', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).images.fixed.hdf5Unscanned, { columns: 2, rows: 3 });
    // A map empty everywhere is left whole, for validation to refuse.
    const blank = await write('blank.h5', await hdf5MapsFile('xrf-maps', { planes: [new Float32Array(64)], columns: 8, rows: 8, names: ['Fe_K'] }));
    assert.deepEqual((await readImageFile(blank)).size, [8, 8, 1]);
  });

  it('converts positions to mm where the file states their unit, and takes a slice by its name', async () => {
    const image = await readImageFile(await write('pyxrf-um.h5', await hdf5MapsFile('pyxrf', { ...small(), unit: 'um' })));
    assert.ok(spacingInMm(image));
    assert.ok(Math.abs(gridOf(image).spacing[1] - 0.08e-3) < 1e-12);
    assert.equal(toGrayscale(image, { slice: 'P_K' }).data![0], 100);
    assert.equal(toGrayscale(image, { slice: 's_k' }).data![0], 200, 'case does not matter when one name matches');
    assert.throws(() => toGrayscale(image, { slice: 'Zn_K' }), /has no slice named "Zn_K": 0 Fe_K, 1 P_K, 2 S_K/);
  });

  it('reads the dataset named after "::", and says which exist when it is not there', async () => {
    const extra = { '/overview': { rows: 6, columns: 9, data: Float32Array.from({ length: 54 }, (_, k) => k) } };
    const path = await write('with-overview.h5', await hdf5MapsFile('maps', { ...small(), extra }));
    const overview = await readImageFile(`${path}::/overview`);
    assert.deepEqual(overview.size, [9, 6]);
    assert.equal(overview.imageType.dimension, 2);
    assert.equal((overview.data as Float32Array)[53], 53);
    assert.deepEqual((await readImageFile(path)).size, [7, 5, 3], 'without "::" the analysis\'s maps');
    await assert.rejects(readImageFile(`${path}::/nope`), /with-overview\.h5::\/nope: has no dataset \/nope; its images: \/overview \(6×9\), \/MAPS\/XRF_fits \(3×5×7\)/);
    await assert.rejects(readImageFile(`${path}::/MAPS/channel_names`), /does not hold numbers/);
    await assert.rejects(readImageFile(`${fixture('hxn_xrf_Fe_K.tiff')}::/data`), /names a dataset after "::", but .*hxn_xrf_Fe_K\.tiff is not an HDF5 file/);
  });

  it('reads a map or stack wrapped in length-1 dimensions, and refuses a real 4-D dataset', async () => {
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/wrapped.h5', 'w');
    f.create_dataset({ name: 'frame', data: Float32Array.from({ length: 35 }, (_, k) => k), shape: [1, 1, 5, 7], dtype: '<f4' });
    f.create_dataset({ name: 'stack', data: Float32Array.from({ length: 70 }, (_, k) => k), shape: [1, 2, 5, 7, 1], dtype: '<f4' });
    f.create_dataset({ name: 'volume', data: new Float32Array(140), shape: [2, 2, 5, 7], dtype: '<f4' });
    f.close();
    const path = await write('wrapped.h5', FS!.readFile('/wrapped.h5') as Uint8Array);
    FS!.unlink('/wrapped.h5');
    const frame = await readImageFile(`${path}::/frame`);
    assert.deepEqual(frame.size, [7, 5]);
    assert.equal((frame.data as Float32Array)[34], 34);
    const stack = await readImageFile(`${path}::/stack`);
    assert.deepEqual(stack.size, [7, 5, 2]);
    assert.equal(toGrayscale(stack, { slice: 1 }).data![0], 35);
    await assert.rejects(readImageFile(`${path}::/volume`), /wrapped\.h5::\/volume: dataset \/volume is 4-D \(2×2×5×7\)/);
    // Unnamed: the two wrapped ones are the file's images, the volume is not one.
    const refused = await readImageFile(path).catch((e: unknown) => e);
    assert.ok(refused instanceof ImageChoiceError);
    assert.deepEqual(refused.choices.map((c) => c.path), ['/frame', '/stack']);
  });

  it('passes over links that lead nowhere: a dangling soft link, an external link to a missing file', async () => {
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/links.h5', 'w');
    f.create_soft_link('/nowhere', 'dangling');
    f.create_external_link('missing.h5', '/map', 'elsewhere');
    f.create_dataset({ name: 'map', data: Float32Array.from({ length: 48 }, (_, k) => k), shape: [6, 8], dtype: '<f4' });
    f.close();
    const path = await write('links.h5', FS!.readFile('/links.h5') as Uint8Array);
    FS!.unlink('/links.h5');
    const image = await readImageFile(path);
    assert.deepEqual(image.size, [8, 6]);
    assert.equal((image.data as Float32Array)[47], 47);
  });

  it('refuses a file whose image it cannot choose, one without images, and a broken one, naming each', async () => {
    const two = { '/a': { rows: 8, columns: 8, data: new Float32Array(64) }, '/b': { rows: 9, columns: 9, data: new Float32Array(81) } };
    // PyXRF's group holding a 2 × 2 map (no image), and two images beside it.
    const plain = await write('plain.h5', await hdf5MapsFile('pyxrf', { planes: [new Float32Array(4)], columns: 2, rows: 2, names: ['x'], extra: two }));
    await assert.rejects(readImageFile(plain), /plain\.h5: is an HDF5 file with 2 images; name one as file\.h5::\/path\/to\/dataset: \/a \(8×8\), \/b \(9×9\)/);
    // The images, for a chooser (the page's) to offer: each one's path reads it.
    const choice = await readImageFile(plain).catch((e: unknown) => e);
    assert.ok(choice instanceof ImageChoiceError);
    assert.deepEqual(choice.choices, [{ path: '/a', label: '/a (8×8)' }, { path: '/b', label: '/b (9×9)' }]);
    assert.deepEqual((await readImageFile(`${plain}::${choice.choices[1].path}`)).size, [9, 9]);
    const none = await write('none.h5', await hdf5MapsFile('pyxrf', { planes: [new Float32Array(4)], columns: 2, rows: 2, names: ['x'] }));
    await assert.rejects(readImageFile(none), /none\.h5: is an HDF5 file without a 2-D map or a stack of maps/);
    // Too many values to read at once: a chunked dataset grown without writing (its chunks unstored: a small file).
    const { FS } = await h5wasm.ready;
    const big = new h5wasm.File('/big.h5', 'w');
    const grown = big.create_dataset({ name: 'maps', data: new Float32Array(1), shape: [1, 1, 1], maxshape: [null, null, null], chunks: [1, 256, 256], dtype: '<f4' });
    grown.resize([5, 8192, 8192]);
    big.close();
    const bigPath = await write('big.h5', FS!.readFile('/big.h5') as Uint8Array);
    FS!.unlink('/big.h5');
    await assert.rejects(readImageFile(bigPath), /big\.h5: dataset \/maps holds 5×8192×8192 values \(336 M\), above the 268 M xemreg reads at once/);
    const broken = new Uint8Array(600).fill(7);
    broken.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    const brokenPath = await write('broken.h5', broken);
    await assert.rejects(readImageFile(brokenPath), /broken\.h5: is not a readable HDF5 file \(truncated or corrupt\)/);
    // The CLI: exit 2 and one line, not HDF5's own error stack.
    const run = await runScript(bin, ['register', brokenPath, fixture('hxn_xrf_P_K.tiff')]);
    assert.equal(run.code, 2);
    assert.doesNotMatch(run.stderr, /HDF5-DIAG/);
    assert.match(run.stderr, /broken\.h5: is not a readable HDF5 file/);
  });
});

describe('NeXus: the default plot', () => {
  const maps = small().planes;
  /** A camera image and a detector's map beside the plot: without the plot's attributes, the file would be ambiguous. */
  const others = { camera: { rows: 6, columns: 9, data: new Float32Array(54).fill(5) }, detector: { rows: 5, columns: 7, data: new Float32Array(35).fill(9) } };
  const x = Array.from({ length: 7 }, (_, i) => 12.5 + 0.05 * i);
  const y = Array.from({ length: 5 }, (_, j) => -3 + 0.08 * j);

  it('reads the plot the file declares, its maps named by its string axis and its pixel size from its position axes', async () => {
    const path = await write('scan.nxs', await nexusFile({ planes: maps, columns: 7, rows: 5, names: ['Fe', 'P', 'S'], x, y, unit: 'um', others }));
    const image = await readImageFile(path);
    assert.deepEqual(image.size, [7, 5, 3]);
    assert.deepEqual(sliceNames(image), ['Fe', 'P', 'S']);
    assert.deepEqual(Array.from(toGrayscale(image, { slice: 'P' }).data as Float32Array), Array.from(maps[1]));
    assert.ok(spacingInMm(image));
    assert.ok(Math.abs(gridOf(image).spacing[0] - 5e-5) < 1e-12 && Math.abs(gridOf(image).spacing[1] - 8e-5) < 1e-12, `µm steps in mm: ${gridOf(image).spacing}`);
    assert.equal(pixelSizeSource(image), 'NeXus axes');
    assert.equal(image.metadata?.get(HDF5_DATASET_KEY), '/entry/plot/maps');
    // Another dataset, named: read as it is.
    const camera = await readImageFile(`${path}::/entry/instrument/camera`);
    assert.deepEqual(camera.size, [9, 6]);
    assert.equal(spacingInMm(camera), false);
  });

  it('finds the only entry\'s only NXdata without default attributes; without a unit the numbers stay as they are', async () => {
    const path = await write('plain.nxs', await nexusFile({ planes: [maps[2]], columns: 7, rows: 5, x, y, defaults: false, others }));
    const image = await readImageFile(path);
    assert.deepEqual(image.size, [7, 5]);
    assert.equal((image.data as Float32Array)[34], 234);
    assert.equal(spacingInMm(image), false, 'no unit stated');
    assert.ok(Math.abs(gridOf(image).spacing[0] - 0.05) < 1e-12 && Math.abs(gridOf(image).spacing[1] - 0.08) < 1e-12);
    // Without NX classes or attributes at all the same datasets are three images to choose among.
    const bare = await write('bare.h5', await hdf5MapsFile('pyxrf', { planes: [new Float32Array(4)], columns: 2, rows: 2, names: ['x'], extra: { '/map': { rows: 5, columns: 7, data: maps[2] }, ...Object.fromEntries(Object.entries(others).map(([k, v]) => [`/${k}`, v])) } }));
    const refused = await readImageFile(bare).catch((e: unknown) => e);
    assert.ok(refused instanceof ImageChoiceError);
    assert.equal(refused.choices.length, 3);
  });

  it('stacks a plot of one map per dataset (its signal and auxiliary signals), named by dataset', async () => {
    const path = await write('fit.nxs', await nexusFile({ planes: maps, columns: 7, rows: 5, names: ['Fe_K', 'Ca_K', 'Zn_K'], split: true, x, y, unit: 'um', others }));
    const image = await readImageFile(path);
    assert.deepEqual(image.size, [7, 5, 3]);
    assert.deepEqual(sliceNames(image), ['Fe_K', 'Ca_K', 'Zn_K']);
    assert.deepEqual(Array.from(toGrayscale(image, { slice: 'Zn_K' }).data as Float32Array), Array.from(maps[2]));
    assert.ok(spacingInMm(image) && Math.abs(gridOf(image).spacing[1] - 8e-5) < 1e-12);
    // One of them named, the signal or another: that map alone, sized by the plot's axes.
    const one = await readImageFile(`${path}::/entry/plot/Ca_K`);
    assert.deepEqual(one.size, [7, 5]);
    assert.equal((one.data as Float32Array)[3], 103);
    assert.equal(pixelSizeSource(one), 'NeXus axes');
    const signal = await readImageFile(`${path}::/entry/plot/Fe_K`);
    assert.deepEqual(signal.size, [7, 5]);
    assert.equal((signal.data as Float32Array)[3], 3);
  });

  it('reads the older form: the data marked signal=1, its axes "y:x" on it', async () => {
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/old.nxs', 'w');
    f.create_group('entry');
    f.create_group('entry/data');
    const entry = f.get('entry') as InstanceType<typeof h5wasm.Group>;
    entry.create_attribute('NX_class', 'NXentry');
    (f.get('entry/data') as InstanceType<typeof h5wasm.Group>).create_attribute('NX_class', 'NXdata');
    f.create_dataset({ name: 'entry/data/counts', data: maps[0], shape: [5, 7], dtype: '<f4' });
    f.create_dataset({ name: 'entry/data/other', data: new Float32Array(35), shape: [5, 7], dtype: '<f4' });
    const counts = f.get('entry/data/counts') as InstanceType<typeof h5wasm.Dataset>;
    counts.create_attribute('signal', 1, null, '<i4');
    counts.create_attribute('axes', 'ypos:xpos');
    f.create_dataset({ name: 'entry/data/xpos', data: Float64Array.from(x) });
    f.create_dataset({ name: 'entry/data/ypos', data: Float64Array.from(y) });
    (f.get('entry/data/xpos') as InstanceType<typeof h5wasm.Dataset>).create_attribute('units', 'mm');
    (f.get('entry/data/ypos') as InstanceType<typeof h5wasm.Dataset>).create_attribute('units', 'mm');
    f.close();
    const path = await write('old.nxs', FS!.readFile('/old.nxs') as Uint8Array);
    FS!.unlink('/old.nxs');
    const image = await readImageFile(path);
    assert.equal(image.metadata?.get(HDF5_DATASET_KEY), '/entry/data/counts');
    assert.ok(spacingInMm(image) && Math.abs(gridOf(image).spacing[0] - 0.05) < 1e-12);
  });
});

describe('HyperSpy signals', () => {
  it('takes a .hspy map\'s pixel size from its axes\' scales and units', async () => {
    const data = Float32Array.from({ length: 6 * 9 }, (_, k) => k);
    const path = await write('fe.hspy', await hyperspyFile({ title: 'Fe_Ka', rows: 6, columns: 9, data, scale: [2.5, 2.5], units: ['nm', 'nm'] }));
    const image = await readImageFile(path);
    assert.deepEqual(image.size, [9, 6]);
    assert.equal((image.data as Float32Array)[53], 53);
    assert.ok(spacingInMm(image));
    assert.ok(Math.abs(gridOf(image).spacing[0] - 2.5e-6) < 1e-15);
    assert.equal(pixelSizeSource(image), 'HyperSpy axes');
    // Units HyperSpy leaves undefined ("<undefined>"): the scales as they are, no unit claimed.
    const bare = await readImageFile(await write('bare.hspy', await hyperspyFile({ title: 'map', rows: 6, columns: 9, data, scale: [0.5, 0.5], units: ['<undefined>', '<undefined>'] })));
    assert.equal(spacingInMm(bare), false);
    assert.equal(gridOf(bare).spacing[0], 0.5);
  });
});

describe('Velox EMD: (S)TEM images and EDS maps', () => {
  /** A frame whose values say where they are: `base` + row-major index. */
  const frame = (columns: number, rows: number, base: number) => Uint16Array.from({ length: columns * rows }, (_, k) => base + k);

  it('reads the images of one scan as slices named by their detectors, pixel size in mm from the metadata', async () => {
    const images = ['HAADF', 'SuperXG21', 'SuperXG21'].map((detector, k) => ({ detector, columns: 9, rows: 6, frames: [frame(9, 6, 1000 * k)], pixelM: 2.5e-9 }));
    const image = await readImageFile(await write('scan.emd', await veloxFile(images)));
    assert.deepEqual(image.size, [9, 6, 3]);
    assert.deepEqual(sliceNames(image), ['HAADF', 'SuperXG21', 'SuperXG21 2']);
    assert.deepEqual(Array.from(toGrayscale(image, { slice: 'SuperXG21 2' }).data as Float32Array), Array.from(frame(9, 6, 2000)));
    assert.ok(Math.abs(gridOf(image).spacing[0] - 2.5e-6) < 1e-15 && spacingInMm(image));
    assert.equal(pixelSizeSource(image), 'Velox');
  });

  it('names EDS maps by element, from the labels of Velox\'s displays (file versions before 11 and from 11)', async () => {
    for (const displays of ['before 11', 'from 11'] as const) {
      const images = [['HAADF', 'HAADF'], ['SuperXG21', 'Fe'], ['SuperXG21', 'O'], ['SuperXG21', undefined]].map(([detector, label], k) => ({ detector: detector!, label, columns: 9, rows: 6, frames: [frame(9, 6, 1000 * k)], pixelM: 2.5e-9 }));
      const image = await readImageFile(await write(`eds-${displays.replace(' ', '')}.emd`, await veloxFile(images, displays)));
      assert.deepEqual(sliceNames(image), ['HAADF', 'Fe', 'O', 'SuperXG21'], displays);
      assert.equal(toGrayscale(image, { slice: 'O' }).data![3], 2003);
    }
  });

  it('reads one image\'s frames as slices, and one image of several sizes when named after "::"', async () => {
    const series = await readImageFile(await write('series.emd', await veloxFile([{ detector: 'HAADF', columns: 8, rows: 5, frames: [0, 1, 2].map((f) => frame(8, 5, 100 * f)), pixelM: 1e-10 }])));
    assert.deepEqual(series.size, [8, 5, 3]);
    assert.deepEqual(sliceNames(series), ['HAADF frame 0', 'HAADF frame 1', 'HAADF frame 2']);
    assert.equal(toGrayscale(series, { slice: 2 }).data![7], 207);
    const mixed = await write('mixed.emd', await veloxFile([
      { detector: 'HAADF', columns: 16, rows: 16, frames: [frame(16, 16, 0)], pixelM: 1e-9 },
      { detector: 'BF', columns: 8, rows: 8, frames: [frame(8, 8, 5)], pixelM: 2e-9 },
    ]));
    const refused = await readImageFile(mixed).catch((e: Error) => e.message);
    assert.match(String(refused), /mixed\.emd: is a Velox file with 2 images of different sizes; name one as file\.emd::\/Data\/Image\/<id>: \/Data\/Image\/\w+ \(HAADF, 16×16\), \/Data\/Image\/(\w+) \(BF, 8×8\)/);
    const id = /\(HAADF, 16×16\), (\/Data\/Image\/\w+) \(BF/.exec(String(refused))![1];
    const choice = await readImageFile(mixed).catch((e: unknown) => e);
    assert.ok(choice instanceof ImageChoiceError);
    assert.deepEqual(choice.choices.map((c) => c.label.replace(/\(.*\)/, '()')), ['HAADF, 16×16 ()', 'BF, 8×8 ()'], 'by detector and size');
    assert.equal(choice.choices[1].path, id);
    const bf = await readImageFile(`${mixed}::${id}`);
    assert.deepEqual(bf.size, [8, 8]);
    assert.equal((bf.data as Float32Array)[3], 8);
    assert.ok(Math.abs(gridOf(bf).spacing[0] - 2e-6) < 1e-15);
  });

  it('registers a HAADF image from a Velox file against a warped TIFF of it with its size given', async () => {
    const em = prepareImage(await readImageFile(fixture('deepclem_s6_em_crop512.png')), 'em');
    const haadf = castToInteger(em, 'uint16').data as Uint16Array;
    const path = await write('haadf.emd', await veloxFile([{ detector: 'HAADF', columns: 512, rows: 512, frames: [haadf], pixelM: 2e-9 }]));
    const pixelTruth = similarityAbout(em, { rotationDeg: -6, scale: 0.95, translation: [7, -4] });
    const moving = join(dir, 'haadf_moved.tif');
    await writeImageFile(castToInteger(warp(em, pixelTruth), 'uint16'), moving);
    const run = await runScript(bin, ['register', path, moving, '--moving-spacing', '2nm', '--method', 'elastix', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.images.fixed.pixelSizeFrom, 'Velox');
    const mm = 2e-6;
    const truth = similarity({ rotationDeg: -6, scale: 0.95, translation: [7 * mm, -4 * mm], center: pixelTruth.center.map((c) => c * mm) as [number, number] });
    const grid = { ...gridOf(em), spacing: [mm, mm] as [number, number] };
    const error = cornerError(truth, transformFromJSON(doc.results[0].transform), grid);
    assert.ok(isSuccess(error, grid), `corner error ${error} px`);
  });
});

describe('HDF5 maps: registration from the CLI', () => {
  it('registers an element of an XRF-Maps file, chosen by name, against a warped map with its size given', async () => {
    const names = ['Fe_K', 'P_K', 'S_K'];
    const maps = await Promise.all(names.map(async (n) => prepareImage(await readImageFile(fixture(`hxn_xrf_${n}.tiff`)), n)));
    const [w, h] = maps[0].size;
    // 100 nm steps, stated in µm, as an analysis of a nanoprobe scan would keep them.
    const h5 = await write('hxn.h5', await hdf5MapsFile('xrf-maps', { planes: maps.map((m) => m.data as Float32Array), columns: w, rows: h, names, step: [0.1, 0.1], unit: 'um' }));
    const pixelTruth = similarityAbout(maps[0], { rotationDeg: 8, scale: 1.08, translation: [-5, 6] });
    const moving = join(dir, 'p_moved.tif');
    await writeImageFile(createFloatImage([w, h], warp(maps[1], pixelTruth).data as Float32Array), moving);
    const run = await runScript(bin, ['register', h5, moving, '--fixed-slice', 'Fe_K', '--moving-spacing', '100nm', '--method', 'elastix', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.images.fixed.sliceName, 'Fe_K');
    assert.equal(doc.images.fixed.slice, 0);
    assert.equal(doc.images.fixed.pixelSizeFrom, 'XRF-Maps positions');
    assert.equal(doc.images.fixed.spacingUnit, 'mm');
    assert.equal(doc.images.fixed.hdf5Dataset, '/MAPS/XRF_Analyzed/Fitted/Counts_Per_Sec');
    assert.equal(doc.images.moving.hdf5Dataset, undefined);
    // Both grids at 1e-4 mm from the origin: the pixel truth scaled to mm.
    const mm = 1e-4;
    const truth = similarity({ rotationDeg: 8, scale: 1.08, translation: [-5 * mm, 6 * mm], center: pixelTruth.center.map((c) => c * mm) as [number, number] });
    const grid = { ...gridOf(maps[0]), spacing: [mm, mm] as [number, number] };
    const error = cornerError(truth, transformFromJSON(doc.results[0].transform), grid);
    assert.ok(isSuccess(error, grid), `corner error ${error} px`);
  });

  it('says where a size without a unit came from, and registers it against a size given in the same numbers', async () => {
    const fe = prepareImage(await readImageFile(fixture('hxn_xrf_Fe_K.tiff')), 'Fe');
    const [w, h] = fe.size;
    const h5 = await write('fe-nounit.h5', await hdf5MapsFile('maps', { planes: [fe.data as Float32Array, fe.data as Float32Array], columns: w, rows: h, names: ['Fe_K', 'Fe_L'], step: [0.1, 0.1] }));
    const run = await runScript(bin, ['register', h5, fixture('hxn_xrf_P_K_moved.tiff'), '--fixed-slice', '0', '--moving-spacing', '0.1', '--method', 'elastix']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /fe-nounit\.h5: pixel size 0\.1 from its MAPS positions, in the file's own unit, which it does not state; give the other image's size in that unit, or this one's with its unit, e\.g\. --fixed-spacing 100nm/);
    assert.match(run.stdout, /fixed .*fe-nounit\.h5 \[slice 0 · Fe_K\]  160×160 px, spacing 0\.1 × 0\.1\n/);
  });
});

describe('xemreg info', () => {
  it('says what each file holds: size, slices by name, pixel size and its source, the dataset; or the images to name; exit 2 for an unreadable one', async () => {
    const maps = await write('info-maps.h5', await hdf5MapsFile('xrf-maps', { ...small(), unit: 'um' }));
    const two = await write('info-two.h5', await hdf5MapsFile('pyxrf', { planes: [new Float32Array(4)], columns: 2, rows: 2, names: ['x'], extra: { '/a': { rows: 8, columns: 8, data: new Float32Array(64) }, '/b': { rows: 9, columns: 9, data: new Float32Array(81) } } }));
    const json = await runScript(bin, ['info', '--json', maps, two, fixture('hxn_xrf_Fe_K.tiff')]);
    assert.equal(json.code, 0, json.stderr);
    const [m, t, tiff] = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(m.size, [7, 5], 'the plane, as register reports it; the slices in parts');
    assert.deepEqual(m.parts, { kind: 'slice', count: 3, names: ['Fe_K', 'P_K', 'S_K'] });
    assert.equal(m.pixelSizeFrom, 'XRF-Maps positions');
    assert.equal(m.spacingUnit, 'mm');
    assert.ok(Math.abs(m.spacing[0] - 5e-5) < 1e-12);
    assert.equal(m.hdf5Dataset, '/MAPS/XRF_Analyzed/Fitted/Counts_Per_Sec');
    assert.deepEqual(t.choices, [{ path: '/a', label: '/a (8×8)' }, { path: '/b', label: '/b (9×9)' }]);
    assert.deepEqual(tiff.size, [160, 160]);
    assert.equal(tiff.parts, undefined);
    const text = await runScript(bin, ['info', maps, two, fixture('hxn_xrf_Fe_K.tiff')]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /hxn_xrf_Fe_K\.tiff: 160×160 px, float32 Scalar, no pixel size \(give one with --fixed-spacing \/ --moving-spacing\)/);
    assert.match(text.stdout, /info-maps\.h5: 7×5 px, float32 Scalar, spacing 50 nm × 80 nm from its XRF-Maps positions\n {2}dataset \/MAPS\/XRF_Analyzed\/Fitted\/Counts_Per_Sec\n {2}3 slices \(--fixed-slice takes the number or the name\): slice 0 · Fe_K, slice 1 · P_K, slice 2 · S_K\n/);
    assert.match(text.stdout, /info-two\.h5: 2 images; name one as .*info-two\.h5::<path>\n {2}\/a {2}\/a \(8×8\)\n {2}\/b {2}\/b \(9×9\)/);
    const missing = await runScript(bin, ['info', maps, join(dir, 'nope.tif')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.tif: file not found/);
    assert.match(missing.stdout, /info-maps\.h5: 7×5 px/, 'the readable file still described');
  });
});
