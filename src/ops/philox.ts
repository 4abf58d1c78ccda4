// The TypeScript twin of assembly/philox.ts: Philox-4x32-10 (Salmon et al., SC 2011; Random123,
// JAX, PyTorch) and the same element -> draw layout, so that dropout / randomBinomial give the
// same bits on every backend. Used by the ops on backends without our kernels (cpu, wasm,
// webgl, ...) and by the tests.
//
// Layout (identical in AssemblyScript), for draws of `bits` bits (1, 2, 4, 8 or 16), S = 32 / bits:
// element j is in group g = floor(j / 16S), r = j mod 16S; counter = (4g + (r & 3), 0, 0, 0)
// under key (k0, k1); word w = (r >> 2) & 3 of the block; draw_j = bits [s*bits, (s+1)*bits)
// of the word, s = r >> 4. A Bernoulli(p) element is `draw_j < t` with {bits, t} from
// bernoulliThreshold(p) (src/kernel_names.ts): p rounded to 16 bits, then as few bits as that value needs (p = 0.5
// takes 1-bit draws, so one Philox block serves 128 elements; p = 0.3 takes 16-bit draws).

const M0 = 0xd2511f53,
  M1 = 0xcd9e8d57,
  W0 = 0x9e3779b9,
  W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 (exact, in 16-bit limbs). */
function mulhi32(a: number, b: number): number {
  const aL = a & 0xffff,
    aH = a >>> 16,
    bL = b & 0xffff,
    bH = b >>> 16;
  const ll = aL * bL,
    lh = aL * bH,
    hl = aH * bL;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aH * bH + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** Philox-4x32-10 of one counter under one key: the four output words. */
export function philox4x32(counter: readonly number[], key: readonly number[]): [number, number, number, number] {
  let c0 = counter[0] >>> 0,
    c1 = counter[1] >>> 0,
    c2 = counter[2] >>> 0,
    c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0,
    k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0),
      lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2),
      lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The `bits`-bit draws of elements j0 .. j0+n-1 under key (k0, k1). */
export function philoxDraws(k0: number, k1: number, j0: number, n: number, bits: number): Uint16Array {
  const out = new Uint16Array(n);
  const key = [k0, k1];
  const counter = [0, 0, 0, 0];
  const slices = 32 / bits,
    group = 16 * slices,
    mask = bits === 16 ? 0xffff : (1 << bits) - 1;
  for (let g = Math.floor(j0 / group); g * group < j0 + n; g++) {
    for (let lane = 0; lane < 4; lane++) {
      counter[0] = (4 * g + lane) >>> 0;
      const words = philox4x32(counter, key);
      for (let w = 0; w < 4; w++) {
        for (let s = 0; s < slices; s++) {
          const e = group * g + 16 * s + 4 * w + lane - j0;
          if (e >= 0 && e < n) out[e] = (words[w] >>> (s * bits)) & mask;
        }
      }
    }
  }
  return out;
}

/**
 * The Philox key of a seed. Integers (safe, possibly negative) map to their 64-bit two's
 * complement (k0 = low 32 bits); strings (tfjs' ops accept them) to two FNV-1a hashes. No seed:
 * a fresh key from Math.random. Anything else (NaN, 1.5, an object, a tensor) throws, naming
 * `op`: such a seed used to give one fixed mask whatever its value.
 */
export function seedToKey(op: string, seed?: number | string): [number, number] {
  if (seed == null) {
    // Math.random, not crypto.getRandomValues: the latter costs ~6 µs a call in Node, more
    // than the whole dropout of a [64,500] batch; a dropout seed needs no secrecy.
    return [Math.floor(Math.random() * 2 ** 32) >>> 0, Math.floor(Math.random() * 2 ** 32) >>> 0];
  }
  if (typeof seed === 'string') {
    let h0 = 0x811c9dc5,
      h1 = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < seed.length; i++) {
      h0 = Math.imul(h0 ^ seed.charCodeAt(i), 0x01000193) >>> 0;
      h1 = Math.imul(h1 ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    }
    return [h0, h1];
  }
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
  const value: unknown = seed;
  const got =
    typeof value === 'number'
      ? String(value)
      : value instanceof Object
        ? `a ${value.constructor?.name ?? 'object'}`
        : `a ${typeof value}`;
  throw new Error(`${op}: seed must be an integer (|seed| < 2^53) or a string; got ${got}`);
}
