// Dense products for BatchMatMul / _FusedMatMul (one output matrix per call; the TS side,
// src/kernels/utils/matmul.ts, loops over the batch and broadcasts).
//
// C[M,N] = act(op(A)·op(B) + bias), op(A) = transA ? A[K,M]ᵀ : A[M,K], likewise B.
//
// Structure (the classic Goto/BLIS blocking):
//   for each block of NC columns          ─┐ packed B block (KC x NC) stays in L2/L3
//     for each block of KC along k         │
//       pack B block into NR-column panels │ (transB absorbed here)
//       for each block of MC rows           ─┐ packed A block (MC x KC) stays in L2
//         pack A block into MR-row panels    │ (transA absorbed here)
//         for each NR panel of B: for each MR panel of A: micro-kernel (gemm_kernel.ts)
// The fused tail (gemm_epilogue.ts) runs when the last K block stores its tile. m = 1 and
// n = 1 go to the matrix-vector kernels (gemm_gemv.ts), which read the matrix unpacked, and so
// does m = 2 with a plain B (SIMD builds); up to m = 4 the SIMD kernel reads a plain B in place
// (DIRECT_B_MAX_M) instead of packing it.
// Scratch (packing buffers + one edge tile) comes from the caller: size from gemmScratchBytes.
import {A_ELEM, packA, packB, MR, NR, KC, MC, NC} from './gemm_pack';
import {kernel4x8, kernel4x8Scalar, storeTile, TILE_FLOATS} from './gemm_kernel';
import {epOn, finish1, setEpilogue} from './gemm_epilogue';
import {axpyCols, axpyRows, axpyRows2, dotRows} from './gemm_gemv';

export {ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_PRELU, ACT_LEAKYRELU, ACT_SIGMOID, ACT_ELU} from './gemm_epilogue';

// Up to this many rows of C (one micro-panel of A) the SIMD kernel reads a non-transposed B in
// place instead of packing it: a packed B panel would be used once, packing is pure cost. (At
// two or more A panels packing pays: measured 4% faster at m = 8, 13% at m = 16.)
const DIRECT_B_MAX_M: i32 = MR;

// @ts-ignore: decorator
@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Bytes of scratch space gemmF32 needs for these sizes (the caller allocates it; 0 = none). */
export function gemmScratchBytes(m: i32, n: i32, k: i32): usize {
  if (m <= 1 || n <= 1 || k <= 0) return 0;
  const kc = min(KC, k);
  const aBytes = <usize>(min(MC, roundUp(m, MR)) * kc) * A_ELEM;
  const bBytes = <usize>(min(NC, roundUp(n, NR)) * kc) << 2;
  return (<usize>TILE_FLOATS << 2) + aBytes + bBytes + 16;  // + alignment slack
}

/**
 * C = act(op(A)·op(B) + bias) for one matrix. `ldc` is C's row stride in elements (n for a
 * dense output; larger when the product is written into a column slot of a wider output, as
 * denseConcat does). bias / prelu weights: base + i*rowStride + j*colStride (stride 0
 * broadcasts), null = none. `scratch` holds gemmScratchBytes(m, n, k) bytes.
 */
export function gemmF32(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool, ldc: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
  scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  setEpilogue(bias, biasRowStride, biasColStride, act, alpha, prelu, preluRowStride, preluColStride);
  if (k <= 0) {
    // An empty sum: C = act(0 + bias).
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) store<f32>(c + (<usize>(i * ldc + j) << 2), epOn ? finish1(0, i, j) : 0);
    }
    return;
  }
  if (m == 1) {
    // op(A) is one contiguous row whatever transA says; C is one row.
    if (transB) dotRows(a, b, k, n, k, c, 1, false);
    else if (ASC_FEATURE_SIMD) axpyRows(a, b, n, n, k, c);
    else axpyCols(a, b, n, n, k, c, 1, false);   // scalar: four register accumulators per column block
    return;
  }
  if (ASC_FEATURE_SIMD) {
    if (m == 2 && !transB) {
      // Two rows: stream B once for both (two matrix-vector products sharing every B load).
      // op(A)'s rows are a (+k) when plain, interleaved (stride 2) when transposed.
      if (transA) axpyRows2(a, a + 4, 8, b, n, n, k, c, c + (<usize>ldc << 2));
      else axpyRows2(a, a + (<usize>k << 2), 4, b, n, n, k, c, c + (<usize>ldc << 2));
      return;
    }
  }
  if (n == 1) {
    // op(B) is one contiguous column; C is one column (row stride ldc).
    if (transA) axpyCols(b, a, m, m, k, c, ldc, true);
    else dotRows(b, a, k, m, k, c, ldc, true);
    return;
  }

  gemmBlocked(a, b, c, m, n, k, transA, transB, ldc, scratch, 0, m, 0, n);
}

