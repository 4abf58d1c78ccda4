// The shared body of the eight convolution kernels on 'as' (Conv2D, FusedConv2D,
// Conv2DBackpropInput, Conv2DBackpropFilter and their depthwise twins): the checks (bad input
// throws before anything is allocated, naming the op and the shapes), the geometry handed to
// assembly/conv_common.ts, the fused bias / prelu-weight addressing, channels-first layouts, and
// the scratch space, all in one withScratch block per call.
//
// The AssemblyScript kernels work on NHWC only. An NCHW input is transposed into scratch first and
// an NCHW output transposed out of it: two passes over memory, small next to a convolution's work.
//
// Threads: Conv2D, FusedConv2D and both gradients split their GEMM over the backend's threads
// (parallel.ts) above CONV_PARALLEL_MIN_FLOPS; each part owns a range of the output and has
// scratch of its own; the split (see assembly/conv.ts) keeps every output element's summation
// order, so results are bit-identical for any thread count. The depthwise kernels split by
// channel ranges (assembly/depthwise.ts) above the same threshold; the layout transposes and the
// bias broadcast run on the calling thread.
import {backend_util, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {formatShape} from '../../format_shape.js';
import {type ConvInputGradPath, globalState, kernelsOf, setConvInputGradPath} from '../../backend/state.js';
import {fillOutput, memoryOf, offsetOf, withScratch} from '../../backend/heap.js';
import {splitRows} from '../../backend/threads.js';
import {ACTIVATION_CODES, isFusedActivation} from '../../kernel_names.js';
import {callThreads, runParts} from './parallel.js';

/**
 * Convolutions whose GEMM (2·M·N·K) is smaller than this stay on one thread: about 8.4 MFLOP,
 * as for the plain GEMM (gemm.ts), whose threshold was measured on a quiet machine; a split
 * convolution pays the same worker wake-up and each part packs its own B panels. Measured 1 vs
 * 2 threads on 2 cores (src/bench/thread_thresholds.ts, thresholds off, SIMD build), in two runs
 * at load average 16-20 and 9-11, where a descheduled worker makes single numbers swing by 2x:
 * 3.1-7.2 MFLOP forward 0.32-0.93x (gradients 0.43-2.57x, mostly below 1 in the first run);
 * 12.5 MFLOP forward 0.67-0.81x, gradients 1.42-2.07x; 29-50 MFLOP 0.97-2.52x, forward 1.14-1.45x
 * at 50. One threshold for every direction: the forward might deserve ~16 MFLOP on this
 * evidence, which is too noisy to split hairs with.
 */
export const CONV_PARALLEL_MIN_FLOPS = 2 ** 23;
/** The micro-kernel's rows and columns: a part's first row / column is a multiple of these. */
const MR = 4,
  NR = 8;

/** convGeometry's 14 arguments (assembly/conv_common.ts), written to the heap for the workers. */
type Geometry = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
const GEOMETRY_BYTES = 14 * 4;

function geometryOf(info: backend_util.Conv2DInfo): Geometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** Whether the geometry is a pointwise convolution (assembly/conv.ts pointwise(): im2col(x) is x). */
function isPointwise(g: Geometry): boolean {
  const [, h, w, , oh, ow, kh, kw, sh, sw, , , pt, pl] = g;
  return kh === 1 && kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && oh === h && ow === w;
}

function writeGeometry(backend: BackendWasm, ptr: number, g: Geometry): void {
  new Int32Array(memoryOf(backend).buffer, ptr, 14).set(g);
}

/**
 * The threads a convolution GEMM of m x n x k may use. A pointwise one is gemmF32, which splits
 * only its blocked path (m >= 8, n > 1); k = 0 (an empty window: the bias alone) is not split.
 */
/**
 * Depthwise convolutions of fewer flops stay on one thread: about 3.1 MFLOP. A depthwise tap is a
 * multiply-add per channel with no reduction over channels to reuse loads, so it runs several
 * times fewer flops per µs than a GEMM, and a split pays off at fewer flops. Measured 1 vs 2
 * threads on 2 cores (`npx tsx src/bench/thread_thresholds.ts depthwise`: [N,28,28,C] 3x3 'same',
 * thresholds off, SIMD build, load average 1.8): forward, input and filter gradient at 0.45 MFLOP
 * 0.82x, 0.90x, 0.94x; 1.8 MFLOP 1.30x, 0.96x, 1.27x; 3.6 MFLOP 1.57x, 1.20x, 1.38x; 14 MFLOP
 * 2.50x, 1.37x, 1.86x. The forward pass, split by output pixels since (2026-12-03, load average
 * 2.7): 0.9 MFLOP 1.08x, 1.8 MFLOP 1.48x, 3.6 MFLOP 1.73x; MobileNet's [8,112,112,32] 3x3, which
 * the channel split took only to 1.07-1.44x, ~2x.
 */
export const DEPTHWISE_PARALLEL_MIN_FLOPS = 3 * 2 ** 20;

/**
 * The channel ranges a depthwise gradient splits into (output channels for the filter gradient,
 * input channels for the input gradient; assembly/depthwise.ts): one per thread
 * when its 2·pixels·channels·taps flops reach DEPTHWISE_PARALLEL_MIN_FLOPS, each starting at a
 * multiple of 16 channels (a 64-byte cache line of a pixel's channels).
 */
function depthwiseParts(backend: BackendWasm, pixels: number, channels: number, taps: number): [number, number][] {
  const large = isLargeDepthwise(pixels, channels, taps);
  return splitRows(
    channels,
    callThreads(backend, large && channels > DEPTHWISE_CHANNEL_BLOCK),
    DEPTHWISE_CHANNEL_BLOCK,
  );
}
const DEPTHWISE_CHANNEL_BLOCK = 16;

/**
 * The output pixel ranges a depthwise forward pass splits into (assembly/depthwise.ts): one per
 * thread, on the same flops threshold as the gradients' channel split.
 */
function depthwisePixelParts(backend: BackendWasm, pixels: number, channels: number, taps: number): [number, number][] {
  return splitRows(pixels, callThreads(backend, isLargeDepthwise(pixels, channels, taps) && pixels > 1), 1);
}

/** Whether a depthwise call of 2·pixels·channels·taps flops may split (DEPTHWISE_PARALLEL_MIN_FLOPS). */
function isLargeDepthwise(pixels: number, channels: number, taps: number): boolean {
  return 2 * pixels * channels * taps >= DEPTHWISE_PARALLEL_MIN_FLOPS || !!globalState().ignoreThreadThresholds;
}

function convThreads(backend: BackendWasm, m: number, n: number, k: number, pointwise: boolean): number {
  const large = 2 * m * n * k >= CONV_PARALLEL_MIN_FLOPS || !!globalState().ignoreThreadThresholds;
  const big = k > 0 && large && (!pointwise || (m >= 8 && n > 1));
  return callThreads(backend, big);
}

/** Whether `a` splits more evenly than `b` (its largest part is a smaller share of the whole). */
function moreEven(a: [number, number][], aTotal: number, b: [number, number][], bTotal: number): boolean {
  const largest = (parts: [number, number][]) => Math.max(...parts.map(([s, e]) => e - s));
  return largest(a) / aTotal < largest(b) / bTotal;
}

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil';

/** The window attributes every convolution kernel takes (tfjs' names; dilations 1 where a kernel has none). */
export interface WindowAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: Rounding | null;
  dataFormat?: 'NHWC' | 'NCHW';
}

