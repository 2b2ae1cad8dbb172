/**
 * elastix transform parameter maps, as objects (what @itk-wasm/elastix returns: every value an
 * array of strings) and as `TransformParameters.txt` text. elastix transforms map fixed → moving,
 * like ours:
 *   EulerTransform:      angle (rad), tx, ty                 about CenterOfRotationPoint
 *   SimilarityTransform: scale, angle (rad), tx, ty          about CenterOfRotationPoint
 *   AffineTransform:     a11 a12 a21 a22 tx ty               about CenterOfRotationPoint
 *   TranslationTransform: tx ty
 * A chain (several maps, each the next one's initial transform) composes with the first map
 * applied first, as elastix does with HowToCombineTransforms "Compose".
 */
import type { Grid } from '../image/image.js';
import { affine, composeTransforms, similarity, type Transform } from './transform.js';

export type ParameterMap = Record<string, string[]>;

const RAD = 180 / Math.PI;

function nums(map: ParameterMap, key: string, count?: number): number[] {
  const raw = map[key];
  if (!raw) throw new Error(`elastix parameters: "${key}" is missing`);
  const values = raw.map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`elastix parameters: "${key}" has non-numeric values`);
  if (count !== undefined && values.length !== count) {
    throw new Error(`elastix parameters: "${key}" needs ${count} values, has ${values.length}`);
  }
  return values;
}

/** The transform of one elastix parameter map (ignoring its initial transform). */
export function parameterMapToTransform(map: ParameterMap): Transform {
  const type = map.Transform?.[0];
  const dim = map.FixedImageDimension?.[0];
  if (dim !== undefined && dim !== '2') throw new Error(`elastix parameters: ${dim}-D transform, only 2-D is supported`);
  const center = () => (map.CenterOfRotationPoint ? nums(map, 'CenterOfRotationPoint', 2) : [0, 0]);
  switch (type) {
    case 'SimilarityTransform': {
      const p = nums(map, 'TransformParameters', 4);
      return similarity({ scale: p[0], rotationDeg: p[1] * RAD, translation: p.slice(2), center: center() });
    }
    case 'EulerTransform': {
      const p = nums(map, 'TransformParameters', 3);
      return similarity({ rotationDeg: p[0] * RAD, translation: p.slice(1), center: center() });
    }
    case 'TranslationTransform': {
      const p = nums(map, 'TransformParameters', 2);
      return similarity({ translation: p });
    }
    case 'AffineTransform': {
      const p = nums(map, 'TransformParameters', 6);
      return affine(
        [
          [p[0], p[1]],
          [p[2], p[3]],
        ],
        p.slice(4),
        center(),
      );
    }
    case undefined:
      throw new Error('elastix parameters: "Transform" is missing');
    default:
      throw new Error(`elastix parameters: transform "${type}" is not supported (Euler, Similarity, Affine, Translation are)`);
  }
}

/** The transform of a chain of parameter maps, the first applied first. */
export function parameterObjectToTransform(maps: readonly ParameterMap[]): Transform {
  if (maps.length === 0) throw new Error('elastix parameters: empty parameter object');
  for (const map of maps) {
    const how = map.HowToCombineTransforms?.[0];
    if (how !== undefined && how !== 'Compose') throw new Error(`elastix parameters: HowToCombineTransforms "${how}" is not supported`);
  }
  return maps.map(parameterMapToTransform).reduce((acc, t) => composeTransforms(acc, t));
}

/**
 * A parameter map for a transform. elastix (and transformix) also want the fixed grid; without
 * one, a unit grid of size 1 is written, which readers of the transform alone ignore.
 */
export function transformToParameterMap(t: Transform, grid?: Grid): ParameterMap {
  const s = (v: number) => String(v);
  const map: ParameterMap =
    t.type === 'similarity'
      ? {
          Transform: ['SimilarityTransform'],
          NumberOfParameters: ['4'],
          TransformParameters: [t.scale, t.rotationDeg / RAD, t.translation[0], t.translation[1]].map(s),
        }
      : {
          Transform: ['AffineTransform'],
          NumberOfParameters: ['6'],
          TransformParameters: [t.linear[0][0], t.linear[0][1], t.linear[1][0], t.linear[1][1], ...t.translation].map(s),
        };
  Object.assign(map, {
    CenterOfRotationPoint: t.center.map(s),
    InitialTransformParameterFileName: ['NoInitialTransform'],
    HowToCombineTransforms: ['Compose'],
    FixedImageDimension: ['2'],
    MovingImageDimension: ['2'],
    FixedInternalImagePixelType: ['float'],
    MovingInternalImagePixelType: ['float'],
    Size: (grid?.size ?? [1, 1]).map(s),
    Index: ['0', '0'],
    Spacing: (grid?.spacing ?? [1, 1]).map(s),
    Origin: (grid?.origin ?? [0, 0]).map(s),
    Direction: (grid?.direction ?? [1, 0, 0, 1]).map(s),
    UseDirectionCosines: ['true'],
    ResampleInterpolator: ['FinalBSplineInterpolator'],
    FinalBSplineInterpolationOrder: ['3'],
    Resampler: ['DefaultResampler'],
    DefaultPixelValue: ['0'],
    ResultImageFormat: ['nii'],
    ResultImagePixelType: ['float'],
    CompressResultImage: ['false'],
  });
  return map;
}

const QUOTED = new Set(['true', 'false']);

/** `TransformParameters.txt` text of a parameter map: `(Key value …)`, strings quoted. */
export function writeParameterText(map: ParameterMap): string {
  const lines = Object.entries(map).map(([key, values]) => {
    const rendered = values.map((v) => (v !== '' && Number.isFinite(Number(v)) && !QUOTED.has(v) ? v : `"${v}"`));
    return `(${key} ${rendered.join(' ')})`;
  });
  return lines.join('\n') + '\n';
}

/** Parse elastix parameter text: `(Key v1 v2 …)` lines, `//` comments, quoted strings. */
export function readParameterText(text: string): ParameterMap {
  const map: ParameterMap = {};
  const stripped = text.replace(/\/\/.*$/gm, '');
  const entry = /\(\s*([A-Za-z_][\w]*)\s*((?:"[^"]*"|[^()"])*)\)/g;
  let m: RegExpExecArray | null;
  while ((m = entry.exec(stripped))) {
    const values: string[] = [];
    const token = /"([^"]*)"|(\S+)/g;
    let t: RegExpExecArray | null;
    while ((t = token.exec(m[2]))) values.push(t[1] ?? t[2]);
    map[m[1]] = values;
  }
  if (Object.keys(map).length === 0) throw new Error('no "(Key value)" entries: not elastix parameter text');
  return map;
}
