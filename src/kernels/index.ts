// Every kernel that runs in AssemblyScript on 'as'. Everything else is inherited from 'wasm'.
import type {KernelConfig} from '@tensorflow/tfjs-core';
import {batchMatMulConfig} from './BatchMatMul.js';
import {fusedMatMulConfig} from './_FusedMatMul.js';
import {concatConfig} from './Concat.js';
import {dropoutConfig} from './Dropout.js';
import {randomBinomialConfig} from './RandomBinomial.js';
import {denseConcatConfig} from './DenseConcat.js';
import {sliceConfig} from './Slice.js';
import {gatherV2Config} from './GatherV2.js';
import {rmspropUpdateConfig} from './RMSPropUpdate.js';
import {adamUpdateConfig} from './AdamUpdate.js';
import {sgdUpdateConfig} from './SGDUpdate.js';
import {identityConfig} from './Identity.js';

export const AS_KERNELS: KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  concatConfig,
  dropoutConfig,
  randomBinomialConfig,
  denseConcatConfig,
  sliceConfig,
  gatherV2Config,
  rmspropUpdateConfig,
  adamUpdateConfig,
  sgdUpdateConfig,
  identityConfig,
];
