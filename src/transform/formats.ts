/** Transform files by extension: .json (CONVENTIONS.md object), .tfm (ITK), .txt (elastix). */
import type { Grid } from '../image/image.js';
import { readItkTfm, writeItkTfm } from './itk-tfm.js';
import { transformFromJSON, transformToJSON } from './json.js';
import { parameterMapToTransform, readParameterText, transformToParameterMap, writeParameterText } from './elastix-parameters.js';
import type { Transform } from './transform.js';

export type TransformFormat = 'json' | 'tfm' | 'elastix';

export function transformFormatOf(path: string): TransformFormat {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'json') return 'json';
  if (ext === 'tfm') return 'tfm';
  if (ext === 'txt') return 'elastix';
  throw new Error(`"${path}": transform files end in .json, .tfm or .txt`);
}

/** Text of a transform in a format. `grid` (the fixed image's) fills elastix's image fields. */
export function formatTransform(t: Transform, format: TransformFormat, grid?: Grid): string {
  switch (format) {
    case 'json':
      return JSON.stringify(transformToJSON(t), null, 2) + '\n';
    case 'tfm':
      return writeItkTfm(t);
    case 'elastix':
      return writeParameterText(transformToParameterMap(t, grid));
  }
}

export function parseTransform(text: string, format: TransformFormat): Transform {
  switch (format) {
    case 'json':
      return transformFromJSON(JSON.parse(text));
    case 'tfm':
      return readItkTfm(text);
    case 'elastix':
      return parameterMapToTransform(readParameterText(text));
  }
}
