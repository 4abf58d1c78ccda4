// The shared body of BatchMatMul and _FusedMatMul: shape checks, batch broadcasting, bias and
// prelu-weight addressing, and one call of the AssemblyScript GEMM per output matrix.
import {backend_util, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {kernelsOf} from '../../backend/state.js';
import {fillOutput, offsetOf, withScratch} from '../../backend/heap.js';
import {planGemm, planScratchBytes, runGemm} from './gemm.js';
import {ACTIVATION_CODES, isFusedActivation} from '../../kernel_names.js';

export interface MatMulArgs {
  op: string;
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias?: TensorInfo | null;
  activation?: string;
  preluWeights?: TensorInfo | null;
  leakyreluAlpha?: number;
}

/**
 * Where an operand that broadcasts against `outShape` lives: per-output-batch base offsets
 * (in elements) and the element strides along the output's rows and columns (0 = broadcast).
 */
interface Broadcast {
  batchOffsets: number[];
  rowStride: number;
  colStride: number;
}

const shapeText = (t: TensorInfo) => `[${t.shape}]`;

function broadcastInto(op: string, what: string, shape: number[], outShape: number[]): Broadcast {
  const rank = outShape.length;
  const fits = (s: number[]) => s.length <= rank && s.every((d, i) => d === 1 || d === outShape[rank - s.length + i]);
  // tfjs' fused matMul op flattens the batch dimensions of a and b before it calls the kernel,
  // but passes the bias and prelu weights as they are: read those in the kernel's frame, like
  // tfjs-backend-cpu (which adds them to its flattened output). Leading 1s do not matter, and a
  // bias whose batch dimensions cover the whole (flattened) batch is flattened the same way.
  let s = shape;
  while (s.length > rank && s[0] === 1) s = s.slice(1);
  if (
    !fits(s) &&
    s.length > 2 &&
    rank > 2 &&
    util.sizeFromShape(s.slice(0, -2)) === util.sizeFromShape(outShape.slice(0, -2))
  ) {
    s = [...outShape.slice(0, -2), ...s.slice(-2)];
  }
  if (!fits(s)) {
    throw new Error(`${op}: ${what} of shape [${shape}] does not broadcast to the output shape [${outShape}]`);
  }
  const full = [...new Array(rank - s.length).fill(1), ...s];
  const strides = new Array(rank).fill(0);
  for (let i = rank - 1, st = 1; i >= 0; i--) {
    strides[i] = full[i] === 1 ? 0 : st;
    st *= full[i];
  }
  const batchShape = outShape.slice(0, -2);
  const batchOffsets = batchIndices(batchShape).map(idx => idx.reduce((o, v, i) => o + v * strides[i], 0));
  return {batchOffsets, rowStride: strides[rank - 2], colStride: strides[rank - 1]};
}

function batchIndices(batchShape: number[]): number[][] {
  const size = util.sizeFromShape(batchShape);
  const out: number[][] = [];
  for (let flat = 0; flat < size; flat++) {
    const idx = new Array(batchShape.length);
    for (let i = batchShape.length - 1, rest = flat; i >= 0; i--) {
      idx[i] = rest % batchShape[i];
      rest = Math.floor(rest / batchShape[i]);
    }
    out.push(idx);
  }
  return out;
}

/**
 * The output's batch shape, and for each output matrix the index of the a and b matrices it
 * multiplies. Batch dimensions broadcast like numpy. One exception, for _FusedMatMul only: tfjs'
 * fused matMul op checks that the batches broadcast, then flattens each operand's batch
 * dimensions to one before calling the kernel, so a [2,3,..] times b [3,..] arrives as batches
 * 6 and 3; a one-dimensional batch that divides the other one is then tiled (index modulo its
 * size). tfjs-backend-cpu and -wasm reject that case. BatchMatMul gets the shapes as the user
 * gave them, so there batches that do not broadcast are an error, as on cpu.
 */
function batchPlan(op: string, a: TensorInfo, b: TensorInfo): {outBatch: number[]; aIndex: number[]; bIndex: number[]} {
  const batchA = a.shape.slice(0, -2),
    batchB = b.shape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = backend_util.assertAndGetBroadcastShape(batchA, batchB);
  } catch {
    const sizeA = util.sizeFromShape(batchA),
      sizeB = util.sizeFromShape(batchB);
    const big = Math.max(sizeA, sizeB),
      small = Math.min(sizeA, sizeB);
    if (op !== '_FusedMatMul' || batchA.length > 1 || batchB.length > 1 || small === 0 || big % small !== 0) {
      throw new Error(`${op}: batch dimensions of a ${shapeText(a)} and b ${shapeText(b)} do not broadcast`);
    }
    const tiled = Array.from({length: big}, (_, i) => i);
    return {outBatch: [big], aIndex: tiled.map(i => i % sizeA), bIndex: tiled.map(i => i % sizeB)};
  }
  return {outBatch, aIndex: operandBatches(batchA, outBatch), bIndex: operandBatches(batchB, outBatch)};
}

/** Flat matrix index into an operand's batch for each output batch (broadcasting). */
function operandBatches(batch: number[], outBatch: number[]): number[] {
  const full = [...new Array(outBatch.length - batch.length).fill(1), ...batch];
  const strides = new Array(full.length).fill(0);
  for (let i = full.length - 1, s = 1; i >= 0; i--) {
    strides[i] = full[i] === 1 ? 0 : s;
    s *= full[i];
  }
  return batchIndices(outBatch).map(idx => idx.reduce((o, v, i) => o + v * strides[i], 0));
}

