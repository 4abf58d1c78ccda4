// 'FusedConv2D' on 'as': the convolution with its bias (any shape that broadcasts to the output,
// scalar and rank 4 included) and activation (prelu and leakyrelu too) applied by the GEMM's
// epilogue as tiles are stored; tfjs-backend-wasm takes a rank-1 bias only, and NHWC only.
import {
  FusedConv2D,
  type FusedConv2DAttrs,
  type FusedConv2DInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convForward} from './utils/conv.js';

function fusedConv2d(args: {inputs: FusedConv2DInputs; backend: BackendWasm; attrs: FusedConv2DAttrs}) {
  const {x, filter, bias, preluActivationWeights} = args.inputs;
  const {activation, leakyreluAlpha} = args.attrs;
  return convForward(
    args.backend,
    FusedConv2D,
    {
      x,
      filter,
      bias,
      preluWeights: preluActivationWeights,
      activation,
      leakyreluAlpha,
      attrs: args.attrs,
    },
    false,
  );
}

export const fusedConv2dConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: 'as',
  kernelFunc: fusedConv2d as unknown as KernelFunc,
};
