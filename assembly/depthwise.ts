// Depthwise 2-D convolution (DepthwiseConv2dNative, FusedDepthwiseConv2D) and its gradients,
// NHWC, float32: direct SIMD loops over channels. A depthwise window has no reduction over
// channels, so there is no GEMM to map it on; the work per tap is a vector multiply-add per
// four channels, and the loops are arranged so that the vectors run along C (contiguous in NHWC).
//
// x [N, H, W, C], filter [KH, KW, C, mult], y [N, OH, OW, C·mult]: output channel oc = c·mult + q
// reads input channel c = oc / mult with filter element [ky, kx, oc] (the filter's last two
// dimensions flattened are the output channel). Geometry: conv_common.ts (the forward operation).
//
// Threads (the *Part exports, which load the geometry a worker's instance lacks): the forward
// pass splits by output pixel ranges, each part computing all channels of its pixels, which are
// the same loops in the same order as on one thread. (Split by channels, each thread of a
// 32-channel MobileNet layer read every input pixel's cache lines for 16 channels of them: 1.07x
// on 2 threads, where pixel ranges read disjoint rows.) The gradients split by channel ranges
// (channels never mix in a depthwise window): the filter gradient by output channels, the input
// gradient by input channels, each range starting at a multiple of 4 so every channel takes the
// same vector or scalar path, in the same tap order, as on one thread. Results are bit-identical
// for any thread count.
import {madd} from './gemm_kernel';
import {epOn, finish1, finishStored4, setEpilogue} from './gemm_epilogue';
import {cvN, cvH, cvW, cvC, cvOH, cvOW, cvKH, cvKW, cvSH, cvSW, cvDH, cvDW, cvPT, cvPL, loadGeometry} from './conv_common';

