// 'RaggedRange' on 'as' (tfjs-backend-wasm has none): tfjs-backend-cpu's shared implementation.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo, TypedArray} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {raggedRangeImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {makeTensorInfo, valuesOf} from './utils/js_values.js';

function raggedRange(args: {
  inputs: {starts: TensorInfo; limits: TensorInfo; deltas: TensorInfo};
  backend: BackendWasm;
}): TensorInfo[] {
  const {
    inputs: {starts, limits, deltas},
    backend,
  } = args;
  const [splits, dense] = raggedRangeImpl(
    valuesOf(backend, starts) as TypedArray,
    starts.shape,
    starts.dtype,
    valuesOf(backend, limits) as TypedArray,
    limits.shape,
    valuesOf(backend, deltas) as TypedArray,
    deltas.shape,
  );
  return [
    makeTensorInfo(backend, [splits.length], 'int32', splits),
    makeTensorInfo(backend, [dense.length], starts.dtype, dense),
  ];
}

export const raggedRangeConfig: KernelConfig = {
  kernelName: tf.RaggedRange,
  backendName: 'as',
  kernelFunc: raggedRange as unknown as KernelFunc,
};
