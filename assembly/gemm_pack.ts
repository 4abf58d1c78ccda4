// Packing for the blocked GEMM (assembly/matmul.ts). Transposes are absorbed here: whatever
// the operand's layout, the micro-kernel reads the same contiguous panels, so transposeA and
// transposeB cost no more than the plain product.
//
//   packed A: panels of MR rows;    within a panel, k-major: [p][r]   (MR values per k; in the
//             SIMD builds each value is stored splat to four lanes, see A_ELEM)
//   packed B: panels of NR columns; within a panel, k-major: [p][c]   (NR floats per k)
// Rows / columns past the matrix edge are zero, so edge tiles run the same vector kernel.

export const MR: i32 = 4;
export const NR: i32 = 8;
// Block sizes of the drivers (matmul.ts, conv.ts): per micro-kernel call KC·NR·4 = 8 KB of B
// panel and KC·MR·A_ELEM = 16 KB of (splat) A panel stay in L1; the MC x KC A block (256 KB
// splat) in L2; the KC x NC B block (1 MB) in L2/L3.
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 1024;
/**
 * Bytes per packed A element. The SIMD builds store every A value already splatted to four
 * lanes, so the micro-kernel reads it with a plain v128.load at a constant offset (V8 folds
 * that offset into the instruction; a load32_splat with an offset costs an extra address
 * computation per row per k, and the SIMD kernel is bound by instruction dispatch).
 */
export const A_ELEM: usize = ASC_FEATURE_SIMD ? 16 : 4;

// @ts-ignore: decorator
@inline function f32at(base: usize, index: i32): f32 {
  return load<f32>(base + (<usize>index << 2));
}

// 4x4 transpose of rows r0..r3 into columns, stored at dst, dst+stride, dst+2·stride, dst+3·stride.
// @ts-ignore: decorator
@inline function transposeStore4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs rows i0..i0+mc, depth p0..p0+kc of op(A) (A is [m,k], or [k,m] when transA) into
 * ceil(mc/MR) panels of MR·kc elements (A_ELEM bytes each) at dst.
 */
export function packA(a: usize, transA: bool, m: i32, k: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const kStep = <usize>MR * A_ELEM;   // bytes per k in a panel
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i = i0 + ir;
    let p = 0;
    if (ASC_FEATURE_SIMD) {
      if (rows == MR) {
        if (transA) {
          // A(i..i+3, p) = a[p*m + i ..]: one vector per k, splat lane by lane.
          let src = a + (<usize>(p0 * m + i) << 2);
          const step = <usize>m << 2;
          for (; p < kc; p++) {
            const v = v128.load(src);
            const d = dst + <usize>p * kStep;
            v128.store(d, i32x4.shuffle(v, v, 0, 0, 0, 0));
            v128.store(d, i32x4.shuffle(v, v, 1, 1, 1, 1), 16);
            v128.store(d, i32x4.shuffle(v, v, 2, 2, 2, 2), 32);
            v128.store(d, i32x4.shuffle(v, v, 3, 3, 3, 3), 48);
            src += step;
          }
        } else {
          // Rows are contiguous along k: four k of one row per load, each lane splat to its k.
          const step = <usize>k << 2;
          const src = a + (<usize>(i * k + p0) << 2);
          for (; p + 4 <= kc; p += 4) {
            const d = dst + <usize>p * kStep;
            for (let r = 0; r < MR; r++) {
              const v = v128.load(src + <usize>r * step + (<usize>p << 2));
              const dr = d + (<usize>r << 4);
              v128.store(dr, i32x4.shuffle(v, v, 0, 0, 0, 0));
              v128.store(dr + kStep, i32x4.shuffle(v, v, 1, 1, 1, 1));
              v128.store(dr + 2 * kStep, i32x4.shuffle(v, v, 2, 2, 2, 2));
              v128.store(dr + 3 * kStep, i32x4.shuffle(v, v, 3, 3, 3, 3));
            }
          }
        }
      }
      for (; p < kc; p++) {
        const d = dst + <usize>p * kStep;
        for (let r = 0; r < MR; r++) {
          const ii = i + r, pp = p0 + p;
          v128.store(d + (<usize>r << 4), f32x4.splat(r < rows ? f32at(a, transA ? pp * m + ii : ii * k + pp) : 0));
        }
      }
    } else {
      for (; p < kc; p++) {
        const d = dst + <usize>p * kStep;
        for (let r = 0; r < MR; r++) {
          const ii = i + r, pp = p0 + p;
          store<f32>(d + (<usize>r << 2), r < rows ? f32at(a, transA ? pp * m + ii : ii * k + pp) : 0);
        }
      }
    }
    dst += <usize>kc * kStep;
  }
}

/**
 * Packs depth p0..p0+kc, columns j0..j0+nc of op(B) (B is [k,n], or [n,k] when transB) into
 * ceil(nc/NR) panels of NR·kc floats at dst.
 */
export function packB(b: usize, transB: bool, k: i32, n: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j = j0 + jr;
    let p = 0;
    if (ASC_FEATURE_SIMD) if (cols == NR) {
      if (!transB) {
        // B(p, j..j+7) = b[p*n + j ..]: two vectors per k.
        let src = b + (<usize>(p0 * n + j) << 2);
        const step = <usize>n << 2;
        for (; p < kc; p++) {
          const d = dst + (<usize>p << 5);
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += step;
        }
      } else {
        // Columns of op(B) are rows of b, contiguous along k: two 4x4 transposes per 4 k.
        const step = <usize>k << 2;
        const src = b + (<usize>(j * k + p0) << 2);
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          const d = dst + (<usize>p << 5);
          transposeStore4(v128.load(s), v128.load(s + step), v128.load(s + 2 * step), v128.load(s + 3 * step), d, 32);
          const s4 = s + 4 * step;
          transposeStore4(v128.load(s4), v128.load(s4 + step), v128.load(s4 + 2 * step), v128.load(s4 + 3 * step), d + 16, 32);
        }
      }
    }
    for (; p < kc; p++) {
      const d = dst + (<usize>(p * NR) << 2);
      for (let c = 0; c < NR; c++) {
        const jj = j + c, pp = p0 + p;
        store<f32>(d + (<usize>c << 2), c < cols ? f32at(b, transB ? jj * k + pp : pp * n + jj) : 0);
      }
    }
    dst += <usize>(NR * kc) << 2;
  }
}
