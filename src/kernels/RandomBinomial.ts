// 'RandomBinomial' on 'as': 0/1 values from Philox draws, written by AssemblyScript
// (assembly/dropout.ts). The op and its attributes are in src/ops/random_binomial.ts.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {kernelsOf} from '../backend/state.js';
import {fillOutput, offsetOf, withScratch} from '../backend/heap.js';
import {bernoulliThreshold, BINOMIAL_KIND_CODES, RANDOM_BINOMIAL, type RandomBinomialAttrs} from '../kernel_names.js';

function randomBinomialKernel(args: {backend: BackendWasm; attrs: RandomBinomialAttrs}): TensorInfo {
  const {backend, attrs} = args;
  const out = backend.makeOutput(attrs.shape, attrs.dtype);
  const size = util.sizeFromShape(attrs.shape);
  if (size === 0) return out;
  const kernels = kernelsOf(backend);
  return fillOutput(backend, out, () =>
    withScratch(backend, kernels.dropoutScratchBytes(0), scratch => {
      const {bits, t} = bernoulliThreshold(attrs.p);
      kernels.randomBinomial(
        offsetOf(backend, out),
        size,
        BINOMIAL_KIND_CODES[attrs.dtype],
        attrs.seed0,
        attrs.seed1,
        bits,
        t,
        scratch,
      );
    }),
  );
}

export const randomBinomialConfig: KernelConfig = {
  kernelName: RANDOM_BINOMIAL,
  backendName: 'as',
  kernelFunc: randomBinomialKernel as unknown as KernelFunc,
};
