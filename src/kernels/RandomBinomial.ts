// 'RandomBinomial' on 'as': 0/1 values from Philox draws, written by AssemblyScript
// (assembly/dropout.ts). The op and its attributes are in src/ops/random_binomial.ts. Large
// tensors are split by element ranges over the backend's threads, as Dropout's are.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {kernelsOf} from '../backend/state.js';
import {fillOutput, offsetOf, withScratch} from '../backend/heap.js';
import {splitRows} from '../backend/threads.js';
import {bernoulliThreshold, BINOMIAL_KIND_CODES, RANDOM_BINOMIAL, type RandomBinomialAttrs} from '../kernel_names.js';
import {callThreads, PHILOX_CHUNK, philoxParallel, runParts} from './utils/parallel.js';

function randomBinomialKernel(args: {backend: BackendWasm; attrs: RandomBinomialAttrs}): TensorInfo {
  const {backend, attrs} = args;
  const out = backend.makeOutput(attrs.shape, attrs.dtype);
  const size = util.sizeFromShape(attrs.shape);
  if (size === 0) return out;
  const kernels = kernelsOf(backend);
  const {bits, t} = bernoulliThreshold(attrs.p);
  const threads = callThreads(backend, philoxParallel(size, bits));
  const workBytes = Math.ceil(kernels.dropoutScratchBytes(0) / 16) * 16;
  return fillOutput(backend, out, () =>
    withScratch(backend, threads * workBytes + 16, block => {
      const scratch = ((block + 15) & ~15) >>> 0;
      const outPtr = offsetOf(backend, out);
      const kind = BINOMIAL_KIND_CODES[attrs.dtype];
      const parts = splitRows(size, threads, PHILOX_CHUNK).map(
        ([j0, j1], i): Parameters<typeof kernels.randomBinomialPart> => [
          outPtr,
          size,
          kind,
          attrs.seed0,
          attrs.seed1,
          bits,
          t,
          scratch + i * workBytes,
          j0,
          j1,
        ],
      );
      runParts(backend, 'randomBinomialPart', parts, 0, [outPtr, block]);
    }),
  );
}

export const randomBinomialConfig: KernelConfig = {
  kernelName: RANDOM_BINOMIAL,
  backendName: 'as',
  kernelFunc: randomBinomialKernel as unknown as KernelFunc,
};
