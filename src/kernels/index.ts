// The kernels 'as' overrides. Everything else is inherited from 'wasm'.
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
import {unsortedSegmentSumConfig} from './UnsortedSegmentSum.js';

/** Kernels that compute in the AssemblyScript module. */
export const AS_KERNELS: KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  concatConfig,
  dropoutConfig,
  randomBinomialConfig,
  denseConcatConfig,
  rmspropUpdateConfig,
  adamUpdateConfig,
  sgdUpdateConfig,
  unsortedSegmentSumConfig,
];

/**
 * Kernels written in TypeScript that only move or share bytes on the heap: tfjs-backend-wasm's
 * versions copy far more than needed (Slice reads the whole input out of the heap, Identity
 * copies), and a memmove needs no AssemblyScript.
 */
export const HEAP_KERNELS: KernelConfig[] = [
  sliceConfig,
  gatherV2Config,
  identityConfig,
];
