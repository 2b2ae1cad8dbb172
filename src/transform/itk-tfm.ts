/**
 * ITK transform text files (.tfm, "#Insight Transform File V1.0"). ITK's 2-D transforms are
 * fixed → moving like ours; parameters follow ITK's own classes:
 *   Similarity2DTransform: scale, angle (rad), tx, ty; fixed parameters: center
 *   Euler2DTransform / Rigid2DTransform: angle (rad), tx, ty; fixed: center
 *   AffineTransform: a11 a12 a21 a22 tx ty; fixed: center
 *   TranslationTransform: tx ty
 * A file with several transforms is read as their composition, applied in file order reversed
 * (ITK composite transforms apply the last-added transform first).
 */
import { composeTransforms, affine, similarity, type Transform } from './transform.js';

const RAD = 180 / Math.PI;

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(17).replace(/0+$/, '').replace(/\.$/, '');
}

export function writeItkTfm(t: Transform): string {
  const lines = ['#Insight Transform File V1.0', '#Transform 0'];
  if (t.type === 'similarity') {
    lines.push('Transform: Similarity2DTransform_double_2_2');
    lines.push(`Parameters: ${[t.scale, t.rotationDeg / RAD, t.translation[0], t.translation[1]].map(fmt).join(' ')}`);
  } else {
    lines.push('Transform: AffineTransform_double_2_2');
    const [[a, b], [c, d]] = t.linear;
    lines.push(`Parameters: ${[a, b, c, d, t.translation[0], t.translation[1]].map(fmt).join(' ')}`);
  }
  lines.push(`FixedParameters: ${t.center.map(fmt).join(' ')}`);
  return lines.join('\n') + '\n';
}

interface TfmEntry {
  name: string;
  parameters: number[];
  fixed: number[];
}

function numbers(text: string, line: number): number[] {
  const values = text.trim().split(/\s+/).filter(Boolean).map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`.tfm line ${line}: not a list of numbers`);
  return values;
}

function entryToTransform(e: TfmEntry): Transform | null {
  const type = e.name.replace(/_(double|float)_\d_\d$/, '');
  const need = (n: number) => {
    if (e.parameters.length !== n) throw new Error(`.tfm ${e.name}: expected ${n} parameters, got ${e.parameters.length}`);
  };
  const center = e.fixed.length >= 2 ? [e.fixed[0], e.fixed[1]] : [0, 0];
  switch (type) {
    case 'CompositeTransform':
      return null;
    case 'Similarity2DTransform':
      need(4);
      return similarity({ scale: e.parameters[0], rotationDeg: e.parameters[1] * RAD, translation: e.parameters.slice(2, 4), center });
    case 'Euler2DTransform':
    case 'Rigid2DTransform':
      need(3);
      return similarity({ rotationDeg: e.parameters[0] * RAD, translation: e.parameters.slice(1, 3), center });
    case 'TranslationTransform':
      need(2);
      return similarity({ translation: e.parameters.slice(0, 2) });
    case 'AffineTransform':
    case 'MatrixOffsetTransformBase':
      need(6);
      return affine(
        [
          [e.parameters[0], e.parameters[1]],
          [e.parameters[2], e.parameters[3]],
        ],
        e.parameters.slice(4, 6),
        center,
      );
    default:
      throw new Error(`.tfm: transform type "${e.name}" is not supported (2-D similarity, rigid, translation and affine are)`);
  }
}

export function readItkTfm(text: string): Transform {
  if (!/^#Insight Transform File/m.test(text)) throw new Error('not an ITK transform file (missing "#Insight Transform File" header)');
  const entries: TfmEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const m = /^(Transform|Parameters|FixedParameters):(.*)$/.exec(line);
    if (!m) return;
    if (m[1] === 'Transform') entries.push({ name: m[2].trim(), parameters: [], fixed: [] });
    else if (entries.length === 0) throw new Error(`.tfm line ${index + 1}: parameters before any "Transform:" line`);
    else if (m[1] === 'Parameters') entries[entries.length - 1].parameters = numbers(m[2], index + 1);
    else entries[entries.length - 1].fixed = numbers(m[2], index + 1);
  });
  const transforms = entries.map(entryToTransform).filter((t): t is Transform => t !== null);
  if (transforms.length === 0) throw new Error('.tfm file holds no transform');
  // ITK composite: the last transform in the file is applied first.
  return transforms.reduceRight((acc, t) => composeTransforms(acc, t));
}
