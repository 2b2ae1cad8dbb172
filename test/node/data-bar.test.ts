import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDataBar, withoutDataBar } from '../../src/image/data-bar.js';
import { gridOf, indexToPhysical } from '../../src/image/image.js';
import { prepareImage } from '../../src/methods/prepare.js';
import { readImageFile, writeImageFile } from '../../src/node/image-file.js';
import { castToInteger } from '../../src/image/cast.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, similarityAbout, warp, withDataBar } from './helpers.js';

/** A sample by name, or any file by absolute path. */
const read = async (name: string) => {
  const path = name.startsWith('/') ? name : fixture(name);
  return prepareImage(await readImageFile(path), name);
};

describe('instrument data bars', () => {
  it('finds a dark bar at the bottom and a bright one at the top, of the rows they take', async () => {
    const em = await read('deepclem_s6_em_crop512.png');
    assert.deepEqual(findDataBar(withDataBar(em, 48, 'bottom', 0, 255)), { edge: 'bottom', rows: 48 });
    assert.deepEqual(findDataBar(withDataBar(em, 40, 'top', 255, 0)), { edge: 'top', rows: 40 });
    // A 16-bit image's bar: 0 with text at 65535, on an X-ray map of counts.
    const fe = await read('hxn_xrf_Fe_K.tiff');
    assert.deepEqual(findDataBar(withDataBar(fe, 24, 'bottom', 0, 65535)), { edge: 'bottom', rows: 24 });
    // Saved as JPEG: the compression rings around the text, so the bar is no longer exactly flat.
    const dir = await mkdtemp(join(tmpdir(), 'xemreg-databar-'));
    for (const [edge, flat, ink] of [['bottom', 0, 255], ['top', 255, 0]] as const) {
      const path = join(dir, `${edge}.jpg`);
      await writeImageFile(castToInteger(withDataBar(em, 48, edge, flat, ink), 'uint8'), path);
      assert.deepEqual(findDataBar(await read(path)), { edge, rows: 48 }, path);
    }
  });

  it('finds none in images without one: EM, sparse X-ray maps, fluorescence on black, zero padding, a flat strip without text', async () => {
    for (const name of ['deepclem_s6_em_crop512.png', 'deepclem_s6_fm_crop512.png', 'hxn_xrf_Fe_K.tiff', 'hxn_xrf_P_K.tiff', 'hxn_xrf_S_K.tiff']) {
      assert.equal(findDataBar(await read(name)), null, name);
    }
    const em = await read('deepclem_s6_em_crop512.png');
    // Warped almost level and shifted up: the bottom rows are zero padding with content reaching into them.
    for (const rotationDeg of [0, 0.3, -0.6]) {
      assert.equal(findDataBar(warp(em, similarityAbout(em, { rotationDeg, translation: [0, 30] }))), null, `${rotationDeg}°`);
    }
    assert.equal(findDataBar(withDataBar(em, 30, 'bottom', 0, 0)), null, 'no text');
  });

  it('leaves the bar out and keeps physical coordinates; the input is not changed', async () => {
    const em = await read('deepclem_s6_em_crop512.png');
    for (const edge of ['bottom', 'top'] as const) {
      const barred = withDataBar(em, 48, edge, 0, 255);
      const before = Float32Array.from(barred.data as Float32Array);
      const { image, bar } = withoutDataBar(barred);
      assert.deepEqual(bar, { edge, rows: 48 });
      assert.deepEqual(image.size, [512, 512]);
      assert.deepEqual(image.data, em.data);
      // The same content pixel is at the same physical point as in the image without a bar.
      assert.deepEqual(indexToPhysical(gridOf(image), 100, 200), indexToPhysical(gridOf(em), 100, 200));
      assert.deepEqual(barred.data, before);
    }
    const plain = withoutDataBar(em);
    assert.equal(plain.bar, null);
    assert.equal(plain.image, em);
  });
});