/**
 * Rows rowStart..rowEnd and columns colStart..colEnd of gemmF32's C: what one thread computes
 * when a product is split across threads (src/kernels/utils/gemm.ts). `m` and `n` are the whole
 * product's, so every decision (direct B, block sizes) is the one the single-threaded call makes,
 * and rowStart is a multiple of MR, colStart of NR (the caller's split): each element then takes
 * the same path, with the same rounding, as in the one-thread product, and the results are
 * bit-identical for any thread count. A split by rows makes every thread pack all of B; one by
 * columns (for few rows and many columns) packs each B panel once and A once per thread. Only the
 * blocked path splits; the caller keeps the GEMV shapes (m <= 2, n == 1) on one thread.
 */
export function gemmF32Part(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool, ldc: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
  scratch: usize, rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32,
): void {
  if (rowEnd <= rowStart || colEnd <= colStart || k <= 0) return;
  setEpilogue(bias, biasRowStride, biasColStride, act, alpha, prelu, preluRowStride, preluColStride);
  gemmBlocked(a, b, c, m, n, k, transA, transB, ldc, scratch, rowStart, rowEnd, colStart, colEnd);
}

/** Columns of the micro-kernel's tile: gemmF32Part's colStart must be a multiple of it. */
export function gemmColBlock(): i32 {
  return NR;
}

/** Rows of the micro-kernel's tile: gemmF32Part's rowStart must be a multiple of it. */
export function gemmRowBlock(): i32 {
  return MR;
}

/** The Goto/BLIS loops (see the top of this file) over C's rows rowStart..rowEnd, columns colStart..colEnd. */
function gemmBlocked(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool, ldc: i32,
  scratch: usize, rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32): void {
  const base = (scratch + 15) & ~(<usize>15);
  const tile = base;
  const packedA = tile + (<usize>TILE_FLOATS << 2);
  const kcMax = min(KC, k);
  const packedB = packedA + <usize>(min(MC, roundUp(rowEnd - rowStart, MR)) * kcMax) * A_ELEM;
  for (let jc = colStart; jc < colEnd; jc += NC) {
    const nc = min(NC, colEnd - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0, last = pc + kc == k;
      // Direct B: full panels are read from b itself; only a partial last panel is packed (zero
      // padding keeps the kernel from reading past b's end).
      let direct = false;
      if (ASC_FEATURE_SIMD) direct = !transB && m <= DIRECT_B_MAX_M;
      const fullCols = nc & ~(NR - 1);
      if (!direct) packB(b, transB, k, n, pc, kc, jc, nc, packedB);
      else if (fullCols < nc) packB(b, transB, k, n, pc, kc, jc + fullCols, nc - fullCols, packedB);
      const panelB = <usize>(NR * kc) << 2, panelA = <usize>(MR * kc) * A_ELEM;
      for (let ic = rowStart; ic < rowEnd; ic += MC) {
        const mc = min(MC, rowEnd - ic);
        packA(a, transA, m, k, ic, mc, pc, kc, packedA);
        let pb = packedB;
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const j = jc + jr;
          let panel = pb, bStep: usize = 32;
          if (direct) {
            if (cols == NR) {
              panel = b + (<usize>(pc * n + j) << 2);
              bStep = <usize>n << 2;
            } else {
              panel = packedB;
            }
          }
          let pa = packedA;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const i = ic + ir;
            const cTile = c + (<usize>(i * ldc + j) << 2);
            if (ASC_FEATURE_SIMD) {
              if (rows == MR && cols == NR) {
                kernel4x8(pa, panel, bStep, kc, cTile, ldc, i, j, first, last);
              } else {
                // Edge tile: the same vector kernel into the tile buffer, then the valid part.
                kernel4x8(pa, panel, bStep, kc, tile, NR, 0, 0, true, false);
                storeTile(tile, cTile, ldc, rows, cols, i, j, first, last);
              }
            } else {
              kernel4x8Scalar(pa, pb, kc, tile);
              storeTile(tile, cTile, ldc, rows, cols, i, j, first, last);
            }
            pa += panelA;
          }
          pb += panelB;
        }
      }
    }
  }
}

/** int32 product with two's-complement wraparound, as tfjs-backend-cpu computes it. */
export function gemmI32(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool): void {
  const aRow: i32 = transA ? 1 : k, aCol: i32 = transA ? m : 1;
  const bRow: i32 = transB ? 1 : n, bCol: i32 = transB ? k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc: i32 = 0;
      for (let p = 0; p < k; p++) {
        acc += load<i32>(a + (<usize>(i * aRow + p * aCol) << 2)) *
               load<i32>(b + (<usize>(p * bRow + j * bCol) << 2));
      }
      store<i32>(c + (<usize>(i * n + j) << 2), acc);
    }
  }
}
