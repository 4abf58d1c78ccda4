// 'Multiply' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form
// (a + bi)(c + di) = (ac - bd) + (ad + bc)i on the parts, with the same broadcasting.
import * as tf from '@tensorflow/tfjs-core';
import type {TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {complexParts, makeComplexOutput} from '../backend/complex.js';
import {free, runKernel, withComplexForm} from './utils/complex.js';

function combine(
  backend: BackendWasm,
  op: string,
  p: TensorInfo,
  q: TensorInfo,
  r: TensorInfo,
  s: TensorInfo,
): TensorInfo {
  const pq = runKernel(tf.Multiply, backend, {a: p, b: q});
  const rs = runKernel(tf.Multiply, backend, {a: r, b: s});
  try {
    return runKernel(op, backend, {a: pq, b: rs});
  } finally {
    free(backend, pq, rs);
  }
}

export const multiplyConfig = withComplexForm(tf.Multiply, ({inputs: {a, b}, backend}) => {
  const x = complexParts(backend, a!),
    y = complexParts(backend, b!);
  const real = combine(backend, tf.Sub, x.real, y.real, x.imag, y.imag);
  let imag: TensorInfo;
  try {
    imag = combine(backend, tf.Add, x.real, y.imag, x.imag, y.real);
  } catch (e) {
    free(backend, real);
    throw e;
  }
  return makeComplexOutput(backend, real, imag);
});
