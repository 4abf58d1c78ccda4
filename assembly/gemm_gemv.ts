// Matrix-vector products for the m = 1 and n = 1 shapes of the dense product (batch-1
// inference, and its transpose), and the m = 2 pair of them (axpyRows2). Packing would cost as much as the product here (every matrix
// element is used once), so these read the matrix in place, in whichever direction it is
// contiguous:
//   dotRows:  out[t] = Σ_p v[p]·M[t·rs + p]   (each output is a dot product of a contiguous row)
//   axpyCols: out[t] = Σ_p v[p]·M[p·rs + t]   (columns blocked, rows streamed)
//   axpyRows: the same product as axpyCols for a contiguous output: four rows of M at a time
//             are streamed front to back into the output, which stays in L1 (batch-1 inference
//             reads each weight once, in order: what the hardware prefetcher likes best)
// `v` is contiguous. Output t has coordinates (0, t), or (t, 0) when `down`, for the fused tail;
// it is stored at out + t·os (elements).
import {epOn, finish1, finishStored4, finishStored8} from './gemm_epilogue';
import {madd} from './gemm_kernel';

// @ts-ignore: decorator
@inline function put1(out: usize, os: i32, t: i32, x: f32, down: bool): void {
  if (epOn) x = down ? finish1(x, t, 0) : finish1(x, 0, t);
  store<f32>(out + (<usize>(t * os) << 2), x);
}

