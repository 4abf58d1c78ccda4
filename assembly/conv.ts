// 2-D convolution (Conv2D, FusedConv2D) and its two gradients (Conv2DBackpropInput,
// Conv2DBackpropFilter) on the GEMM micro-kernel (gemm_kernel.ts), NHWC, float32.
//
// A convolution is a GEMM over im2col(x), the [N·OH·OW, KH·KW·C] matrix whose row is an output
// pixel and whose column is a window tap (ky, kx) and input channel ci:
//   forward         y[M, Cout]  = im2col(x) · filter[KH·KW·C, Cout]   (+ bias, activation)
//   filter gradient dW[K', Cout] = im2col(x)ᵀ · dy[M, Cout]
// Neither forms im2col(x): its A panels are packed straight from x (implicit GEMM), padding,
// stride and dilation resolved while packing (a tap outside the input packs a 0). The B operand
// (the filter, or dy) is a plain row-major matrix and is packed by the GEMM's own packB. The
// blocking is matmul.ts' (KC x NC B block, MC x KC A block, 4x8 micro-tiles), so the speed is
// the GEMM's, less the packing of A, which reads every element of x up to KH·KW times.
//
// The input gradient dx = conv_transpose(dy, filter) is computed two ways:
//   cols:     cols = dy · filterᵀ for a chunk of output pixels (a plain GEMM into a scratch block
//             of at most COLS_BYTES), then col2im adds each column where its tap reads x. Any
//             stride (a convolution over dy would multiply (SH·SW - 1)/(SH·SW) zeros there).
//   implicit: stride 1 only, a forward convolution of dy with the flipped, transposed filter
//             (convFlipFilterF32; padding KH-1-PT).
// Measured (src/bench/conv.ts), cols is as fast or faster except with a pointwise filter, where
// the implicit one is a single plain GEMM; src/kernels/utils/conv.ts picks accordingly.
// Geometry (conv_common.ts convGeometry) describes the forward convolution in every case.
//
// Threads (src/kernels/utils/conv.ts splits, src/backend/threads.ts runs): each kernel has a
// part export that a worker calls with the geometry at a heap address (loadGeometry) and a range
// of the output it owns: the forward convolution a range of output pixels (rows of C), the
// filter gradient a range of rows (taps x channels) or of columns (output channels) of dW, the
// strided input gradient a range of dx's rows (image rows, counted over the whole batch). Ranges
// start at multiples of the micro-tile, and every output element is summed in the same order
// (over the whole reduction, in the same KC blocks, each block from 0 and then added to C) as on
// one thread: the results are bit-identical for any thread count.
import {A_ELEM, packB, MR, NR, KC, MC, NC} from './gemm_pack';
import {kernel4x8, kernel4x8Scalar, storeTile, TILE_FLOATS} from './gemm_kernel';
import {ACT_LINEAR, setEpilogue} from './gemm_epilogue';
import {gemmF32, gemmF32Part, gemmScratchBytes} from './matmul';
import {
  cvN, cvH, cvW, cvC, cvOH, cvOW, cvKH, cvKW, cvSH, cvSW, cvDH, cvDW, cvPT, cvPL, loadGeometry, roundUpTo,
} from './conv_common';

export {convGeometry, transposeBatched, broadcast4} from './conv_common';

/** The scratch block of columns of the strided input gradient: enough rows to amortise a GEMM call, L2-sized. */
const COLS_BYTES: i32 = 1 << 20;

/** Bytes of scratch convGemm needs for an [m, k] x [k, n] product (the packing buffers and one edge tile). */
export function convScratchBytes(m: i32, n: i32, k: i32): usize {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const kc = min(KC, k);
  const aBytes = <usize>(min(MC, roundUpTo(m, MR)) * kc) * A_ELEM;
  const bBytes = <usize>(min(NC, roundUpTo(n, NR)) * kc) << 2;
  return (<usize>TILE_FLOATS << 2) + aBytes + bBytes + 16;
}

// ---- packing A from x ----

