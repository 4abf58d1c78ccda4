// 'AsCategoricalCrossentropy' on 'as': Keras' categorical crossentropy on probabilities, one value
// per row, in one kernel where tfjs composes 9 (sum, div, clipByValue, log, mul, sum, neg and two
// casts). assembly/crossentropy.ts computes the clipped probabilities and the row sums; the
// logarithm in between is tfjs' own Log kernel, so the values are bit-identical to the composed
// kernels. Its gradient (registered by src/keras/crossentropy.ts) is CategoricalCrossentropyGrad.ts.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';
import {CATEGORICAL_CROSSENTROPY, type CategoricalCrossentropyAttrs} from '../kernel_names.js';
import {free} from './utils/complex.js';
import {crossentropyRows} from './utils/crossentropy.js';

function categoricalCrossentropy(args: {
  inputs: {target: TensorInfo; output: TensorInfo};
  backend: BackendWasm;
  attrs: CategoricalCrossentropyAttrs;
}): TensorInfo {
  const {
    inputs: {target, output},
    backend,
    attrs: {epsilon},
  } = args;
  const [rows, classes] = crossentropyRows(CATEGORICAL_CROSSENTROPY, target, output, epsilon);
  const loss = backend.makeOutput(output.shape.slice(0, -1), 'float32');
  if (rows === 0) return loss;
  const kernels = kernelsOf(backend);
  if (classes === 0) {
    // -(a sum of nothing): -0, as tfjs' neg(sum([])).
    kernels.cceLossF32(0, 0, offsetOf(backend, loss), rows, 0);
    return loss;
  }
  const p = backend.makeOutput(output.shape, 'float32');
  kernels.cceProbsF32(offsetOf(backend, output), offsetOf(backend, p), rows, classes, epsilon, 1 - epsilon);
  // 'as' runs tfjs-backend-wasm's Log kernel (looked up now: the registry is filled when 'as' is made).
  const log = tf.getKernel(tf.Log, 'as')!.kernelFunc;
  const logP = log({inputs: {x: p}, backend, attrs: {}}) as TensorInfo;
  try {
    kernels.cceLossF32(offsetOf(backend, target), offsetOf(backend, logP), offsetOf(backend, loss), rows, classes);
  } finally {
    free(backend, p, logP);
  }
  return loss;
}

export const categoricalCrossentropyConfig: KernelConfig = {
  kernelName: CATEGORICAL_CROSSENTROPY,
  backendName: 'as',
  kernelFunc: categoricalCrossentropy as unknown as KernelFunc,
};
