// Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC 2011), as in Random123, JAX and PyTorch: ten rounds of two
// 32x32->64 multiplies on a 128-bit counter under a 64-bit key. Output i depends only on (key, i),
// so every variant (scalar, SIMD, relaxed SIMD) and the TypeScript twin (src/ops/philox.ts) give
// the same bits. The 32-bit multiply-hi is done in i64 (scalar) or with i64x2.extmul (SIMD).
//
// How the package turns it into per-element draws (src/ops/philox.ts says the same):
//   element j lies in group g = j >> 5 (32 elements); r = j & 31;
//   counter = (4g + (r & 3), 0, 0, 0), word w = (r >> 2) & 3 of that block's four outputs,
//   draw_j = the low 16 bits of the word for r < 16, the high 16 bits for r >= 16.
// One block gives eight 16-bit draws: half the Philox work per element of 32-bit draws, which is
// what lets dropout beat tfjs by the factor we want. The cost is resolution: a Bernoulli(p) draw
// is `draw < round(p * 65536)`, so p is honoured to within 2^-17 (Keras's float32 uniforms give
// about 2^-24). The layout (lane = r & 3) makes the four counters of a group the four SIMD lanes,
// so the SIMD path stores whole vectors in element order without a transpose.

export const PHILOX_M0: u32 = 0xD2511F53;
export const PHILOX_M1: u32 = 0xCD9E8D57;
export const PHILOX_W0: u32 = 0x9E3779B9;
export const PHILOX_W1: u32 = 0xBB67AE85;

/** Bytes philoxDraws writes per group (32 draws, one u32 each). */
export const GROUP_BYTES: i32 = 128;

// @ts-ignore: decorator
@inline export function mulhi32(a: u32, b: u32): u32 {
  return <u32>((<u64>a * <u64>b) >> 32);
}

/**
 * The full generator on any counter, for the known-answer test (Random123's kat_vectors):
 * writes the four output words to dst.
 */
export function philox4x32(dst: usize, c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let round = 0; round < 10; round++) {
    const p0: u64 = <u64>PHILOX_M0 * <u64>c0;
    const p1: u64 = <u64>PHILOX_M1 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1; c3 = <u32>p0; c0 = n0; c2 = n2;
    k0 += PHILOX_W0; k1 += PHILOX_W1;
  }
  store<u32>(dst, c0); store<u32>(dst, c1, 4); store<u32>(dst, c2, 8); store<u32>(dst, c3, 12);
}

/**
 * Writes the 32 draws of each of `count` groups starting at group g (u32 values < 65536, in
 * element order, GROUP_BYTES per group) to dst.
 */
export function philoxDraws(g: u32, count: i32, k0: u32, k1: u32, dst: usize): void {
  if (ASC_FEATURE_SIMD) {
    // Two groups at a time: one round is a chain of multiply -> shuffle -> xor, so two
    // independent streams keep the vector units busy (measured: ~1.35x over one stream).
    for (; count >= 2; count -= 2, g += 2, dst += 2 * GROUP_BYTES) drawsSimd2(g, k0, k1, dst);
    if (count > 0) drawsSimd1(g, k0, k1, dst);
  } else {
    for (; count > 0; count--, g++, dst += GROUP_BYTES) drawsScalar(g, k0, k1, dst);
  }
}

// @ts-ignore: decorator
@inline function drawsScalar(g: u32, key0: u32, key1: u32, dst: usize): void {
  for (let lane: u32 = 0; lane < 4; lane++) {
    let c0: u32 = (g << 2) + lane, c1: u32 = 0, c2: u32 = 0, c3: u32 = 0;
    let k0 = key0, k1 = key1;
    for (let round = 0; round < 10; round++) {
      const p0: u64 = <u64>PHILOX_M0 * <u64>c0;
      const p1: u64 = <u64>PHILOX_M1 * <u64>c2;
      const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
      const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
      c1 = <u32>p1; c3 = <u32>p0; c0 = n0; c2 = n2;
      k0 += PHILOX_W0; k1 += PHILOX_W1;
    }
    const at = dst + (<usize>lane << 2);
    store<u32>(at, c0 & 0xFFFF); store<u32>(at, c1 & 0xFFFF, 16);
    store<u32>(at, c2 & 0xFFFF, 32); store<u32>(at, c3 & 0xFFFF, 48);
    store<u32>(at, c0 >>> 16, 64); store<u32>(at, c1 >>> 16, 80);
    store<u32>(at, c2 >>> 16, 96); store<u32>(at, c3 >>> 16, 112);
  }
}

