// 'ComplexAbs' on 'as' (tf.abs of a complex64 tensor): |re + im i| in float64 (assembly/fft.ts),
// so it neither overflows nor underflows where the float32 squares would.
import * as tf from '@tensorflow/tfjs-core';
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {complexParts} from '../backend/complex.js';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';

function complexAbs(args: {inputs: {x: TensorInfo}; backend: BackendWasm}): TensorInfo {
  const {
    inputs: {x},
    backend,
  } = args;
  if (x.dtype !== 'complex64') throw new Error(`ComplexAbs: x must be complex64, got ${x.dtype}`);
  const {real, imag} = complexParts(backend, x);
  const out = backend.makeOutput(x.shape, 'float32');
  const n = util.sizeFromShape(x.shape);
  if (n > 0)
    kernelsOf(backend).complexAbsF32(offsetOf(backend, real), offsetOf(backend, imag), offsetOf(backend, out), n);
  return out;
}

export const complexAbsConfig: KernelConfig = {
  kernelName: tf.ComplexAbs,
  backendName: 'as',
  kernelFunc: complexAbs as unknown as KernelFunc,
};