const shapeOf = (t: TensorInfo | readonly number[]) => formatShape(Array.isArray(t) ? t : (t as TensorInfo).shape);
const pair = (v: number | number[]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[v.length === 1 ? 0 : 1]];

/**
 * Checks the attributes and shapes of a window operation and returns tfjs' Conv2DInfo for it.
 * `xShape` is the input as the user lays it out (NHWC or NCHW), `filterShape` [KH, KW, C, Cout]
 * (depthwise: [KH, KW, C, multiplier]). `what` names the shapes in errors.
 */
export function convInfo(
  op: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: WindowAttrs,
  depthwise: boolean,
  what = `x ${shapeOf(xShape)} and filter ${shapeOf(filterShape)}`,
): backend_util.Conv2DInfo {
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    throw new Error(`${op}: unknown dataFormat '${dataFormat}' for ${what}; expected 'NHWC' or 'NCHW'`);
  }
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`${op}: x and filter must have rank 4; got ${what}`);
  }
  const strides = pair(attrs.strides);
  const dilations = pair(attrs.dilations ?? 1);
  for (const [name, v] of [
    ['strides', strides],
    ['dilations', dilations],
  ] as const) {
    if (!v.every(d => Number.isInteger(d) && d > 0)) {
      throw new Error(`${op}: ${name} must be positive integers; got [${v}] for ${what}`);
    }
  }
  if (strides.some(s => s > 1) && dilations.some(d => d > 1)) {
    throw new Error(
      `${op}: strides [${strides}] and dilations [${dilations}] are both greater than 1 for ${what}; ` +
        'tfjs allows a stride or a dilation above 1, not both',
    );
  }
  const rounding = attrs.dimRoundingMode ?? undefined;
  if (rounding !== undefined) {
    if (rounding !== 'floor' && rounding !== 'round' && rounding !== 'ceil') {
      throw new Error(`${op}: unknown dimRoundingMode '${rounding}' for ${what}; expected 'floor', 'round' or 'ceil'`);
    }
    // tfjs' rule (conv_util checkPadOnDimRoundingMode): a rounding mode rounds the output size of
    // an integer padding; 'same', 'valid' or a fractional pad would make the sizes ambiguous.
    const pads = typeof attrs.pad === 'object' ? attrs.pad.flat() : [attrs.pad];
    if (!pads.every(p => typeof p === 'number' && Number.isInteger(p))) {
      throw new Error(
        `${op}: dimRoundingMode '${rounding}' needs an integer pad, got pad ${JSON.stringify(attrs.pad)} ` +
          `for ${what}: the output size would not be an integer before rounding`,
      );
    }
  }
  const inChannels = dataFormat === 'NHWC' ? xShape[3] : xShape[1];
  if (inChannels !== filterShape[2]) {
    throw new Error(
      `${op}: x has ${inChannels} input channels (${dataFormat}) but the filter expects ${filterShape[2]}: ${what}`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    attrs.pad,
    rounding,
    depthwise,
    dataFormat === 'NHWC' ? 'channelsLast' : 'channelsFirst',
  );
  const {inHeight: h, inWidth: w, padInfo: p} = info;
  if (
    h > 0 &&
    w > 0 &&
    (info.effectiveFilterHeight > h + p.top + p.bottom || info.effectiveFilterWidth > w + p.left + p.right)
  ) {
    throw new Error(
      `${op}: the filter window ${info.effectiveFilterHeight}x${info.effectiveFilterWidth} ` +
        `(filter ${shapeOf(filterShape)}, dilations [${dilations}]) is larger than the padded input ` +
        `${h + p.top + p.bottom}x${w + p.left + p.right} (x ${shapeOf(xShape)}, pad ${JSON.stringify(attrs.pad)})`,
    );
  }
  if (!info.outShape.every(d => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${op}: the output shape [${info.outShape}] of ${what} is not a list of non-negative integers`);
  }
  return info;
}

function checkFloat(op: string, name: string, t: TensorInfo): void {
  if (t.dtype !== 'float32') throw new Error(`${op}: ${name} must be float32; got ${t.dtype} ${shapeOf(t)}`);
}

/** Throws unless `t` has the shape the geometry implies (dy of a gradient, say). */
function checkShape(op: string, name: string, t: TensorInfo, expected: readonly number[], context: string): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${op}: ${name} has shape ${shapeOf(t)} but ${context} gives ${shapeOf(expected)}`);
  }
}

