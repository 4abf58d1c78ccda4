// 'AsBiasActivationGrad' on 'as' (assembly/bias_grad.ts): a dense layer's dL/dz and bias gradient
// from dL/dy and its output y in one pass over the rows, bit-identical to tfjs' gradient kernels
// (mul by step(y) and friends; Sum over the rows in tfjs-backend-wasm's order). Used by the
// gradient of denseConcat (src/ops/dense_concat.ts) where the backend has it.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';
import {formatShape} from '../format_shape.js';
import {
  ACTIVATION_CODES,
  BIAS_ACTIVATION_GRAD,
  type BiasActivationGradAttrs,
  DENSE_CONCAT_ACTIVATIONS,
} from '../kernel_names.js';

function biasActivationGrad(args: {
  inputs: {dy: TensorInfo; y?: TensorInfo};
  backend: BackendWasm;
  attrs: BiasActivationGradAttrs;
}): TensorInfo[] {
  const {
    inputs: {dy, y},
    backend,
    attrs: {activation, leakyreluAlpha},
  } = args;
  const op = BIAS_ACTIVATION_GRAD;
  if (!(DENSE_CONCAT_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(
      `${op}: unknown activation '${activation}'; expected one of ${DENSE_CONCAT_ACTIVATIONS.join(', ')}`,
    );
  }
  const linear = activation === 'linear';
  if (dy == null || dy.dtype !== 'float32' || dy.shape.length < 1) {
    throw new Error(
      `${op}: dy must be a float32 tensor of rank >= 1, got ${dy == null ? 'none' : `${dy.dtype} ${formatShape(dy.shape)}`}`,
    );
  }
  if (!linear && (y == null || y.dtype !== 'float32' || !util.arraysEqual(y.shape, dy.shape))) {
    throw new Error(
      `${op}: y must be a float32 tensor of dy's shape ${formatShape(dy.shape)} for '${activation}', got ` +
        `${y == null ? 'none' : `${y.dtype} ${formatShape(y.shape)}`}`,
    );
  }
  const n = dy.shape[dy.shape.length - 1]!;
  const m = n === 0 ? 0 : util.sizeFromShape(dy.shape) / n;
  const dz = linear ? null : backend.makeOutput(dy.shape, 'float32');
  const db = backend.makeOutput([n], 'float32');
  if (n > 0) {
    // Offsets after every allocation (they are stable; views would not be).
    kernelsOf(backend).biasActivationGradF32(
      offsetOf(backend, dy),
      linear ? 0 : offsetOf(backend, y!),
      dz ? offsetOf(backend, dz) : 0,
      offsetOf(backend, db),
      m,
      n,
      ACTIVATION_CODES[activation],
      leakyreluAlpha,
    );
  }
  return dz ? [dz, db] : [db];
}

export const biasActivationGradConfig: KernelConfig = {
  kernelName: BIAS_ACTIVATION_GRAD,
  backendName: 'as',
  kernelFunc: biasActivationGrad as unknown as KernelFunc,
};
