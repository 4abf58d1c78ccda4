// The GEMM micro-kernel: one MR x NR (4x8) tile of C from a packed A panel and a packed B panel
// (assembly/gemm_pack.ts), accumulated in registers over kc steps of k.
//
// SIMD: per k, two vector loads of B and four (pre-splat) vectors of A feed 8 multiply-adds into 8 f32x4
// accumulators (4 rows x 2 vectors) — 11 live vectors, inside x64's 16 xmm registers without
// spills. The relaxed-SIMD build turns each multiply-add into one f32x4.relaxed_madd (an FMA).
// Scalar: the same tile as two 4x4 halves of f32 accumulators.
//
// The tile is stored with the fused tail: `first` = the first K block (C is overwritten, not
// accumulated), `last` = the last K block (bias and activation are applied).
import {A_ELEM, MR, NR} from './gemm_pack';
import {epOn, finish1, finishStored8} from './gemm_epilogue';

/** a·b + c on four lanes: one FMA in the relaxed-SIMD build, a multiply then an add otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline function storeRow8(c: usize, v0: v128, v1: v128, i: i32, j: i32, first: bool, last: bool): void {
  if (!first) {
    v0 = f32x4.add(v0, v128.load(c));
    v1 = f32x4.add(v1, v128.load(c, 16));
  }
  v128.store(c, v0);
  v128.store(c, v1, 16);
  if (last) if (epOn) finishStored8(c, i, j);
}

/**
 * A full 4x8 tile at c (row stride ldc elements), output coordinates (i, j). SIMD builds only.
 * B is read 8 floats per k, `bStep` bytes apart: 32 in a packed panel, or B's own row stride
 * when the product reads B in place (small M, where packing B would cost more than it saves).
 */
export function kernel4x8(pa: usize, pb: usize, bStep: usize, kc: i32, c: usize, ldc: i32, i: i32, j: i32, first: bool, last: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  // The loop runs on the B pointer alone (no separate counter: one instruction less per k).
  const end = pb + <usize>kc * bStep;
  while (pb < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load(pa);   // A values come packed already splat (A_ELEM = 16)
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load(pa, 16);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load(pa, 32);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load(pa, 48);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 64;
    pb += bStep;
  }
  const row = <usize>ldc << 2;
  storeRow8(c, c00, c01, i, j, first, last);
  storeRow8(c + row, c10, c11, i + 1, j, first, last);
  storeRow8(c + 2 * row, c20, c21, i + 2, j, first, last);
  storeRow8(c + 3 * row, c30, c31, i + 3, j, first, last);
}

/** Four columns (col0..col0+3) of a tile as plain f32 sums, written to tile (row stride NR). */
// @ts-ignore: decorator
@inline function scalarHalf(pa: usize, pb: usize, kc: i32, tile: usize): void {
  let c00: f32 = 0, c01: f32 = 0, c02: f32 = 0, c03: f32 = 0;
  let c10: f32 = 0, c11: f32 = 0, c12: f32 = 0, c13: f32 = 0;
  let c20: f32 = 0, c21: f32 = 0, c22: f32 = 0, c23: f32 = 0;
  let c30: f32 = 0, c31: f32 = 0, c32: f32 = 0, c33: f32 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = load<f32>(pb), b1 = load<f32>(pb, 4), b2 = load<f32>(pb, 8), b3 = load<f32>(pb, 12);
    let a = load<f32>(pa);
    c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
    a = load<f32>(pa, 4);
    c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
    a = load<f32>(pa, 8);
    c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
    a = load<f32>(pa, 12);
    c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
    pa += 16;
    pb += 32;
  }
  const row: usize = <usize>NR << 2;
  store<f32>(tile, c00); store<f32>(tile, c01, 4); store<f32>(tile, c02, 8); store<f32>(tile, c03, 12);
  tile += row;
  store<f32>(tile, c10); store<f32>(tile, c11, 4); store<f32>(tile, c12, 8); store<f32>(tile, c13, 12);
  tile += row;
  store<f32>(tile, c20); store<f32>(tile, c21, 4); store<f32>(tile, c22, 8); store<f32>(tile, c23, 12);
  tile += row;
  store<f32>(tile, c30); store<f32>(tile, c31, 4); store<f32>(tile, c32, 8); store<f32>(tile, c33, 12);
}

/** The raw 4x8 sums into tile (row stride NR), without SIMD. */
export function kernel4x8Scalar(pa: usize, pb: usize, kc: i32, tile: usize): void {
  scalarHalf(pa, pb, kc, tile);
  scalarHalf(pa, pb + 16, kc, tile + 16);
}

/**
 * Stores the valid rows x cols of a raw tile (row stride NR) into C with the same rules as a
 * full tile. Used for edge tiles and by the scalar build: the sums were computed at full speed,
 * only these few stores are element by element.
 */
export function storeTile(tile: usize, c: usize, ldc: i32, rows: i32, cols: i32, i: i32, j: i32, first: bool, last: bool): void {
  for (let r = 0; r < rows; r++) {
    const src = tile + (<usize>(r * NR) << 2);
    const dst = c + (<usize>(r * ldc) << 2);
    for (let q = 0; q < cols; q++) {
      const o = <usize>q << 2;
      let x = load<f32>(src + o);
      if (!first) x += load<f32>(dst + o);
      if (last) if (epOn) x = finish1(x, i + r, j + q);
      store<f32>(dst + o, x);
    }
  }
}

// MR and NR are fixed by this kernel's shape.
// @ts-ignore: decorator
@inline export const TILE_FLOATS: i32 = MR * NR;