/** A zero in a packed A panel (splat in the SIMD builds, like every packed A value). */
// @ts-ignore: decorator
@inline function storeZeroA(d: usize): void {
  if (ASC_FEATURE_SIMD) v128.store(d, i32x4.splat(0));
  else store<f32>(d, 0);
}

// @ts-ignore: decorator
@inline function storeA(d: usize, src: usize): void {
  if (ASC_FEATURE_SIMD) v128.store(d, v128.load32_splat(src));
  else store<f32>(d, load<f32>(src));
}

/**
 * Packs rows i0..i0+mc (output pixels), depth p0..p0+kc (taps x channels) of im2col(x) into
 * MR-row panels at dst, the layout gemm_pack.ts' packA makes. One row at a time: the pixel is
 * decoded once, then the depth is walked in runs of channels of one tap (contiguous in x).
 */
function packRows(x: usize, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const C = cvC, KW = cvKW, W = cvW, H = cvH, OW = cvOW, OH = cvOH;
  const kStep = <usize>MR * A_ELEM;
  const pEnd = p0 + kc;
  const image = <usize>H * <usize>W * <usize>C << 2;
  // Decoded once per call and then stepped: integer divisions per row cost more than packing a
  // short row (a 3x3 window on one channel packs 9 values).
  const tap0 = p0 / C, ci0 = p0 - tap0 * C;
  const ky0 = tap0 / KW, kx0 = tap0 - ky0 * KW;
  let ox = i0 % OW;
  const t0 = i0 / OW;
  let oy = t0 % OH, b = t0 / OH;
  for (let ir = 0; ir < mc; ir += MR) {
    for (let r = 0; r < MR; r++) {
      let d = dst + <usize>r * A_ELEM;
      if (ir + r >= mc) {
        for (let p = 0; p < kc; p++) { storeZeroA(d); d += kStep; }
        continue;
      }
      const iy0 = oy * cvSH - cvPT, ix0 = ox * cvSW - cvPL;
      const img = x + <usize>b * image;
      let p = p0, ci = ci0, ky = ky0, kx = kx0;
      while (p < pEnd) {
        const len = min(C - ci, pEnd - p);
        const iy = iy0 + ky * cvDH, ix = ix0 + kx * cvDW;
        if (<u32>iy < <u32>H && <u32>ix < <u32>W) {
          let src = img + (<usize>((iy * W + ix) * C + ci) << 2);
          for (let q = 0; q < len; q++) { storeA(d, src); d += kStep; src += 4; }
        } else {
          for (let q = 0; q < len; q++) { storeZeroA(d); d += kStep; }
        }
        p += len;
        ci = 0;
        if (++kx == KW) { kx = 0; ky++; }
      }
      if (++ox == OW) { ox = 0; if (++oy == OH) { oy = 0; b++; } }
    }
    dst += <usize>kc * kStep;
  }
}

/**
 * Packs rows i0..i0+mc (taps x channels), depth p0..p0+kc (output pixels) of im2col(x)ᵀ into
 * MR-row panels at dst. When the panel's four rows are four channels of one tap (C >= 4), each
 * pixel is one vector load of x, splat lane by lane; otherwise row by row.
 */
