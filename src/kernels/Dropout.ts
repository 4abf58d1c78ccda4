// 'Dropout' on 'as': mask generation (Philox), scaling and the multiply in one AssemblyScript
// pass (assembly/dropout.ts). The op, its attributes and its gradient are in src/ops/dropout.ts.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {kernelsOf} from '../backend/state.js';
import {fillOutput, memoryOf, offsetOf, withScratch} from '../backend/heap.js';
import {bernoulliThreshold, DROPOUT, type DropoutAttrs, dropoutScale} from '../kernel_names.js';

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
  const workBytes = kernels.dropoutScratchBytes(dims.length);
  return fillOutput(backend, out, () =>
    withScratch(backend, workBytes + 8 * dims.length, scratch => {
      // The view is made after the allocation (memory may have grown) and dropped before the call.
      new Int32Array(memoryOf(backend).buffer, scratch + workBytes, 2 * dims.length).set(dims.flat());
      const {bits, t} = bernoulliThreshold(1 - attrs.rate);
      kernels.dropoutF32(
        offsetOf(backend, x),
        offsetOf(backend, out),
        scratch + workBytes,
        dims.length,
        attrs.seed0,
        attrs.seed1,
        bits,
        t,
        dropoutScale(attrs.rate),
        scratch,
      );
    }),
  );
}

export const dropoutConfig: KernelConfig = {
  kernelName: DROPOUT,
  backendName: 'as',
  kernelFunc: dropoutKernel as unknown as KernelFunc,
};
