// 'RaggedGather' on 'as' (tfjs-backend-wasm has none): tfjs-backend-cpu's shared implementation,
// on values read out of the heap (or the strings of a string tensor).
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, RaggedGatherAttrs, TensorInfo, TypedArray} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {raggedGatherImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {makeTensorInfo, valuesOf} from './utils/js_values.js';

function raggedGather(args: {
  inputs: Record<string, TensorInfo | TensorInfo[]>;
  backend: BackendWasm;
  attrs: RaggedGatherAttrs;
}): TensorInfo[] {
  const {
    inputs,
    backend,
    attrs: {outputRaggedRank},
  } = args;
  const paramsNestedSplits = inputs.paramsNestedSplits as TensorInfo[];
  const paramsDenseValues = inputs.paramsDenseValues as TensorInfo,
    indices = inputs.indices as TensorInfo;
  const [splits, dense, denseShape] = raggedGatherImpl(
    paramsNestedSplits.map(t => valuesOf(backend, t) as TypedArray),
    paramsNestedSplits.map(t => t.shape),
    valuesOf(backend, paramsDenseValues) as TypedArray,
    paramsDenseValues.shape,
    paramsDenseValues.dtype,
    valuesOf(backend, indices) as TypedArray,
    indices.shape,
    outputRaggedRank,
  );
  return [
    ...splits.map(s => makeTensorInfo(backend, [s.length], 'int32', s)),
    makeTensorInfo(backend, denseShape, paramsDenseValues.dtype, dense as ArrayLike<unknown>),
  ];
}

export const raggedGatherConfig: KernelConfig = {
  kernelName: tf.RaggedGather,
  backendName: 'as',
  kernelFunc: raggedGather as unknown as KernelFunc,
};
