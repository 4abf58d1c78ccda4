// 'Complex' on 'as': a complex64 tensor whose parts share the data of `real` and `imag` (one more
// reference each, as Identity does: tensors are immutable), cast to float32 first if needed.
import * as tf from '@tensorflow/tfjs-core';
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {makeComplexOutput} from '../backend/complex.js';
import {formatShape} from '../format_shape.js';
import {free, runKernel} from './utils/complex.js';

function asFloatPart(backend: BackendWasm, t: TensorInfo, name: string): TensorInfo {
  if (t.dtype === 'complex64' || t.dtype === 'string')
    throw new Error(`Complex: ${name} must be a real tensor, got ${t.dtype}`);
  return t.dtype === 'float32'
    ? runKernel(tf.Identity, backend, {x: t})
    : runKernel(tf.Cast, backend, {x: t}, {dtype: 'float32'});
}

function complex(args: {inputs: {real: TensorInfo; imag: TensorInfo}; backend: BackendWasm}): TensorInfo {
  const {
    inputs: {real, imag},
    backend,
  } = args;
  if (!util.arraysEqual(real.shape, imag.shape)) {
    throw new Error(
      `Complex: real of shape ${formatShape(real.shape)} and imag of shape ${formatShape(imag.shape)} must match`,
    );
  }
  const re = asFloatPart(backend, real, 'real');
  let im: TensorInfo;
  try {
    im = asFloatPart(backend, imag, 'imag');
  } catch (e) {
    free(backend, re);
    throw e;
  }
  return makeComplexOutput(backend, re, im);
}

export const complexConfig: KernelConfig = {
  kernelName: tf.Complex,
  backendName: 'as',
  kernelFunc: complex as unknown as KernelFunc,
};
