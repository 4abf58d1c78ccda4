// Shared by the fused optimizer-update kernels (RMSPropUpdate, AdamUpdate, SGDUpdate): checks
// that the weight, its gradient and its slots are float32 tensors of one shape, allocates one
// output per updated tensor, and hands the AssemblyScript function the heap offsets.
import {type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../../backend/heap.js';

/**
 * `inputs` is [weight, gradient, ...slots]; the outputs are [weight', ...slots'] (same shape).
 * `run` gets the input offsets, the output offsets and the element count.
 */
export function optimizerUpdate(
  kernel: string,
  backend: BackendWasm,
  inputs: TensorInfo[],
  names: string[],
  run: (ins: number[], outs: number[], n: number) => void,
): TensorInfo[] {
  const shape = inputs[0]!.shape;
  inputs.forEach((t, i) => {
    if (t.dtype !== 'float32')
      throw new Error(`${kernel}: ${names[i]} must be float32, got ${t.dtype} of shape [${t.shape}]`);
    if (!util.arraysEqual(t.shape, shape)) {
      throw new Error(`${kernel}: ${names[i]} has shape [${t.shape}], expected the weight's [${shape}]`);
    }
  });
  const outs = inputs.filter((_, i) => i !== 1).map(() => backend.makeOutput(shape, 'float32'));
  const n = util.sizeFromShape(shape);
  // Offsets are taken after every allocation (they are stable; only views would not be).
  if (n > 0)
    run(
      inputs.map(t => offsetOf(backend, t)),
      outs.map(t => offsetOf(backend, t)),
      n,
    );
  return outs;
}
