// 'StaticRegexReplace' on 'as' (tfjs-backend-wasm has none): tfjs-backend-cpu's shared
// implementation on the string values.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {staticRegexReplaceImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {makeTensorInfo, stringsOf} from './utils/js_values.js';

function staticRegexReplace(args: {
  inputs: {x: TensorInfo};
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}): TensorInfo {
  const {
    inputs: {x},
    backend,
    attrs,
  } = args;
  if (x.dtype !== 'string') throw new Error(`StaticRegexReplace: x must be a string tensor, got ${x.dtype}`);
  const out = staticRegexReplaceImpl(stringsOf(backend, x), 'string', attrs as never);
  return makeTensorInfo(backend, x.shape, 'string', out as ArrayLike<unknown>);
}

export const staticRegexReplaceConfig: KernelConfig = {
  kernelName: tf.StaticRegexReplace,
  backendName: 'as',
  kernelFunc: staticRegexReplace as unknown as KernelFunc,
};
