// Complex transforms: FFT and IFFT of every row of a [batch, n] complex64 tensor given as separate
// float32 real and imaginary parts (src/backend/complex.ts), and |z|.
//
// Arithmetic is float64 (the parts are widened on load, rounded once on store): tfjs-backend-cpu
// computes its transforms in float64 JavaScript numbers too. A power-of-two n is an iterative
// radix-2 transform; any other n goes through Bluestein's chirp-z algorithm, which rewrites the
// length-n DFT as a convolution computed with radix-2 transforms of a power of two m >= 2n - 1,
// so every length costs O(m log m), where tfjs-backend-cpu falls back to an O(n^2) DFT.
//
// No tables live in this module (no data segment): the caller computes the twiddle factors and
// the chirp in float64 (Math.cos/Math.sin) into scratch space and passes their addresses.
// Under SIMD each complex number is one f64x2 vector [re, im].

/** Bytes of f64 complex scratch (16 bytes per number) a work buffer of `count` numbers takes. */
@inline function cbytes(count: i32): usize { return <usize>count << 4; }

@inline function loadRe(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 4)); }
@inline function loadIm(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 4), 8); }
@inline function storeC(p: usize, i: i32, re: f64, im: f64): void {
  store<f64>(p + (<usize>i << 4), re);
  store<f64>(p + (<usize>i << 4), im, 8);
}

/**
 * In-place radix-2 transform of `m` (a power of two) f64 complex numbers at `work`.
 * `twiddles` holds m/2 numbers w_k = exp(-2 pi i k / m); `inverse` conjugates them (no 1/m scale).
 */
function radix2(work: usize, m: i32, twiddles: usize, inverse: bool): void {
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < m; i++) {
    let bit = m >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      if (ASC_FEATURE_SIMD) {
        const a = v128.load(work + (<usize>i << 4)), b = v128.load(work + (<usize>j << 4));
        v128.store(work + (<usize>i << 4), b);
        v128.store(work + (<usize>j << 4), a);
      } else {
        const ar = loadRe(work, i), ai = loadIm(work, i);
        storeC(work, i, loadRe(work, j), loadIm(work, j));
        storeC(work, j, ar, ai);
      }
    }
  }
  const sign: f64 = inverse ? -1 : 1;
  for (let len = 2; len <= m; len <<= 1) {
    const half = len >> 1;
    const stride = m / len;
    for (let k = 0; k < half; k++) {
      const wr = loadRe(twiddles, k * stride), wi = sign * loadIm(twiddles, k * stride);
      if (ASC_FEATURE_SIMD) {
        // t = w * v = wr * [vr, vi] + wi * [-vi, vr]
        const wrV = f64x2.splat(wr), wiV = f64x2(-wi, wi);
        for (let i = k; i < m; i += len) {
          const pu = work + (<usize>i << 4), pv = work + (<usize>(i + half) << 4);
          const u = v128.load(pu), v = v128.load(pv);
          const t = f64x2.add(f64x2.mul(wrV, v), f64x2.mul(wiV, v128.shuffle<f64>(v, v, 1, 0)));
          v128.store(pu, f64x2.add(u, t));
          v128.store(pv, f64x2.sub(u, t));
        }
      } else {
        for (let i = k; i < m; i += len) {
          const vr = loadRe(work, i + half), vi = loadIm(work, i + half);
          const tr = wr * vr - wi * vi, ti = wr * vi + wi * vr;
          const ur = loadRe(work, i), ui = loadIm(work, i);
          storeC(work, i, ur + tr, ui + ti);
          storeC(work, i + half, ur - tr, ui - ti);
        }
      }
    }
  }
}

/** Bytes of scratch fftRows needs after the tables (the work buffer; Bluestein also keeps B). */
export function fftWorkBytes(n: i32, m: i32): usize {
  return n === m ? cbytes(m) : 2 * cbytes(m);
}

