// 'GatherV2' on 'as': one memmove per gathered slice inside the heap. fit() takes a shuffled
// batch with tf.gather(x, indices) on every step; tfjs-backend-wasm's kernel spent ~2 ms gathering
// 64 rows of 784 floats (and gets batchDims > 0 wrong: [4,5,3] gathered on axis 2 with batchDims 1
// differs from tfjs-backend-cpu from the 16th value on). Slices under 16 bytes are copied
// element by element. Indices out of range and string tensors go to tfjs-backend-wasm's kernel,
// which also gives the out-of-range error.
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  type GatherV2Attrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {memoryOf, offsetOf} from '../backend/heap.js';

// The fallback: tfjs-backend-wasm's kernel, whose setup (binding its C++ function to the active
// backend's module) must run for 'as' too, so our config carries it.
const wasmConfig = tf.getKernel(tf.GatherV2, 'wasm');
const wasmGather = wasmConfig?.kernelFunc;

function gather(args: {
  inputs: {x: TensorInfo; indices: TensorInfo};
  backend: BackendWasm;
  attrs: GatherV2Attrs;
}): TensorInfo {
  const {
    inputs: {x, indices},
    backend,
    attrs,
  } = args;
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  const bytes = x.dtype === 'string' || x.dtype === 'complex64' ? 0 : util.bytesPerElement(x.dtype);
  const fallback = () => {
    if (!wasmGather) throw new Error(`GatherV2: no tfjs-backend-wasm kernel for this ${x.dtype} gather`);
    return wasmGather(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  };
  if (bytes === 0 || indices.dtype !== 'int32') return fallback();
  // x as [batch, outer, dim, slice], indices as [batch, perBatch], out as [batch, outer, perBatch, slice].
  const info = backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.Tensor,
    indices as tf.Tensor,
    axis,
    attrs.batchDims ?? 0,
  );
  const {batchSize, outerSize, dimSize, sliceSize} = info;
  const n = util.sizeFromShape(indices.shape);
  const perBatch = batchSize > 0 ? n / batchSize : 0;
  const idx = new Int32Array(memoryOf(backend).buffer, offsetOf(backend, indices), n).slice();
  for (let i = 0; i < n; i++) if (!(idx[i]! >= 0 && idx[i]! < dimSize)) return fallback();
  const out = backend.makeOutput(info.outputShape, x.dtype);
  if (util.sizeFromShape(info.outputShape) === 0) return out;
  const sliceBytes = sliceSize * bytes;
  const src = offsetOf(backend, x),
    dst = offsetOf(backend, out);
  const buffer = memoryOf(backend).buffer; // views after the last allocation
  if (sliceBytes >= 16) {
    const heap = new Uint8Array(buffer);
    let to = dst;
    for (let b = 0; b < batchSize; b++) {
      for (let o = 0; o < outerSize; o++) {
        const base = src + (b * outerSize + o) * dimSize * sliceBytes;
        for (let j = 0; j < perBatch; j++, to += sliceBytes) {
          const from = base + idx[b * perBatch + j]! * sliceBytes;
          heap.copyWithin(to, from, from + sliceBytes);
        }
      }
    }
  } else {
    // Tiny slices: element by element (4-byte values copied as int32 bits, bool as bytes).
    const view = bytes === 4 ? new Int32Array(buffer) : new Uint8Array(buffer);
    const s0 = src / bytes,
      d0 = dst / bytes;
    let to = d0;
    for (let b = 0; b < batchSize; b++) {
      for (let o = 0; o < outerSize; o++) {
        const base = s0 + (b * outerSize + o) * dimSize * sliceSize;
        for (let j = 0; j < perBatch; j++) {
          const from = base + idx[b * perBatch + j]! * sliceSize;
          for (let k = 0; k < sliceSize; k++) view[to++] = view[from + k]!;
        }
      }
    }
  }
  return out;
}

export const gatherV2Config: KernelConfig = {
  kernelName: tf.GatherV2,
  backendName: 'as',
  setupFunc: wasmConfig?.setupFunc,
  kernelFunc: gather as unknown as KernelFunc,
};
