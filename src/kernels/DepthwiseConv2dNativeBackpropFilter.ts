// 'DepthwiseConv2dNativeBackpropFilter' on 'as' (tfjs-backend-wasm has none): x·dy accumulated per
// tap and channel into the (L1-sized) filter gradient, SIMD over channels (assembly/depthwise.ts).
import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {convBackpropFilter} from './utils/conv.js';

function depthwiseBackpropFilter(args: {
  inputs: DepthwiseConv2dNativeBackpropFilterInputs;
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}) {
  const {x, dy} = args.inputs;
  return convBackpropFilter(
    args.backend,
    DepthwiseConv2dNativeBackpropFilter,
    {x: x!, dy: dy!, filterShape: args.attrs.filterShape, attrs: args.attrs},
    true,
  );
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'as',
  kernelFunc: depthwiseBackpropFilter as unknown as KernelFunc,
};
