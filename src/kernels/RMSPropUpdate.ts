// 'AsRMSPropUpdate' on 'as': one pass of tfjs' RMSProp (not centered) over a weight, its gradient
// and its two slots (assembly/optimizers.ts rmspropF32), bit-identical to tfjs-core's
// RMSPropOptimizer. Used by the keras optimizers (src/keras/optimizers.ts) when the backend has it.
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {optimizerUpdate} from './utils/optimizer_update.js';
import {RMSPROP_UPDATE, type RMSPropUpdateAttrs} from '../kernel_names.js';

function rmspropUpdate(args: {
  inputs: {value: TensorInfo; gradient: TensorInfo; meanSquare: TensorInfo; moment: TensorInfo};
  backend: BackendWasm;
  attrs: RMSPropUpdateAttrs;
}): TensorInfo[] {
  const {
    inputs: {value, gradient, meanSquare, moment},
    backend,
    attrs,
  } = args;
  return optimizerUpdate(
    RMSPROP_UPDATE,
    backend,
    [value, gradient, meanSquare, moment],
    ['value', 'gradient', 'meanSquare', 'moment'],
    'rmspropF32',
    [attrs.learningRate, attrs.decay, 1 - attrs.decay, attrs.momentum, attrs.epsilon],
    attrs.inPlace,
  );
}

export const rmspropUpdateConfig: KernelConfig = {
  kernelName: RMSPROP_UPDATE,
  backendName: 'as',
  kernelFunc: rmspropUpdate as unknown as KernelFunc,
};
