import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  type _FusedMatMulInputs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {runMatMul} from './utils/matmul.js';

// Unlike tfjs-backend-wasm 4.22 this is right with a transposed operand plus bias/activation,
// and takes any bias that broadcasts to the output (not only rank 1).
function fusedMatMul(args: {inputs: _FusedMatMulInputs; backend: BackendWasm; attrs: _FusedMatMulAttrs}) {
  const {a, b, bias, preluActivationWeights} = args.inputs;
  const {transposeA, transposeB, activation, leakyreluAlpha} = args.attrs;
  return runMatMul(args.backend, {
    op: '_FusedMatMul',
    a: a!,
    b: b!,
    transposeA,
    transposeB,
    bias,
    activation,
    preluWeights: preluActivationWeights,
    leakyreluAlpha,
  });
}

export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: 'as',
  kernelFunc: fusedMatMul as unknown as KernelFunc,
};
