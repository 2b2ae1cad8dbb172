/**
 * Training on tfjs's wasm backend (the only fast backend in Node here: tfjs-node cannot install)
 * needs the filter gradient of conv2d, which the wasm backend lacks. It is one ordinary
 * convolution in disguise:
 *
 *   dW[i, j, ci, co] = Σ_b Σ_oh Σ_ow  xpad[b, oh·s + i, ow·s + j, ci] · dy[b, oh, ow, co]
 *
 * Transposing xpad to [Ci, H, W, B] (channels become the batch) and dy to [Ho, Wo, B, Co] (a
 * filter whose taps are spaced by the stride) makes this a valid conv2d with dilation = stride;
 * its output [Ci, ≥kh, ≥kw, Co] sliced to the kernel size and transposed is dW.
 */
import * as tf from '@tensorflow/tfjs';

interface BackendWithRefs {
  incRef(dataId: object): void;
}

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x: xInfo, dy: dyInfo } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
  const refs = backend as BackendWithRefs;
  const engine = tf.engine();
  // Wrapping a kernel input in a Tensor takes a reference: add one so disposing the wrapper leaves the input alive.
  refs.incRef(xInfo.dataId);
  refs.incRef(dyInfo.dataId);
  const x = engine.makeTensorFromDataId(xInfo.dataId, xInfo.shape, xInfo.dtype) as tf.Tensor4D;
  const dy = engine.makeTensorFromDataId(dyInfo.dataId, dyInfo.shape, dyInfo.dtype) as tf.Tensor4D;
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [kh, kw, ci, co] = filterShape;
  const result = tf.tidy(() => {
    const { top, bottom, left, right } = info.padInfo;
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H, W, B]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Co]
    const full = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]); // [Ci, H', W', Co]
    const cut = tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
    return tf.transpose(cut, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  });
  x.dispose();
  dy.dispose();
  // Hand the result's data to the kernel output: one extra reference survives disposing the tensor.
  refs.incRef(result.dataId);
  const out = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
  result.dispose();
  return out;
}

let registered = false;

/** Register the missing gradient kernels on the wasm backend (idempotent). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
}
