// 'UnsortedSegmentSum' on 'as' (tfjs-backend-wasm has none): one AssemblyScript pass that adds each
// row of x into the row of its segment (assembly/segment.ts). It is tf.gather's gradient, so it
// is what an Embedding layer's training runs on every step. Segment ids outside
// [0, numSegments) are dropped, as tfjs-backend-cpu does. Unlike tfjs-backend-cpu (which sums
// mask * x, so 0 * NaN poisons every segment) a NaN or an infinity in x reaches only its own
// segment, as in TensorFlow.
import * as tf from '@tensorflow/tfjs-core';
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  type UnsortedSegmentSumAttrs,
  util,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {formatShape} from '../format_shape.js';
import {kernelsOf} from '../backend/state.js';
import {offsetOf} from '../backend/heap.js';
import {assertRealInputs} from './utils/dtype_check.js';

function unsortedSegmentSum(args: {
  inputs: {x: TensorInfo; segmentIds: TensorInfo};
  backend: BackendWasm;
  attrs: UnsortedSegmentSumAttrs;
}): TensorInfo {
  const {
    inputs: {x, segmentIds},
    backend,
    attrs: {numSegments},
  } = args;
  assertRealInputs(tf.UnsortedSegmentSum, {x, segmentIds});
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum: x must be float32 or int32, got ${x.dtype} of shape ${formatShape(x.shape)}`);
  }
  if (segmentIds.dtype !== 'int32')
    throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const idRank = segmentIds.shape.length;
  if (idRank > x.shape.length || !util.arraysEqual(segmentIds.shape, x.shape.slice(0, idRank))) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds of shape ${formatShape(segmentIds.shape)} must be a prefix of ` +
        `x's shape ${formatShape(x.shape)}`,
    );
  }
  const inner = x.shape.slice(idRank);
  const out = backend.makeOutput([numSegments, ...inner], x.dtype);
  const innerSize = util.sizeFromShape(inner);
  if (numSegments * innerSize === 0) return out;
  const rows = util.sizeFromShape(segmentIds.shape);
  const kernels = kernelsOf(backend);
  const sum = x.dtype === 'float32' ? kernels.unsortedSegmentSumF32 : kernels.unsortedSegmentSumI32;
  sum(offsetOf(backend, x), offsetOf(backend, segmentIds), offsetOf(backend, out), rows, innerSize, numSegments);
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'as',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
