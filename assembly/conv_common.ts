// What the convolution, depthwise and pooling kernels share (assembly/conv.ts, depthwise.ts,
// pool.ts): the geometry of one 2-D window operation, and the layout moves around it.
//
// The geometry lives in module globals set by convGeometry() before each call (wasm globals,
// not static data: no data segment), so the kernels keep short signatures, as the GEMM epilogue
// does. It always describes the FORWARD operation: x is [N, H, W, C] (NHWC), the output
// [N, OH, OW, *]; a window tap (ky, kx) of output (oy, ox) reads input row
// oy·SH - PT + ky·DH and column ox·SW - PL + kx·DW (outside the input it reads 0).

export let cvN: i32 = 0;
export let cvH: i32 = 0;
export let cvW: i32 = 0;
export let cvC: i32 = 0;
export let cvOH: i32 = 0;
export let cvOW: i32 = 0;
export let cvKH: i32 = 0;
export let cvKW: i32 = 0;
export let cvSH: i32 = 1;
export let cvSW: i32 = 1;
export let cvDH: i32 = 1;
export let cvDW: i32 = 1;
export let cvPT: i32 = 0;
export let cvPL: i32 = 0;

/** Sets the geometry the next convolution, depthwise or pooling call works on. */
export function convGeometry(
  n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
): void {
  cvN = n; cvH = h; cvW = w; cvC = c; cvOH = oh; cvOW = ow; cvKH = kh; cvKW = kw;
  cvSH = sh; cvSW = sw; cvDH = dh; cvDW = dw; cvPT = padTop; cvPL = padLeft;
}

/**
 * Sets the geometry from 14 i32 at p, in convGeometry's argument order: how a worker thread
 * (src/backend/threads.ts) gets it, since its instance of the module has globals of its own and
 * a worker call takes at most 24 arguments.
 */
export function loadGeometry(p: usize): void {
  convGeometry(
    load<i32>(p), load<i32>(p, 4), load<i32>(p, 8), load<i32>(p, 12), load<i32>(p, 16), load<i32>(p, 20),
    load<i32>(p, 24), load<i32>(p, 28), load<i32>(p, 32), load<i32>(p, 36), load<i32>(p, 40),
    load<i32>(p, 44), load<i32>(p, 48), load<i32>(p, 52),
  );
}

// @ts-ignore: decorator
@inline export function roundUpTo(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/**
 * dst[b][j][i] = src[b][i][j] for `batch` matrices of rows x cols floats: NCHW <-> NHWC
 * ([N, C, HW] <-> [N, HW, C]) for the channels-first convolutions. Blocked 8x8 so both the
 * reads and the writes stay within a few cache lines.
 */
export function transposeBatched(src: usize, dst: usize, batch: i32, rows: i32, cols: i32): void {
  const mat = <usize>rows * <usize>cols << 2;
  for (let b = 0; b < batch; b++) {
    for (let i0 = 0; i0 < rows; i0 += 8) {
      const i1 = min(rows, i0 + 8);
      for (let j0 = 0; j0 < cols; j0 += 8) {
        const j1 = min(cols, j0 + 8);
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            store<f32>(dst + (<usize>(j * rows + i) << 2), load<f32>(src + (<usize>(i * cols + j) << 2)));
          }
        }
      }
    }
    src += mat;
    dst += mat;
  }
}

/**
 * dst[i0,i1,i2,i3] = src[i0·s0 + i1·s1 + i2·s2 + i3·s3] over a [d0, d1, d2, d3] output: a
 * bias or prelu weight of a shape whose broadcast is not one row stride (say [1, OH, 1, C])
 * materialised to the output's shape, so the epilogue can address it like any other.
 */
export function broadcast4(dst: usize, src: usize, d0: i32, d1: i32, d2: i32, d3: i32, s0: i32, s1: i32, s2: i32, s3: i32): void {
  for (let a = 0; a < d0; a++) {
    for (let b = 0; b < d1; b++) {
      for (let c = 0; c < d2; c++) {
        const row = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < d3; d++) {
          store<f32>(dst, load<f32>(src + (<usize>(row + d * s3) << 2)));
          dst += 4;
        }
      }
    }
  }
}
