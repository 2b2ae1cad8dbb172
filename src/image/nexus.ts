/**
 * NeXus files, the HDF5 convention of synchrotron and neutron facilities: the data a file means to
 * be shown is its default plot (the NIAC 2014 rules, as NeXus viewers such as silx and h5web follow
 * them). The root's `default` attribute names an NXentry, the entry's `default` an NXdata group (or
 * an NXsubentry, followed the same way); without `default`, the file's only NXentry and the entry's
 * only NXdata. The NXdata's `signal` attribute names the data; its `axes` give one axis dataset per
 * dimension ("." where there is none), placed by `<axis>_indices` where given, as positions (their
 * `units` attribute the unit) or, for a stack of maps, names; its `auxiliary_signals` name more
 * data of the same shape plotted with it (a fit's other element maps). Older files mark the data
 * with `signal=1` and write `axes="y:x"` on it; both are read.
 */
import type { Dataset, Group } from 'h5wasm';
import { attribute, attributeText, axesStep, getDataset, getGroup, STRING, strings, type AxesStep } from './hdf5-tree.js';

/** A NeXus default plot: the data, per dimension its axis dataset or null, and the data plotted with it. */
export interface NexusPlot {
  signal: Dataset;
  axes: (Dataset | null)[];
  /** The NXdata's `auxiliary_signals` of the signal's shape (one map per dataset, as fits write element maps). */
  auxiliary: Dataset[];
}

/** Levels of `default` followed: root → entry → (subentry →) data, and one to spare. */
const MAX_DEPTH = 4;

function nxClass(group: Group): string | null {
  return attributeText(group, 'NX_class');
}

function childGroups(group: Group): Group[] {
  return group.keys().flatMap((key) => getGroup(group, key) ?? []);
}

/** The NXdata group of the default plot, or null. */
function plotGroup(root: Group): Group | null {
  let group = root;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (nxClass(group) === 'NXdata' || attribute(group, 'signal') !== undefined) return group;
    const named = attributeText(group, 'default');
    let next = named ? getGroup(group, named) : null;
    if (!next) {
      const wanted = depth === 0 ? ['NXentry'] : ['NXdata', 'NXsubentry'];
      const candidates = childGroups(group).filter((g) => wanted.includes(nxClass(g) ?? ''));
      next = candidates.length === 1 ? candidates[0] : null;
    }
    if (!next) return null;
    group = next;
  }
  return null;
}

/** An attribute's value, or its first where it is an array (an attribute written as [1] or "1" or 1). */
function firstOf(value: unknown): unknown {
  return Array.isArray(value) || ArrayBuffer.isView(value) ? (value as ArrayLike<unknown>)[0] : value;
}

/** A list attribute's texts: an array of strings, or one string split at ':' or ',' (the older form "y:x"). */
function textList(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.map((v) => String(v).replace(/\0+$/, '').trim());
  if (typeof value === 'string') return value.replace(/\0+$/, '').split(/[:,]/).map((v) => v.trim());
  return null;
}

/** The default plot of a NeXus file, or null for a file that declares none. */
export function nexusPlot(root: Group): NexusPlot | null {
  const group = plotGroup(root);
  if (!group) return null;
  const name = attributeText(group, 'signal');
  const signal =
    (name ? getDataset(group, name) : null) ??
    // Before 2014: the data carries signal=1 itself.
    group.keys().flatMap((key) => getDataset(group, key) ?? []).find((d) => Number(firstOf(attribute(d, 'signal'))) === 1) ??
    null;
  const shape = signal?.shape;
  if (!signal || !shape) return null;
  const names = textList(attribute(group, 'axes')) ?? textList(attribute(signal, 'axes')) ?? [];
  const axes: (Dataset | null)[] = shape.map(() => null);
  names.forEach((axisName, i) => {
    if (!axisName || axisName === '.') return;
    const indices = attribute(group, `${axisName}_indices`);
    const at = Number(firstOf(indices) ?? i);
    const axis = getDataset(group, axisName);
    // Positions per pixel, or bin edges (one more).
    if (axis && axis.shape?.length === 1 && Number.isInteger(at) && at >= 0 && at < shape.length && (axis.shape[0] === shape[at] || axis.shape[0] === shape[at] + 1)) axes[at] = axis;
  });
  const auxiliary = (textList(attribute(group, 'auxiliary_signals')) ?? [])
    .flatMap((other) => getDataset(group, other) ?? [])
    .filter((d) => d.shape?.length === shape.length && d.shape.every((n, i) => n === shape[i]));
  return { signal, axes, auxiliary };
}

/** Names of the maps along dimension `dim` (a string axis of that length), or null. */
export function nexusNames(plot: NexusPlot, dim: number, count: number): string[] | null {
  const axis = plot.axes[dim];
  if (!axis || axis.metadata.type !== STRING) return null;
  const names = strings(axis);
  return names?.length === count ? names : null;
}

/** The pixel size from the axes of the image's row and column dimensions (axesStep), or null. */
export function nexusPixelSize(plot: NexusPlot, rowsDim: number, columnsDim: number): AxesStep | null {
  return axesStep(plot.axes[columnsDim], plot.axes[rowsDim]);
}
