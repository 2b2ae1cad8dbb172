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

/**
 * The CNN's confidence (0–1) behind a result: the cnn method's own, or the hybrid's CNN stage;
 * undefined for elastix, which has none. What the CLI reports and the panel shows.
 */
export function cnnConfidence(result: MethodResult): number | undefined {
  const details = result.method === 'cnn' ? result.details : result.method === 'hybrid' ? (result.details.cnn as Record<string, unknown> | undefined) : undefined;
  return details?.confidence === undefined ? undefined : Number(details.confidence);
}
