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
