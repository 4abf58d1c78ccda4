// ClipByValue: min(max(x, lo), hi) with WebAssembly's min/max, which return NaN when an operand is
// NaN: a NaN input stays NaN, as on tfjs-backend-cpu (tfjs-backend-wasm's kernel returns lo).
// tfjs-layers' crossentropy losses clip the predictions on every training step.

export function clipByValueF32(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const loV = f32x4.splat(lo), hiV = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.min(f32x4.max(v128.load(x + o), loV), hiV));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, min<f32>(max<f32>(load<f32>(x + o), lo), hi));
  }
}
