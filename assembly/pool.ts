// 2-D pooling, NHWC, float32, SIMD over channels: MaxPoolGrad and AvgPoolGrad, and the forward
// MaxPool / AvgPool for the paddings tfjs-backend-wasm gets wrong.
// Measured against tfjs-backend-wasm on the MNIST CNN's and MobileNet's pools (2x2/2 on
// [64,26,26,32] and [64,11,11,64], 3x3/2 'same' on [8,112,112,32]): the gradients run 7-15x (max)
// and 30x (average) faster than its loops; for the forward pools its XNNPACK kernels were 1-2x
// faster than these (a window over C channels has nothing to reuse), so 'as' keeps XNNPACK for
// 'same' and 'valid' padding and runs these only with a numeric or explicit pad, where XNNPACK
// returns garbage or writes past its output (src/kernels/MaxPool.ts).
// Geometry: conv_common.ts (the forward window; C channels in and out). The semantics are
// tfjs-backend-cpu's: max takes the window's first largest value (a later equal one does not
// replace it, NaN never does; no value at all gives -Infinity) and its gradient goes there; the
// average divides by the taps inside the input; the average gradient spreads dy / (KH·KW) over
// the taps inside the input (tfjs' rule, even where the forward average divided by fewer taps).
import {cvN, cvH, cvW, cvC, cvOH, cvOW, cvKH, cvKW, cvSH, cvSW, cvDH, cvDW, cvPT, cvPL} from './conv_common';

// @ts-ignore: decorator
@inline function inside(i: i32, n: i32): bool {
  return <u32>i < <u32>n;
}

export function maxPoolF32(x: usize, y: usize): void {
  const C = cvC, H = cvH, W = cvW;
  const rowBytes = <usize>C << 2;
  let yp = y;
  for (let b = 0; b < cvN; b++) {
    const img = x + <usize>b * <usize>H * <usize>W * rowBytes;
    for (let oy = 0; oy < cvOH; oy++) {
      const iy0 = oy * cvSH - cvPT;
      for (let ox = 0; ox < cvOW; ox++) {
        const ix0 = ox * cvSW - cvPL;
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            let m = f32x4.splat(-Infinity);
            for (let ky = 0; ky < cvKH; ky++) {
              const iy = iy0 + ky * cvDH;
              if (!inside(iy, H)) continue;
              for (let kx = 0; kx < cvKW; kx++) {
                const ix = ix0 + kx * cvDW;
                if (!inside(ix, W)) continue;
                const v = v128.load(img + <usize>(iy * W + ix) * rowBytes + (<usize>c << 2));
                m = v128.bitselect(v, m, f32x4.gt(v, m));   // '>': NaN and ties keep the first
              }
            }
            v128.store(yp + (<usize>c << 2), m);
          }
        }
        for (; c < C; c++) {
          let m: f32 = -Infinity;
          for (let ky = 0; ky < cvKH; ky++) {
            const iy = iy0 + ky * cvDH;
            if (!inside(iy, H)) continue;
            for (let kx = 0; kx < cvKW; kx++) {
              const ix = ix0 + kx * cvDW;
              if (!inside(ix, W)) continue;
              const v = load<f32>(img + <usize>(iy * W + ix) * rowBytes + (<usize>c << 2));
              if (v > m) m = v;
            }
          }
          store<f32>(yp + (<usize>c << 2), m);
        }
        yp += rowBytes;
      }
    }
  }
}

export function avgPoolF32(x: usize, y: usize): void {
  const C = cvC, H = cvH, W = cvW;
  const rowBytes = <usize>C << 2;
  let yp = y;
  for (let b = 0; b < cvN; b++) {
    const img = x + <usize>b * <usize>H * <usize>W * rowBytes;
    for (let oy = 0; oy < cvOH; oy++) {
      const iy0 = oy * cvSH - cvPT;
      for (let ox = 0; ox < cvOW; ox++) {
        const ix0 = ox * cvSW - cvPL;
        let count = 0;
        for (let ky = 0; ky < cvKH; ky++) {
          if (!inside(iy0 + ky * cvDH, H)) continue;
          for (let kx = 0; kx < cvKW; kx++) if (inside(ix0 + kx * cvDW, W)) count++;
        }
        const n = <f32>count;   // no tap inside: 0 / 0 = NaN, as tfjs-backend-cpu
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            let s = f32x4.splat(0);
            for (let ky = 0; ky < cvKH; ky++) {
              const iy = iy0 + ky * cvDH;
              if (!inside(iy, H)) continue;
              for (let kx = 0; kx < cvKW; kx++) {
                const ix = ix0 + kx * cvDW;
                if (!inside(ix, W)) continue;
                s = f32x4.add(s, v128.load(img + <usize>(iy * W + ix) * rowBytes + (<usize>c << 2)));
              }
            }
            v128.store(yp + (<usize>c << 2), f32x4.div(s, f32x4.splat(n)));
          }
        }
        for (; c < C; c++) {
          let s: f32 = 0;
          for (let ky = 0; ky < cvKH; ky++) {
            const iy = iy0 + ky * cvDH;
            if (!inside(iy, H)) continue;
            for (let kx = 0; kx < cvKW; kx++) {
              const ix = ix0 + kx * cvDW;
              if (!inside(ix, W)) continue;
              s += load<f32>(img + <usize>(iy * W + ix) * rowBytes + (<usize>c << 2));
            }
          }
          store<f32>(yp + (<usize>c << 2), s / n);
        }
        yp += rowBytes;
      }
    }
  }
}