/**
 * How the epilogue addresses a bias or prelu weights: per output pixel row i and channel j of the
 * NHWC output seen as [N·OH·OW, OC], element i·rowStride + j·colStride; or, when the broadcast is
 * not one stride over the flattened rows (a [1, OH, 1, OC] bias, say), the NHWC strides
 * `expand` for broadcast4 to materialise it to the output's shape first.
 */
interface EpilogueOperand {
  t: TensorInfo;
  rowStride: number;
  colStride: number;
  expand: [number, number, number, number] | null;
}

function epilogueOperand(op: string, name: string, t: TensorInfo, info: backend_util.Conv2DInfo): EpilogueOperand {
  checkFloat(op, name, t);
  const channelsFirst = info.dataFormat === 'channelsFirst';
  let shape = [...t.shape];
  // tfjs' rule (tfjs-backend-cpu fusedConv2D): with NCHW a rank-1 bias of more than one element
  // runs along the channels.
  if (channelsFirst && shape.length === 1 && shape[0] !== 1) shape = [shape[0], 1, 1];
  while (shape.length > 4 && shape[0] === 1) shape.shift();
  const out = info.outShape;
  const full = [...new Array(Math.max(0, 4 - shape.length)).fill(1), ...shape];
  if (full.length !== 4 || !full.every((d, i) => d === 1 || d === out[i])) {
    throw new Error(`${op}: ${name} of shape ${shapeOf(t)} does not broadcast to the output shape ${shapeOf(out)}`);
  }
  const strides = [0, 0, 0, 0];
  for (let i = 3, s = 1; i >= 0; i--) {
    strides[i] = full[i] === 1 ? 0 : s;
    s *= full[i];
  }
  // The strides along the NHWC compute layout's N, H, W, C.
  const [sN, sH, sW, sC] = channelsFirst ? [strides[0], strides[2], strides[3], strides[1]] : strides;
  const {batchSize: n, outHeight: oh, outWidth: ow} = info;
  const r = ow > 1 ? sW : oh > 1 ? sH / ow : n > 1 ? sN / (oh * ow) : 0;
  const linear =
    Number.isInteger(r) && (ow <= 1 || sW === r) && (oh <= 1 || sH === ow * r) && (n <= 1 || sN === oh * ow * r);
  return linear
    ? {t, rowStride: r, colStride: sC, expand: null}
    : {t, rowStride: info.outChannels, colStride: 1, expand: [sN, sH, sW, sC]};
}

