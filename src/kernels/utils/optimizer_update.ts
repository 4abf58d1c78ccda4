// Shared by the fused optimizer-update kernels (RMSPropUpdate, AdamUpdate, SGDUpdate): checks
// that the weight, its gradient and its slots are float32 tensors of one shape, allocates one
// output per updated tensor, and calls the AssemblyScript function, whose arguments are always
// (...input offsets, ...output offsets, n, ...f32 hyper-parameters).
//
// Asked to (attribute inPlace, kernel_names.ts), an update on one thread whose weight and slots
// share their buffers with no other tensor writes into them instead (each element is read before
// it is written, by the same index): no three new tensors, no three assigns, and the seed's
// [784,500] weight's 4.7 MB of fresh outputs are not written. Shared buffers (a clone from
// getWeights, the tensor a tf.variable was made from, still alive) keep the copying update, so
// nothing but the weight and its slots sees the change. Split updates copy too: a worker that
// dies midway leaves the weight as it was.
//
// A large weight is split over the backend's threads: every element is updated on its own, so
// any split gives the same bits; the calling thread takes the first part. The update is a few
// divisions and square roots per element over seven streams of memory (RMSprop on the seed's
// [784,500] kernel: ~0.25 ms on one core, 11 MB read and written), so a second core gains only
// on large weights (see PARALLEL_MIN_ELEMENTS).
import {type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {quarantineBlocks} from '../../backend/allocation.js';
import {offsetOf} from '../../backend/heap.js';
import type {KernelExports} from '../../backend/kernel_module.js';
import {globalState, instanceOf} from '../../backend/state.js';
import type {WorkerExport} from '../../backend/threads.js';

/** The update functions of assembly/optimizers.ts, all of the argument layout above. */
export type UpdateExport = Extract<WorkerExport, 'rmspropF32' | 'adamF32' | 'sgdF32'> & keyof KernelExports;

/**
 * Weights of fewer elements than this stay on one thread. Measured 1 vs 2 threads (RMSprop,
 * `npx tsx src/bench/thread_thresholds.ts optimizer`, 2 vCPUs): 0.61x at 50,000 elements, 0.70x
 * at 392,000 (the seed's [784,500] kernel; in its training step 0.29 -> 0.36 ms: the two halves
 * took as long as the whole, and the worker woke ~50 µs late), 1.08x at 1,048,576, 2.2x at 2M.
 */
export const PARALLEL_MIN_ELEMENTS = 1 << 20;

/**
 * `inputs` is [weight, gradient, ...slots]; the outputs are [weight', ...slots'] (same shape).
 * `fn` is the AssemblyScript update and `hyper` its f32 arguments after n.
 */
export function optimizerUpdate(
  kernel: string,
  backend: BackendWasm,
  inputs: TensorInfo[],
  names: string[],
  fn: UpdateExport,
  hyper: number[],
  inPlace = false,
): TensorInfo[] {
  const shape = inputs[0]!.shape;
  inputs.forEach((t, i) => {
    if (t.dtype !== 'float32')
      throw new Error(`${kernel}: ${names[i]} must be float32, got ${t.dtype} of shape [${t.shape}]`);
    if (!util.arraysEqual(t.shape, shape)) {
      throw new Error(`${kernel}: ${names[i]} has shape [${t.shape}], expected the weight's [${shape}]`);
    }
  });
  const n = util.sizeFromShape(shape);
  const instance = instanceOf(backend);
  const call = instance.kernels[fn] as (...args: number[]) => void;
  const pool = instance.pool;
  const big = n >= PARALLEL_MIN_ELEMENTS || !!globalState().ignoreThreadThresholds;
  const threads = big && pool?.usable() ? pool.size + 1 : 1;
  const updated = inputs.filter((_, i) => i !== 1);
  if (inPlace && n > 0 && threads === 1 && ownBuffers(backend, updated)) {
    const ptrs = updated.map(t => offsetOf(backend, t));
    call(offsetOf(backend, inputs[0]!), offsetOf(backend, inputs[1]!), ...ptrs.slice(1), ...ptrs, n, ...hyper);
    return [];
  }
  const outs = updated.map(() => backend.makeOutput(shape, 'float32'));
  if (n === 0) return outs;
  // Offsets are taken after every allocation (they are stable; only views would not be).
  const ins = inputs.map(t => offsetOf(backend, t));
  const outPtrs = outs.map(t => offsetOf(backend, t));
  if (threads === 1) {
    call(...ins, ...outPtrs, n, ...hyper);
    return outs;
  }
  // Parts of whole SIMD vectors (4 floats), as even as that allows; the last takes the rest.
  const per = Math.ceil(n / threads / 4) * 4;
  const parts: number[][] = [];
  for (let start = 0; start < n; start += per) {
    const count = Math.min(per, n - start);
    parts.push([...ins.map(p => p + 4 * start), ...outPtrs.map(p => p + 4 * start), count, ...hyper]);
  }
  const first = ins.length + outPtrs.length + 1;
  const floats = hyper.reduce((bits, _, i) => bits | (1 << (first + i)), 0);
  pool!.run(
    fn,
    parts,
    floats,
    args => call(...args),
    () => quarantineBlocks(backend, outPtrs),
  );
  return outs;
}

/** Whether each of `tensors` is the only tensor on its buffer, and no two share one. */
function ownBuffers(backend: BackendWasm, tensors: TensorInfo[]): boolean {
  const ids = new Set(tensors.map(t => t.dataId));
  return ids.size === tensors.length && tensors.every(t => backend.refCount(t.dataId) === 1);
}
