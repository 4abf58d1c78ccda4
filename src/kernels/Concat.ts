// 'Concat' on 'as': one AssemblyScript call copies every row of every part (assembly/concat.ts)
// where tfjs-backend-wasm loops over rows in JavaScript. float32, int32 (4 bytes) and bool
// (1 byte) run here; string and complex64 tensors go to tfjs-backend-wasm's own kernel.
// Like tfjs-backend-cpu: empty parts are skipped, one non-empty part is copied, an empty output
// is allocated and returned. Unlike tfjs (which casts silently), mixed dtypes are an error.
import * as tf from '@tensorflow/tfjs-core';
import {type ConcatAttrs, type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {formatShape} from '../format_shape.js';
import {kernelsOf} from '../backend/state.js';
import {fillOutput, memoryOf, offsetOf, withScratch} from '../backend/heap.js';
import {partwise} from './utils/complex.js';

// Taken when this module loads (tfjs-backend-wasm registered its kernels on import), before
// the 'as' registration could shadow anything.
const wasmConcat = tf.getKernel(tf.Concat, 'wasm')?.kernelFunc;

const shape = (t: TensorInfo) => formatShape(t.shape);

function checkInputs(inputs: TensorInfo[], axis: number): void {
  const first = inputs[0];
  inputs.forEach((t, i) => {
    if (t.shape.length !== first.shape.length) {
      throw new Error(
        `Concat: tensors[${i}] has rank ${t.shape.length} (shape ${shape(t)}) but tensors[0] has ` +
          `rank ${first.shape.length} (shape ${shape(first)})`,
      );
    }
    if (t.shape.some((d, k) => k !== axis && d !== first.shape[k])) {
      throw new Error(
        `Concat: tensors[${i}] of shape ${shape(t)} does not match tensors[0] of shape ${shape(first)} ` +
          `outside the concat axis ${axis}`,
      );
    }
    if (t.dtype !== first.dtype) {
      throw new Error(
        `Concat: tensors[${i}] is ${t.dtype} (shape ${shape(t)}) but tensors[0] is ${first.dtype} ` +
          `(shape ${shape(first)}); cast them to one dtype first`,
      );
    }
  });
}

function concat(args: {inputs: TensorInfo[]; backend: BackendWasm; attrs: ConcatAttrs}): TensorInfo {
  const {inputs, backend} = args;
  if (inputs.length === 0) throw new Error('Concat: tensors is empty; pass at least one tensor');
  // complex64: the real parts and the imaginary parts concatenated (each by this kernel).
  if (inputs.length > 0 && inputs.every(t => t.dtype === 'complex64')) {
    return partwise(backend, inputs, parts => concat({...args, inputs: parts}));
  }
  if (inputs.some(t => t.dtype === 'string' || t.dtype === 'complex64')) {
    if (!wasmConcat)
      throw new Error(`Concat: no tfjs-backend-wasm kernel to concat ${inputs.map(t => t.dtype).join(', ')} tensors`);
    return wasmConcat(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const rank = inputs[0].shape.length;
  if (rank === 0) throw new Error(`Concat: tensors[0] is a scalar; concat needs rank 1 or more`);
  const axisAttr = Array.isArray(args.attrs.axis) ? args.attrs.axis[0] : args.attrs.axis;
  if (!Number.isInteger(axisAttr) || axisAttr < -rank || axisAttr >= rank) {
    throw new Error(
      `Concat: axis ${axisAttr} is out of range for tensors of rank ${rank} (tensors[0] shape ${shape(inputs[0])})`,
    );
  }
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  checkInputs(inputs, axis);
  const dtype = inputs[0].dtype;
  const outShape = inputs[0].shape.slice();
  outShape[axis] = inputs.reduce((sum, t) => sum + t.shape[axis], 0);
  const out = backend.makeOutput(outShape, dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const parts = inputs.filter(t => util.sizeFromShape(t.shape) > 0);
  const bytes = util.bytesPerElement(dtype);
  const rows = util.sizeFromShape(outShape.slice(0, axis));
  const rowBytes = parts.map(t => bytes * util.sizeFromShape(t.shape.slice(axis)));
  if (rows === 1) {
    // One block per part (axis 0, or only 1s before the axis): a memmove each. Building the
    // table for the AssemblyScript call (a malloc and a free) would cost more than the copies.
    const heap = new Uint8Array(memoryOf(backend).buffer);
    let dst = offsetOf(backend, out);
    parts.forEach((t, i) => {
      const src = offsetOf(backend, t);
      heap.copyWithin(dst, src, src + rowBytes[i]);
      dst += rowBytes[i];
    });
    return out;
  }
  const kernels = kernelsOf(backend);
  return fillOutput(backend, out, () =>
    withScratch(backend, 8 * parts.length, table => {
      // The view is made after the allocation (memory may have grown) and dropped before the call.
      const view = new Uint32Array(memoryOf(backend).buffer, table, 2 * parts.length);
      parts.forEach((t, i) => {
        view[2 * i] = offsetOf(backend, t);
        view[2 * i + 1] = rowBytes[i];
      });
      kernels.concatRows(
        offsetOf(backend, out),
        table,
        parts.length,
        rows,
        rowBytes.reduce((a, b) => a + b, 0),
      );
    }),
  );
}

export const concatConfig: KernelConfig = {
  kernelName: tf.Concat,
  backendName: 'as',
  kernelFunc: concat as unknown as KernelFunc,
};
