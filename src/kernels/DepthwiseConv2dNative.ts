// 'DepthwiseConv2dNative' on 'as': a direct SIMD loop over channels (assembly/depthwise.ts).
import {
  DepthwiseConv2dNative,
  type DepthwiseConv2dNativeAttrs,
  type DepthwiseConv2dNativeInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convForward} from './utils/conv.js';

function depthwiseConv2dNative(args: {
  inputs: DepthwiseConv2dNativeInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeAttrs;
}) {
  const {x, filter} = args.inputs;
  return convForward(args.backend, DepthwiseConv2dNative, {x: x!, filter: filter!, attrs: args.attrs}, true);
}

export const depthwiseConv2dNativeConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNative,
  backendName: 'as',
  kernelFunc: depthwiseConv2dNative as unknown as KernelFunc,
};