// @ts-ignore: decorator
@inline function put4(out: usize, os: i32, t: i32, x: v128, down: bool): void {
  if (os == 1) {
    const d = out + (<usize>t << 2);
    v128.store(d, x);
    if (epOn) finishStored4(d, down ? t : 0, down ? 0 : t, down);
  } else {
    // A column of C (n = 1, row stride os): the four values are not adjacent, finish them one by one.
    const step = <usize>os << 2;
    const d = out + (<usize>(t * os) << 2);
    v128.store32_lane(d, x, 0);
    v128.store32_lane(d + step, x, 1);
    v128.store32_lane(d + 2 * step, x, 2);
    v128.store32_lane(d + 3 * step, x, 3);
    if (epOn) {
      for (let q = 0; q < 4; q++) {
        const e = d + <usize>q * step;
        store<f32>(e, down ? finish1(load<f32>(e), t + q, 0) : finish1(load<f32>(e), 0, t + q));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(x: v128): f32 {
  x = f32x4.add(x, i32x4.shuffle(x, x, 2, 3, 0, 1));
  x = f32x4.add(x, i32x4.shuffle(x, x, 1, 0, 3, 2));
  return f32x4.extract_lane(x, 0);
}

/** One dot product of length k (both contiguous). */
function dot(v: usize, row: usize, k: i32): f32 {
  let p = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f32x4.splat(0), acc1 = acc0;
    for (; p + 8 <= k; p += 8) {
      const o = <usize>p << 2;
      acc0 = madd(v128.load(v + o), v128.load(row + o), acc0);
      acc1 = madd(v128.load(v + o, 16), v128.load(row + o, 16), acc1);
    }
    for (; p + 4 <= k; p += 4) {
      const o = <usize>p << 2;
      acc0 = madd(v128.load(v + o), v128.load(row + o), acc0);
    }
    s = hsum(f32x4.add(acc0, acc1));
  }
  for (; p < k; p++) s += load<f32>(v + (<usize>p << 2)) * load<f32>(row + (<usize>p << 2));
  return s;
}

export function dotRows(v: usize, mat: usize, rs: i32, count: i32, k: i32, out: usize, os: i32, down: bool): void {
  const rowBytes = <usize>rs << 2;
  let t = 0;
  if (ASC_FEATURE_SIMD) {
    // Four rows at a time; the four sums are reduced into one vector.
    for (; t + 4 <= count; t += 4) {
      const r0 = mat + <usize>t * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
      // One accumulator per row: with the shared load of v, 9 live vectors (TurboFan hoists every
      // load of an iteration; more accumulators made it spill).
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const o = <usize>p << 2;
        const x0 = v128.load(v + o);
        a0 = madd(x0, v128.load(r0 + o), a0);
        a1 = madd(x0, v128.load(r1 + o), a1);
        a2 = madd(x0, v128.load(r2 + o), a2);
        a3 = madd(x0, v128.load(r3 + o), a3);
      }
      // Lane r of the result = total of a_r.
      const t01 = f32x4.add(i32x4.shuffle(a0, a1, 0, 4, 1, 5), i32x4.shuffle(a0, a1, 2, 6, 3, 7));
      const t23 = f32x4.add(i32x4.shuffle(a2, a3, 0, 4, 1, 5), i32x4.shuffle(a2, a3, 2, 6, 3, 7));
      let sum = f32x4.add(i32x4.shuffle(t01, t23, 0, 1, 4, 5), i32x4.shuffle(t01, t23, 2, 3, 6, 7));
      if (p < k) {
        let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
        for (; p < k; p++) {
          const o = <usize>p << 2;
          const x = load<f32>(v + o);
          s0 += x * load<f32>(r0 + o); s1 += x * load<f32>(r1 + o);
          s2 += x * load<f32>(r2 + o); s3 += x * load<f32>(r3 + o);
        }
        let tail = f32x4.splat(s0);
        tail = f32x4.replace_lane(tail, 1, s1);
        tail = f32x4.replace_lane(tail, 2, s2);
        tail = f32x4.replace_lane(tail, 3, s3);
        sum = f32x4.add(sum, tail);
      }
      put4(out, os, t, sum, down);
    }
  }
  for (; t < count; t++) put1(out, os, t, dot(v, mat + <usize>t * rowBytes, k), down);
}

export function axpyCols(v: usize, mat: usize, rs: i32, count: i32, k: i32, out: usize, os: i32, down: bool): void {
  const rowBytes = <usize>rs << 2;
  let t = 0;
  if (ASC_FEATURE_SIMD) {
    // 24 columns in 6 accumulators; each k adds one splat of v times six loads of a row (with
    // the hoisted loads, 14 live vectors: eight accumulators made TurboFan spill).
    for (; t + 24 <= count; t += 24) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
      let src = mat + (<usize>t << 2);
      for (let p = 0; p < k; p++) {
        const x = v128.load32_splat(v + (<usize>p << 2));
        a0 = madd(x, v128.load(src), a0); a1 = madd(x, v128.load(src, 16), a1);
        a2 = madd(x, v128.load(src, 32), a2); a3 = madd(x, v128.load(src, 48), a3);
        a4 = madd(x, v128.load(src, 64), a4); a5 = madd(x, v128.load(src, 80), a5);
        src += rowBytes;
      }
      put4(out, os, t, a0, down); put4(out, os, t + 4, a1, down);
      put4(out, os, t + 8, a2, down); put4(out, os, t + 12, a3, down);
      put4(out, os, t + 16, a4, down); put4(out, os, t + 20, a5, down);
    }
    for (; t + 4 <= count; t += 4) {
      let a0 = f32x4.splat(0);
      let src = mat + (<usize>t << 2);
      for (let p = 0; p < k; p++) {
        a0 = madd(v128.load32_splat(v + (<usize>p << 2)), v128.load(src), a0);
        src += rowBytes;
      }
      put4(out, os, t, a0, down);
    }
  } else {
    // Scalar: four columns at a time.
    for (; t + 4 <= count; t += 4) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let src = mat + (<usize>t << 2);
      for (let p = 0; p < k; p++) {
        const x = load<f32>(v + (<usize>p << 2));
        s0 += x * load<f32>(src); s1 += x * load<f32>(src, 4);
        s2 += x * load<f32>(src, 8); s3 += x * load<f32>(src, 12);
        src += rowBytes;
      }
      put1(out, os, t, s0, down); put1(out, os, t + 1, s1, down);
      put1(out, os, t + 2, s2, down); put1(out, os, t + 3, s3, down);
    }
  }
  for (; t < count; t++) {
    let s: f32 = 0;
    let src = mat + (<usize>t << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(v + (<usize>p << 2)) * load<f32>(src);
      src += rowBytes;
    }
    put1(out, os, t, s, down);
  }
}

