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
 *
 * The backend's own input gradient (Conv2DBackpropInput) exists but is a naive loop, half of a
 * training step here; it is replaced by the textbook identity: dx is a stride-1 convolution of
 * dy dilated by the stride (zeros between samples) and padded by (k − 1 − pad), with the filter
 * flipped spatially and its channel axes swapped. That runs on the fast conv2d path.
 */
import * as tf from '@tensorflow/tfjs';

interface BackendWithRefs {
  incRef(dataId: object): void;
}

/**
 * Run tfjs ops as a kernel body: wrap the kernel's input infos as tensors (each wrapper takes a
 * reference, added first so disposing it leaves the input alive), compute inside tidy, and hand
 * the result's data to the kernel output (one extra reference survives disposing the tensor).
 */
function opsAsKernel(backend: unknown, inputs: tf.TensorInfo[], body: (...tensors: tf.Tensor4D[]) => tf.Tensor): tf.TensorInfo {
  const refs = backend as BackendWithRefs;
  const engine = tf.engine();
  const wrapped = inputs.map((info) => {
    refs.incRef(info.dataId);
    return engine.makeTensorFromDataId(info.dataId, info.shape, info.dtype) as tf.Tensor4D;
  });
  const result = tf.tidy(() => body(...wrapped));
  tf.dispose(wrapped);
  refs.incRef(result.dataId);
  const out = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
  result.dispose();
  return out;
}

type Shape4 = [number, number, number, number];

/** Attributes of both conv2d gradient kernels (each has one of the two shapes). */
interface ConvGradientAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: Shape4;
  inputShape: Shape4;
}

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x: xInfo, dy: dyInfo } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as ConvGradientAttrs;
  if (dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(xInfo.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [kh, kw, ci, co] = filterShape;
  return opsAsKernel(backend, [xInfo, dyInfo], (x, dy) => {
    const { top, bottom, left, right } = info.padInfo;
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H, W, B]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Co]
    const full = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]); // [Ci, H', W', Co]
    // Slices copy on this backend: only cut when the padded input left extra rows or columns.
    const cut = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [ci, kh, kw, co]);
    return tf.transpose(cut, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  });
}

function conv2DBackpropInput({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { dy: dyInfo, filter: filterInfo } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as ConvGradientAttrs;
  if (dataFormat !== 'NHWC') throw new Error('Conv2DBackpropInput (wasm): only NHWC is supported');
  const filterShape = filterInfo.shape as [number, number, number, number];
  const [kh, kw] = filterShape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [batch, height, width] = inputShape;
  return opsAsKernel(backend, [dyInfo, filterInfo], (dy, filter) => {
    const [, ho, wo, co] = dy.shape;
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    // Zeros between samples: [B, Ho, 1, Wo, 1, C] padded to [B, Ho, s, Wo, s, C] and folded. The
    // s − 1 trailing zeros this leaves count towards the bottom/right padding (no slice: slices
    // copy, and cost as much as the convolution here).
    const d = sh > 1 || sw > 1 ? (tf.reshape(tf.pad(tf.reshape(dy, [batch, ho, 1, wo, 1, co]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]), [batch, ho * sh, wo * sw, co]) as tf.Tensor4D) : dy;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = height + kh - 1 - top - d.shape[1];
    const right = width + kw - 1 - left - d.shape[2];
    // Negative padding (rows/columns the forward pass never read, or the trailing zeros) becomes a crop.
    const crop = [Math.max(0, -top), Math.max(0, -left), Math.max(0, -bottom), Math.max(0, -right)];
    const cropped = crop.some((c) => c > 0) ? tf.slice(d, [0, crop[0], crop[1], 0], [batch, d.shape[1] - crop[0] - crop[2], d.shape[2] - crop[1] - crop[3], co]) : d;
    const padded = tf.pad(cropped, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kh, kw, Co, Ci]
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

let registered = false;

/** Register the missing gradient kernels on the wasm backend (idempotent). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
  // Replaces the backend's slow built-in kernel.
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc });
}
