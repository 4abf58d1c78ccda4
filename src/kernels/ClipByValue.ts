// 'ClipByValue' on 'as' (assembly/clip.ts): NaN stays NaN, as on tfjs-backend-cpu;
// tfjs-backend-wasm's kernel turns it into clipValueMin. int32 inputs go to tfjs-backend-wasm's
// kernel (no NaN there).
import * as tf from '@tensorflow/tfjs-core';
import {type ClipByValueAttrs, type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';

const wasmConfig = tf.getKernel(tf.ClipByValue, 'wasm');

function clipByValue(args: {inputs: {x: TensorInfo}; backend: BackendWasm; attrs: ClipByValueAttrs}): TensorInfo {
  const {
    inputs: {x},
    backend,
    attrs: {clipValueMin, clipValueMax},
  } = args;
  if (x.dtype !== 'float32') return wasmConfig!.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  const out = backend.makeOutput(x.shape, 'float32');
  const n = util.sizeFromShape(x.shape);
  if (n > 0)
    kernelsOf(backend).clipByValueF32(offsetOf(backend, x), offsetOf(backend, out), n, clipValueMin, clipValueMax);
  return out;
}

export const clipByValueConfig: KernelConfig = {
  kernelName: tf.ClipByValue,
  backendName: 'as',
  setupFunc: wasmConfig?.setupFunc,
  kernelFunc: clipByValue as unknown as KernelFunc,
};
