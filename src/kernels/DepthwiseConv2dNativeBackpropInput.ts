// 'DepthwiseConv2dNativeBackpropInput' on 'as' (tfjs-backend-wasm has none): dy·filter scattered
// back to the input positions, SIMD over channels (assembly/depthwise.ts).
import {
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convBackpropInput} from './utils/conv.js';

function depthwiseBackpropInput(args: {
  inputs: DepthwiseConv2dNativeBackpropInputInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}) {
  const {dy, filter} = args.inputs;
  return convBackpropInput(
    args.backend,
    DepthwiseConv2dNativeBackpropInput,
    {dy: dy!, filter: filter!, inputShape: args.attrs.inputShape, attrs: args.attrs},
    true,
  );
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'as',
  kernelFunc: depthwiseBackpropInput as unknown as KernelFunc,
};
