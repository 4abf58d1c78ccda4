// 'AsAdamUpdate' on 'as': one pass of tfjs' Adam over a weight, its gradient and its two moments
// (assembly/optimizers.ts adamF32), bit-identical to tfjs-core's AdamOptimizer given the same
// bias corrections 1 - beta^t (float32, computed by the caller from the optimizer's accBeta).
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {optimizerUpdate} from './utils/optimizer_update.js';
import {ADAM_UPDATE, type AdamUpdateAttrs} from '../kernel_names.js';

function adamUpdate(args: {
  inputs: {value: TensorInfo; gradient: TensorInfo; firstMoment: TensorInfo; secondMoment: TensorInfo};
  backend: BackendWasm;
  attrs: AdamUpdateAttrs;
}): TensorInfo[] {
  const {
    inputs: {value, gradient, firstMoment, secondMoment},
    backend,
    attrs: a,
  } = args;
  return optimizerUpdate(
    ADAM_UPDATE,
    backend,
    [value, gradient, firstMoment, secondMoment],
    ['value', 'gradient', 'firstMoment', 'secondMoment'],
    'adamF32',
    [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate],
    a.inPlace,
  );
}

export const adamUpdateConfig: KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'as',
  kernelFunc: adamUpdate as unknown as KernelFunc,
};
