// One float GEMM on every thread the backend has: the kernels that multiply (BatchMatMul,
// _FusedMatMul, DenseConcat) size their scratch with gemmScratch and call runGemm. Below
// PARALLEL_MIN_FLOPS, or for the matrix-vector shapes (which gemmF32 does not block), the
// product runs on the calling thread alone. The split is by rows of C at multiples of the
// micro-kernel's rows, or by columns at multiples of its columns when C is short and wide
// (splitGemm), so the result is bit-identical for any thread count.
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {quarantineBlocks} from '../../backend/allocation.js';
import {callGemmF32, GEMM_F32_FLOAT_ARGS, gemmF32Args, type KernelExports} from '../../backend/kernel_module.js';
import {globalState, instanceOf} from '../../backend/state.js';
import {splitRows} from '../../backend/threads.js';
import type {GemmF32Params} from '../../kernel_names.js';

/**
 * Products smaller than this (2·m·n·k, about 8.4 MFLOP) stay on one thread. Measured on 2 cores
 * (SIMD build, quiet machine): a second thread gives 0.92-0.97x at 6.4 MFLOP ([64,500]x[500,100]
 * and its weight gradient: waking the worker, its own B panels and the wait eat the gain), 1.35x
 * at 12.8, 1.44-1.69x from 17 to 50 MFLOP, 1.8-1.95x at 200-270 MFLOP.
 */
export const PARALLEL_MIN_FLOPS = 2 ** 23;
/** gemmF32 blocks (and so can split) products of at least this many rows; fewer go to its GEMV paths. */
const MIN_BLOCKED_ROWS = 8;

/** How a product of this shape runs: the thread count and the scratch bytes each thread needs. */
export interface GemmPlan {
  threads: number;
  scratchPerThread: number;
}

/** Plans an m x n x k product (k > 0): one thread, or the pool's, with scratch for each. */
export function planGemm(backend: BackendWasm, m: number, n: number, k: number): GemmPlan {
  const instance = instanceOf(backend);
  const scratchPerThread = instance.kernels.gemmScratchBytes(m, n, k);
  const pool = instance.pool;
  const big =
    (2 * m * n * k >= PARALLEL_MIN_FLOPS || !!globalState().ignoreThreadThresholds) && m >= MIN_BLOCKED_ROWS && n > 1;
  // usable() throws once, naming the worker, when one died since the last call.
  const threads = big && pool?.usable() ? pool.size + 1 : 1;
  return {threads, scratchPerThread};
}

/** Total scratch bytes a plan needs (one block, cut into per-thread parts by runGemm). */
export const planScratchBytes = (plan: GemmPlan) => plan.threads * plan.scratchPerThread;

/**
 * Runs the product `p` as `plan` says. p.scratch is the start of planScratchBytes(plan) bytes;
 * `heapBlocks` are the malloc'd blocks the product writes (the output, the scratch): kept
 * allocated for good if a worker stops answering in the middle.
 */
export function runGemm(backend: BackendWasm, p: GemmF32Params, plan: GemmPlan, heapBlocks: number[]): void {
  const instance = instanceOf(backend);
  const kernels = instance.kernels;
  const pool = instance.pool;
  const split = plan.threads > 1 && pool ? splitGemm(p.m, p.n, plan.threads, kernels) : null;
  if (!split || split.parts.length <= 1) {
    callGemmF32(kernels, p);
    return;
  }
  const args = split.parts.map(
    ([start, end], t): Parameters<typeof kernels.gemmF32Part> => [
      ...gemmF32Args({...p, scratch: p.scratch + t * plan.scratchPerThread}),
      ...(split.byColumns ? ([0, p.m, start, end] as const) : ([start, end, 0, p.n] as const)),
    ],
  );
  pool!.run(
    'gemmF32Part',
    args,
    GEMM_F32_FLOAT_ARGS,
    a => kernels.gemmF32Part(...(a as Parameters<typeof kernels.gemmF32Part>)),
    () => quarantineBlocks(backend, heapBlocks),
  );
}

/**
 * How an m x n product is cut for `threads` threads: by rows of C (multiples of the micro-kernel's
 * rows) or, when C has few rows and many columns, by columns (multiples of its columns). Each
 * thread packs the operand panels its part reads, so the cut decides what is packed twice: a row
 * cut packs all of B in every thread (k·n floats), a column cut all of A (m·k values, stored
 * splat to 16 bytes in the SIMD builds: 4x B's 4 bytes). Columns when 4m < n: the seed's first
 * layer, [64,784]x[784,500], would pack its 1.5 MB of B once per thread by rows.
 */
export function splitGemm(
  m: number,
  n: number,
  threads: number,
  kernels: Pick<KernelExports, 'gemmRowBlock' | 'gemmColBlock'>,
): {byColumns: boolean; parts: [number, number][]} {
  const byColumns = 4 * m < n;
  return byColumns
    ? {byColumns, parts: splitRows(n, threads, kernels.gemmColBlock())}
    : {byColumns, parts: splitRows(m, threads, kernels.gemmRowBlock())};
}
