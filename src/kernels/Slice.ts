// 'Slice' on 'as': a contiguous slice (rows of a batch, the common case: fit's batches, predict's
// chunks, tf.split along axis 0) is one memmove inside the heap. tfjs-backend-wasm's kernel first
// copies the *whole* input out of the heap (backend.readSync), so slicing 64 rows out of an
// [8000,784] dataset cost ~13 ms there, and every training step paid it. Other slices (strided,
// string) go to tfjs-backend-wasm's kernel. No AssemblyScript needed: copyWithin is a native memmove.
import * as tf from '@tensorflow/tfjs-core';
import {
  type KernelConfig,
  type KernelFunc,
  type SliceAttrs,
  type TensorInfo,
  slice_util,
  util,
} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {memoryOf, offsetOf} from '../backend/heap.js';
import {partwise} from './utils/complex.js';

// The fallback: tfjs-backend-wasm's kernel, whose setup (binding its C++ function to the active
// backend's module) must run for 'as' too, so our config carries it.
const wasmConfig = tf.getKernel(tf.Slice, 'wasm');
const wasmSlice = wasmConfig?.kernelFunc;

function slice(args: {inputs: {x: TensorInfo}; backend: BackendWasm; attrs: SliceAttrs}): TensorInfo {
  const {
    inputs: {x},
    backend,
    attrs,
  } = args;
  const [begin, size] = slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  slice_util.assertParamsValid(x as tf.Tensor, begin, size);
  // complex64: both parts sliced (each by this kernel).
  if (x.dtype === 'complex64') return partwise(backend, [x], ([part]) => slice({...args, inputs: {x: part!}}));
  if (x.dtype === 'string' || !slice_util.isSliceContinous(x.shape, begin, size)) {
    if (!wasmSlice) throw new Error(`Slice: no tfjs-backend-wasm kernel for this ${x.dtype} slice`);
    return wasmSlice(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const out = backend.makeOutput(size, x.dtype);
  const count = util.sizeFromShape(size);
  if (count === 0) return out;
  const bytes = util.bytesPerElement(x.dtype);
  const from = offsetOf(backend, x) + slice_util.computeFlatOffset(begin, util.computeStrides(x.shape)) * bytes;
  // The view is made after the last allocation (makeOutput may grow the memory).
  new Uint8Array(memoryOf(backend).buffer).copyWithin(offsetOf(backend, out), from, from + count * bytes);
  return out;
}

export const sliceConfig: KernelConfig = {
  kernelName: tf.Slice,
  backendName: 'as',
  setupFunc: wasmConfig?.setupFunc,
  kernelFunc: slice as unknown as KernelFunc,
};
