/** Runs elastix in Node (WASI), in this thread. */
import { elastixNode } from '@itk-wasm/elastix';
import { CancelledError } from '../errors.js';
import { callItk } from './itk-call.js';
import type { ElastixRunner } from '../methods/elastix.js';
import type { ParameterMap } from '../transform/elastix-parameters.js';

export const nodeElastixRunner: ElastixRunner = {
  backend: 'wasm',
  async run({ parameterObject, fixed, moving, initialTransformParameterObject, signal }) {
    // Node runs the pipeline synchronously in this thread: a signal can only stop it before it starts.
    if (signal?.aborted) throw new CancelledError();
    const result = await callItk(() => elastixNode(parameterObject, { fixed, moving, initialTransformParameterObject }));
    return result.transformParameterObject as ParameterMap[];
  },
};
