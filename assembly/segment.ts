// Segment reductions: UnsortedSegmentSum, the gradient of tf.gather (an Embedding layer's weight
// gradient is the sum of the rows of dy gathered to each token id). One pass over x: each row is
// added into the row of out its segment id names. Ids outside [0, numSegments) are dropped, as in
// tfjs-backend-cpu (where no segment's mask selects them) and TensorFlow.

/**
 * out[s, :] = sum of x[r, :] over the rows r with ids[r] == s, for `rows` rows of `inner` float32
 * values; out holds numSegments * inner values and is overwritten.
 */
export function unsortedSegmentSumF32(x: usize, ids: usize, out: usize, rows: i32, inner: i32, numSegments: i32): void {
  memory.fill(out, 0, (<usize>numSegments * <usize>inner) << 2);
  const rowBytes = <usize>inner << 2;
  for (let r = 0; r < rows; r++) {
    const s = load<i32>(ids + (<usize>r << 2));
    if (<u32>s >= <u32>numSegments) continue;
    addRowF32(out + <usize>s * rowBytes, x + <usize>r * rowBytes, inner);
  }
}

/** The int32 form: sums wrap modulo 2^32, as int32 additions do on every tfjs backend. */
export function unsortedSegmentSumI32(x: usize, ids: usize, out: usize, rows: i32, inner: i32, numSegments: i32): void {
  memory.fill(out, 0, (<usize>numSegments * <usize>inner) << 2);
  const rowBytes = <usize>inner << 2;
  for (let r = 0; r < rows; r++) {
    const s = load<i32>(ids + (<usize>r << 2));
    if (<u32>s >= <u32>numSegments) continue;
    addRowI32(out + <usize>s * rowBytes, x + <usize>r * rowBytes, inner);
  }
}

/** dst[0:n] += src[0:n] (float32). */
@inline function addRowF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      v128.store(dst + o + 16, f32x4.add(v128.load(dst + o + 16), v128.load(src + o + 16)));
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** dst[0:n] += src[0:n] (int32, wrapping). */
@inline function addRowI32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, i32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<i32>(dst + o, load<i32>(dst + o) + load<i32>(src + o));
  }
}
