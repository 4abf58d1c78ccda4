// Add for float32 with row broadcasting: out[r, j] = a[r·aRowStride + j] + b[r·bRowStride + j]
// for rows r < rows and columns j < n, a row stride of 0 repeating one row (a bias [n] added to
// [rows, n]) and n making the operand dense. Same-shape adds are one row of every element. A
// Dense-like custom layer's `x·w + b` (the seed's MyDense) adds its bias this way on every call;
// tfjs-backend-wasm's Add marshals both shapes through ccall first, several times the work of
// adding a hundred floats. IEEE addition: the same bits as tfjs-backend-wasm's kernel.

export function addRowsF32(a: usize, aRowStride: i32, b: usize, bRowStride: i32, out: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * aRowStride) << 2), br = b + (<usize>(r * bRowStride) << 2);
    const orow = out + (<usize>(r * n) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(orow + o, f32x4.add(v128.load(ar + o), v128.load(br + o)));
      }
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(orow + o, load<f32>(ar + o) + load<f32>(br + o));
    }
  }
}
