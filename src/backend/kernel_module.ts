// The typed face of the AssemblyScript kernels module (assembly/index.ts). Pointers are byte
// offsets into tfjs-backend-wasm's heap; `bool` parameters are passed as 0/1.
import {ACTIVATION_CODES, type GemmF32Params} from '../kernel_names.js';
import {kernelModule, type KernelVariant} from './variants.js';

/** assembly/matmul.ts gemmF32's positional arguments (the named form is GemmF32Params). */
export type GemmF32Args = [
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  transA: number,
  transB: number,
  ldc: number,
  bias: number,
  biasRowStride: number,
  biasColStride: number,
  activation: number,
  alpha: number,
  prelu: number,
  preluRowStride: number,
  preluColStride: number,
  scratch: number,
];

/** The raw exports; kernels call gemmF32 through callGemmF32 below (named parameters). */
export interface KernelExports {
  gemmScratchBytes(m: number, n: number, k: number): number;
  gemmF32(...args: GemmF32Args): void;
  /** gemmF32 over C's rows rowStart..rowEnd, columns colStart..colEnd (a thread's part, src/kernels/utils/gemm.ts). */
  gemmF32Part(...args: [...GemmF32Args, rowStart: number, rowEnd: number, colStart: number, colEnd: number]): void;
  gemmRowBlock(): number;
  gemmColBlock(): number;
  gemmI32(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number): void;
  // assembly/concat.ts, assembly/philox.ts, assembly/dropout.ts
  concatRows(out: number, table: number, parts: number, rows: number, outRowBytes: number): void;
  philox4x32(dst: number, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void;
  philoxDraws(g: number, count: number, k0: number, k1: number, bits: number, dst: number, raw: number): void;
  dropoutScratchBytes(rank: number): number;
  dropoutF32(
    x: number,
    out: number,
    dims: number,
    rank: number,
    k0: number,
    k1: number,
    bits: number,
    t: number,
    scale: number,
    scratch: number,
  ): void;
  /** dropoutF32 over x's elements e0..e1 (a thread's part, src/kernels/Dropout.ts). */
  dropoutPartF32(
    x: number,
    out: number,
    dims: number,
    rank: number,
    k0: number,
    k1: number,
    bits: number,
    t: number,
    scale: number,
    scratch: number,
    e0: number,
    e1: number,
  ): void;
  /** randomBinomial over elements j0..j1 (a thread's part, src/kernels/RandomBinomial.ts). */
  randomBinomialPart(
    out: number,
    n: number,
    kind: number,
    k0: number,
    k1: number,
    bits: number,
    t: number,
    scratch: number,
    j0: number,
    j1: number,
  ): void;
  randomBinomial(
    out: number,
    n: number,
    kind: number,
    k0: number,
    k1: number,
    bits: number,
    t: number,
    scratch: number,
  ): void;
  // assembly/optimizers.ts
  rmspropF32(
    v: number,
    g: number,
    ms: number,
    mom: number,
    outV: number,
    outMs: number,
    outMom: number,
    n: number,
    lr: number,
    decay: number,
    oneMinusDecay: number,
    momentum: number,
    eps: number,
  ): void;
  adamF32(
    v: number,
    g: number,
    m: number,
    s: number,
    outV: number,
    outM: number,
    outS: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    eps: number,
    negLr: number,
  ): void;
  sgdF32(v: number, g: number, outV: number, n: number, negLr: number): void;
  // assembly/segment.ts
  unsortedSegmentSumF32(x: number, ids: number, out: number, rows: number, inner: number, numSegments: number): void;
  // assembly/clip.ts
  clipByValueF32(x: number, out: number, n: number, lo: number, hi: number): void;
  // assembly/add.ts
  addRowsF32(a: number, aRowStride: number, b: number, bRowStride: number, out: number, rows: number, n: number): void;
  // assembly/fft.ts
  bluesteinSpectrum(chirp: number, n: number, m: number, twiddles: number, spectrum: number): void;
  fftRows(
    re: number,
    im: number,
    outRe: number,
    outIm: number,
    batch: number,
    n: number,
    m: number,
    inverse: number,
    twiddles: number,
    chirp: number,
    spectrum: number,
    work: number,
  ): void;
  complexAbsF32(re: number, im: number, out: number, n: number): void;
  unsortedSegmentSumI32(x: number, ids: number, out: number, rows: number, inner: number, numSegments: number): void;
  // assembly/conv_common.ts, assembly/conv.ts, assembly/depthwise.ts: the geometry is set first (convGeometry)
  convGeometry(
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    padTop: number,
    padLeft: number,
  ): void;
  transposeBatched(src: number, dst: number, batch: number, rows: number, cols: number): void;
  broadcast4(
    dst: number,
    src: number,
    d0: number,
    d1: number,
    d2: number,
    d3: number,
    s0: number,
    s1: number,
    s2: number,
    s3: number,
  ): void;
  convForwardScratchBytes(cout: number): number;
  convForwardF32(
    x: number,
    filter: number,
    y: number,
    cout: number,
    bias: number,
    biasRowStride: number,
    biasColStride: number,
    activation: number,
    alpha: number,
    prelu: number,
    preluRowStride: number,
    preluColStride: number,
    scratch: number,
  ): void;
  /** convForwardF32 over output pixels rowStart..rowEnd, the geometry at `geom` (a thread's part). */
  convForwardRowsF32(
    geom: number,
    x: number,
    filter: number,
    y: number,
    cout: number,
    bias: number,
    biasRowStride: number,
    biasColStride: number,
    activation: number,
    alpha: number,
    prelu: number,
    preluRowStride: number,
    preluColStride: number,
    scratch: number,
    rowStart: number,
    rowEnd: number,
  ): void;
  convFilterGradScratchBytes(cout: number): number;
  convFilterGradF32(x: number, dy: number, dw: number, cout: number, scratch: number): void;
  /** Rows i0..i1, columns j0..j1 of convFilterGradF32's dW, the geometry at `geom` (a thread's part). */
  convFilterGradPartF32(
    geom: number,
    x: number,
    dy: number,
    dw: number,
    cout: number,
    scratch: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
  ): void;
  convFlipFilterF32(filter: number, dst: number, kh: number, kw: number, cin: number, cout: number): void;
  convInputGradColsScratchBytes(cout: number): number;
  convInputGradColsF32(dy: number, filter: number, dx: number, cout: number, scratch: number): void;
  /** dx rows g0..g1 (over the whole batch) of convInputGradColsF32, the geometry at `geom` (a thread's part). */
  convInputGradColsPartF32(
    geom: number,
    dy: number,
    filter: number,
    dx: number,
    cout: number,
    scratch: number,
    g0: number,
    g1: number,
  ): void;
  depthwiseF32(
    x: number,
    filter: number,
    y: number,
    mult: number,
    bias: number,
    biasRowStride: number,
    biasColStride: number,
    activation: number,
    alpha: number,
    prelu: number,
    preluRowStride: number,
    preluColStride: number,
  ): void;
  /** depthwiseF32 for output pixels p0..p1, the geometry at `geom` (a thread's part). */
  depthwisePartF32(
    geom: number,
    x: number,
    filter: number,
    y: number,
    mult: number,
    bias: number,
    biasRowStride: number,
    biasColStride: number,
    activation: number,
    alpha: number,
    prelu: number,
    preluRowStride: number,
    preluColStride: number,
    p0: number,
    p1: number,
  ): void;
  depthwiseInputGradF32(dy: number, filter: number, dx: number, mult: number): void;
  /** depthwiseInputGradF32 for input channels c0..c1, summed in `scratch` (N·H·W·(c1-c0) floats), the geometry at `geom`. */
  depthwiseInputGradPartF32(
    geom: number,
    dy: number,
    filter: number,
    dx: number,
    mult: number,
    c0: number,
    c1: number,
    scratch: number,
  ): void;
  depthwiseFilterGradF32(x: number, dy: number, df: number, mult: number): void;
  /** depthwiseFilterGradF32 for output channels oc0..oc1, summed in `scratch` (df's size), the geometry at `geom`. */
  depthwiseFilterGradPartF32(
    geom: number,
    x: number,
    dy: number,
    df: number,
    mult: number,
    oc0: number,
    oc1: number,
    scratch: number,
  ): void;
  // assembly/pool.ts (after convGeometry)
  maxPoolF32(x: number, y: number): void;
  avgPoolF32(x: number, y: number): void;
  maxPoolGradF32(dy: number, x: number, dx: number): void;
  avgPoolGradF32(dy: number, dx: number): void;
  // assembly/bias_grad.ts
  biasActivationGradF32(
    dy: number,
    y: number,
    dz: number,
    db: number,
    m: number,
    n: number,
    activation: number,
    alpha: number,
  ): void;
  // assembly/crossentropy.ts
  cceProbsF32(out: number, p: number, rows: number, c: number, lo: number, hi: number): void;
  cceLossF32(target: number, logP: number, loss: number, rows: number, c: number): void;
  cceGradF32(
    dy: number,
    target: number,
    out: number,
    dOut: number,
    rows: number,
    c: number,
    lo: number,
    hi: number,
  ): void;
}

/** gemmF32's 18 positional arguments from the named ones (src/kernel_names.ts). */
export function gemmF32Args(p: GemmF32Params): GemmF32Args {
  return [
    p.a,
    p.b,
    p.c,
    p.m,
    p.n,
    p.k,
    +p.transposeA,
    +p.transposeB,
    p.ldc,
    p.bias,
    p.biasRowStride,
    p.biasColStride,
    ACTIVATION_CODES[p.activation],
    p.leakyreluAlpha,
    p.prelu,
    p.preluRowStride,
    p.preluColStride,
    p.scratch,
  ];
}
/** Bit i set: gemmF32's argument i is an f32 (leakyreluAlpha), for the worker protocol. */
export const GEMM_F32_FLOAT_ARGS = 1 << 13;

/** assembly/matmul.ts gemmF32 with its 18 positional arguments named. */
export function callGemmF32(kernels: KernelExports, p: GemmF32Params): void {
  kernels.gemmF32(...gemmF32Args(p));
}

export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

export async function instantiateKernels(variant: KernelVariant, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(await kernelModule(variant, isSharedMemory(memory)), {env: {memory}});
  return instance.exports as unknown as KernelExports;
}
