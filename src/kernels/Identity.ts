// 'Identity' on 'as' shares the input's data (one more reference) instead of copying it, as
// tfjs-backend-cpu does; tfjs-backend-wasm copies. tf.clone and the tensors tfjs' gradient tape
// saves for the backward pass are Identity: ~28 per training step of the seed's MLP, the weights
// among them (1.5 MB for a [784,500] kernel). Sharing is safe: tensors are immutable, every kernel
// writes only into outputs it allocated (the optimizer updates write in place only into buffers
// no other tensor shares: optimizer_update.ts), and tfjs-backend-wasm's Reshape already shares the same way.
// complex64 entries (src/backend/complex.ts) and string tensors (values in JavaScript) share too.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';

function identity(args: {inputs: {x: TensorInfo}; backend: BackendWasm}): TensorInfo {
  const {
    inputs: {x},
    backend,
  } = args;
  backend.incRef(x.dataId);
  return {dataId: x.dataId, shape: x.shape, dtype: x.dtype};
}

export const identityConfig: KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'as',
  kernelFunc: identity as unknown as KernelFunc,
};
