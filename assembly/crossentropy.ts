// Keras' categorical crossentropy on probabilities, per row of C classes (src/keras/crossentropy.ts):
//   s = sum(output), p = clip(output / s, lo, hi), loss = -sum(target * log(p))
// and its gradient with respect to output. tfjs runs these as 9 kernels forward and about 30
// backward (each with its own output and bookkeeping), on rows of 10 values for MNIST.
//
// The arithmetic is tfjs' own, operation by operation in float32, so the results are
// bit-identical to the composed kernels on 'as': sums from the row's first value on, starting at
// 0 (tfjs-backend-wasm's Sum over the last axis); clip as min(max(x, lo), hi) (NaN stays NaN, as
// assembly/clip.ts); no fused multiply-add. log itself is not here: the caller runs tfjs' Log
// kernel between cceProbsF32 and cceLossF32, so the logarithm is exactly tfjs'.
//
// The gradient, for dL/dloss = dy per row, as tfjs' gradient functions compose it:
//   g = (-dy) * target / p                      (neg, sum, mul and log gradients)
//   g = lo <= q && q <= hi ? g : 0, q = output/s (clipByValue's gradient)
//   dOutput = g / s + -((sum_j g * output) / (s * s))   (div's gradients, the sum's, added)

/** p[r, j] = clip(out[r, j] / sum_j out[r, j], lo, hi). */
export function cceProbsF32(out: usize, p: usize, rows: i32, c: i32, lo: f32, hi: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * <usize>c << 2;
    let s: f32 = 0;
    for (let j = 0; j < c; j++) s += load<f32>(out + row + (<usize>j << 2));
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(p + o, min<f32>(max<f32>(load<f32>(out + o) / s, lo), hi));
    }
  }
}

/** loss[r] = -(sum_j target[r, j] * logP[r, j]). */
export function cceLossF32(target: usize, logP: usize, loss: usize, rows: i32, c: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * <usize>c << 2;
    let s: f32 = 0;
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2);
      s += load<f32>(target + o) * load<f32>(logP + o);
    }
    store<f32>(loss + (<usize>r << 2), -s);
  }
}

/** dOut[r, j] = dL/dout[r, j] for dL/dloss[r] = dy[r] (see above). */
export function cceGradF32(dy: usize, target: usize, out: usize, dOut: usize, rows: i32, c: i32, lo: f32, hi: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * <usize>c << 2;
    let s: f32 = 0;
    for (let j = 0; j < c; j++) s += load<f32>(out + row + (<usize>j << 2));
    const g1: f32 = -load<f32>(dy + (<usize>r << 2));
    let sb: f32 = 0;
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2);
      const x = load<f32>(out + o);
      const q: f32 = x / s;
      const p = min<f32>(max<f32>(q, lo), hi);
      const g4: f32 = (g1 * load<f32>(target + o)) / p;
      const g5: f32 = q >= lo && q <= hi ? g4 : 0;
      sb += g5 * x;
      // the first term now; the second needs the whole row's sum
      store<f32>(dOut + o, g5 / s);
    }
    const gb: f32 = -(sb / (s * s));
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(dOut + o, load<f32>(dOut + o) + gb);
    }
  }
}
