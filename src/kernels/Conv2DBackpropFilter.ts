// 'Conv2DBackpropFilter' on 'as': a convolution's weight gradient, im2col(x)ᵀ · dy as an implicit
// GEMM (assembly/conv.ts). tfjs-backend-wasm has no such kernel, so without it no CNN trains on wasm.
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convBackpropFilter} from './utils/conv.js';

function conv2dBackpropFilter(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}) {
  const {x, dy} = args.inputs;
  return convBackpropFilter(
    args.backend,
    Conv2DBackpropFilter,
    {x: x!, dy: dy!, filterShape: args.attrs.filterShape, attrs: args.attrs},
    false,
  );
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'as',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
