// 'Bincount' on 'as': tfjs' op counts every element of x into one histogram of `size` bins
// (tf.image.threshold's otsu method passes an image of rank 3), as tfjs-backend-cpu does;
// tfjs-backend-wasm's kernel counts each row of a rank-2 x separately (DenseBincount's job).
// So x (and its weights) are flattened before tfjs-backend-wasm's kernel runs.
import * as tf from '@tensorflow/tfjs-core';
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {free, runKernel} from './utils/complex.js';

const wasmConfig = tf.getKernel(tf.Bincount, 'wasm');

function bincount(args: {
  inputs: {x: TensorInfo; weights: TensorInfo};
  backend: BackendWasm;
  attrs: object;
}): TensorInfo {
  const {
    inputs: {x, weights},
    backend,
  } = args;
  const wasmBincount = wasmConfig!.kernelFunc as unknown as (a: typeof args) => TensorInfo;
  if (x.shape.length === 1) return wasmBincount(args);
  const flat = (t: TensorInfo) => runKernel(tf.Reshape, backend, {x: t}, {shape: [util.sizeFromShape(t.shape)]});
  const x1 = flat(x);
  const w1 = util.sizeFromShape(weights.shape) > 0 ? flat(weights) : weights;
  try {
    return wasmBincount({...args, inputs: {x: x1, weights: w1}});
  } finally {
    free(backend, ...(w1 === weights ? [x1] : [x1, w1]));
  }
}

export const bincountConfig: KernelConfig = {
  kernelName: tf.Bincount,
  backendName: 'as',
  setupFunc: wasmConfig?.setupFunc,
  kernelFunc: bincount as unknown as KernelFunc,
};