/** out[0..count) = Σ_p v[p]·M[p·rs + t], out contiguous; the fused tail on the last row group. */
export function axpyRows(v: usize, mat: usize, rs: i32, count: i32, k: i32, out: usize): void {
  const rowBytes = <usize>rs << 2;
  const vec = count & ~3;
  // The sums accumulate in `out` (2 KB for 500 outputs: L1), so start it at zero; then every
  // row group is the same loop, without a first-group branch inside it.
  for (let t = 0; t < count; t++) store<f32>(out + (<usize>t << 2), 0);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const r0 = mat + <usize>p * rowBytes;
    const vp = v + (<usize>p << 2);
    // The tail is applied by the last group as it stores (a constant flag: two copies of the loop).
    if (p + 4 == k) rowGroup4(vp, r0, rowBytes, vec, out, true);
    else rowGroup4(vp, r0, rowBytes, vec, out, false);
    for (let t = vec; t < count; t++) {
      const o = <usize>t << 2;
      let y = load<f32>(out + o);
      for (let r = 0; r < 4; r++) y += load<f32>(vp + (<usize>r << 2)) * load<f32>(r0 + <usize>r * rowBytes + o);
      store<f32>(out + o, p + 4 == k && epOn ? finish1(y, 0, t) : y);
    }
  }
  // Rows past the last group of four, one at a time.
  for (; p < k; p++) {
    const r0 = mat + <usize>p * rowBytes;
    const x = load<f32>(v + (<usize>p << 2));
    const xs = f32x4.splat(x);
    const last = p + 1 == k;
    let t = 0;
    for (; t < vec; t += 4) {
      const o = <usize>t << 2;
      v128.store(out + o, madd(xs, v128.load(r0 + o), v128.load(out + o)));
      if (last) if (epOn) finishStored4(out + o, 0, t, false);
    }
    for (; t < count; t++) {
      const o = <usize>t << 2;
      const y = load<f32>(out + o) + x * load<f32>(r0 + o);
      store<f32>(out + o, last && epOn ? finish1(y, 0, t) : y);
    }
  }
}

/**
 * out[t] += Σ_{r<4} v[r]·row_r[t] over the vector part (t < vec) of four rows of M: two output
 * vectors per iteration (4 splats, 8 loads, 2 sums: within x64's 16 xmm registers, which
 * TurboFan needs since it hoists every load of an iteration). `finish` applies the fused tail.
 */
// @ts-ignore: decorator
@inline function rowGroup4(vp: usize, r0: usize, rowBytes: usize, vec: i32, out: usize, finish: bool): void {
  const x0 = v128.load32_splat(vp), x1 = v128.load32_splat(vp, 4), x2 = v128.load32_splat(vp, 8), x3 = v128.load32_splat(vp, 12);
  const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  let t = 0;
  for (; t + 8 <= vec; t += 8) {
    const o = <usize>t << 2;
    let y0 = v128.load(out + o), y1 = v128.load(out + o, 16);
    y0 = madd(x0, v128.load(r0 + o), y0); y1 = madd(x0, v128.load(r0 + o, 16), y1);
    y0 = madd(x1, v128.load(r1 + o), y0); y1 = madd(x1, v128.load(r1 + o, 16), y1);
    y0 = madd(x2, v128.load(r2 + o), y0); y1 = madd(x2, v128.load(r2 + o, 16), y1);
    y0 = madd(x3, v128.load(r3 + o), y0); y1 = madd(x3, v128.load(r3 + o, 16), y1);
    v128.store(out + o, y0);
    v128.store(out + o, y1, 16);
    if (finish) if (epOn) finishStored8(out + o, 0, t);
  }
  if (t < vec) {
    const o = <usize>t << 2;
    let y0 = v128.load(out + o);
    y0 = madd(x0, v128.load(r0 + o), y0);
    y0 = madd(x1, v128.load(r1 + o), y0);
    y0 = madd(x2, v128.load(r2 + o), y0);
    y0 = madd(x3, v128.load(r3 + o), y0);
    v128.store(out + o, y0);
    if (finish) if (epOn) finishStored4(out + o, 0, t, false);
  }
}

