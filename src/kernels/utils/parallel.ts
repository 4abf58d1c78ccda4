// One kernel call split over the backend's threads (src/backend/threads.ts): how many threads a
// call may use, and running its parts, the calling thread taking part 0. The kernels decide the
// split (what range of the output each part owns) and the threshold below which a call stays on
// one thread; runGemm (gemm.ts) is the GEMM's own version of this.
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {quarantineBlocks} from '../../backend/allocation.js';
import type {KernelExports} from '../../backend/kernel_module.js';
import {globalState, instanceOf} from '../../backend/state.js';
import type {WorkerExport} from '../../backend/threads.js';

/**
 * Dropout and RandomBinomial split over threads when elements x (bits + 4) reaches this (bits:
 * the Philox draw's width, 1 to 16; src/kernel_names.ts bernoulliThreshold): about 210,000
 * elements of 16-bit draws (rate 0.1, say), 840,000 of 1-bit ones (rate 0.5). One Philox block
 * serves 128 elements at 1 bit and 8 at 16, so a 16-bit pass costs several times a 1-bit one,
 * which is little more than a load and a store (memory-bound, so a second core gains less); and
 * a call pays tens of µs to wake a worker and wait for it. Measured 1 vs 2 threads (threshold
 * off, scripts/thread_thresholds.ts) on 2 cores at load average 9-16, so with the worker often
 * descheduled: 16-bit draws 1.28-1.97x at 262,144 elements and 1.92-2.10x at 1,048,576, but
 * 0.44-0.89x at 131,072; 1-bit dropout 0.28-0.90x up to 262,144 and 0.60-0.66x at 1,048,576,
 * 1-bit randomBinomial 0.57-1.26x at 262,144 and 1.19-1.30x at 1,048,576.
 */
export const PHILOX_PARALLEL_MIN_WORK = 2 ** 22;

/** Whether a Philox pass (dropout, randomBinomial) over `size` elements of `bits`-bit draws is split. */
export const philoxParallel = (size: number, bits: number) =>
  size * (bits + 4) >= PHILOX_PARALLEL_MIN_WORK || !!globalState().ignoreThreadThresholds;
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