/** batchPlan's answer for two rank-2 operands (no batch dimensions). */
const SINGLE_MATRIX = {outBatch: [] as number[], aIndex: [0], bIndex: [0]};
/** broadcastInto's answer for a bias of shape [n] on an [m, n] output (one value per column). */
const ROW_VECTOR: Broadcast = {batchOffsets: [0], rowStride: 0, colStride: 1};

/**
 * Validates (bad input throws before anything is allocated), allocates the output and runs the
 * product (the output is freed again if there is no memory for the scratch space).
 */
export function runMatMul(backend: BackendWasm, args: MatMulArgs): TensorInfo {
  const {op, a, b, transposeA, transposeB} = args;
  const activation = args.activation ?? 'linear';
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new Error(`${op}: both operands need rank 2 or more; got shapes ${shapeText(a)} and ${shapeText(b)}`);
  }
  for (const t of [a, b]) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new Error(`${op}: unsupported dtype ${t.dtype} (shape ${shapeText(t)}); float32 and int32 are supported`);
    }
  }
  const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const kA = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const kB = transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  if (kA !== kB) {
    throw new Error(
      `${op}: inner dimensions ${kA} and ${kB} do not match: a ${shapeText(a)} ` +
        `(transposeA=${transposeA}) and b ${shapeText(b)} (transposeB=${transposeB})`,
    );
  }
  // Two matrices (a Dense layer's product, K.dot): one output matrix, nothing to broadcast.
  const {
    outBatch,
    aIndex: aBatches,
    bIndex: bBatches,
  } = a.shape.length === 2 && b.shape.length === 2 ? SINGLE_MATRIX : batchPlan(op, a, b);
  const outShape = [...outBatch, m, n];
  if (!isFusedActivation(activation)) {
    throw new Error(
      `${op}: unknown activation '${activation}'; expected one of ${Object.keys(ACTIVATION_CODES).join(', ')}`,
    );
  }
  const fused = args.bias != null || activation !== 'linear';
  const dtype = a.dtype === 'float32' || b.dtype === 'float32' ? 'float32' : 'int32';
  if (fused && dtype !== 'float32') {
    throw new Error(
      `${op}: a bias or activation needs float32 operands; got ${a.dtype} ${shapeText(a)} and ${b.dtype} ${shapeText(b)}`,
    );
  }
  if (a.dtype !== b.dtype) {
    // tfjs' matMul op upcasts before it runs the kernel; a direct kernel call must match.
    throw new Error(
      `${op}: operand dtypes differ (${a.dtype} ${shapeText(a)} and ${b.dtype} ${shapeText(b)}); cast them first`,
    );
  }
  const bias = args.bias
    ? outShape.length === 2 && args.bias.shape.length === 1 && args.bias.shape[0] === n
      ? ROW_VECTOR // a Dense layer's bias: one value per column
      : broadcastInto(op, 'bias', args.bias.shape, outShape)
    : null;
  if (args.bias && args.bias.dtype !== 'float32') {
    throw new Error(`${op}: bias must be float32; got ${args.bias.dtype} ${shapeText(args.bias)}`);
  }
  let prelu: Broadcast | null = null;
  if (activation === 'prelu') {
    if (!args.preluWeights) throw new Error(`${op}: activation 'prelu' needs preluActivationWeights`);
    prelu = broadcastInto(op, 'prelu weights', args.preluWeights.shape, outShape);
    // tfjs' fused matMul op does not cast them (it casts the bias): the GEMM would read int32 bits as floats.
    if (args.preluWeights.dtype !== 'float32') {
      throw new Error(
        `${op}: prelu weights must be float32; got ${args.preluWeights.dtype} ${shapeText(args.preluWeights)}; cast them first`,
      );
    }
  }

  const kernels = kernelsOf(backend);
  const out = backend.makeOutput(outShape, dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const aMat = m * kA,
    bMat = kA * n,
    cMat = m * n;
  if (dtype === 'int32') {
    const aPtr = offsetOf(backend, a),
      bPtr = offsetOf(backend, b),
      cPtr = offsetOf(backend, out);
    for (let i = 0; i < aBatches.length; i++) {
      kernels.gemmI32(
        aPtr + 4 * aBatches[i] * aMat,
        bPtr + 4 * bBatches[i] * bMat,
        cPtr + 4 * i * cMat,
        m,
        n,
        kA,
        +transposeA,
        +transposeB,
      );
    }
    return out;
  }
  const plan = planGemm(backend, m, n, kA);
  return fillOutput(backend, out, () =>
    withScratch(backend, planScratchBytes(plan), scratch => {
      // Offsets are read after the scratch allocation; they are stable anyway (no views held).
      const aPtr = offsetOf(backend, a),
        bPtr = offsetOf(backend, b),
        cPtr = offsetOf(backend, out);
      const biasPtr = args.bias ? offsetOf(backend, args.bias) : 0;
      const preluPtr = prelu ? offsetOf(backend, args.preluWeights!) : 0;
      for (let i = 0; i < aBatches.length; i++) {
        runGemm(
          backend,
          {
            a: aPtr + 4 * aBatches[i] * aMat,
            b: bPtr + 4 * bBatches[i] * bMat,
            c: cPtr + 4 * i * cMat,
            m,
            n,
            k: kA,
            transposeA,
            transposeB,
            ldc: n,
            bias: bias ? biasPtr + 4 * bias.batchOffsets[i] : 0,
            biasRowStride: bias?.rowStride ?? 0,
            biasColStride: bias?.colStride ?? 0,
            activation,
            leakyreluAlpha: args.leakyreluAlpha ?? 0.2,
            prelu: prelu ? preluPtr + 4 * prelu.batchOffsets[i] : 0,
            preluRowStride: prelu?.rowStride ?? 0,
            preluColStride: prelu?.colStride ?? 0,
            scratch,
          },
          plan,
          [cPtr, scratch],
        );
      }
    }),
  );
}