/**
 * Rows 0 and 1 of C = op(A)·B for a plain B, reading B once: out0[t] = Σ_p v0[p]·M[p·rs + t],
 * out1 likewise with v1. v0 and v1 step `vs` bytes per p (4 plain, 8 for a transposed [k,2] A).
 * Four rows of M per step keep the 8 splats, 4 loads and 2 sums in registers. SIMD builds only.
 */
export function axpyRows2(v0: usize, v1: usize, vs: usize, mat: usize, rs: i32, count: i32, k: i32, out0: usize, out1: usize): void {
  const rowBytes = <usize>rs << 2;
  const vec = count & ~3;
  // As in axpyRows: the sums accumulate in the (zeroed) output rows, the tail runs in the last group.
  for (let t = 0; t < count; t++) {
    store<f32>(out0 + (<usize>t << 2), 0);
    store<f32>(out1 + (<usize>t << 2), 0);
  }
  let p = 0;
  while (p < k) {
    const rows = k - p >= 4 ? 4 : 1;
    const last = p + rows >= k;
    const r0 = mat + <usize>p * rowBytes;
    const pa = v0 + <usize>p * vs, pz = v1 + <usize>p * vs;
    if (rows == 4) {
      if (last) rowGroup4x2(pa, pz, vs, r0, rowBytes, vec, out0, out1, true);
      else rowGroup4x2(pa, pz, vs, r0, rowBytes, vec, out0, out1, false);
    } else {
      const x0 = v128.load32_splat(pa), z0 = v128.load32_splat(pz);
      for (let t = 0; t < vec; t += 4) {
        const o = <usize>t << 2;
        const b0 = v128.load(r0 + o);
        v128.store(out0 + o, madd(x0, b0, v128.load(out0 + o)));
        v128.store(out1 + o, madd(z0, b0, v128.load(out1 + o)));
        if (last) if (epOn) { finishStored4(out0 + o, 0, t, false); finishStored4(out1 + o, 1, t, false); }
      }
    }
    // The columns past the last full vector.
    for (let t = vec; t < count; t++) {
      const o = <usize>t << 2;
      let y = load<f32>(out0 + o), w = load<f32>(out1 + o);
      for (let r = 0; r < rows; r++) {
        const bv = load<f32>(r0 + <usize>r * rowBytes + o);
        y += load<f32>(pa + <usize>r * vs) * bv;
        w += load<f32>(pz + <usize>r * vs) * bv;
      }
      store<f32>(out0 + o, last && epOn ? finish1(y, 0, t) : y);
      store<f32>(out1 + o, last && epOn ? finish1(w, 1, t) : w);
    }
    p += rows;
  }
}

/** Four rows of M into both output rows (vector part); `finish` applies the fused tail. */
// @ts-ignore: decorator
@inline function rowGroup4x2(pa: usize, pz: usize, vs: usize, r0: usize, rowBytes: usize, vec: i32, out0: usize, out1: usize, finish: bool): void {
  const x0 = v128.load32_splat(pa), x1 = v128.load32_splat(pa + vs), x2 = v128.load32_splat(pa + 2 * vs), x3 = v128.load32_splat(pa + 3 * vs);
  const z0 = v128.load32_splat(pz), z1 = v128.load32_splat(pz + vs), z2 = v128.load32_splat(pz + 2 * vs), z3 = v128.load32_splat(pz + 3 * vs);
  const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  for (let t = 0; t < vec; t += 4) {
    const o = <usize>t << 2;
    const b0 = v128.load(r0 + o), b1 = v128.load(r1 + o), b2 = v128.load(r2 + o), b3 = v128.load(r3 + o);
    let y = v128.load(out0 + o), w = v128.load(out1 + o);
    y = madd(x0, b0, y); w = madd(z0, b0, w);
    y = madd(x1, b1, y); w = madd(z1, b1, w);
    y = madd(x2, b2, y); w = madd(z2, b2, w);
    y = madd(x3, b3, y); w = madd(z3, b3, w);
    v128.store(out0 + o, y);
    v128.store(out1 + o, w);
    if (finish) if (epOn) { finishStored4(out0 + o, 0, t, false); finishStored4(out1 + o, 1, t, false); }
  }
}
