// 'MaxPool' on 'as': tfjs-backend-wasm's XNNPACK kernel for 'same' and 'valid' padding (it measured
// 1-2x faster than ours there), assembly/pool.ts for a numeric or explicit pad, where XNNPACK's
// output is wrong (garbage values, or writes past the output when the window is not square:
// tfjs sizes that output from the filter height alone) and tfjs-core's own pool specs fail.
import * as tf from '@tensorflow/tfjs-core';
import {
  MaxPool,
  type MaxPoolAttrs,
  type MaxPoolInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {pool} from './utils/pool.js';

// Taken when this module loads (tfjs-backend-wasm registered its kernels on import). Its setupFunc
// is ours too: it binds the kernel to whichever instance is being set up, the 'as' one included.
const wasmKernel = tf.getKernel(MaxPool, 'wasm');

function kernel(args: {inputs: MaxPoolInputs; backend: BackendWasm; attrs: MaxPoolAttrs}) {
  if (typeof args.attrs.pad === 'string' && wasmKernel) {
    return wasmKernel.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  return pool(args.backend, MaxPool, 'max', args.inputs.x!, args.attrs);
}

export const maxPoolConfig: KernelConfig = {
  kernelName: MaxPool,
  backendName: 'as',
  kernelFunc: kernel as unknown as KernelFunc,
  setupFunc: wasmKernel?.setupFunc,
};