/** Scratch regions, 16-byte aligned, laid out in one withScratch block. */
class ScratchPlan {
  private offsets: number[] = [];
  total = 0;
  add(bytes: number): number {
    this.offsets.push(this.total);
    this.total += Math.ceil(Math.max(0, bytes) / 16) * 16;
    return this.offsets.length - 1;
  }
  /** The region's address once the block is allocated at `base` (aligned up to 16). */
  at(base: number, region: number): number {
    return ((base + 15) & ~15) + this.offsets[region];
  }
  get bytes(): number {
    return this.total > 0 ? this.total + 16 : 0;
  }
}

const nhwcBytes = (info: backend_util.Conv2DInfo, which: 'in' | 'out') =>
  4 *
  info.batchSize *
  (which === 'in' ? info.inHeight * info.inWidth * info.inChannels : info.outHeight * info.outWidth * info.outChannels);

export interface ForwardArgs {
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo | null;
  preluWeights?: TensorInfo | null;
  activation?: string;
  leakyreluAlpha?: number;
  attrs: WindowAttrs;
}

/** Conv2D / FusedConv2D (depthwise = false) and DepthwiseConv2dNative / FusedDepthwiseConv2D. */
export function convForward(backend: BackendWasm, op: string, args: ForwardArgs, depthwise: boolean): TensorInfo {
  const {x, filter} = args;
  checkFloat(op, 'x', x);
  checkFloat(op, 'filter', filter);
  const info = convInfo(op, x.shape, filter.shape, args.attrs, depthwise);
  const activation = args.activation ?? 'linear';
  if (!isFusedActivation(activation)) {
    throw new Error(
      `${op}: unknown activation '${activation}'; expected one of ${Object.keys(ACTIVATION_CODES).join(', ')}`,
    );
  }
  const bias = args.bias ? epilogueOperand(op, 'bias', args.bias, info) : null;
  let prelu: EpilogueOperand | null = null;
  if (activation === 'prelu') {
    if (!args.preluWeights) throw new Error(`${op}: activation 'prelu' needs preluActivationWeights`);
    prelu = epilogueOperand(op, 'prelu weights', args.preluWeights, info);
  }
  const kernels = kernelsOf(backend);
  const out = backend.makeOutput(info.outShape, 'float32');
  if (util.sizeFromShape(info.outShape) === 0) return out;
  const channelsFirst = info.dataFormat === 'channelsFirst';
  const {batchSize: n, outHeight: oh, outWidth: ow, outChannels: oc, inChannels: c} = info;
  const geometry = geometryOf(info);
  kernels.convGeometry(...geometry);
  const m = n * oh * ow;
  const taps = info.filterHeight * info.filterWidth;
  const depthwiseRanges = depthwise ? depthwisePixelParts(backend, m, oc, taps) : [];
  const threads = depthwise ? depthwiseRanges.length : convThreads(backend, m, oc, taps * c, isPointwise(geometry));
  const plan = new ScratchPlan();
  const workBytes = depthwise ? 0 : kernels.convForwardScratchBytes(oc);
  const works = Array.from({length: depthwise ? 0 : threads}, () => plan.add(workBytes));
  const geom = plan.add(threads > 1 ? GEOMETRY_BYTES : 0);
  const xT = plan.add(channelsFirst ? nhwcBytes(info, 'in') : 0);
  const yT = plan.add(channelsFirst ? nhwcBytes(info, 'out') : 0);
  const biasT = plan.add(bias?.expand ? nhwcBytes(info, 'out') : 0);
  const preluT = plan.add(prelu?.expand ? nhwcBytes(info, 'out') : 0);
  return fillOutput(backend, out, () =>
    withScratch(backend, plan.bytes, base => {
      // Addresses are taken after the allocation (tensor offsets do not move, but no view is held either).
      let xPtr = offsetOf(backend, x);
      if (channelsFirst) {
        kernels.transposeBatched(xPtr, plan.at(base, xT), n, c, info.inHeight * info.inWidth);
        xPtr = plan.at(base, xT);
      }
      const operand = (o: EpilogueOperand | null, region: number): number => {
        if (!o) return 0;
        if (!o.expand) return offsetOf(backend, o.t);
        const [s0, s1, s2, s3] = o.expand;
        kernels.broadcast4(plan.at(base, region), offsetOf(backend, o.t), n, oh, ow, oc, s0, s1, s2, s3);
        return plan.at(base, region);
      };
      const biasPtr = operand(bias, biasT),
        preluPtr = operand(prelu, preluT);
      const yPtr = channelsFirst ? plan.at(base, yT) : offsetOf(backend, out);
      const code = ACTIVATION_CODES[activation];
      const alpha = args.leakyreluAlpha ?? 0.2;
      const filterPtr = offsetOf(backend, filter);
      if (depthwise && threads > 1) {
        writeGeometry(backend, plan.at(base, geom), geometry);
        const parts = depthwiseRanges.map(
          ([p0, p1]): Parameters<typeof kernels.depthwisePartF32> => [
            plan.at(base, geom),
            xPtr,
            filterPtr,
            yPtr,
            oc / c,
            biasPtr,
            bias?.rowStride ?? 0,
            bias?.colStride ?? 0,
            code,
            alpha,
            preluPtr,
            prelu?.rowStride ?? 0,
            prelu?.colStride ?? 0,
            p0,
            p1,
          ],
        );
        runParts(backend, 'depthwisePartF32', parts, 1 << 9, [offsetOf(backend, out), base]);
      } else if (depthwise) {
        kernels.depthwiseF32(
          xPtr,
          filterPtr,
          yPtr,
          oc / c,
          biasPtr,
          bias?.rowStride ?? 0,
          bias?.colStride ?? 0,
          code,
          alpha,
          preluPtr,
          prelu?.rowStride ?? 0,
          prelu?.colStride ?? 0,
        );
      } else if (threads > 1) {
        writeGeometry(backend, plan.at(base, geom), geometry);
        const parts = splitRows(m, threads, MR).map(
          ([r0, r1], t): Parameters<typeof kernels.convForwardRowsF32> => [
            plan.at(base, geom),
            xPtr,
            filterPtr,
            yPtr,
            oc,
            biasPtr,
            bias?.rowStride ?? 0,
            bias?.colStride ?? 0,
            code,
            alpha,
            preluPtr,
            prelu?.rowStride ?? 0,
            prelu?.colStride ?? 0,
            plan.at(base, works[t]!),
            r0,
            r1,
          ],
        );
        runParts(backend, 'convForwardRowsF32', parts, 1 << 9, [offsetOf(backend, out), base]);
      } else {
        kernels.convForwardF32(
          xPtr,
          filterPtr,
          yPtr,
          oc,
          biasPtr,
          bias?.rowStride ?? 0,
          bias?.colStride ?? 0,
          code,
          alpha,
          preluPtr,
          prelu?.rowStride ?? 0,
          prelu?.colStride ?? 0,
          plan.at(base, works[0]!),
        );
      }
      if (channelsFirst) kernels.transposeBatched(yPtr, offsetOf(backend, out), n, oh * ow, oc);
    }),
  );
}

