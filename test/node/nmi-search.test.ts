import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFloatImage, gridCenter, gridOf, type Grid, type Image } from '../../src/image/image.js';
import { cornerError } from '../../src/metrics/corner-error.js';
import { nmiSearch } from '../../src/methods/nmi-search.js';
import { resample } from '../../src/resample.js';
import { invertTransform, similarity } from '../../src/transform/transform.js';
import { blobs, warp } from './helpers.js';

/** A non-monotonic remapping of intensities (bright and dark both map high): what mutual information, not correlation, sees through. */
function remapped(image: Image): Image {
  const d = image.data as Float32Array;
  let max = 0;
  for (const v of d) max = Math.max(max, v);
  return createFloatImage([image.size[0], image.size[1]], d.map((v) => Math.abs(v / max - 0.4)), gridOf(image));
}

describe('coarse NMI search', () => {
  const fixed = blobs(160, 160, 7, 90);

  it('finds any rotation and a zoom of a multi-modal pair among its best starts, within the grid step', () => {
    const truth = similarity({ rotationDeg: 133, scale: 1.35, translation: [12, -20], center: gridCenter(gridOf(fixed)) });
    const moving = remapped(warp(fixed, truth));
    const candidates = nmiSearch(fixed, moving);
    assert.equal(candidates.length, 4);
    // The grid steps by 10°, ×1.19 and 1/16 of the field: its nearest point is a few % of the width off.
    const errors = candidates.map((c) => cornerError(truth, c.transform, gridOf(fixed)));
    assert.ok(errors[0] < 0.08 * 160, `best start ${errors[0].toFixed(1)} px off (all: ${errors.map((e) => e.toFixed(1)).join(', ')})`);
    // Sorted best first, and distinct from one another.
    for (let i = 1; i < candidates.length; i++) {
      assert.ok(candidates[i].nmi <= candidates[i - 1].nmi);
      for (let j = 0; j < i; j++) assert.ok(cornerError(candidates[i].transform, candidates[j].transform, gridOf(fixed)) >= 0.1 * 160);
    }
    assert.deepEqual(nmiSearch(fixed, moving).map((c) => c.transform.matrix), candidates.map((c) => c.transform.matrix), 'deterministic');
  });

  it('works in physical units: a non-square moving image with other spacing and origin', () => {
    const physicalFixed = createFloatImage([fixed.size[0], fixed.size[1]], fixed.data as Float32Array, { spacing: [0.5, 0.5], origin: [100, 40] });
    const truth = similarity({ rotationDeg: -62, scale: 0.8, translation: [3, 5], center: gridCenter(gridOf(physicalFixed)) });
    // The moving image: 120 × 90 pixels of 0.75 units, centred near the fixed image's centre.
    const movingGrid: Grid = { size: [120, 90], spacing: [0.75, 0.75], origin: [100 + 40 - 44.6, 40 + 40 - 33.4], direction: [1, 0, 0, 1] };
    const moving = resample(physicalFixed, movingGrid, invertTransform(truth));
    const [best] = nmiSearch(physicalFixed, moving);
    const error = cornerError(truth, best.transform, gridOf(physicalFixed));
    assert.ok(error < 0.08 * 160, `${error.toFixed(1)} px off`);
  });

  it('does not change its inputs', () => {
    const copy = Float32Array.from(fixed.data as Float32Array);
    nmiSearch(fixed, remapped(fixed), { rotationStepDeg: 30 });
    assert.deepEqual(fixed.data, copy);
  });
});
