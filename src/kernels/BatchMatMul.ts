import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {runMatMul} from './utils/matmul.js';

function batchMatMul(args: {inputs: BatchMatMulInputs; backend: BackendWasm; attrs: BatchMatMulAttrs}) {
  const {a, b} = args.inputs;
  const {transposeA, transposeB} = args.attrs;
  return runMatMul(args.backend, {op: 'BatchMatMul', a: a!, b: b!, transposeA, transposeB});
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'as',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