/** Four input channels for output channels oc..oc+3 (oc / mult each); a plain load when mult is 1. */
// @ts-ignore: decorator
@inline function inputLanes(xp: usize, oc: i32, mult: i32): v128 {
  if (mult == 1) return v128.load(xp + (<usize>oc << 2));
  let v = f32x4.splat(load<f32>(xp + (<usize>(oc / mult) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(xp + (<usize>((oc + 1) / mult) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(xp + (<usize>((oc + 2) / mult) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(xp + (<usize>((oc + 3) / mult) << 2)));
}

/**
 * y = act(depthwise(x, filter) + bias), the bias / prelu weights addressed per output pixel row
 * and output channel as gemmF32 addresses them (gemm_epilogue.ts).
 */
export function depthwiseF32(
  x: usize, filter: usize, y: usize, mult: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
): void {
  setEpilogue(bias, biasRowStride, biasColStride, act, alpha, prelu, preluRowStride, preluColStride);
  forwardPixels(x, filter, y, mult, 0, cvN * cvOH * cvOW);
}

/** depthwiseF32 for output pixels [p0, p1) (pixel = (b·OH + oy)·OW + ox), the geometry read from `geom`. */
export function depthwisePartF32(
  geom: usize, x: usize, filter: usize, y: usize, mult: i32,
  bias: usize, biasRowStride: i32, biasColStride: i32,
  act: i32, alpha: f32, prelu: usize, preluRowStride: i32, preluColStride: i32,
  p0: i32, p1: i32,
): void {
  loadGeometry(geom);
  setEpilogue(bias, biasRowStride, biasColStride, act, alpha, prelu, preluRowStride, preluColStride);
  forwardPixels(x, filter, y, mult, p0, p1);
}

function forwardPixels(x: usize, filter: usize, y: usize, mult: i32, p0: i32, p1: i32): void {
  const C = cvC, OC = cvC * mult, H = cvH, W = cvW, KH = cvKH, KW = cvKW;
  const tapBytes = <usize>OC << 2;
  let b = p0 / (cvOH * cvOW), oy = p0 / cvOW % cvOH, ox = p0 % cvOW;
  let yp = y + <usize>p0 * tapBytes;
  for (let i = p0; i < p1; i++) {   // output pixel i = row of the epilogue
    const img = x + (<usize>b * <usize>H * <usize>W * <usize>C << 2);
    const iy0 = oy * cvSH - cvPT;
    const ix0 = ox * cvSW - cvPL;
    let oc = 0;
    if (ASC_FEATURE_SIMD) {
      if (mult == 1) {
        // Sixteen channels per pass: four accumulators share each tap's bounds checks.
        for (; oc + 16 <= OC; oc += 16) {
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          for (let ky = 0; ky < KH; ky++) {
            const iy = iy0 + ky * cvDH;
            if (<u32>iy >= <u32>H) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ix0 + kx * cvDW;
              if (<u32>ix >= <u32>W) continue;
              const xp = img + (<usize>((iy * W + ix) * C + oc) << 2);
              const fp = filter + <usize>(ky * KW + kx) * tapBytes + (<usize>oc << 2);
              a0 = madd(v128.load(xp), v128.load(fp), a0);
              a1 = madd(v128.load(xp, 16), v128.load(fp, 16), a1);
              a2 = madd(v128.load(xp, 32), v128.load(fp, 32), a2);
              a3 = madd(v128.load(xp, 48), v128.load(fp, 48), a3);
            }
          }
          const o = yp + (<usize>oc << 2);
          v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        }
      }
      for (; oc + 4 <= OC; oc += 4) {
        let a = f32x4.splat(0);
        for (let ky = 0; ky < KH; ky++) {
          const iy = iy0 + ky * cvDH;
          if (<u32>iy >= <u32>H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ix0 + kx * cvDW;
            if (<u32>ix >= <u32>W) continue;
            const xp = img + (<usize>((iy * W + ix) * C) << 2);
            a = madd(inputLanes(xp, oc, mult), v128.load(filter + <usize>(ky * KW + kx) * tapBytes + (<usize>oc << 2)), a);
          }
        }
        v128.store(yp + (<usize>oc << 2), a);
      }
    }
    for (; oc < OC; oc++) {
      let a: f32 = 0;
      const c = oc / mult;
      for (let ky = 0; ky < KH; ky++) {
        const iy = iy0 + ky * cvDH;
        if (<u32>iy >= <u32>H) continue;
        for (let kx = 0; kx < KW; kx++) {
          const ix = ix0 + kx * cvDW;
          if (<u32>ix >= <u32>W) continue;
          a += load<f32>(img + (<usize>((iy * W + ix) * C + c) << 2)) *
               load<f32>(filter + <usize>(ky * KW + kx) * tapBytes + (<usize>oc << 2));
        }
      }
      store<f32>(yp + (<usize>oc << 2), a);
    }
    if (epOn) {
      let j = 0;
      if (ASC_FEATURE_SIMD) for (; j + 4 <= OC; j += 4) finishStored4(yp + (<usize>j << 2), i, j, false);
      for (; j < OC; j++) store<f32>(yp + (<usize>j << 2), finish1(load<f32>(yp + (<usize>j << 2)), i, j));
    }
    yp += tapBytes;
    if (++ox == cvOW) {
      ox = 0;
      if (++oy == cvOH) {
        oy = 0;
        b++;
      }
    }
  }
}

/**
 * dx[N, H, W, C] = Σ over outputs and taps of dy·filter, scattered to the input position each
 * tap read (the transpose of the forward gather). With mult > 1 an input channel sums its
 * mult output channels first.
 */
export function depthwiseInputGradF32(dy: usize, filter: usize, dx: usize, mult: i32): void {
  inputGradChannels(dy, filter, dx, cvC, mult, 0, cvC);
}

/**
 * depthwiseInputGradF32 for input channels [c0, c1) (c0 a multiple of 4), the geometry read from
 * `geom`. The sums run in `scratch` (N·H·W·(c1 - c0) floats, this part's own, 64-byte aligned:
 * the range's channels of each pixel side by side) and are copied into dx at the end: every tap
 * adds into dx, and two threads adding into the cache lines dx's pixels share at a range's ends
 * made the split slower than one thread.
 */
export function depthwiseInputGradPartF32(
  geom: usize, dy: usize, filter: usize, dx: usize, mult: i32, c0: i32, c1: i32, scratch: usize,
): void {
  loadGeometry(geom);
  const width = c1 - c0, pixels = cvN * cvH * cvW;
  // Channel c of pixel p at scratch + (p·width + c - c0)·4.
  inputGradChannels(dy, filter, scratch - (<usize>c0 << 2), width, mult, c0, c1);
  const rowBytes = <usize>cvC << 2, bytes = <usize>width << 2;
  let src = scratch, dst = dx + (<usize>c0 << 2);
  for (let p = 0; p < pixels; p++, src += bytes, dst += rowBytes) memory.copy(dst, src, bytes);
}

/** Zeroes channels [c0, c1) of `count` pixels of `channels` floats each. */
function zeroChannels(p: usize, count: i32, channels: i32, c0: i32, c1: i32): void {
  if (c0 == 0 && c1 == channels) {
    memory.fill(p, 0, <usize>count * <usize>channels << 2);
    return;
  }
  const stride = <usize>channels << 2, bytes = <usize>(c1 - c0) << 2;
  let q = p + (<usize>c0 << 2);
  for (let i = 0; i < count; i++, q += stride) memory.fill(q, 0, bytes);
}

/** The input gradient of channels [c0, c1) into dx, whose pixels are `stride` floats apart. */
function inputGradChannels(dy: usize, filter: usize, dx: usize, stride: i32, mult: i32, c0: i32, c1: i32): void {
  const C = stride, OC = cvC * mult, H = cvH, W = cvW, KH = cvKH, KW = cvKW;
  zeroChannels(dx, cvN * H * W, C, c0, c1);
  const tapBytes = <usize>OC << 2;
  let dyp = dy;
  for (let b = 0; b < cvN; b++) {
    const img = dx + (<usize>b * <usize>H * <usize>W * <usize>C << 2);
    for (let oy = 0; oy < cvOH; oy++) {
      const iy0 = oy * cvSH - cvPT;
      for (let ox = 0; ox < cvOW; ox++) {
        const ix0 = ox * cvSW - cvPL;
        for (let ky = 0; ky < KH; ky++) {
          const iy = iy0 + ky * cvDH;
          if (<u32>iy >= <u32>H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ix0 + kx * cvDW;
            if (<u32>ix >= <u32>W) continue;
            const xp = img + (<usize>((iy * W + ix) * C) << 2);
            const fp = filter + <usize>(ky * KW + kx) * tapBytes;
            let c = c0;
            if (mult == 1) {
              if (ASC_FEATURE_SIMD) {
                for (; c + 4 <= c1; c += 4) {
                  const o = <usize>c << 2;
                  v128.store(xp + o, madd(v128.load(dyp + o), v128.load(fp + o), v128.load(xp + o)));
                }
              }
              for (; c < c1; c++) {
                const o = <usize>c << 2;
                store<f32>(xp + o, load<f32>(xp + o) + load<f32>(dyp + o) * load<f32>(fp + o));
              }
            } else {
              for (; c < c1; c++) {
                let s: f32 = 0;
                for (let q = 0; q < mult; q++) {
                  const o = <usize>(c * mult + q) << 2;
                  s += load<f32>(dyp + o) * load<f32>(fp + o);
                }
                const o = <usize>c << 2;
                store<f32>(xp + o, load<f32>(xp + o) + s);
              }
            }
          }
        }
        dyp += tapBytes;
      }
    }
  }
}

/**
 * dfilter[KH, KW, C, mult] = Σ over outputs of x(tap position)·dy, accumulated into the filter
 * gradient (KH·KW·C·mult floats: it stays in L1 while the outputs stream by).
 */
export function depthwiseFilterGradF32(x: usize, dy: usize, df: usize, mult: i32): void {
  filterGradChannels(x, dy, df, mult, 0, cvC * mult);
}

/**
 * depthwiseFilterGradF32 for output channels [oc0, oc1) (oc0 a multiple of 4), the geometry read
 * from `geom`. The sums run in `scratch` (KH·KW·C·mult floats, this part's own, 64-byte aligned)
 * and are copied to df at the end: every output pixel adds into every tap's range, and two
 * threads adding into one cache line of df (a range's ends are not line-aligned in df) made the
 * split 2-4x slower than one thread.
 */
export function depthwiseFilterGradPartF32(
  geom: usize, x: usize, dy: usize, df: usize, mult: i32, oc0: i32, oc1: i32, scratch: usize,
): void {
  loadGeometry(geom);
  filterGradChannels(x, dy, scratch, mult, oc0, oc1);
  const tapBytes = <usize>(cvC * mult) << 2, offset = <usize>oc0 << 2, bytes = <usize>(oc1 - oc0) << 2;
  for (let t = 0; t < cvKH * cvKW; t++) {
    const row = <usize>t * tapBytes + offset;
    memory.copy(df + row, scratch + row, bytes);
  }
}

function filterGradChannels(x: usize, dy: usize, df: usize, mult: i32, oc0: i32, oc1: i32): void {
  const C = cvC, OC = cvC * mult, H = cvH, W = cvW, KH = cvKH, KW = cvKW;
  const tapBytes = <usize>OC << 2;
  zeroChannels(df, KH * KW, OC, oc0, oc1);
  let dyp = dy;
  for (let b = 0; b < cvN; b++) {
    const img = x + (<usize>b * <usize>H * <usize>W * <usize>C << 2);
    for (let oy = 0; oy < cvOH; oy++) {
      const iy0 = oy * cvSH - cvPT;
      for (let ox = 0; ox < cvOW; ox++) {
        const ix0 = ox * cvSW - cvPL;
        for (let ky = 0; ky < KH; ky++) {
          const iy = iy0 + ky * cvDH;
          if (<u32>iy >= <u32>H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ix0 + kx * cvDW;
            if (<u32>ix >= <u32>W) continue;
            const xp = img + (<usize>((iy * W + ix) * C) << 2);
            const fp = df + <usize>(ky * KW + kx) * tapBytes;
            let oc = oc0;
            if (ASC_FEATURE_SIMD) {
              for (; oc + 4 <= oc1; oc += 4) {
                const o = <usize>oc << 2;
                v128.store(fp + o, madd(inputLanes(xp, oc, mult), v128.load(dyp + o), v128.load(fp + o)));
              }
            }
            for (; oc < oc1; oc++) {
              const o = <usize>oc << 2;
              store<f32>(fp + o, load<f32>(fp + o) + load<f32>(xp + (<usize>(oc / mult) << 2)) * load<f32>(dyp + o));
            }
          }
        }
        dyp += tapBytes;
      }
    }
  }
}
