// 'Cast' on 'as': tfjs-backend-wasm's kernel, plus casts to and from complex64 as tfjs-backend-cpu
// does them: a real tensor becomes x + 0i, a complex one casts its real part.
import * as tf from '@tensorflow/tfjs-core';
import type {CastAttrs, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {complexParts, makeComplexOutput} from '../backend/complex.js';
import {free, runKernel, withComplexForm} from './utils/complex.js';

const wasmCast = tf.getKernel(tf.Cast, 'wasm')!.kernelFunc as unknown as (args: object) => TensorInfo;
// Called directly, not through the registry: an allocation failure inside is Cast's, and says so.
const wasmNotEqual = tf.getKernel(tf.NotEqual, 'wasm')!.kernelFunc as unknown as (args: object) => TensorInfo;

function toComplex(backend: BackendWasm, x: TensorInfo): TensorInfo {
  if (x.dtype === 'complex64') return runKernel(tf.Identity, backend, {x});
  const real =
    x.dtype === 'float32' ? runKernel(tf.Identity, backend, {x}) : runKernel(tf.Cast, backend, {x}, {dtype: 'float32'});
  try {
    return makeComplexOutput(backend, real, runKernel(tf.ZerosLike, backend, {x: real}));
  } catch (e) {
    free(backend, real);
    throw e;
  }
}

/**
 * x != 0, as tfjs-backend-cpu casts to bool (NaN is true); tfjs-backend-wasm's cast truncates to
 * an integer and keeps its low byte (3.9 -> 3, -1 -> 255).
 */
function toBool(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const zero = backend.makeOutput(
    [],
    x.dtype,
    undefined,
    x.dtype === 'float32' ? new Float32Array(1) : new Int32Array(1),
  );
  try {
    return wasmNotEqual({inputs: {a: x, b: zero}, backend, attrs: {}});
  } finally {
    free(backend, zero);
  }
}

function castReal(args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}): TensorInfo {
  const {dtype} = args.attrs as unknown as CastAttrs;
  const x = args.inputs.x!;
  if (dtype === 'complex64') return toComplex(args.backend, x);
  if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return toBool(args.backend, x);
  return wasmCast(args);
}

export const castConfig = withComplexForm(
  tf.Cast,
  ({inputs: {x}, backend, attrs}) => {
    const {dtype} = attrs as unknown as CastAttrs;
    if (dtype === 'complex64') return toComplex(backend, x!);
    return runKernel(tf.Cast, backend, {x: complexParts(backend, x!).real}, {dtype});
  },
  castReal,
);
