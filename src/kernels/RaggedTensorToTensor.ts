// 'RaggedTensorToTensor' on 'as' (tfjs-backend-wasm has none): tfjs-backend-cpu's shared
// implementation, on values read out of the heap (or the strings of a string tensor).
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, RaggedTensorToTensorAttrs, TensorInfo, TypedArray} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {raggedTensorToTensorImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {makeTensorInfo, valuesOf} from './utils/js_values.js';

function raggedTensorToTensor(args: {
  inputs: Record<string, TensorInfo | TensorInfo[]>;
  backend: BackendWasm;
  attrs: RaggedTensorToTensorAttrs;
}): TensorInfo {
  const {
    inputs,
    backend,
    attrs: {rowPartitionTypes},
  } = args;
  const shape = inputs.shape as TensorInfo,
    values = inputs.values as TensorInfo,
    defaultValue = inputs.defaultValue as TensorInfo;
  const rowPartitionTensors = inputs.rowPartitionTensors as TensorInfo[];
  const [outputShape, output] = raggedTensorToTensorImpl(
    valuesOf(backend, shape) as TypedArray,
    shape.shape,
    valuesOf(backend, values) as TypedArray,
    values.shape,
    values.dtype,
    valuesOf(backend, defaultValue) as TypedArray,
    defaultValue.shape,
    rowPartitionTensors.map(t => valuesOf(backend, t) as TypedArray),
    rowPartitionTensors.map(t => t.shape),
    rowPartitionTypes,
  );
  return makeTensorInfo(backend, outputShape, values.dtype, output as ArrayLike<unknown>);
}

export const raggedTensorToTensorConfig: KernelConfig = {
  kernelName: tf.RaggedTensorToTensor,
  backendName: 'as',
  kernelFunc: raggedTensorToTensor as unknown as KernelFunc,
};