/**
 * For Bluestein (n not a power of two): turns the chirp c_k = exp(-+ pi i k^2 / n) (k < n, the
 * sign of the transform's direction) at `chirp` into B = FFT_m(b), b_k = conj(c_|k|) for
 * |k| < n (indices mod m), at `spectrum`. Done once per call, shared by every row.
 */
export function bluesteinSpectrum(chirp: usize, n: i32, m: i32, twiddles: usize, spectrum: usize): void {
  memory.fill(spectrum, 0, cbytes(m));
  for (let k = 0; k < n; k++) {
    const re = loadRe(chirp, k), im = -loadIm(chirp, k);
    storeC(spectrum, k, re, im);
    if (k > 0) storeC(spectrum, m - k, re, im);
  }
  radix2(spectrum, m, twiddles, false);
}

/**
 * Transforms `batch` rows of length n: (re, im) float32 parts in, (outRe, outIm) out. Forward:
 * X_j = sum_k x_k exp(-2 pi i jk / n); inverse: exp(+...) and a 1/n scale. m is n when n is a
 * power of two, else the Bluestein size (with `chirp` and `spectrum` from bluesteinSpectrum).
 * `twiddles` holds m/2 numbers for size m; `work` cbytes(m) bytes.
 */
export function fftRows(re: usize, im: usize, outRe: usize, outIm: usize, batch: i32, n: i32, m: i32, inverse: bool,
                        twiddles: usize, chirp: usize, spectrum: usize, work: usize): void {
  const scale: f64 = inverse ? 1.0 / <f64>n : 1.0;
  for (let b = 0; b < batch; b++) {
    const row = <usize>b * <usize>n << 2;
    if (m === n) {
      for (let k = 0; k < n; k++) {
        const o = row + (<usize>k << 2);
        storeC(work, k, <f64>load<f32>(re + o), <f64>load<f32>(im + o));
      }
      radix2(work, n, twiddles, inverse);
      for (let k = 0; k < n; k++) {
        const o = row + (<usize>k << 2);
        store<f32>(outRe + o, <f32>(loadRe(work, k) * scale));
        store<f32>(outIm + o, <f32>(loadIm(work, k) * scale));
      }
      continue;
    }
    // Bluestein: a_k = x_k c_k zero-padded to m; A = FFT(a); A *= B; a = IFFT(A) / m; X_j = c_j a_j.
    for (let k = 0; k < n; k++) {
      const o = row + (<usize>k << 2);
      const xr = <f64>load<f32>(re + o), xi = <f64>load<f32>(im + o);
      const cr = loadRe(chirp, k), ci = loadIm(chirp, k);
      storeC(work, k, xr * cr - xi * ci, xr * ci + xi * cr);
    }
    memory.fill(work + cbytes(n), 0, cbytes(m - n));
    radix2(work, m, twiddles, false);
    for (let k = 0; k < m; k++) {
      const ar = loadRe(work, k), ai = loadIm(work, k), br = loadRe(spectrum, k), bi = loadIm(spectrum, k);
      storeC(work, k, ar * br - ai * bi, ar * bi + ai * br);
    }
    radix2(work, m, twiddles, true);
    const s = scale / <f64>m;
    for (let k = 0; k < n; k++) {
      const o = row + (<usize>k << 2);
      const ar = loadRe(work, k), ai = loadIm(work, k), cr = loadRe(chirp, k), ci = loadIm(chirp, k);
      store<f32>(outRe + o, <f32>((ar * cr - ai * ci) * s));
      store<f32>(outIm + o, <f32>((ar * ci + ai * cr) * s));
    }
  }
}

/**
 * |z| of n complex numbers, float64 inside: squares of float32 values can neither overflow nor
 * underflow there, so no hypot scaling is needed (tfjs-backend-cpu uses Math.hypot).
 */
export function complexAbsF32(re: usize, im: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const a = <f64>load<f32>(re + o), b = <f64>load<f32>(im + o);
    store<f32>(out + o, <f32>sqrt<f64>(a * a + b * b));
  }
}
