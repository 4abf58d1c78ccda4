// 'Sum' on 'as': a float32 sum over leading axes (a bias's gradient: tfjs' Add gradient sums dy
// over the batch) is one pass down the rows (assembly/bias_grad.ts, linear), each column summed
// from the first row on, which is exactly tfjs-backend-wasm's order: its kernel first transposes
// the input so that the summed axes come last, then adds each row of the transpose in order.
// Here nothing is transposed. Other sums (other axes, or leading axes in another order) go to tfjs-backend-wasm's kernel.
import * as tf from '@tensorflow/tfjs-core';
import {type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';
import {ACTIVATION_CODES} from '../kernel_names.js';

const wasmConfig = tf.getKernel(tf.Sum, 'wasm');

function sum(args: {inputs: {x: TensorInfo}; backend: BackendWasm; attrs: SumAttrs}): TensorInfo {
  const {
    inputs: {x},
    backend,
    attrs: {axis, keepDims},
  } = args;
  // In this order: tfjs-backend-wasm sums in the order the axes are given ([1, 0] is another order).
  const axes = util.parseAxisParam(axis, x.shape);
  const leading = axes.length > 0 && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading) {
    if (!wasmConfig) throw new Error(`Sum: no tfjs-backend-wasm kernel for this ${x.dtype} sum over axes [${axes}]`);
    return wasmConfig.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const kept = x.shape.slice(axes.length);
  const columns = util.sizeFromShape(kept);
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
  if (columns > 0) {
    kernelsOf(backend).biasActivationGradF32(
      offsetOf(backend, x),
      0,
      0,
      offsetOf(backend, out),
      rows,
      columns,
      ACTIVATION_CODES.linear,
      0,
    );
  }
  return out;
}

export const sumConfig: KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'as',
  setupFunc: wasmConfig?.setupFunc,
  kernelFunc: sum as unknown as KernelFunc,
};
