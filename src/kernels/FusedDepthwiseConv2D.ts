// 'FusedDepthwiseConv2D' on 'as': the depthwise loop with the GEMM's bias + activation epilogue
// (any broadcastable bias, every tfjs activation) applied to each output pixel as it is stored.
import {
  FusedDepthwiseConv2D,
  type FusedDepthwiseConv2DAttrs,
  type FusedDepthwiseConv2DInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convForward} from './utils/conv.js';

function fusedDepthwiseConv2d(args: {
  inputs: FusedDepthwiseConv2DInputs;
  backend: BackendWasm;
  attrs: FusedDepthwiseConv2DAttrs;
}) {
  const {x, filter, bias, preluActivationWeights} = args.inputs;
  const {activation, leakyreluAlpha} = args.attrs;
  return convForward(
    args.backend,
    FusedDepthwiseConv2D,
    {
      x,
      filter,
      bias,
      preluWeights: preluActivationWeights,
      activation,
      leakyreluAlpha,
      attrs: args.attrs,
    },
    true,
  );
}

export const fusedDepthwiseConv2dConfig: KernelConfig = {
  kernelName: FusedDepthwiseConv2D,
  backendName: 'as',
  kernelFunc: fusedDepthwiseConv2d as unknown as KernelFunc,
};
