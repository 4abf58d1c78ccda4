// 'FFT' on 'as': the discrete Fourier transform of the innermost dimension, any length
// (radix-2, or Bluestein for other lengths: assembly/fft.ts).
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {fft} from './utils/fft.js';

export const fftConfig: KernelConfig = {
  kernelName: tf.FFT,
  backendName: 'as',
  kernelFunc: (({inputs: {input}, backend}: {inputs: {input: TensorInfo}; backend: BackendWasm}) =>
    fft(tf.FFT, backend, input, false)) as unknown as KernelFunc,
};
