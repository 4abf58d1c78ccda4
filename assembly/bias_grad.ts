// A dense layer's backward pass before its two products: from dL/dy and the layer's output y,
// dL/dz (z = x·W + b, y = act(z)) and the bias gradient (dL/dz summed over the rows) in one pass
// over the rows. tfjs runs the same as 3 to 6 kernels (step, cast, mul; a transpose and a sum
// for the bias), each with its own output.
//
// The arithmetic is tfjs' gradient formulas, operation by operation in float32, so the results
// are bit-identical to them on 'as':
//  - relu:      dz = dy * step(y), step(y) = NaN for NaN, 1 for y > 0, else 0 (so 0 * Inf = NaN)
//  - relu6:     dz = dy * (y > 0 && y < 6 ? 1 : 0)
//  - leakyrelu: dz = y > 0 ? dy : dy * alpha
//  - sigmoid:   dz = dy * (y * (1 - y))
//  - elu:       dz = y > 0 ? dy : dy * (y + 1)
//  - linear:    dz = dy (not written: the caller uses dy itself)
// and the bias gradient sums each column from row 0 down, starting at 0, which is the order of
// tfjs-backend-wasm's Sum over axis 0 (it transposes, then adds each row of the transpose in
// order). Vectorizing across columns keeps that order per column.
import {ACT_ELU, ACT_LEAKYRELU, ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_SIGMOID} from './gemm_epilogue';

// @ts-ignore: decorator
@inline
function gradScalar(g: f32, y: f32, act: i32, alpha: f32): f32 {
  if (act == ACT_RELU) return g * (y != y ? y : (y > 0 ? <f32>1 : <f32>0));
  if (act == ACT_RELU6) return g * (y > 0 && y < 6 ? <f32>1 : <f32>0);
  if (act == ACT_LEAKYRELU) return y > 0 ? g : g * alpha;
  if (act == ACT_SIGMOID) return g * (y * (<f32>1 - y));
  if (act == ACT_ELU) return y > 0 ? g : g * (y + 1);
  return g;
}

// @ts-ignore: decorator
@inline
function gradVector(g: v128, y: v128, act: i32, alpha: f32): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  const pos = f32x4.gt(y, zero);
  if (act == ACT_RELU) {
    // step(y): 1 where y > 0, NaN where y is NaN (y itself), 0 elsewhere.
    const nan = f32x4.ne(y, y);
    return f32x4.mul(g, v128.bitselect(y, v128.and(pos, one), nan));
  }
  if (act == ACT_RELU6) return f32x4.mul(g, v128.and(v128.and(pos, f32x4.lt(y, f32x4.splat(6))), one));
  if (act == ACT_LEAKYRELU) return v128.bitselect(g, f32x4.mul(g, f32x4.splat(alpha)), pos);
  if (act == ACT_SIGMOID) return f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y)));
  if (act == ACT_ELU) return v128.bitselect(g, f32x4.mul(g, f32x4.add(y, one)), pos);
  return g;
}

/**
 * dy, y: [m, n] row-major. Writes dz ([m, n]; skipped when dz is 0, and for linear, where
 * dz = dy) and db ([n], the column sums of dz; skipped when db is 0).
 */
export function biasActivationGradF32(dy: usize, y: usize, dz: usize, db: usize, m: i32, n: i32, act: i32, alpha: f32): void {
  const writeDz = dz != 0 && act != ACT_LINEAR;
  if (db != 0) memory.fill(db, 0, <usize>n << 2);
  for (let r = 0; r < m; r++) {
    const row = <usize>r * <usize>n << 2;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= n; j += 4) {
        const o = row + (<usize>j << 2);
        const g = gradVector(v128.load(dy + o), act == ACT_LINEAR ? f32x4.splat(0) : v128.load(y + o), act, alpha);
        if (writeDz) v128.store(dz + o, g);
        if (db != 0) {
          const b = db + (<usize>j << 2);
          v128.store(b, f32x4.add(v128.load(b), g));
        }
      }
    }
    for (; j < n; j++) {
      const o = row + (<usize>j << 2);
      const g = gradScalar(load<f32>(dy + o), act == ACT_LINEAR ? <f32>0 : load<f32>(y + o), act, alpha);
      if (writeDz) store<f32>(dz + o, g);
      if (db != 0) {
        const b = db + (<usize>j << 2);
        store<f32>(b, load<f32>(b) + g);
      }
    }
  }
}
