// 'Einsum' on 'as' (tfjs-backend-wasm has none), built on the batch GEMM: tfjs' own parser
// (backend_util.decodeEinsumEquation, checkEinsumDimSizes) validates the equation and throws its
// own messages; then the operands are folded left to right, each pair as one BatchMatMul:
//  - a label only one operand has and nothing later needs is summed out of that operand first;
//  - labels both have that the output or a later operand needs are the batch dimensions, labels
//    both have that nothing later needs are contracted (the GEMM's k), the rest are its m and n;
//  - each operand is transposed to [batch, m, k] / [batch, k, n] and reshaped to rank 3.
// What remains is summed over the labels the output lacks and transposed to the output's order.
// tfjs-backend-cpu instead multiplies broadcast operands element-wise and sums (no GEMM).
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  type EinsumAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {free, runKernel} from './utils/complex.js';

/** A tensor and the label (index into allDims) of each of its dimensions. */
interface Labeled {
  t: TensorInfo;
  labels: number[];
}

function einsum(args: {inputs: TensorInfo[]; backend: BackendWasm; attrs: EinsumAttrs}): TensorInfo {
  const {
    backend,
    attrs: {equation},
  } = args;
  const tensors = Object.values(args.inputs) as TensorInfo[];
  const {allDims, summedDims, idDims} = backend_util.decodeEinsumEquation(equation, tensors.length);
  backend_util.checkEinsumDimSizes(allDims.length, idDims, tensors as tf.Tensor[]);
  const outputLabels = allDims.map((_, i) => i).filter(i => !summedDims.includes(i));
  const sizeOf = new Map<number, number>();
  tensors.forEach((t, i) => {
    idDims[i]!.forEach((label, axis) => {
      sizeOf.set(label, t.shape[axis]!);
    });
  });

  const intermediates: TensorInfo[] = [];
  const keep = (t: TensorInfo) => {
    intermediates.push(t);
    return t;
  };
  const run = (name: string, inputs: Record<string, TensorInfo>, attrs: object) =>
    keep(runKernel(name, backend, inputs, attrs));
  /** x summed over the labels not in `needed`. */
  const reduce = (x: Labeled, needed: Set<number>): Labeled => {
    const axes = x.labels.map((l, axis) => (needed.has(l) ? -1 : axis)).filter(a => a >= 0);
    if (axes.length === 0) return x;
    return {t: run(tf.Sum, {x: x.t}, {axis: axes, keepDims: false}), labels: x.labels.filter(l => needed.has(l))};
  };
  /** x with its dimensions in the order of `labels`, reshaped to `shape`. */
  const arrange = (x: Labeled, labels: number[], shape: number[]): TensorInfo => {
    const perm = labels.map(l => x.labels.indexOf(l));
    const t = perm.some((p, i) => p !== i) ? run(tf.Transpose, {x: x.t}, {perm}) : x.t;
    return util.arraysEqual(t.shape, shape) ? t : run(tf.Reshape, {x: t}, {shape});
  };
  const size = (labels: number[]) => labels.reduce((p, l) => p * sizeOf.get(l)!, 1);

  try {
    let acc: Labeled = {t: tensors[0]!, labels: idDims[0]!};
    for (let i = 1; i <= tensors.length; i++) {
      // Labels the output or an operand after the i-th needs.
      const later = new Set([...outputLabels, ...idDims.slice(i + 1).flat()]);
      if (i === tensors.length) {
        acc = reduce(acc, later);
        break;
      }
      let next: Labeled = {t: tensors[i]!, labels: idDims[i]!};
      acc = reduce(acc, new Set([...later, ...next.labels]));
      next = reduce(next, new Set([...later, ...acc.labels]));
      const inNext = new Set(next.labels),
        inAcc = new Set(acc.labels);
      const batch = acc.labels.filter(l => inNext.has(l) && later.has(l));
      const contracted = acc.labels.filter(l => inNext.has(l) && !later.has(l));
      const m = acc.labels.filter(l => !inNext.has(l)),
        n = next.labels.filter(l => !inAcc.has(l));
      const a = arrange(acc, [...batch, ...m, ...contracted], [size(batch), size(m), size(contracted)]);
      const b = arrange(next, [...batch, ...contracted, ...n], [size(batch), size(contracted), size(n)]);
      const product = run(tf.BatchMatMul, {a, b}, {transposeA: false, transposeB: false});
      const labels = [...batch, ...m, ...n];
      acc = {t: run(tf.Reshape, {x: product}, {shape: labels.map(l => sizeOf.get(l)!)}), labels};
    }
    const result = arrange(
      acc,
      outputLabels,
      outputLabels.map(l => sizeOf.get(l)!),
    );
    // The caller owns the result: a new output, or one more reference to an input (as Identity).
    if (tensors.includes(result)) return runKernel(tf.Identity, backend, {x: result});
    intermediates.splice(intermediates.indexOf(result), 1);
    return result;
  } finally {
    free(backend, ...intermediates);
  }
}

export const einsumConfig: KernelConfig = {
  kernelName: tf.Einsum,
  backendName: 'as',
  kernelFunc: einsum as unknown as KernelFunc,
};
