// One kernel call split over the backend's threads (src/backend/threads.ts): how many threads a
// call may use, and running its parts, the calling thread taking part 0. The kernels decide the
// split (what range of the output each part owns) and the threshold below which a call stays on
// one thread; runGemm (gemm.ts) is the GEMM's own version of this.
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {quarantineBlocks} from '../../backend/allocation.js';
import type {KernelExports} from '../../backend/kernel_module.js';
import {instanceOf} from '../../backend/state.js';
import type {WorkerExport} from '../../backend/threads.js';

/**
 * Dropout and RandomBinomial on fewer elements than this stay on one thread. Measured with
 * `bench dropout --threads 2` (see the README's threads section for the numbers).
 */
export const ELEMENTWISE_PARALLEL_MIN = 2 ** 16;
/** Element parts start at multiples of the largest Philox chunk (assembly/dropout.ts): each takes the vector path. */
export const PHILOX_CHUNK = 512;

/**
 * The threads a call may use: the pool's workers and this thread when `big`, else 1. The first
 * call after a worker died throws, naming it; later calls get 1.
 */
export function callThreads(backend: BackendWasm, big: boolean): number {
  const pool = instanceOf(backend).pool;
  return big && pool?.usable() ? pool.size + 1 : 1;
}

/**
 * Runs export `name` once per part: parts[0] on this thread, the others on the workers; returns
 * when all are done. `floats` marks the f32 arguments (bit i = argument i). `heapBlocks` are the
 * malloc'd blocks the parts write (output, scratch): kept allocated for good if a worker stops
 * answering in the middle, so that its late writes cannot land in reused memory.
 */
export function runParts<N extends WorkerExport>(
  backend: BackendWasm,
  name: N,
  parts: Parameters<KernelExports[N]>[],
  floats: number,
  heapBlocks: number[],
): void {
  const instance = instanceOf(backend);
  const call = (args: number[]) => (instance.kernels[name] as (...a: number[]) => void)(...args);
  if (parts.length <= 1 || !instance.pool) {
    for (const p of parts) call(p);
    return;
  }
  instance.pool.run(name, parts, floats, call, () => quarantineBlocks(backend, heapBlocks));
}
