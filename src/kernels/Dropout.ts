// 'Dropout' on 'as': mask generation (Philox), scaling and the multiply in one AssemblyScript
// pass (assembly/dropout.ts). The op, its attributes and its gradient are in src/ops/dropout.ts.
// Large tensors are split by element ranges over the backend's threads: an element's draw
// depends on its index alone (counter-based Philox), so the mask is the same for any thread count.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {kernelsOf} from '../backend/state.js';
import {fillOutput, memoryOf, offsetOf, withScratch} from '../backend/heap.js';
import {splitRows} from '../backend/threads.js';
import {bernoulliThreshold, DROPOUT, type DropoutAttrs, dropoutScale} from '../kernel_names.js';
import {callThreads, PHILOX_CHUNK, philoxParallel, runParts} from './utils/parallel.js';

/**
 * x's shape collapsed for the kernel: (size, noise stride) pairs, dims of size 1 dropped,
 * neighbours that are both broadcast or both contiguous in the noise merged. A noise stride of
 * 0 means the mask is broadcast along that dim; the last non-broadcast run has stride 1.
 */
function collapseNoise(xShape: number[], noiseShape: number[]): Array<[number, number]> {
  const dims: Array<[number, number]> = [];
  const noiseStrides = new Array<number>(noiseShape.length);
  for (let d = noiseShape.length - 1, s = 1; d >= 0; d--) {
    noiseStrides[d] = s;
    s *= noiseShape[d];
  }
  xShape.forEach((size, d) => {
    if (size === 1) return;
    const stride = noiseShape[d] === 1 ? 0 : noiseStrides[d];
    const last = dims[dims.length - 1];
    if (last && ((last[1] === 0 && stride === 0) || (last[1] !== 0 && stride !== 0 && last[1] === stride * size))) {
      last[0] *= size;
      last[1] = stride;
    } else {
      dims.push([size, stride]);
    }
  });
  return dims.length ? dims : [[1, 1]];
}

function dropoutKernel(args: {inputs: {x: TensorInfo}; backend: BackendWasm; attrs: DropoutAttrs}): TensorInfo {
  const {
    inputs: {x},
    backend,
    attrs,
  } = args;
  if (x.dtype !== 'float32') throw new Error(`Dropout: x must be float32; got ${x.dtype} of shape [${x.shape}]`);
  const out = backend.makeOutput(x.shape, 'float32');
  if (util.sizeFromShape(x.shape) === 0) return out;
  const kernels = kernelsOf(backend);
  const dims = collapseNoise(x.shape, attrs.noiseShape);
  const size = util.sizeFromShape(x.shape);
  const {bits, t} = bernoulliThreshold(1 - attrs.rate);
  const threads = callThreads(backend, philoxParallel(size, bits));
  // Per thread: its draws and odometer; then the dims table they share. 16-byte aligned.
  const workBytes = Math.ceil(kernels.dropoutScratchBytes(dims.length) / 16) * 16;
  return fillOutput(backend, out, () =>
    withScratch(backend, threads * workBytes + 8 * dims.length + 16, block => {
      const scratch = ((block + 15) & ~15) >>> 0;
      const table = scratch + threads * workBytes;
      // The view is made after the allocation (memory may have grown) and dropped before the call.
      new Int32Array(memoryOf(backend).buffer, table, 2 * dims.length).set(dims.flat());
      const xPtr = offsetOf(backend, x),
        outPtr = offsetOf(backend, out);
      const scale = dropoutScale(attrs.rate);
      if (threads === 1) {
        kernels.dropoutF32(xPtr, outPtr, table, dims.length, attrs.seed0, attrs.seed1, bits, t, scale, scratch);
        return;
      }
      const parts = splitRows(size, threads, PHILOX_CHUNK).map(
        ([e0, e1], i): Parameters<typeof kernels.dropoutPartF32> => [
          xPtr,
          outPtr,
          table,
          dims.length,
          attrs.seed0,
          attrs.seed1,
          bits,
          t,
          scale,
          scratch + i * workBytes,
          e0,
          e1,
        ],
      );
      runParts(backend, 'dropoutPartF32', parts, 1 << 8, [outPtr, block]);
    }),
  );
}

export const dropoutConfig: KernelConfig = {
  kernelName: DROPOUT,
  backendName: 'as',
  kernelFunc: dropoutKernel as unknown as KernelFunc,
};