function packCols(x: usize, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const C = cvC, KW = cvKW, W = cvW, H = cvH, OW = cvOW, OH = cvOH;
  const kStep = <usize>MR * A_ELEM;
  const image = <usize>H * <usize>W * <usize>C << 2;
  const ox0 = p0 % OW, t0 = p0 / OW;
  const oy0 = t0 % OH, b0 = t0 / OH;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i = i0 + ir;
    const tap = i / C, ci = i - tap * C;
    const ky = tap / KW, kx = tap - ky * KW;
    let done = false;
    if (ASC_FEATURE_SIMD) {
      if (rows == MR && ci + MR <= C) {
        let ox = ox0, oy = oy0, b = b0;
        let d = dst;
        for (let p = 0; p < kc; p++) {
          const iy = oy * cvSH - cvPT + ky * cvDH, ix = ox * cvSW - cvPL + kx * cvDW;
          if (<u32>iy < <u32>H && <u32>ix < <u32>W) {
            const v = v128.load(x + <usize>b * image + (<usize>((iy * W + ix) * C + ci) << 2));
            v128.store(d, i32x4.shuffle(v, v, 0, 0, 0, 0));
            v128.store(d, i32x4.shuffle(v, v, 1, 1, 1, 1), 16);
            v128.store(d, i32x4.shuffle(v, v, 2, 2, 2, 2), 32);
            v128.store(d, i32x4.shuffle(v, v, 3, 3, 3, 3), 48);
          } else {
            const z = i32x4.splat(0);
            v128.store(d, z); v128.store(d, z, 16); v128.store(d, z, 32); v128.store(d, z, 48);
          }
          d += kStep;
          if (++ox == OW) { ox = 0; if (++oy == OH) { oy = 0; b++; } }
        }
        done = true;
      }
    }
    if (!done) {
      for (let r = 0; r < MR; r++) {
        let d = dst + <usize>r * A_ELEM;
        if (r >= rows) {
          for (let p = 0; p < kc; p++) { storeZeroA(d); d += kStep; }
          continue;
        }
        const rr = i + r;
        const tp = rr / C, c = rr - tp * C;
        const rky = tp / KW, rkx = tp - rky * KW;
        const dy = rky * cvDH - cvPT, dx = rkx * cvDW - cvPL;
        let ox = ox0, oy = oy0, b = b0;
        for (let p = 0; p < kc; p++) {
          const iy = oy * cvSH + dy, ix = ox * cvSW + dx;
          if (<u32>iy < <u32>H && <u32>ix < <u32>W) storeA(d, x + <usize>b * image + (<usize>((iy * W + ix) * C + c) << 2));
          else storeZeroA(d);
          d += kStep;
          if (++ox == OW) { ox = 0; if (++oy == OH) { oy = 0; b++; } }
        }
      }
    }
    dst += <usize>kc * kStep;
  }
}

// ---- the driver ----

const A_IM2COL: i32 = 0;     // A = im2col(x)
const A_IM2COL_T: i32 = 1;   // A = im2col(x)ᵀ

/**
 * Rows i0..i1, columns j0..j1 of C[m, n] (row stride n) = A · B[k, n] with A packed from x by
 * `kind`; the epilogue set by the caller runs on the last K block. matmul.ts gemmF32's blocking,
 * with packA replaced. i0 is a multiple of MR and j0 of NR (a thread's part; see the top).
 */
function convGemm(kind: i32, x: usize, b: usize, c: usize, n: i32, k: i32, scratch: usize,
  i0: i32, i1: i32, j0: i32, j1: i32): void {
  if (i1 <= i0 || j1 <= j0) return;
  const base = (scratch + 15) & ~(<usize>15);
  const tile = base;
  const packedA = tile + (<usize>TILE_FLOATS << 2);
  const kcMax = min(KC, k);
  const packedB = packedA + <usize>(min(MC, roundUpTo(i1 - i0, MR)) * kcMax) * A_ELEM;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0, last = pc + kc == k;
      packB(b, false, k, n, pc, kc, jc, nc, packedB);
      const panelB = <usize>(NR * kc) << 2, panelA = <usize>(MR * kc) * A_ELEM;
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        if (kind == A_IM2COL) packRows(x, ic, mc, pc, kc, packedA);
        else packCols(x, ic, mc, pc, kc, packedA);
        let pb = packedB;
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const j = jc + jr;
          let pa = packedA;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const i = ic + ir;
            const cTile = c + (<usize>(i * n + j) << 2);
            if (ASC_FEATURE_SIMD) {
              if (rows == MR && cols == NR) {
                kernel4x8(pa, pb, 32, kc, cTile, n, i, j, first, last);
              } else {
                kernel4x8(pa, pb, 32, kc, tile, NR, 0, 0, true, false);
                storeTile(tile, cTile, n, rows, cols, i, j, first, last);
              }
            } else {
              kernel4x8Scalar(pa, pb, kc, tile);
              storeTile(tile, cTile, n, rows, cols, i, j, first, last);
            }
            pa += panelA;
          }
          pb += panelB;
        }
      }
    }
  }
}