/**
 * How Conv2DBackpropInput computes a stride-1 gradient: 'implicit' (a forward convolution of dy
 * with the flipped filter) or 'cols' (GEMM into columns + col2im, what strided gradients always
 * use). 'auto' is the measured winner (src/bench/conv.ts: implicit for pointwise filters, cols
 * otherwise); the benchmark forces the others through src/backend/state.ts.
 */
export type InputGradPath = ConvInputGradPath;
export {setConvInputGradPath};

export interface BackpropInputArgs {
  dy: TensorInfo;
  filter: TensorInfo;
  inputShape: readonly number[];
  attrs: WindowAttrs;
}

/** Conv2DBackpropInput (depthwise = false) and DepthwiseConv2dNativeBackpropInput. */
export function convBackpropInput(
  backend: BackendWasm,
  op: string,
  args: BackpropInputArgs,
  depthwise: boolean,
): TensorInfo {
  const {dy, filter, inputShape} = args;
  checkFloat(op, 'dy', dy);
  checkFloat(op, 'filter', filter);
  const info = convInfo(
    op,
    inputShape,
    filter.shape,
    args.attrs,
    depthwise,
    `inputShape ${shapeOf(inputShape)}, filter ${shapeOf(filter)} and dy ${shapeOf(dy)}`,
  );
  const channelsFirst = info.dataFormat === 'channelsFirst';
  // tfjs-backend-cpu reads a dy of larger spatial size than the geometry gives through dy's own
  // strides, i.e. its top-left window (a tfjs-core spec relies on it): crop it so. Anything else is an error.
  const [hAxis, wAxis] = channelsFirst ? [2, 3] : [1, 2];
  const crop =
    dy.shape.length === 4 &&
    dy.shape.every((d, i) => (i === hAxis || i === wAxis ? d >= info.outShape[i] : d === info.outShape[i])) &&
    (dy.shape[hAxis] > info.outShape[hAxis] || dy.shape[wAxis] > info.outShape[wAxis]);
  if (!crop)
    checkShape(op, 'dy', dy, info.outShape, `inputShape ${shapeOf(inputShape)} with filter ${shapeOf(filter)}`);
  const kernels = kernelsOf(backend);
  const out = backend.makeOutput([...inputShape], 'float32');
  if (util.sizeFromShape([...inputShape]) === 0) return out;
  const {batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: oc} = info;
  const plan = new ScratchPlan();
  const dyCrop = plan.add(crop ? nhwcBytes(info, 'out') : 0);
  const dyT = plan.add(channelsFirst ? nhwcBytes(info, 'out') : 0);
  const dxT = plan.add(channelsFirst ? nhwcBytes(info, 'in') : 0);
  // Measured (src/bench/conv.ts): cols + col2im is as fast as the flipped-filter convolution or
  // faster (the flipped GEMM's n is the input's channel count: 1 on an image, 1/8 of a 4x8 tile),
  // except for a pointwise filter, where the flipped convolution is one plain GEMM straight into dx.
  const stride1 = info.strideHeight === 1 && info.strideWidth === 1;
  const pointwise =
    stride1 &&
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth;
  const inputGradPath = globalState().convInputGradPath ?? 'auto';
  const implicit = !depthwise && stride1 && (inputGradPath === 'implicit' || (inputGradPath === 'auto' && pointwise));
  let flipped = -1;
  let geometry: Geometry;
  let threads = 1;
  let workBytes = 0;
  let depthwiseRanges: [number, number][] = [];
  if (implicit) {
    // dx = conv(dy, flipped filter) with padding (window - 1 - pad): the forward convolution's geometry on dy.
    flipped = plan.add(4 * util.sizeFromShape(filter.shape));
    geometry = [
      n,
      oh,
      ow,
      oc,
      h,
      w,
      info.filterHeight,
      info.filterWidth,
      1,
      1,
      info.dilationHeight,
      info.dilationWidth,
      info.effectiveFilterHeight - 1 - info.padInfo.top,
      info.effectiveFilterWidth - 1 - info.padInfo.left,
    ];
    kernels.convGeometry(...geometry);
    threads = convThreads(backend, n * h * w, c, info.filterHeight * info.filterWidth * oc, isPointwise(geometry));
    workBytes = kernels.convForwardScratchBytes(c);
  } else {
    geometry = geometryOf(info);
    kernels.convGeometry(...geometry);
    if (depthwise) {
      // By input channels: each sums its own outputs' taps (mult of them per pixel and tap).
      depthwiseRanges = depthwiseParts(backend, n * oh * ow, c, info.filterHeight * info.filterWidth * (oc / c));
      threads = depthwiseRanges.length;
    } else {
      // The columns' GEMM: [N·OH·OW, cout] x [cout, KH·KW·C] (never pointwise: always blocked).
      threads = convThreads(backend, n * oh * ow, info.filterHeight * info.filterWidth * c, oc, false);
      workBytes = kernels.convInputGradColsScratchBytes(oc);
    }
  }
  // A threaded depthwise part sums its channels of dx in a compact block of its own, on cache
  // lines of its own (+64: aligned up at use).
  const works =
    depthwise && threads > 1
      ? depthwiseRanges.map(([c0, c1]) => plan.add(4 * n * h * w * (c1 - c0) + 64))
      : Array.from({length: depthwise ? 0 : threads}, () => plan.add(workBytes));
  const geom = plan.add(threads > 1 ? GEOMETRY_BYTES : 0);
  return fillOutput(backend, out, () =>
    withScratch(backend, plan.bytes, base => {
      let dyPtr = offsetOf(backend, dy);
      if (crop) {
        const [d0, d1, d2, d3] = info.outShape,
          [, s1, s2, s3] = dy.shape;
        kernels.broadcast4(plan.at(base, dyCrop), dyPtr, d0, d1, d2, d3, s1 * s2 * s3, s2 * s3, s3, 1);
        dyPtr = plan.at(base, dyCrop);
      }
      if (channelsFirst) {
        kernels.transposeBatched(dyPtr, plan.at(base, dyT), n, oc, oh * ow);
        dyPtr = plan.at(base, dyT);
      }
      const dxPtr = channelsFirst ? plan.at(base, dxT) : offsetOf(backend, out);
      const filterPtr = offsetOf(backend, filter);
      if (depthwise && threads > 1) {
        writeGeometry(backend, plan.at(base, geom), geometry);
        const parts = depthwiseRanges.map(
          ([c0, c1], t): Parameters<typeof kernels.depthwiseInputGradPartF32> => [
            plan.at(base, geom),
            dyPtr,
            filterPtr,
            dxPtr,
            oc / c,
            c0,
            c1,
            (plan.at(base, works[t]!) + 63) & ~63,
          ],
        );
        runParts(backend, 'depthwiseInputGradPartF32', parts, 0, [offsetOf(backend, out), base]);
      } else if (depthwise) {
        kernels.depthwiseInputGradF32(dyPtr, filterPtr, dxPtr, oc / c);
      } else if (threads > 1) {
        writeGeometry(backend, plan.at(base, geom), geometry);
        const heapBlocks = [offsetOf(backend, out), base];
        if (implicit) {
          kernels.convFlipFilterF32(filterPtr, plan.at(base, flipped), info.filterHeight, info.filterWidth, c, oc);
          const parts = splitRows(n * h * w, threads, MR).map(
            ([r0, r1], t): Parameters<typeof kernels.convForwardRowsF32> => [
              plan.at(base, geom),
              dyPtr,
              plan.at(base, flipped),
              dxPtr,
              c,
              0,
              0,
              0,
              ACTIVATION_CODES.linear,
              0,
              0,
              0,
              0,
              plan.at(base, works[t]!),
              r0,
              r1,
            ],
          );
          runParts(backend, 'convForwardRowsF32', parts, 1 << 9, heapBlocks);
        } else {
          // dx's rows over the whole batch: whole images per part when there are enough of them
          // (no overlap), else bands of rows (each part recomputes its neighbours' halo columns).
          const rows =
            n >= threads ? splitRows(n, threads, 1).map(([s, e]) => [s * h, e * h]) : splitRows(n * h, threads, 1);
          const parts = rows.map(
            ([g0, g1], t): Parameters<typeof kernels.convInputGradColsPartF32> => [
              plan.at(base, geom),
              dyPtr,
              filterPtr,
              dxPtr,
              oc,
              plan.at(base, works[t]!),
              g0!,
              g1!,
            ],
          );
          runParts(backend, 'convInputGradColsPartF32', parts, 0, heapBlocks);
        }
      } else if (implicit) {
        kernels.convFlipFilterF32(filterPtr, plan.at(base, flipped), info.filterHeight, info.filterWidth, c, oc);
        kernels.convForwardF32(
          dyPtr,
          plan.at(base, flipped),
          dxPtr,
          c,
          0,
          0,
          0,
          ACTIVATION_CODES.linear,
          0,
          0,
          0,
          0,
          plan.at(base, works[0]!),
        );
      } else {
        kernels.convInputGradColsF32(dyPtr, filterPtr, dxPtr, oc, plan.at(base, works[0]!));
      }
      if (channelsFirst) kernels.transposeBatched(dxPtr, offsetOf(backend, out), n, h * w, c);
    }),
  );
}

