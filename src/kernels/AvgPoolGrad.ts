// 'AvgPoolGrad' on 'as': assembly/pool.ts, SIMD over channels; 7-30x tfjs-backend-wasm's loop (measured, see assembly/pool.ts).
import {
  AvgPoolGrad,
  type AvgPoolGradAttrs,
  type AvgPoolGradInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {poolGrad} from './utils/pool.js';

function kernel(args: {inputs: AvgPoolGradInputs; backend: BackendWasm; attrs: AvgPoolGradAttrs}) {
  return poolGrad(args.backend, AvgPoolGrad, 'avg', args.inputs.dy!, args.inputs.input!, args.attrs);
}

export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: 'as',
  kernelFunc: kernel as unknown as KernelFunc,
};
