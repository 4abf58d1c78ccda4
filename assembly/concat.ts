// Concat as strided block copies. Any concat along an axis is, with outer = the product of the
// dims before the axis, a concat of [outer, inner_p] matrices along their columns: each output
// row is the parts' rows one after the other. One call copies every row of every part, row by
// row (so the output is written once, front to back), whatever the element size.

// Below this many bytes a copy loop beats memory.copy, whose fixed cost is a call into the
// engine's memmove.
const SMALL_COPY: usize = 128;

// @ts-ignore: decorator
@inline function copyBytes(dst: usize, src: usize, n: usize): void {
  if (n >= SMALL_COPY) {
    memory.copy(dst, src, n);
    return;
  }
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= n; i += 16) v128.store(dst + i, v128.load(src + i));
  }
  for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(src + i));
  for (; i + 4 <= n; i += 4) store<u32>(dst + i, load<u32>(src + i));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/**
 * out[r] = part_0[r] ++ part_1[r] ++ ... for r < rows. `table` holds `parts` pairs of u32:
 * (byte offset of the part, bytes per row of the part); outRowBytes is their sum.
 */
export function concatRows(out: usize, table: usize, parts: i32, rows: i32, outRowBytes: i32): void {
  if (parts == 2) {
    // The common case (two tensors), without reading the table in the inner loop.
    const a = <usize>load<u32>(table), aBytes = <usize>load<u32>(table, 4);
    const b = <usize>load<u32>(table, 8), bBytes = <usize>load<u32>(table, 12);
    for (let r: usize = 0; r < <usize>rows; r++) {
      const dst = out + r * <usize>outRowBytes;
      copyBytes(dst, a + r * aBytes, aBytes);
      copyBytes(dst + aBytes, b + r * bBytes, bBytes);
    }
    return;
  }
  for (let r: usize = 0; r < <usize>rows; r++) {
    let dst = out + r * <usize>outRowBytes;
    for (let p = 0; p < parts; p++) {
      const entry = table + (<usize>p << 3);
      const bytes = <usize>load<u32>(entry, 4);
      copyBytes(dst, <usize>load<u32>(entry) + r * bytes, bytes);
      dst += bytes;
    }
  }
}
