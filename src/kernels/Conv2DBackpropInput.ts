// 'Conv2DBackpropInput' on 'as' (a convolution's input gradient, and conv2dTranspose): on the GEMM
// micro-kernel (assembly/conv.ts), where tfjs-backend-wasm runs a scalar loop at about 2 GFLOP/s.
import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convBackpropInput} from './utils/conv.js';

function conv2dBackpropInput(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}) {
  const {dy, filter} = args.inputs;
  return convBackpropInput(
    args.backend,
    Conv2DBackpropInput,
    {dy: dy!, filter: filter!, inputShape: args.attrs.inputShape, attrs: args.attrs},
    false,
  );
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'as',
  kernelFunc: conv2dBackpropInput as unknown as KernelFunc,
};
