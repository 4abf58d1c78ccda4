// Inverted dropout and Bernoulli tensors from Philox draws (assembly/philox.ts for the
// generator and how element j maps to its `bits`-bit draw). Element j is kept (or is 1) when
// draw_j < t; the caller picks bits and t from p (src/ops/philox.ts bernoulliThreshold).
//
// Dropout is one pass: the draws of one chunk of elements (64 to 512, aligned in j) go to a
// 2 KB scratch block (L1-hot), then each element is loaded, multiplied by `scale` or 0 and stored. Multiplying (rather than
// selecting) keeps tf.dropout's semantics: a dropped NaN or Inf gives NaN, a dropped -x gives -0.
// The gradient is the same kernel on dy with the same key: the mask is regenerated, not stored.
import {groupSize, philoxBlocks, philoxDraws} from './philox';

// Scratch: the draws of one chunk (at most 512 u32), then the raw Philox words (128 bytes).
const DRAW_BYTES: usize = 2048;
const RAW_BYTES: usize = 128;

// @ts-ignore: decorator
@inline function chunkGroups(bits: i32): i32 {
  // 16- and 8-bit groups are small (32, 64): take two, so the SIMD generator runs two streams.
  return bits >= 8 ? 2 : 1;
}

/** Bytes of scratch dropoutF32 / randomBinomial need for a noise tensor of `rank` collapsed dims. */
export function dropoutScratchBytes(rank: i32): i32 {
  return <i32>(DRAW_BYTES + RAW_BYTES) + 4 * rank;
}

/** Dropout of one group's elements (groupSize(bits) floats at xs) from its Philox words r0..r3. */
// @ts-ignore: decorator
@inline function applyGroup(xs: usize, os: usize, bits: i32, t: u32, scale: f32, raw: usize): void {
  const r0 = v128.load(raw), r1 = v128.load(raw, 16), r2 = v128.load(raw, 32), r3 = v128.load(raw, 48);
  const tv = i32x4.splat(t), sv = f32x4.splat(scale), mask = i32x4.splat((<u32>1 << bits) - 1);
  const slices = 32 / bits;
  for (let s = 0; s < slices; s++, xs += 64, os += 64) {
    const shift = s * bits;
    v128.store(os, f32x4.mul(v128.load(xs), v128.and(sv, i32x4.lt_u(v128.and(i32x4.shr_u(r0, shift), mask), tv))));
    v128.store(os, f32x4.mul(v128.load(xs, 16), v128.and(sv, i32x4.lt_u(v128.and(i32x4.shr_u(r1, shift), mask), tv))), 16);
    v128.store(os, f32x4.mul(v128.load(xs, 32), v128.and(sv, i32x4.lt_u(v128.and(i32x4.shr_u(r2, shift), mask), tv))), 32);
    v128.store(os, f32x4.mul(v128.load(xs, 48), v128.and(sv, i32x4.lt_u(v128.and(i32x4.shr_u(r3, shift), mask), tv))), 48);
  }
}

/**
 * out[i] = x[i] * (draw(j0 + i) < t ? scale : 0) for i < n, `draws` a scratch block for
 * partial chunks. Chunks
 * are aligned in j so that a full chunk takes the vector path.
 */
