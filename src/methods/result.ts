/** What every registration method returns. */
import type { Transform } from '../transform/transform.js';

export type MethodName = 'cnn' | 'elastix' | 'hybrid';

export interface MethodResult {
  method: MethodName;
  /** Where the computation ran: 'wasm' (Node), 'wasm-worker' (browser worker), 'webgl', … */
  backend: string;
  /** Fixed → moving, physical coordinates (CONVENTIONS.md). */
  transform: Transform;
  /** Time of the registration itself, inputs already read and prepared, pipelines loaded. */
  registrationMs: number;
  /** Method-specific facts (preset, parameter maps, downsampling, …). */
  details: Record<string, unknown>;
}

/** The details of the CNN behind a result: the cnn method's own, or the hybrid's CNN stage; undefined for elastix. */
function cnnDetails(result: MethodResult): Record<string, unknown> | undefined {
  return result.method === 'cnn' ? result.details : result.method === 'hybrid' ? (result.details.cnn as Record<string, unknown> | undefined) : undefined;
}

/**
 * The CNN's confidence (0–1) behind a result: the cnn method's own, or the hybrid's CNN stage;
 * undefined for elastix, which has none. What the CLI reports and the panel shows.
 */
export function cnnConfidence(result: MethodResult): number | undefined {
  const details = cnnDetails(result);
  return details?.confidence === undefined ? undefined : Number(details.confidence);
}

/** How the CNN behind a result used field windows (field-windows.ts), as registerCnn reports it. */
export interface FieldWindowsUsed {
  /** The image cut into windows: the one with the larger field. */
  cut: 'fixed' | 'moving';
  /** Larger field / smaller field. */
  ratio: number;
  /** How many windows were scored. */
  windows: number;
  /** The kept window, [x0, y0, width, height] in the cut image's pixels; null: the frames as they are were kept. */
  kept: [number, number, number, number] | null;
  /** With the same pixel size on both images, or in the 'search' mode, the confidence of the frames as they are (tried too). */
  framesConfidence?: number;
  /** The 'search' mode (no pixel sizes): `cut` and `ratio` are the hypothesis of the best window, not read from sizes. */
  assumed?: boolean;
}

/** The field windows behind a result (cnn, or the hybrid's CNN stage); undefined when none were used. */
export function fieldWindowsOf(result: MethodResult): FieldWindowsUsed | undefined {
  return cnnDetails(result)?.fieldWindows as FieldWindowsUsed | undefined;
}

/**
 * The CNN behind a result took the fields to be comparable for want of pixel sizes (registerCnn's
 * `fieldsUnknown`): where one image shows a much larger field, it needed the sizes, or the
 * 'search' mode.
 */
export function fieldsUnknownOf(result: MethodResult): boolean {
  return cnnDetails(result)?.fieldsUnknown === true;
}

/** The kept field window, in words: which image, which pixels, of how many windows. */
export function describeFieldWindow(used: FieldWindowsUsed): string {
  if (!used.kept) return `the images as they are (more confident than ${used.windows} field windows)`;
  const [x0, y0, w, h] = used.kept;
  const assumed = used.assumed ? `; fields searched, ${used.cut} field taken ${used.ratio}× the other's` : '';
  return `${used.cut} x ${x0}–${x0 + w - 1}, y ${y0}–${y0 + h - 1} (of ${used.windows}${assumed})`;
}
