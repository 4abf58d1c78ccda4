// 'Real' on 'as': the real part of a complex64 tensor, shared (one more reference, no copy).
// A real input is its own real part and has a zero imaginary part, as in TensorFlow.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {complexParts} from '../backend/complex.js';
import {runKernel} from './utils/complex.js';

function real(args: {inputs: {input: TensorInfo}; backend: BackendWasm}): TensorInfo {
  const {
    inputs: {input},
    backend,
  } = args;
  if (input.dtype !== 'complex64') return runKernel(tf.Cast, backend, {x: input}, {dtype: 'float32'});
  return runKernel(tf.Identity, backend, {x: complexParts(backend, input).real});
}

export const realConfig: KernelConfig = {
  kernelName: tf.Real,
  backendName: 'as',
  kernelFunc: real as unknown as KernelFunc,
};
