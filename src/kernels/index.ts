// Every kernel that runs in AssemblyScript on 'as'. Everything else is inherited from 'wasm'.
import type {KernelConfig} from '@tensorflow/tfjs-core';
import {batchMatMulConfig} from './BatchMatMul.js';
import {fusedMatMulConfig} from './_FusedMatMul.js';

export const AS_KERNELS: KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
];