/** dx[position of the window's first maximum in x] += dy, for every output and channel. */
export function maxPoolGradF32(dy: usize, x: usize, dx: usize): void {
  const C = cvC, H = cvH, W = cvW, KW = cvKW;
  const rowBytes = <usize>C << 2;
  const image = <usize>H * <usize>W * rowBytes;
  memory.fill(dx, 0, <usize>cvN * image);
  let dyp = dy;
  for (let b = 0; b < cvN; b++) {
    const img = x + <usize>b * image, dimg = dx + <usize>b * image;
    for (let oy = 0; oy < cvOH; oy++) {
      const iy0 = oy * cvSH - cvPT;
      for (let ox = 0; ox < cvOW; ox++) {
        const ix0 = ox * cvSW - cvPL;
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            // The maximum and the tap it came from, lane by lane (tap -1: none).
            let m = f32x4.splat(-Infinity), at = i32x4.splat(-1);
            for (let ky = 0; ky < cvKH; ky++) {
              const iy = iy0 + ky * cvDH;
              if (!inside(iy, H)) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ix0 + kx * cvDW;
                if (!inside(ix, W)) continue;
                const v = v128.load(img + <usize>(iy * W + ix) * rowBytes + (<usize>c << 2));
                const gt = f32x4.gt(v, m);
                m = v128.bitselect(v, m, gt);
                at = v128.bitselect(i32x4.splat(ky * KW + kx), at, gt);
              }
            }
            const g = dyp + (<usize>c << 2);
            scatterLane(dimg, i32x4.extract_lane(at, 0), iy0, ix0, c, load<f32>(g));
            scatterLane(dimg, i32x4.extract_lane(at, 1), iy0, ix0, c + 1, load<f32>(g, 4));
            scatterLane(dimg, i32x4.extract_lane(at, 2), iy0, ix0, c + 2, load<f32>(g, 8));
            scatterLane(dimg, i32x4.extract_lane(at, 3), iy0, ix0, c + 3, load<f32>(g, 12));
          }
        }
        for (; c < C; c++) {
          let m: f32 = -Infinity;
          let at = -1;
          for (let ky = 0; ky < cvKH; ky++) {
            const iy = iy0 + ky * cvDH;
            if (!inside(iy, H)) continue;
            for (let kx = 0; kx < KW; kx++) {
              const ix = ix0 + kx * cvDW;
              if (!inside(ix, W)) continue;
              const v = load<f32>(img + <usize>(iy * W + ix) * rowBytes + (<usize>c << 2));
              if (v > m) { m = v; at = ky * KW + kx; }
            }
          }
          scatterLane(dimg, at, iy0, ix0, c, load<f32>(dyp + (<usize>c << 2)));
        }
        dyp += rowBytes;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function scatterLane(dimg: usize, tap: i32, iy0: i32, ix0: i32, c: i32, g: f32): void {
  if (tap < 0) return;
  const ky = tap / cvKW, kx = tap - ky * cvKW;
  const p = dimg + (<usize>(((iy0 + ky * cvDH) * cvW + ix0 + kx * cvDW) * cvC + c) << 2);
  store<f32>(p, load<f32>(p) + g);
}

/** dx[every tap inside x] += dy / (KH·KW), for every output and channel. */
export function avgPoolGradF32(dy: usize, dx: usize): void {
  const C = cvC, H = cvH, W = cvW;
  const rowBytes = <usize>C << 2;
  const image = <usize>H * <usize>W * rowBytes;
  memory.fill(dx, 0, <usize>cvN * image);
  const scale: f32 = 1 / <f32>(cvKH * cvKW);
  let dyp = dy;
  for (let b = 0; b < cvN; b++) {
    const dimg = dx + <usize>b * image;
    for (let oy = 0; oy < cvOH; oy++) {
      const iy0 = oy * cvSH - cvPT;
      for (let ox = 0; ox < cvOW; ox++) {
        const ix0 = ox * cvSW - cvPL;
        for (let ky = 0; ky < cvKH; ky++) {
          const iy = iy0 + ky * cvDH;
          if (!inside(iy, H)) continue;
          for (let kx = 0; kx < cvKW; kx++) {
            const ix = ix0 + kx * cvDW;
            if (!inside(ix, W)) continue;
            const p = dimg + <usize>(iy * W + ix) * rowBytes;
            let c = 0;
            if (ASC_FEATURE_SIMD) {
              const s = f32x4.splat(scale);
              for (; c + 4 <= C; c += 4) {
                const o = <usize>c << 2;
                v128.store(p + o, f32x4.add(v128.load(p + o), f32x4.mul(v128.load(dyp + o), s)));
              }
            }
            for (; c < C; c++) {
              const o = <usize>c << 2;
              store<f32>(p + o, load<f32>(p + o) + load<f32>(dyp + o) * scale);
            }
          }
        }
        dyp += rowBytes;
      }
    }
  }
}
