// Optimizer updates in one pass over a weight, its gradient and its slots. tfjs-core's optimizers
// run 10 to 14 separate element-wise kernels per weight per step (3.4 ms per RMSprop step for the
// seed's 443K-parameter MLP on tfjs-backend-wasm's kernels); here each element is loaded once.
//
// The arithmetic is tfjs-core's, operation by operation in float32, with no fused multiply-add
// (mul, add, div and sqrt are correctly rounded in both the scalar and the SIMD code), so the
// results are bit-identical to tfjs' own optimizer classes on any backend: training with them
// stays equal to tfjs-layers' (test/unit/training_parity.test.ts). Outputs are separate buffers
// (tfjs tensors are immutable; a weight's buffer may be shared by its clones).

/**
 * tfjs' RMSPropOptimizer (not centered), per element:
 *   ms'  = ms * decay + g*g * oneMinusDecay
 *   mom' = mom * momentum + g*lr / sqrt(ms' + eps)
 *   v'   = v - mom'
 */
export function rmspropF32(v: usize, g: usize, ms: usize, mom: usize, outV: usize, outMs: usize, outMom: usize, n: i32,
                           lr: f32, decay: f32, oneMinusDecay: f32, momentum: f32, eps: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lrV = f32x4.splat(lr), dV = f32x4.splat(decay), omdV = f32x4.splat(oneMinusDecay);
    const momV = f32x4.splat(momentum), epsV = f32x4.splat(eps);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const msN = f32x4.add(f32x4.mul(v128.load(ms + o), dV), f32x4.mul(f32x4.mul(gi, gi), omdV));
      const momN = f32x4.add(f32x4.mul(v128.load(mom + o), momV), f32x4.div(f32x4.mul(gi, lrV), f32x4.sqrt(f32x4.add(msN, epsV))));
      v128.store(outMs + o, msN);
      v128.store(outMom + o, momN);
      v128.store(outV + o, f32x4.sub(v128.load(v + o), momN));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const msN: f32 = load<f32>(ms + o) * decay + (gi * gi) * oneMinusDecay;
    const momN: f32 = load<f32>(mom + o) * momentum + (gi * lr) / sqrt<f32>(msN + eps);
    store<f32>(outMs + o, msN);
    store<f32>(outMom + o, momN);
    store<f32>(outV + o, load<f32>(v + o) - momN);
  }
}

/**
 * tfjs' AdamOptimizer, per element (c1 = 1 - beta1^t and c2 = 1 - beta2^t from the caller):
 *   m' = m * beta1 + g * oneMinusBeta1
 *   s' = s * beta2 + g*g * oneMinusBeta2
 *   v' = (m'/c1) / (sqrt(s'/c2) + eps) * negLr + v
 */
export function adamF32(v: usize, g: usize, m: usize, s: usize, outV: usize, outM: usize, outS: usize, n: i32,
                        beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, c1: f32, c2: f32,
                        eps: f32, negLr: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b1 = f32x4.splat(beta1), omb1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), omb2 = f32x4.splat(oneMinusBeta2);
    const c1V = f32x4.splat(c1), c2V = f32x4.splat(c2), epsV = f32x4.splat(eps), nlr = f32x4.splat(negLr);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const mN = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, omb1));
      const sN = f32x4.add(f32x4.mul(v128.load(s + o), b2), f32x4.mul(f32x4.mul(gi, gi), omb2));
      const step = f32x4.div(f32x4.div(mN, c1V), f32x4.add(f32x4.sqrt(f32x4.div(sN, c2V)), epsV));
      v128.store(outM + o, mN);
      v128.store(outS + o, sN);
      v128.store(outV + o, f32x4.add(f32x4.mul(step, nlr), v128.load(v + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mN: f32 = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const sN: f32 = load<f32>(s + o) * beta2 + (gi * gi) * oneMinusBeta2;
    const step: f32 = (mN / c1) / (sqrt<f32>(sN / c2) + eps);
    store<f32>(outM + o, mN);
    store<f32>(outS + o, sN);
    store<f32>(outV + o, step * negLr + load<f32>(v + o));
  }
}

/** tfjs' SGDOptimizer: v' = g * negLr + v. */
export function sgdF32(v: usize, g: usize, outV: usize, n: i32, negLr: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const nlr = f32x4.splat(negLr);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(outV + o, f32x4.add(f32x4.mul(v128.load(g + o), nlr), v128.load(v + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(outV + o, load<f32>(g + o) * negLr + load<f32>(v + o));
  }
}
