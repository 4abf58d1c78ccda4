// 'IFFT' on 'as': the inverse discrete Fourier transform of the innermost dimension (scaled by
// 1/n, as tfjs does), any length (assembly/fft.ts).
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {fft} from './utils/fft.js';

export const ifftConfig: KernelConfig = {
  kernelName: tf.IFFT,
  backendName: 'as',
  kernelFunc: (({inputs: {input}, backend}: {inputs: {input: TensorInfo}; backend: BackendWasm}) =>
    fft(tf.IFFT, backend, input, true)) as unknown as KernelFunc,
};
