/**
 * HyperSpy's HDF5 files (.hspy), in which (S)TEM users keep EDS and EELS maps they have processed:
 * each signal is a group under /Experiments holding its array, `data`, and per array dimension a
 * group `axis-<i>` whose attributes describe that axis (`scale` per pixel, `offset`, `units`,
 * `name`, `navigate`). The array is found like any other (hdf5-maps.ts); its pixel size comes from
 * the scales of its row and column axes, in mm where both state the same length unit.
 */
import type { Dataset, Group } from 'h5wasm';
import { attribute, attributeText, getGroup, type AxesStep } from './hdf5-tree.js';
import { mmPerUnit, sameUnit } from './length-units.js';

/** One axis of a HyperSpy signal: its scale per pixel and mm per unit of it, where stated. */
function axisOf(root: Group, signal: string, dim: number): { scale: number; perUnit: number | null } | null {
  const group = getGroup(root, `${signal}/axis-${dim}`);
  if (!group) return null;
  const scale = Number(attribute(group, 'scale'));
  if (!Number.isFinite(scale) || scale === 0) return null;
  const units = attributeText(group, 'units');
  return { scale: Math.abs(scale), perUnit: units ? mmPerUnit(units) : null };
}

/**
 * The pixel size of `dataset` where it is a HyperSpy signal's `data` (its group holds `axis-<i>`
 * groups for the row and column dimensions): [x, y] scales, and mm per unit where both state the
 * same one; else null.
 */
export function hyperspyPixelSize(root: Group, dataset: Dataset, rowsDim: number, columnsDim: number): AxesStep | null {
  if (!dataset.path.endsWith('/data')) return null;
  const signal = dataset.path.slice(0, -'/data'.length);
  const [y, x] = [axisOf(root, signal, rowsDim), axisOf(root, signal, columnsDim)];
  if (!x || !y) return null;
  return { step: [x.scale, y.scale], mmPerUnit: sameUnit(x.perUnit, y.perUnit) };
}
