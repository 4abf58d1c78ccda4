// 'Conv2D' on 'as': an implicit GEMM on the AssemblyScript micro-kernel (assembly/conv.ts), NHWC
// and NCHW, where tfjs-backend-wasm (XNNPACK) takes NHWC only.
import {Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convForward} from './utils/conv.js';

function conv2d(args: {inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs}) {
  const {x, filter} = args.inputs;
  return convForward(args.backend, Conv2D, {x: x!, filter: filter!, attrs: args.attrs}, false);
}

export const conv2dConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'as',
  kernelFunc: conv2d as unknown as KernelFunc,
};