// @ts-ignore: decorator
@inline function storeGroup(dst: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const low = i32x4.splat(0xFFFF);
  v128.store(dst, v128.and(r0, low)); v128.store(dst, v128.and(r1, low), 16);
  v128.store(dst, v128.and(r2, low), 32); v128.store(dst, v128.and(r3, low), 48);
  v128.store(dst, i32x4.shr_u(r0, 16), 64); v128.store(dst, i32x4.shr_u(r1, 16), 80);
  v128.store(dst, i32x4.shr_u(r2, 16), 96); v128.store(dst, i32x4.shr_u(r3, 16), 112);
}

function drawsSimd1(g: u32, k0: u32, k1: u32, dst: usize): void {
  const m0 = i32x4.splat(PHILOX_M0), m1 = i32x4.splat(PHILOX_M1);
  const base = g << 2;
  let a0 = i32x4(base, base + 1, base + 2, base + 3);
  let a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  for (let round = 0; round < 10; round++) {
    const kk0 = i32x4.splat(k0), kk1 = i32x4.splat(k1);
    const pl = i64x2.extmul_low_i32x4_u(a0, m0), ph = i64x2.extmul_high_i32x4_u(a0, m0);
    const ql = i64x2.extmul_low_i32x4_u(a2, m1), qh = i64x2.extmul_high_i32x4_u(a2, m1);
    a0 = v128.xor(v128.xor(i32x4.shuffle(ql, qh, 1, 3, 5, 7), a1), kk0);
    a2 = v128.xor(v128.xor(i32x4.shuffle(pl, ph, 1, 3, 5, 7), a3), kk1);
    a1 = i32x4.shuffle(ql, qh, 0, 2, 4, 6);
    a3 = i32x4.shuffle(pl, ph, 0, 2, 4, 6);
    k0 += PHILOX_W0; k1 += PHILOX_W1;
  }
  storeGroup(dst, a0, a1, a2, a3);
}

function drawsSimd2(g: u32, k0: u32, k1: u32, dst: usize): void {
  const m0 = i32x4.splat(PHILOX_M0), m1 = i32x4.splat(PHILOX_M1);
  const base = g << 2;
  let a0 = i32x4(base, base + 1, base + 2, base + 3);
  let b0 = i32x4(base + 4, base + 5, base + 6, base + 7);
  let a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  let b1 = i32x4.splat(0), b2 = i32x4.splat(0), b3 = i32x4.splat(0);
  for (let round = 0; round < 10; round++) {
    const kk0 = i32x4.splat(k0), kk1 = i32x4.splat(k1);
    const pl = i64x2.extmul_low_i32x4_u(a0, m0), ph = i64x2.extmul_high_i32x4_u(a0, m0);
    const ql = i64x2.extmul_low_i32x4_u(a2, m1), qh = i64x2.extmul_high_i32x4_u(a2, m1);
    const sl = i64x2.extmul_low_i32x4_u(b0, m0), sh = i64x2.extmul_high_i32x4_u(b0, m0);
    const tl = i64x2.extmul_low_i32x4_u(b2, m1), th = i64x2.extmul_high_i32x4_u(b2, m1);
    a0 = v128.xor(v128.xor(i32x4.shuffle(ql, qh, 1, 3, 5, 7), a1), kk0);
    a2 = v128.xor(v128.xor(i32x4.shuffle(pl, ph, 1, 3, 5, 7), a3), kk1);
    a1 = i32x4.shuffle(ql, qh, 0, 2, 4, 6);
    a3 = i32x4.shuffle(pl, ph, 0, 2, 4, 6);
    b0 = v128.xor(v128.xor(i32x4.shuffle(tl, th, 1, 3, 5, 7), b1), kk0);
    b2 = v128.xor(v128.xor(i32x4.shuffle(sl, sh, 1, 3, 5, 7), b3), kk1);
    b1 = i32x4.shuffle(tl, th, 0, 2, 4, 6);
    b3 = i32x4.shuffle(sl, sh, 0, 2, 4, 6);
    k0 += PHILOX_W0; k1 += PHILOX_W1;
  }
  storeGroup(dst, a0, a1, a2, a3);
  storeGroup(dst + GROUP_BYTES, b0, b1, b2, b3);
}
