// 'AsSGDUpdate' on 'as': v' = g * (-learningRate) + v in one pass (assembly/optimizers.ts sgdF32),
// bit-identical to tfjs-core's SGDOptimizer (which runs a mul and an add kernel).
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {optimizerUpdate} from './utils/optimizer_update.js';
import {SGD_UPDATE, type SGDUpdateAttrs} from '../kernel_names.js';

function sgdUpdate(args: {
  inputs: {value: TensorInfo; gradient: TensorInfo};
  backend: BackendWasm;
  attrs: SGDUpdateAttrs;
}): TensorInfo[] {
  const {
    inputs: {value, gradient},
    backend,
    attrs,
  } = args;
  return optimizerUpdate(
    SGD_UPDATE,
    backend,
    [value, gradient],
    ['value', 'gradient'],
    'sgdF32',
    [-attrs.learningRate],
    attrs.inPlace,
  );
}

export const sgdUpdateConfig: KernelConfig = {
  kernelName: SGD_UPDATE,
  backendName: 'as',
  kernelFunc: sgdUpdate as unknown as KernelFunc,
};