/** Whether im2col(x) is x itself: a 1x1 window, stride 1, no padding (a pointwise convolution). */
// @ts-ignore: decorator
@inline function pointwise(): bool {
  return cvKH == 1 && cvKW == 1 && cvSH == 1 && cvSW == 1 && cvPT == 0 && cvPL == 0 && cvOH == cvH && cvOW == cvW;
}

/** Scratch bytes convForwardF32 needs for `cout` output channels (after convGeometry). */
export function convForwardScratchBytes(cout: i32): usize {
  const m = cvN * cvOH * cvOW, k = cvKH * cvKW * cvC;
  return pointwise() ? gemmScratchBytes(m, cout, k) : convScratchBytes(m, cout, k);
}

/**
 * y[N, OH, OW, cout] = act(conv(x, filter[KH, KW, C, cout]) + bias): the bias / prelu weights
 * addressed per output pixel row i and channel j as gemmF32 addresses them.
 */
export function convForwardF32(
  x: usize, filter: usize, y: usize, cout: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
  scratch: usize,
): void {
  const m = cvN * cvOH * cvOW, k = cvKH * cvKW * cvC;
  if (m <= 0 || cout <= 0) return;
  if (k <= 0 || pointwise()) {
    // A pointwise convolution is the plain product x[M, C] · filter[C, cout] (and an empty
    // window is the bias alone): the GEMM, with its small-shape paths.
    gemmF32(x, filter, y, m, cout, k, false, false, cout, bias, biasRowStride, biasColStride,
      act, alpha, prelu, preluRowStride, preluColStride, scratch);
    return;
  }
  setEpilogue(bias, biasRowStride, biasColStride, act, alpha, prelu, preluRowStride, preluColStride);
  convGemm(A_IM2COL, x, filter, y, cout, k, scratch, 0, m, 0, cout);
}

/**
 * Output pixels rowStart..rowEnd of convForwardF32 (rowStart a multiple of MR), the geometry
 * read from `geom`: one thread's part. A pointwise convolution goes to gemmF32Part, so the
 * caller splits it only where gemmF32 takes its blocked path (m >= 8, cout > 1); an empty
 * window (k = 0) is not split.
 */
export function convForwardRowsF32(
  geom: usize, x: usize, filter: usize, y: usize, cout: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
  scratch: usize, rowStart: i32, rowEnd: i32,
): void {
  loadGeometry(geom);
  const m = cvN * cvOH * cvOW, k = cvKH * cvKW * cvC;
  if (m <= 0 || cout <= 0 || k <= 0) return;
  if (pointwise()) {
    gemmF32Part(x, filter, y, m, cout, k, false, false, cout, bias, biasRowStride, biasColStride,
      act, alpha, prelu, preluRowStride, preluColStride, scratch, rowStart, rowEnd, 0, cout);
    return;
  }
  setEpilogue(bias, biasRowStride, biasColStride, act, alpha, prelu, preluRowStride, preluColStride);
  convGemm(A_IM2COL, x, filter, y, cout, k, scratch, rowStart, min(rowEnd, m), 0, cout);
}

/** Scratch bytes convFilterGradF32 needs (after convGeometry). */
export function convFilterGradScratchBytes(cout: i32): usize {
  const m = cvKH * cvKW * cvC, k = cvN * cvOH * cvOW;
  return pointwise() ? gemmScratchBytes(m, cout, k) : convScratchBytes(m, cout, k);
}

/** dW[KH, KW, C, cout] = im2col(x)ᵀ · dy[N·OH·OW, cout]. */
export function convFilterGradF32(x: usize, dy: usize, dw: usize, cout: i32, scratch: usize): void {
  const m = cvKH * cvKW * cvC, k = cvN * cvOH * cvOW;
  if (m <= 0 || cout <= 0) return;
  if (k <= 0 || pointwise()) {
    gemmF32(x, dy, dw, m, cout, k, true, false, cout, 0, 0, 0, ACT_LINEAR, 0, 0, 0, 0, scratch);
    return;
  }
  setEpilogue(0, 0, 0, ACT_LINEAR, 0, 0, 0, 0);
  convGemm(A_IM2COL_T, x, dy, dw, cout, k, scratch, 0, m, 0, cout);
}

