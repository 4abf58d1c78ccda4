// Kernels of 'as' that compute in JavaScript on values read out of the heap: string tensors (whose
// values tfjs-backend-wasm keeps in its data map as encoded bytes, never on the heap) and the
// ragged kernels, which reuse the implementations tfjs-backend-cpu exports for other backends
// (its `shared` module) instead of rewriting them. These helpers are the part of
// tfjs-backend-cpu's backend those implementations need: values in, a tensor out.
import * as tf from '@tensorflow/tfjs-core';
import {
  type BackendValues,
  type DataType,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';

/** A copy of `t`'s values: a typed array, or the encoded bytes of each string. */
export function valuesOf(backend: BackendWasm, t: TensorInfo): BackendValues {
  return backend.readSync(t.dataId) as BackendValues;
}

/** `t`'s values as JavaScript strings (string tensors only). */
export function stringsOf(backend: BackendWasm, t: TensorInfo): string[] {
  return (valuesOf(backend, t) as Uint8Array[]).map(b => util.decodeString(b));
}

/** A TensorBuffer of `t` (strings decoded), as tfjs-backend-cpu's bufferSync gives. */
// biome-ignore lint/suspicious/noExplicitAny: tfjs-backend-cpu's implementations take buffers of any dtype
export function bufferOf(backend: BackendWasm, t: TensorInfo): tf.TensorBuffer<tf.Rank, any> {
  const values = t.dtype === 'string' ? stringsOf(backend, t) : valuesOf(backend, t);
  return tf.buffer(t.shape, t.dtype, values as never);
}

/** A new output of `shape` and `dtype` holding `values` (strings are encoded; numbers converted to the dtype's array). */
export function makeTensorInfo(
  backend: BackendWasm,
  shape: number[],
  dtype: DataType,
  values: ArrayLike<unknown>,
): TensorInfo {
  if (dtype === 'string') {
    const encoded = Array.from(values as ArrayLike<string | Uint8Array>, v =>
      typeof v === 'string' ? util.encodeString(v) : v,
    );
    return backend.makeOutput(shape, 'string', undefined, encoded);
  }
  const Ctor = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
  const typed =
    values instanceof Ctor
      ? values
      : Ctor.from(Array.from(values as ArrayLike<number>, v => (dtype === 'bool' ? +!!v : +v)));
  if (typed.length !== util.sizeFromShape(shape)) {
    throw new Error(`tfjs-backend-as: ${typed.length} values for a tensor of shape [${shape}]`);
  }
  return backend.makeOutput(shape, dtype, undefined, typed);
}

type Args = {inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: Record<string, unknown>};

/**
 * Kernel `kernelName` for 'as': `stringForm` when an input is a string tensor, else
 * tfjs-backend-wasm's own kernel (with its setup).
 */
export function withStringForm(kernelName: string, stringForm: (args: Args) => TensorInfo): KernelConfig {
  const wasmConfig = tf.getKernel(kernelName, 'wasm');
  const wasmFunc = wasmConfig?.kernelFunc as unknown as ((args: Args) => TensorInfo) | undefined;
  const kernelFunc = (args: Args) => {
    if (Object.values(args.inputs).some(t => t?.dtype === 'string') || args.attrs?.dtype === 'string')
      return stringForm(args);
    if (!wasmFunc) throw new Error(`tfjs-backend-as: tfjs-backend-wasm has no '${kernelName}' kernel`);
    return wasmFunc(args);
  };
  return {
    kernelName,
    backendName: 'as',
    setupFunc: wasmConfig?.setupFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
