// 'AsCategoricalCrossentropyGrad' on 'as': dL/d output of AsCategoricalCrossentropy for
// dL/d loss = dy, in one pass (assembly/crossentropy.ts cceGradF32) where tfjs' gradients of the
// composed ops run about 30 kernels. Bit-identical to them: the same float32 operations in the
// same order.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';
import {formatShape} from '../format_shape.js';
import {CATEGORICAL_CROSSENTROPY_GRAD, type CategoricalCrossentropyAttrs} from '../kernel_names.js';
import {crossentropyRows} from './utils/crossentropy.js';

function categoricalCrossentropyGrad(args: {
  inputs: {dy: TensorInfo; target: TensorInfo; output: TensorInfo};
  backend: BackendWasm;
  attrs: CategoricalCrossentropyAttrs;
}): TensorInfo {
  const {
    inputs: {dy, target, output},
    backend,
    attrs: {epsilon},
  } = args;
  const op = CATEGORICAL_CROSSENTROPY_GRAD;
  const [rows, classes] = crossentropyRows(op, target, output, epsilon);
  const lossShape = output.shape.slice(0, -1);
  if (dy == null || dy.dtype !== 'float32' || !util.arraysEqual(dy.shape, lossShape)) {
    throw new Error(
      `${op}: dy must be a float32 tensor of the loss's shape ${formatShape(lossShape)}, got ` +
        `${dy == null ? 'none' : `${dy.dtype} ${formatShape(dy.shape)}`}`,
    );
  }
  const dOutput = backend.makeOutput(output.shape, 'float32');
  if (rows * classes === 0) return dOutput;
  kernelsOf(backend).cceGradF32(
    offsetOf(backend, dy),
    offsetOf(backend, target),
    offsetOf(backend, output),
    offsetOf(backend, dOutput),
    rows,
    classes,
    epsilon,
    1 - epsilon,
  );
  return dOutput;
}

export const categoricalCrossentropyGradConfig: KernelConfig = {
  kernelName: CATEGORICAL_CROSSENTROPY_GRAD,
  backendName: 'as',
  kernelFunc: categoricalCrossentropyGrad as unknown as KernelFunc,
};