/**
 * Rows i0..i1 (taps x channels, i0 a multiple of MR) and columns j0..j1 (output channels, j0 a
 * multiple of NR) of convFilterGradF32's dW, the geometry read from `geom`: one thread's part.
 * Pointwise, it is gemmF32Part over rows i0..i1 (all columns), so the caller splits a pointwise
 * gradient by rows only and only where gemmF32 is blocked (m >= 8, cout > 1).
 */
export function convFilterGradPartF32(geom: usize, x: usize, dy: usize, dw: usize, cout: i32, scratch: usize,
  i0: i32, i1: i32, j0: i32, j1: i32): void {
  loadGeometry(geom);
  const m = cvKH * cvKW * cvC, k = cvN * cvOH * cvOW;
  if (m <= 0 || cout <= 0 || k <= 0) return;
  if (pointwise()) {
    gemmF32Part(x, dy, dw, m, cout, k, true, false, cout, 0, 0, 0, ACT_LINEAR, 0, 0, 0, 0, scratch, i0, i1, 0, cout);
    return;
  }
  setEpilogue(0, 0, 0, ACT_LINEAR, 0, 0, 0, 0);
  convGemm(A_IM2COL_T, x, dy, dw, cout, k, scratch, i0, min(i1, m), j0, min(j1, cout));
}

/**
 * The filter of the stride-1 input gradient: dst[KH-1-ky, KW-1-kx, co, ci] = filter[ky, kx, ci, co]
 * (the window flipped, input and output channels swapped).
 */
export function convFlipFilterF32(filter: usize, dst: usize, kh: i32, kw: i32, cin: i32, cout: i32): void {
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const src = filter + (<usize>((ky * kw + kx) * cin * cout) << 2);
      const out = dst + (<usize>(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cout * cin) << 2);
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) {
          store<f32>(out + (<usize>(co * cin + ci) << 2), load<f32>(src + (<usize>(ci * cout + co) << 2)));
        }
      }
    }
  }
}

/** Output pixels per GEMM call of the strided input gradient (a multiple of MR). */
// @ts-ignore: decorator
@inline function colsChunkRows(): i32 {
  const kk = max(1, cvKH * cvKW * cvC);
  const m = cvN * cvOH * cvOW;
  return min(roundUpTo(max(1, m), MR), max(MR, (COLS_BYTES / (kk << 2)) / MR * MR));
}

/** Scratch bytes convInputGradColsF32 needs for `cout` channels of dy (after convGeometry). */
export function convInputGradColsScratchBytes(cout: i32): usize {
  const kk = cvKH * cvKW * cvC;
  if (kk <= 0 || cvN * cvOH * cvOW <= 0) return 0;
  const rows = colsChunkRows();
  return (<usize>rows * <usize>kk << 2) + convScratchBytes(rows, kk, cout) + 16;
}

/**
 * dx[N, H, W, C] = conv_transpose(dy[N, OH, OW, cout], filter[KH, KW, C, cout]) for any stride:
 * per chunk of output pixels, cols = dy_chunk · filterᵀ (the GEMM reads the filter transposed in
 * its packing), then each column is added where its tap reads x (col2im).
 */
export function convInputGradColsF32(dy: usize, filter: usize, dx: usize, cout: i32, scratch: usize): void {
  colsPart(dy, filter, dx, cout, scratch, 0, cvN * cvH);
}

/**
 * Rows g0..g1 of convInputGradColsF32's dx, counted over the whole batch (row g is row g % H of
 * image g / H), the geometry read from `geom`: one thread's part. A part of whole images takes
 * their output pixels in chunks as one thread does; a part of some rows of an image computes the
 * columns of every output row whose window reaches them (the neighbours' halo: (KH-1)·DH/SH
 * rows more) and adds only the taps that land in its rows. Either way each dx element receives
 * the same columns in the same (pixel) order as on one thread, and a column's values do not
 * depend on its chunk (the blocked GEMM sums each element alike wherever it sits).
 */
export function convInputGradColsPartF32(geom: usize, dy: usize, filter: usize, dx: usize, cout: i32, scratch: usize,
  g0: i32, g1: i32): void {
  loadGeometry(geom);
  colsPart(dy, filter, dx, cout, scratch, g0, min(g1, cvN * cvH));
}

