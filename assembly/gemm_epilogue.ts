import {expf} from './math';

// The fused tail of a dense product: C = act(acc + bias), applied while a tile is stored.
//
// bias / prelu weights are addressed as base + i*rowStride + j*colStride (elements; stride 0
// broadcasts), so rank-1, rank-2 and broadcast biases all take the same path. A null pointer
// means "none". The parameters live in module globals, set once per gemmF32 call, so the
// micro-kernels keep short signatures (globals are not static data: no data segment).

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_RELU6: i32 = 2;
export const ACT_PRELU: i32 = 3;
export const ACT_LEAKYRELU: i32 = 4;
export const ACT_SIGMOID: i32 = 5;
export const ACT_ELU: i32 = 6;

let epBias: usize = 0;
let epBiasRs: i32 = 0;
let epBiasCs: i32 = 0;
let epAct: i32 = ACT_LINEAR;
let epAlpha: f32 = 0;
let epPrelu: usize = 0;
let epPreluRs: i32 = 0;
let epPreluCs: i32 = 0;
/** Whether there is anything to apply at all (the plain product skips the tail). */
export let epOn: bool = false;

export function setEpilogue(
  bias: usize, biasRs: i32, biasCs: i32, act: i32, alpha: f32, prelu: usize, preluRs: i32, preluCs: i32,
): void {
  epBias = bias; epBiasRs = biasRs; epBiasCs = biasCs;
  epAct = act; epAlpha = alpha;
  epPrelu = act == ACT_PRELU ? prelu : 0; epPreluRs = preluRs; epPreluCs = preluCs;
  epOn = bias != 0 || act != ACT_LINEAR;
}

// @ts-ignore: decorator
@inline function at(base: usize, i: i32, j: i32, rs: i32, cs: i32): usize {
  return base + (<usize>(i * rs + j * cs) << 2);
}

/** The tail for the output element (i, j). NaN stays NaN through every activation. */
export function finish1(x: f32, i: i32, j: i32): f32 {
  if (epBias) x += load<f32>(at(epBias, i, j, epBiasRs, epBiasCs));
  const act = epAct;
  if (act == ACT_LINEAR) return x;
  if (act == ACT_RELU) return x < 0 ? 0 : x;
  if (act == ACT_RELU6) return x < 0 ? 0 : (x > 6 ? 6 : x);
  if (act == ACT_LEAKYRELU) return x < 0 ? x * epAlpha : x;
  if (act == ACT_PRELU) return x < 0 ? x * load<f32>(at(epPrelu, i, j, epPreluRs, epPreluCs)) : x;
  if (act == ACT_SIGMOID) return 1 / (1 + expf(-x));
  if (act == ACT_ELU) return x < 0 ? expf(x) - 1 : x;
  return x;
}

// ---- f32x4 (only compiled into the SIMD variants; the scalar build never reaches these) ----

/** Four floats at ptr, ptr+s, ptr+2s, ptr+3s (elements): one load when s is 1, a splat when 0. */
// @ts-ignore: decorator
@inline function load4(ptr: usize, s: i32): v128 {
  if (s == 1) return v128.load(ptr);
  if (s == 0) return v128.load32_splat(ptr);
  const step = <usize>s << 2;
  let v = f32x4.splat(load<f32>(ptr));
  v = f32x4.replace_lane(v, 1, load<f32>(ptr + step));
  v = f32x4.replace_lane(v, 2, load<f32>(ptr + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(ptr + 3 * step));
}

/**
 * e^x on four lanes, the same algorithm as math.ts' expf: clamp (NaN passes through min/max),
 * x = n·ln2 + r, degree-6 polynomial, scale by 2^n as two factors so both stay normal.
 */
function exp4(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.8)), f32x4.splat(-104));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.442695041)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145752)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.42860677e-6)));
  let p = f32x4.add(f32x4.splat(0.008333334), f32x4.mul(r, f32x4.splat(0.0013888889)));
  p = f32x4.add(f32x4.splat(0.041666668), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.16666667), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(0.5), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(r, p));
  const ni = i32x4.trunc_sat_f32x4_s(n);   // NaN -> 0: p is NaN already
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * The tail for the four floats stored at ptr: outputs (i, j..j+3), or (i..i+3, j) when `down`
 * (the n = 1 matrix-vector path). Works in place on memory, so no v128 crosses a call.
 */
export function finishStored4(ptr: usize, i: i32, j: i32, down: bool): void {
  v128.store(ptr, finish4(v128.load(ptr), i, j, down));
}

/** The tail for the eight floats of one micro-tile row at ptr: outputs (i, j..j+7). */
export function finishStored8(ptr: usize, i: i32, j: i32): void {
  v128.store(ptr, finish4(v128.load(ptr), i, j, false));
  v128.store(ptr, finish4(v128.load(ptr, 16), i, j + 4, false), 16);
}

// @ts-ignore: decorator
@inline function finish4(x: v128, i: i32, j: i32, down: bool): v128 {
  if (epBias) x = f32x4.add(x, load4(at(epBias, i, j, epBiasRs, epBiasCs), down ? epBiasRs : epBiasCs));
  const act = epAct;
  if (act == ACT_LINEAR) return x;
  const zero = f32x4.splat(0);
  // f32x4.max/min return NaN when either lane is NaN, so relu and relu6 keep NaN.
  if (act == ACT_RELU) return f32x4.max(x, zero);
  if (act == ACT_RELU6) return f32x4.min(f32x4.max(x, zero), f32x4.splat(6));
  const neg = f32x4.lt(x, zero);   // false for NaN: NaN passes through unchanged
  if (act == ACT_LEAKYRELU) return v128.bitselect(f32x4.mul(x, f32x4.splat(epAlpha)), x, neg);
  if (act == ACT_PRELU) {
    const w = load4(at(epPrelu, i, j, epPreluRs, epPreluCs), down ? epPreluRs : epPreluCs);
    return v128.bitselect(f32x4.mul(x, w), x, neg);
  }
  if (act == ACT_SIGMOID) {
    const one = f32x4.splat(1);
    return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
  }
  if (act == ACT_ELU) return v128.bitselect(f32x4.sub(exp4(x), f32x4.splat(1)), x, neg);
  return x;
}
