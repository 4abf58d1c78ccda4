// 'DenseConcat' on 'as': each xs[i]·kernels[i] + biases[i] is written by the GEMM straight into
// its column slot of the output (c offset to the slot, ldc = total width) with the activation
// fused. The op, its checks and its gradient are in src/ops/dense_concat.ts.
import {type KernelConfig, type KernelFunc, type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {fillOutput, offsetOf, withScratch} from '../backend/heap.js';
import {type GemmPlan, planGemm, planScratchBytes, runGemm} from './utils/gemm.js';
import {DENSE_CONCAT, DENSE_CONCAT_ACTIVATIONS, type DenseConcatAttrs} from '../kernel_names.js';

function denseConcatKernel(args: {inputs: TensorInfo[]; backend: BackendWasm; attrs: DenseConcatAttrs}): TensorInfo {
  const {inputs, backend, attrs} = args;
  const n = attrs.count;
  const xs = inputs.slice(0, n),
    ws = inputs.slice(n, 2 * n);
  let next = 2 * n;
  const biases = attrs.hasBias.map(has => (has ? inputs[next++] : null));
  const lead = xs[0].shape.slice(0, -1);
  const m = util.sizeFromShape(lead);
  const widths = ws.map(w => w.shape[1]);
  const units = widths.reduce((a, b) => a + b, 0);
  // Not every GEMM activation: 'prelu' would read weights this kernel does not have.
  if (!(DENSE_CONCAT_ACTIVATIONS as readonly string[]).includes(attrs.activation)) {
    throw new Error(
      `DenseConcat: unknown activation '${attrs.activation}'; expected one of ${DENSE_CONCAT_ACTIVATIONS.join(', ')}`,
    );
  }
  const out = backend.makeOutput([...lead, units], 'float32');
  if (m * units === 0) return out;
  const plans: GemmPlan[] = ws.map(w => planGemm(backend, m, w.shape[1], w.shape[0]));
  const scratchBytes = Math.max(...plans.map(planScratchBytes));
  return fillOutput(backend, out, () =>
    withScratch(backend, scratchBytes, scratch => {
      const outPtr = offsetOf(backend, out);
      for (let i = 0, col = 0; i < n; col += widths[i], i++) {
        if (widths[i] === 0) continue;
        const bias = biases[i];
        runGemm(
          backend,
          {
            a: offsetOf(backend, xs[i]),
            b: offsetOf(backend, ws[i]),
            c: outPtr + 4 * col,
            m,
            n: widths[i],
            k: ws[i].shape[0],
            transposeA: false,
            transposeB: false,
            ldc: units,
            bias: bias ? offsetOf(backend, bias) : 0,
            biasRowStride: 0,
            biasColStride: bias ? 1 : 0,
            activation: attrs.activation,
            leakyreluAlpha: attrs.leakyreluAlpha,
            prelu: 0,
            preluRowStride: 0,
            preluColStride: 0,
            scratch,
          },
          plans[i]!,
          [outPtr, scratch],
        );
      }
    }),
  );
}

export const denseConcatConfig: KernelConfig = {
  kernelName: DENSE_CONCAT,
  backendName: 'as',
  kernelFunc: denseConcatKernel as unknown as KernelFunc,
};
