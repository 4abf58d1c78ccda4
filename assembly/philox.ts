// Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC 2011), as in Random123, JAX and PyTorch: ten rounds of two
// 32x32->64 multiplies on a 128-bit counter under a 64-bit key. Output i depends only on (key, i),
// so every variant (scalar, SIMD, relaxed SIMD) and the TypeScript twin (src/ops/philox.ts) give
// the same bits. The 32-bit multiply-hi is done in i64 (scalar) or with i64x2.extmul (SIMD).
//
// How the package turns it into per-element draws of `bits` bits (src/ops/philox.ts says the same).
// bits is 1, 2, 4, 8 or 16: a Bernoulli(p) draw needs only as many bits as p has (p = 0.5 needs
// one), and p is rounded to 16 bits otherwise. With S = 32 / bits slices per word:
//   element j lies in group g = j / (16 S); r = j mod 16 S;
//   counter = (4g + (r & 3), 0, 0, 0), word w = (r >> 2) & 3 of that block's four outputs,
//   draw_j = bits [s*bits, (s+1)*bits) of the word, s = r >> 4.
// So one Philox block serves 4 S elements: 8 at 16 bits, 128 at 1 bit (dropout at rate 0.5).
// The layout (lane = r & 3) makes the four counters of a group the four SIMD lanes, so the SIMD
// path stores whole vectors in element order without a transpose.

export const PHILOX_M0: u32 = 0xD2511F53;
export const PHILOX_M1: u32 = 0xCD9E8D57;
export const PHILOX_W0: u32 = 0x9E3779B9;
export const PHILOX_W1: u32 = 0xBB67AE85;

/** Elements per group for draws of `bits` bits (4 counters x 4 words x 32/bits slices). */
// @ts-ignore: decorator
@inline export function groupSize(bits: i32): i32 {
  return 512 / bits;
}

/**
 * The full generator on any counter: writes the four output words to dst. The scalar build's
 * draws use it; it is exported for the known-answer test (Random123's kat_vectors).
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
 * Writes the draws of each of `count` groups starting at group g (one u32 per element, in
 * element order, 4 * groupSize(bits) bytes per group) to dst; raw is 128 bytes of scratch.
 */
export function philoxDraws(g: u32, count: i32, k0: u32, k1: u32, bits: i32, dst: usize, raw: usize): void {
  const groupBytes = <usize>groupSize(bits) << 2;
  if (ASC_FEATURE_SIMD) {
    for (; count > 0; count -= 2, g += 2, dst += 2 * groupBytes) {
      philoxBlocks(g, count, k0, k1, raw);
      storeGroup(dst, bits, raw);
      if (count >= 2) storeGroup(dst + groupBytes, bits, raw + 64);
    }
  } else {
    for (; count > 0; count--, g++, dst += groupBytes) drawsScalar(g, k0, k1, bits, dst, raw);
  }
}

/** The draws of group g, one counter at a time through philox4x32 (its four words land in raw). */
// @ts-ignore: decorator
@inline function drawsScalar(g: u32, k0: u32, k1: u32, bits: i32, dst: usize, raw: usize): void {
  const mask: u32 = (<u32>1 << bits) - 1;
  const slices = 32 / bits;
  for (let lane: u32 = 0; lane < 4; lane++) {
    philox4x32(raw, (g << 2) + lane, 0, 0, 0, k0, k1);
    for (let w = 0; w < 4; w++) {
      const word = load<u32>(raw + (<usize>w << 2));
      // Element 16 s + 4 w + lane of the group (the layout above).
      for (let s = 0; s < slices; s++) {
        store<u32>(dst + (<usize>(16 * s + 4 * w + <i32>lane) << 2), (word >>> <u32>(s * bits)) & mask);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function storeGroup(dst: usize, bits: i32, raw: usize): void {
  const r0 = v128.load(raw), r1 = v128.load(raw, 16), r2 = v128.load(raw, 32), r3 = v128.load(raw, 48);
  const mask = i32x4.splat((<u32>1 << bits) - 1);
  const slices = 32 / bits;
  for (let s = 0; s < slices; s++, dst += 64) {
    const shift = s * bits;
    v128.store(dst, v128.and(i32x4.shr_u(r0, shift), mask));
    v128.store(dst, v128.and(i32x4.shr_u(r1, shift), mask), 16);
    v128.store(dst, v128.and(i32x4.shr_u(r2, shift), mask), 32);
    v128.store(dst, v128.and(i32x4.shr_u(r3, shift), mask), 48);
  }
}

/**
 * SIMD builds: the Philox blocks of `count` (1 or 2) groups from g, as raw words: per group
 * four vectors (word 0..3, lanes = the group's counters 4g .. 4g+3), 64 bytes, at raw.
 */
export function philoxBlocks(g: u32, count: i32, k0: u32, k1: u32, raw: usize): void {
  if (!ASC_FEATURE_SIMD) return;
  if (count >= 2) philoxSimd2(g, k0, k1, raw);
  else philoxSimd1(g, k0, k1, raw);
}

function philoxSimd1(g: u32, k0: u32, k1: u32, raw: usize): void {
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
  v128.store(raw, a0); v128.store(raw, a1, 16); v128.store(raw, a2, 32); v128.store(raw, a3, 48);
}

// Two groups as two interleaved streams: one round is a chain of multiply -> shuffle -> xor,
// so two independent chains keep the vector units busy (measured: ~1.35x over one stream).
function philoxSimd2(g: u32, k0: u32, k1: u32, raw: usize): void {
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
  v128.store(raw, a0); v128.store(raw, a1, 16); v128.store(raw, a2, 32); v128.store(raw, a3, 48);
  v128.store(raw, b0, 64); v128.store(raw, b1, 80); v128.store(raw, b2, 96); v128.store(raw, b3, 112);
}