export interface BackpropFilterArgs {
  x: TensorInfo;
  dy: TensorInfo;
  filterShape: readonly number[];
  attrs: WindowAttrs;
}

/** Conv2DBackpropFilter (depthwise = false) and DepthwiseConv2dNativeBackpropFilter. */
export function convBackpropFilter(
  backend: BackendWasm,
  op: string,
  args: BackpropFilterArgs,
  depthwise: boolean,
): TensorInfo {
  const {x, dy, filterShape} = args;
  checkFloat(op, 'x', x);
  checkFloat(op, 'dy', dy);
  const info = convInfo(
    op,
    x.shape,
    filterShape,
    args.attrs,
    depthwise,
    `x ${shapeOf(x)}, filterShape ${shapeOf(filterShape)} and dy ${shapeOf(dy)}`,
  );
  checkShape(op, 'dy', dy, info.outShape, `x ${shapeOf(x)} with filterShape ${shapeOf(filterShape)}`);
  const kernels = kernelsOf(backend);
  const out = backend.makeOutput([...filterShape], 'float32');
  if (util.sizeFromShape([...filterShape]) === 0) return out;
  const channelsFirst = info.dataFormat === 'channelsFirst';
  const {batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, outChannels: oc} = info;
  const geometry = geometryOf(info);
  kernels.convGeometry(...geometry);
  const taps = info.filterHeight * info.filterWidth * c;
  const pointwise = isPointwise(geometry);
  // dW[KH·KW·C, cout] = im2col(x)ᵀ · dy: the sum runs over the N·OH·OW pixels, which are never split.
  const depthwiseRanges = depthwise
    ? depthwiseParts(backend, n * oh * ow, oc, info.filterHeight * info.filterWidth)
    : [];
  const threads = depthwise ? depthwiseRanges.length : convThreads(backend, taps, oc, n * oh * ow, pointwise);
  const plan = new ScratchPlan();
  const xT = plan.add(channelsFirst ? nhwcBytes(info, 'in') : 0);
  const dyT = plan.add(channelsFirst ? nhwcBytes(info, 'out') : 0);
  // A threaded depthwise part sums in a copy of dW of its own, on cache lines of its own (+64: aligned up at use).
  const workBytes = depthwise
    ? threads > 1
      ? 4 * util.sizeFromShape([...filterShape]) + 64
      : 0
    : kernels.convFilterGradScratchBytes(oc);
  const works = Array.from({length: threads}, () => plan.add(workBytes));
  const geom = plan.add(threads > 1 ? GEOMETRY_BYTES : 0);
  return fillOutput(backend, out, () =>
    withScratch(backend, plan.bytes, base => {
      let xPtr = offsetOf(backend, x),
        dyPtr = offsetOf(backend, dy);
      if (channelsFirst) {
        kernels.transposeBatched(xPtr, plan.at(base, xT), n, c, h * w);
        kernels.transposeBatched(dyPtr, plan.at(base, dyT), n, oc, oh * ow);
        xPtr = plan.at(base, xT);
        dyPtr = plan.at(base, dyT);
      }
      const dwPtr = offsetOf(backend, out);
      if (depthwise && threads > 1) {
        writeGeometry(backend, plan.at(base, geom), geometry);
        const parts = depthwiseRanges.map(
          ([oc0, oc1], t): Parameters<typeof kernels.depthwiseFilterGradPartF32> => [
            plan.at(base, geom),
            xPtr,
            dyPtr,
            dwPtr,
            oc / c,
            oc0,
            oc1,
            (plan.at(base, works[t]!) + 63) & ~63,
          ],
        );
        runParts(backend, 'depthwiseFilterGradPartF32', parts, 0, [dwPtr, base]);
      } else if (depthwise) kernels.depthwiseFilterGradF32(xPtr, dyPtr, dwPtr, oc / c);
      else if (threads > 1) {
        writeGeometry(backend, plan.at(base, geom), geometry);
        // By rows of dW (taps x channels) or by its columns (output channels), whichever is more
        // even (a first layer has few taps x channels); a pointwise gradient is gemmF32Part: rows.
        const byRows = splitRows(taps, threads, MR);
        const byCols = splitRows(oc, threads, NR);
        const cols = !pointwise && moreEven(byCols, oc, byRows, taps);
        const ranges = cols ? byCols.map(([j0, j1]) => [0, taps, j0, j1]) : byRows.map(([i0, i1]) => [i0, i1, 0, oc]);
        const parts = ranges.map(
          ([i0, i1, j0, j1], t): Parameters<typeof kernels.convFilterGradPartF32> => [
            plan.at(base, geom),
            xPtr,
            dyPtr,
            dwPtr,
            oc,
            plan.at(base, works[t]!),
            i0!,
            i1!,
            j0!,
            j1!,
          ],
        );
        runParts(backend, 'convFilterGradPartF32', parts, 0, [dwPtr, base]);
      } else kernels.convFilterGradF32(xPtr, dyPtr, dwPtr, oc, plan.at(base, works[0]!));
    }),
  );
}
