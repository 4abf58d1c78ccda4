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
 * Dropout and RandomBinomial split over threads when elements x max(bits, 4) reaches this
 * (bits: the Philox draw's width, 1 to 16; src/kernel_names.ts bernoulliThreshold): 65,536
 * elements of 16-bit draws (rate 0.1, say), 262,144 of 1- to 4-bit ones (rate 0.5). A 16-bit
 * draw costs ~8x a 1-bit one (one Philox block serves 8 elements instead of 128), and a call
 * pays ~20-50 µs to wake a worker and wait for it: below this the work is ~100-150 µs on one
 * thread and a second gains little or loses. Measured 1 vs 2 threads on 2 cores, load average
 * 12-16 (so with a descheduled worker often): 16-bit 65,536 elements 1.31x, 1-bit 65,536 0.41x,
 * 1-bit 262,144 0.28-1.26x, 1-bit 1,048,576 0.66-1.30x, 16-bit 1,048,576 2.10x.
 */
export const PHILOX_PARALLEL_MIN_WORK = 2 ** 20;

/** Whether a Philox pass (dropout, randomBinomial) over `size` elements of `bits`-bit draws is split. */
export const philoxParallel = (size: number, bits: number) => size * Math.max(bits, 4) >= PHILOX_PARALLEL_MIN_WORK;
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
