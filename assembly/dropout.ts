// Inverted dropout and Bernoulli tensors from Philox draws (assembly/philox.ts for the
// generator and how element j maps to its draw). Element j is kept (or is 1) when
// draw_j < threshold, threshold = round(p * 65536) in [0, 65536].
//
// Dropout is one pass: draws for up to 64 elements go to a 256-byte scratch block (L1-hot),
// then each element is loaded, multiplied by `scale` or 0 and stored. Multiplying (rather than
// selecting) keeps tf.dropout's semantics: a dropped NaN or Inf gives NaN, a dropped -x gives -0.
// The gradient is the same kernel on dy with the same key: the mask is regenerated, not stored.
import {GROUP_BYTES, philoxDraws} from './philox';

/** Bytes of scratch dropoutF32 / randomBinomial need for a noise tensor of `rank` collapsed dims. */
export function dropoutScratchBytes(rank: i32): i32 {
  return 2 * GROUP_BYTES + 4 * rank;
}

/**
 * out[i] = x[i] * (draw(j0 + i) < t ? scale : 0) for i < n, draws = scratch (2 groups).
 * Chunks are aligned to 32-element groups of j so that a full chunk takes the vector path.
 */
function dropoutRun(x: usize, out: usize, n: i32, j0: u32, k0: u32, k1: u32, t: u32, scale: f32, draws: usize): void {
  let i = 0;
  while (i < n) {
    const j = j0 + <u32>i;
    const first = <i32>(j & 31);
    const count = min(n - i, 2 * 32 - first);
    philoxDraws(j >>> 5, (first + count + 31) >> 5, k0, k1, draws);
    const xs = x + (<usize>i << 2), os = out + (<usize>i << 2);
    if (ASC_FEATURE_SIMD && count == 64) {
      const tv = i32x4.splat(t), sv = f32x4.splat(scale);
      for (let q: usize = 0; q < 256; q += 16) {
        const keep = i32x4.lt_u(v128.load(draws + q), tv);
        v128.store(os + q, f32x4.mul(v128.load(xs + q), v128.and(sv, keep)));
      }
    } else {
      const d = draws + (<usize>first << 2);
      for (let e = 0; e < count; e++) {
        const m: f32 = load<u32>(d + (<usize>e << 2)) < t ? scale : 0;
        store<f32>(os + (<usize>e << 2), load<f32>(xs + (<usize>e << 2)) * m);
      }
    }
    i += count;
  }
}

/**
 * Inverted dropout of the float32 tensor at x into out. The noise tensor broadcasts over x;
 * `dims` lists x's shape collapsed to `rank` dims as (size: i32, noiseStride: i32) pairs
 * (noiseStride 0 where the noise is broadcast; the last full dim has stride 1).
 * k0/k1 is the Philox key, t the keep threshold, scale = 1 / keepProb.
 */
export function dropoutF32(x: usize, out: usize, dims: usize, rank: i32, k0: u32, k1: u32, t: u32, scale: f32, scratch: usize): void {
  if (rank <= 0) return;
  const idx = scratch + 2 * GROUP_BYTES;
  let outer: i32 = 1;
  for (let d = 0; d < rank - 1; d++) {
    outer *= load<i32>(dims + (<usize>d << 3));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  const len = load<i32>(dims + (<usize>(rank - 1) << 3));
  const lastStride = load<i32>(dims + (<usize>(rank - 1) << 3), 4);
  let off: usize = 0;   // byte offset into x / out
  let j: u32 = 0;       // noise index of the run's first element
  let cached: i64 = -1; // group whose draws are in scratch (broadcast last dim)
  for (let r = 0; r < outer; r++) {
    if (lastStride != 0) {
      dropoutRun(x + off, out + off, len, j, k0, k1, t, scale, scratch);
    } else {
      // The run shares one draw: x * m over `len` elements.
      if (<i64>(j >>> 5) != cached) {
        philoxDraws(j >>> 5, 1, k0, k1, scratch);
        cached = <i64>(j >>> 5);
      }
      const m: f32 = load<u32>(scratch + (<usize>(j & 31) << 2)) < t ? scale : 0;
      for (let e = 0; e < len; e++) {
        const at = off + (<usize>e << 2);
        store<f32>(out + at, load<f32>(x + at) * m);
      }
    }
    off += <usize>len << 2;
    // Odometer over the outer dims, carrying the noise offset along.
    for (let d = rank - 2; d >= 0; d--) {
      const size = load<i32>(dims + (<usize>d << 3));
      const stride = <u32>load<i32>(dims + (<usize>d << 3), 4);
      const at = idx + (<usize>d << 2);
      const v = load<i32>(at) + 1;
      j += stride;
      if (v < size) { store<i32>(at, v); break; }
      store<i32>(at, 0);
      j -= stride * <u32>size;
    }
  }
}

export const BINOMIAL_F32: i32 = 0;
export const BINOMIAL_I32: i32 = 1;
export const BINOMIAL_U8: i32 = 2;

/** out[j] = draw(j) < t ? 1 : 0 for j < n, as float32, int32 or bool (one byte), per `kind`. */
export function randomBinomial(out: usize, n: i32, kind: i32, k0: u32, k1: u32, t: u32, scratch: usize): void {
  const shift: i32 = kind == BINOMIAL_U8 ? 0 : 2;
  for (let j = 0; j < n; j += 64) {
    const count = min(n - j, 64);
    philoxDraws(<u32>j >>> 5, (count + 31) >> 5, k0, k1, scratch);
    const os = out + (<usize>j << shift);
    if (ASC_FEATURE_SIMD && count == 64) {
      const tv = i32x4.splat(t);
      if (kind == BINOMIAL_U8) {
        const one = i8x16.splat(1);
        for (let q: usize = 0; q < 256; q += 64) {
          const a = i16x8.narrow_i32x4_s(i32x4.lt_u(v128.load(scratch + q), tv), i32x4.lt_u(v128.load(scratch + q, 16), tv));
          const b = i16x8.narrow_i32x4_s(i32x4.lt_u(v128.load(scratch + q, 32), tv), i32x4.lt_u(v128.load(scratch + q, 48), tv));
          v128.store(os + (q >> 2), v128.and(i8x16.narrow_i16x8_s(a, b), one));
        }
      } else {
        const one = kind == BINOMIAL_F32 ? f32x4.splat(1) : i32x4.splat(1);
        for (let q: usize = 0; q < 256; q += 16) {
          v128.store(os + q, v128.and(i32x4.lt_u(v128.load(scratch + q), tv), one));
        }
      }
    } else {
      for (let e = 0; e < count; e++) {
        const bit = load<u32>(scratch + (<usize>e << 2)) < t;
        if (kind == BINOMIAL_U8) store<u8>(os + <usize>e, <u8>bit);
        else if (kind == BINOMIAL_I32) store<i32>(os + (<usize>e << 2), <i32>bit);
        else store<f32>(os + (<usize>e << 2), bit ? 1 : 0);
      }
    }
  }
}
