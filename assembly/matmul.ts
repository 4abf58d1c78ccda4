import {expf} from './math';

// Dense products for BatchMatMul / _FusedMatMul (placeholder: a correct, simple kernel).
//
// C[M,N] = act(op(A)·op(B) + bias), op(A) = transA ? A[K,M]ᵀ : A[M,K], likewise B.
// bias / prelu weights are addressed as base + i*rowStride + j*colStride (stride 0 broadcasts),
// so rank-1, rank-2 and broadcast biases all take the same path. A null pointer means "none".

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_RELU6: i32 = 2;
export const ACT_PRELU: i32 = 3;
export const ACT_LEAKYRELU: i32 = 4;
export const ACT_SIGMOID: i32 = 5;
export const ACT_ELU: i32 = 6;

// @ts-ignore: decorator
@inline function activate(x: f32, act: i32, alpha: f32, preluW: f32): f32 {
  if (act == ACT_RELU) return x > 0 ? x : (x != x ? x : 0);
  if (act == ACT_RELU6) return x != x ? x : min<f32>(max<f32>(x, 0), 6);
  if (act == ACT_PRELU) return x < 0 ? x * preluW : x;
  if (act == ACT_LEAKYRELU) return x < 0 ? x * alpha : x;
  if (act == ACT_SIGMOID) return 1 / (1 + expf(-x));
  if (act == ACT_ELU) return x < 0 ? expf(x) - 1 : x;
  return x;
}

/** Bytes of scratch space gemmF32 needs for these sizes (the caller allocates it). */
export function gemmScratchBytes(m: i32, n: i32, k: i32): usize {
  return 0;
}

/**
 * C = act(op(A)·op(B) + bias) for one matrix. `ldc` is C's row stride in elements (n for a
 * dense output; larger when the product is written into a column slot of a wider output, as
 * denseConcat does).
 */
export function gemmF32(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool, ldc: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
  scratch: usize,
): void {
  const aRow: i32 = transA ? 1 : k, aCol: i32 = transA ? m : 1;
  const bRow: i32 = transB ? 1 : n, bCol: i32 = transB ? k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) {
        acc += load<f32>(a + (<usize>(i * aRow + p * aCol) << 2)) *
               load<f32>(b + (<usize>(p * bRow + j * bCol) << 2));
      }
      if (bias) acc += load<f32>(bias + (<usize>(i * biasRowStride + j * biasColStride) << 2));
      const w: f32 = prelu ? load<f32>(prelu + (<usize>(i * preluRowStride + j * preluColStride) << 2)) : 0;
      store<f32>(c + (<usize>(i * ldc + j) << 2), activate(acc, act, alpha, w));
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