function colsPart(dy: usize, filter: usize, dx: usize, cout: i32, scratch: usize, g0: i32, g1: i32): void {
  const H = cvH, W = cvW, C = cvC, OH = cvOH, OW = cvOW;
  if (g1 <= g0) return;
  const rowBytes = <usize>W * <usize>C << 2;
  memory.fill(dx + <usize>g0 * rowBytes, 0, <usize>(g1 - g0) * rowBytes);
  const kk = cvKH * cvKW * C, m = cvN * OH * OW;
  // No dy channels: dx is the zeros just written (the GEMM would leave the columns unwritten).
  if (kk <= 0 || m <= 0 || cout <= 0) return;
  const pix = OH * OW;
  if (g0 % H == 0 && g1 % H == 0) {
    colsRange(dy, filter, dx, cout, scratch, g0 / H * pix, g1 / H * pix, 0, H);
    return;
  }
  for (let b = g0 / H; b * H < g1; b++) {
    const h0 = max(0, g0 - b * H), h1 = min(H, g1 - b * H);
    // Output rows whose window (rows oy·SH - PT .. + (KH-1)·DH) reaches input rows h0..h1.
    const lo = h0 + cvPT - (cvKH - 1) * cvDH;
    const oyLo = lo <= 0 ? 0 : (lo + cvSH - 1) / cvSH;
    const oyHi = min(OH - 1, (h1 - 1 + cvPT) / cvSH);
    if (oyLo > oyHi) continue;
    colsRange(dy, filter, dx, cout, scratch, b * pix + oyLo * OW, b * pix + (oyHi + 1) * OW, h0, h1);
  }
}

/** The columns of output pixels p0..p1, added into dx's rows h0..h1 of each image (the rest skipped). */
function colsRange(dy: usize, filter: usize, dx: usize, cout: i32, scratch: usize, p0: i32, p1: i32, h0: i32, h1: i32): void {
  const C = cvC, KW = cvKW, KH = cvKH, W = cvW, H = cvH, OW = cvOW, OH = cvOH;
  const kk = KH * KW * C;
  const chunk = colsChunkRows();
  const cols = (scratch + 15) & ~(<usize>15);
  const gemmScratch = cols + (<usize>chunk * <usize>kk << 2);
  const image = <usize>H * <usize>W * <usize>C << 2;
  for (let row0 = p0; row0 < p1; row0 += chunk) {
    const rows = min(chunk, p1 - row0);
    // Always the blocked GEMM (not gemmF32's matrix-vector paths for 1 or 2 rows): a pixel's
    // column is then the same whatever chunk it falls in.
    gemmF32Part(dy + (<usize>row0 * <usize>cout << 2), filter, cols, rows, kk, cout, false, true, kk,
      0, 0, 0, ACT_LINEAR, 0, 0, 0, 0, gemmScratch, 0, rows, 0, kk);
    let src = cols;
    for (let r = 0; r < rows; r++) {
      const i = row0 + r;
      const ox = i % OW, t = i / OW;
      const oy = t % OH, b = t / OH;
      const img = dx + <usize>b * image;
      for (let ky = 0; ky < KH; ky++) {
        const iy = oy * cvSH - cvPT + ky * cvDH;
        if (iy < h0 || iy >= h1) { src += <usize>(KW * C) << 2; continue; }
        for (let kx = 0; kx < KW; kx++) {
          const ix = ox * cvSW - cvPL + kx * cvDW;
          if (<u32>ix < <u32>W) addRun(img + (<usize>((iy * W + ix) * C) << 2), src, C);
          src += <usize>C << 2;
        }
      }
    }
  }
}

/** dst[0..n] += src[0..n]. */
// @ts-ignore: decorator
@inline function addRun(dst: usize, src: usize, n: i32): void {
  let q = 0;
  if (ASC_FEATURE_SIMD) {
    for (; q + 4 <= n; q += 4) {
      const o = <usize>q << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; q < n; q++) {
    const o = <usize>q << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
