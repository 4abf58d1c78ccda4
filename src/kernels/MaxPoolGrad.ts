// 'MaxPoolGrad' on 'as': assembly/pool.ts, SIMD over channels; 7-30x tfjs-backend-wasm's loop (measured, see assembly/pool.ts).
import {
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type MaxPoolGradInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {poolGrad} from './utils/pool.js';

function kernel(args: {inputs: MaxPoolGradInputs; backend: BackendWasm; attrs: MaxPoolGradAttrs}) {
  return poolGrad(args.backend, MaxPoolGrad, 'max', args.inputs.dy!, args.inputs.input!, args.attrs);
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'as',
  kernelFunc: kernel as unknown as KernelFunc,
};
