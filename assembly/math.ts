// Elementary functions without lookup tables. The standard library's Math.exp keeps its
// tables in a data segment, which we must not have (it would be written over emscripten's
// heap at instantiation), so the activations use these instead.

/**
 * e^x in f32: x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by its degree-6
 * Taylor polynomial (relative error < 2e-7 on that range), then scaled by 2^n through the
 * exponent bits. NaN stays NaN, large x gives +Inf, very negative x gives 0.
 */
// @ts-ignore: decorator
@inline export function expf(x: f32): f32 {
  if (x != x) return x;
  if (x > 88.72283) return Infinity;
  if (x < -103.97208) return 0;
  const n: f32 = nearest<f32>(x * <f32>1.442695041);
  let r: f32 = x - n * <f32>0.693145752;  // ln2 high part (exact in f32)
  r = r - n * <f32>1.42860677e-6;         // ln2 low part
  const c6: f32 = 0.0013888889, c5: f32 = 0.008333334, c4: f32 = 0.041666668, c3: f32 = 0.16666667;
  const p: f32 = 1 + r * (1 + r * (0.5 + r * (c3 + r * (c4 + r * (c5 + r * c6)))));
  // 2^n may leave the normal range near the ends: split it in two factors.
  const ni = <i32>n;
  const n1 = ni >> 1, n2 = ni - n1;
  return p * reinterpret<f32>((n1 + 127) << 23) * reinterpret<f32>((n2 + 127) << 23);
}