function dropoutRun(x: usize, out: usize, n: i32, j0: u32, k0: u32, k1: u32, bits: i32, t: u32, scale: f32, draws: usize): void {
  const groups = chunkGroups(bits);
  const chunk = groups * groupSize(bits);
  const log2 = <u32>ctz(chunk);
  let i = 0;
  while (i < n) {
    const j = j0 + <u32>i;
    const first = <i32>(j & <u32>(chunk - 1));
    const count = min(n - i, chunk - first);
    const xs = x + (<usize>i << 2), os = out + (<usize>i << 2);
    if (ASC_FEATURE_SIMD && count == chunk) {
      // A whole chunk: the draws go from the generator's registers to the multiply.
      const raw = draws + DRAW_BYTES;
      philoxBlocks((j >>> log2) * <u32>groups, groups, k0, k1, raw);
      applyGroup(xs, os, bits, t, scale, raw);
      if (groups == 2) {
        const half = <usize>groupSize(bits) << 2;
        applyGroup(xs + half, os + half, bits, t, scale, raw + 64);
      }
    } else {
      philoxDraws((j >>> log2) * <u32>groups, groups, k0, k1, bits, draws, draws + DRAW_BYTES);
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
 * k0/k1 is the Philox key, draws have `bits` bits, t is the keep threshold, scale = 1 / keepProb.
 */
export function dropoutF32(x: usize, out: usize, dims: usize, rank: i32, k0: u32, k1: u32, bits: i32, t: u32, scale: f32, scratch: usize): void {
  let total: i32 = 1;
  for (let d = 0; d < rank; d++) total *= load<i32>(dims + (<usize>d << 3));
  dropoutPartF32(x, out, dims, rank, k0, k1, bits, t, scale, scratch, 0, total);
}

/**
 * Elements e0..e1 (flat indexes into x) of dropoutF32: one thread's part (src/backend/threads.ts).
 * An element's draw depends on its noise index alone (counter-based Philox), so any split gives
 * the mask of one thread; the caller cuts at multiples of the 512-element chunk so that every
 * part takes the vector path as one thread would.
 */
export function dropoutPartF32(x: usize, out: usize, dims: usize, rank: i32, k0: u32, k1: u32, bits: i32, t: u32, scale: f32,
  scratch: usize, e0: i32, e1: i32): void {
  if (rank <= 0 || e1 <= e0) return;
  const idx = scratch + DRAW_BYTES + RAW_BYTES;
  const groups = chunkGroups(bits);
  const log2 = <u32>ctz(groups * groupSize(bits));
  const len = load<i32>(dims + (<usize>(rank - 1) << 3));
  const lastStride = load<i32>(dims + (<usize>(rank - 1) << 3), 4);
  if (len <= 0) return;
  // The odometer over the outer dims at e0's row, and the noise index of that row's start.
  let rest = e0 / len;
  let col = e0 - rest * len;
  let j: u32 = 0;       // noise index of the row's first element
  for (let d = rank - 2; d >= 0; d--) {
    const size = load<i32>(dims + (<usize>d << 3));
    const v = rest % size;
    rest /= size;
    store<i32>(idx + (<usize>d << 2), v);
    j += <u32>v * <u32>load<i32>(dims + (<usize>d << 3), 4);
  }
  let off: usize = <usize>e0 << 2;   // byte offset into x / out
  let left = e1 - e0;
  let cached: i64 = -1; // chunk whose draws are in scratch (broadcast last dim)
  while (left > 0) {
    const count = min(len - col, left);
    if (lastStride != 0) {
      dropoutRun(x + off, out + off, count, j + <u32>col, k0, k1, bits, t, scale, scratch);
    } else {
      // The run shares one draw: x * m over `count` elements.
      const c = j >>> log2;
      if (<i64>c != cached) {
        philoxDraws(c * <u32>groups, groups, k0, k1, bits, scratch, scratch + DRAW_BYTES);
        cached = <i64>c;
      }
      const m: f32 = load<u32>(scratch + (<usize>(j & ((1 << log2) - 1)) << 2)) < t ? scale : 0;
      let e = 0;
      if (ASC_FEATURE_SIMD) {
        const mv = f32x4.splat(m);
        for (; e + 4 <= count; e += 4) {
          const at = off + (<usize>e << 2);
          v128.store(out + at, f32x4.mul(v128.load(x + at), mv));
        }
      }
      for (; e < count; e++) {
        const at = off + (<usize>e << 2);
        store<f32>(out + at, load<f32>(x + at) * m);
      }
    }
    off += <usize>count << 2;
    left -= count;
    col = 0;
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

/**
 * out[j] = draw(j) < t ? 1 : 0 for j < n, as float32, int32 or bool (one byte), per `kind`.
 * `n` is unsigned: a bool tensor can have 2^31 elements or more in a 4 GiB heap.
 */
export function randomBinomial(out: usize, n: u32, kind: i32, k0: u32, k1: u32, bits: i32, t: u32, scratch: usize): void {
  randomBinomialPart(out, n, kind, k0, k1, bits, t, scratch, 0, n);
}

/**
 * Elements j0..j1 of randomBinomial (j0 a multiple of 512, the largest chunk): one thread's
 * part. Each element's value depends on its index alone, so any split gives one thread's tensor.
 */
export function randomBinomialPart(out: usize, n: u32, kind: i32, k0: u32, k1: u32, bits: i32, t: u32, scratch: usize,
  j0: u32, j1: u32): void {
  const shift: i32 = kind == BINOMIAL_U8 ? 0 : 2;
  const groups = chunkGroups(bits);
  const chunk = <u32>(groups * groupSize(bits));
  const stop = min(n, j1);
  // j + chunk cannot wrap: n < 2^32 - 65536 (the heap's limit) and chunk <= 512.
  for (let j: u32 = j0; j < stop; j += chunk) {
    const count = <i32>min(stop - j, chunk);
    philoxDraws(j / chunk * <u32>groups, groups, k0, k1, bits, scratch, scratch + DRAW_BYTES);
    const os = out + (<usize>j << shift);
    if (ASC_FEATURE_SIMD && count == chunk) {
      const tv = i32x4.splat(t);
      const end = <usize>chunk << 2;
      if (kind == BINOMIAL_U8) {
        const one = i8x16.splat(1);
        for (let q: usize = 0; q < end; q += 64) {
          const a = i16x8.narrow_i32x4_s(i32x4.lt_u(v128.load(scratch + q), tv), i32x4.lt_u(v128.load(scratch + q, 16), tv));
          const b = i16x8.narrow_i32x4_s(i32x4.lt_u(v128.load(scratch + q, 32), tv), i32x4.lt_u(v128.load(scratch + q, 48), tv));
          v128.store(os + (q >> 2), v128.and(i8x16.narrow_i16x8_s(a, b), one));
        }
      } else {
        const one = kind == BINOMIAL_F32 ? f32x4.splat(1) : i32x4.splat(1);
        for (let q: usize = 0; q < end; q += 16) {
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
