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
import {biasActivationGradConfig} from './BiasActivationGrad.js';
import {sumConfig} from './Sum.js';
import {categoricalCrossentropyConfig} from './CategoricalCrossentropy.js';
import {categoricalCrossentropyGradConfig} from './CategoricalCrossentropyGrad.js';
import {identityConfig} from './Identity.js';
import {unsortedSegmentSumConfig} from './UnsortedSegmentSum.js';
import {complexConfig} from './Complex.js';
import {realConfig} from './Real.js';
import {imagConfig} from './Imag.js';
import {complexAbsConfig} from './ComplexAbs.js';
import {fftConfig} from './FFT.js';
import {ifftConfig} from './IFFT.js';
import {addConfig} from './Add.js';
import {subConfig} from './Sub.js';
import {multiplyConfig} from './Multiply.js';
import {castConfig} from './Cast.js';
import {transposeConfig} from './Transpose.js';
import {zerosLikeConfig} from './ZerosLike.js';
import {onesLikeConfig} from './OnesLike.js';
import {
  equalConfig,
  greaterConfig,
  greaterEqualConfig,
  lessConfig,
  lessEqualConfig,
  notEqualConfig,
} from './Comparisons.js';
import {fillConfig} from './Fill.js';
import {einsumConfig} from './Einsum.js';
import {bincountConfig} from './Bincount.js';
import {clipByValueConfig} from './ClipByValue.js';
import {tileConfig} from './Tile.js';
import {gatherNdConfig} from './GatherNd.js';
import {drawConfig} from './Draw.js';
import {sparseToDenseConfig} from './SparseToDense.js';
import {staticRegexReplaceConfig} from './StaticRegexReplace.js';
import {raggedGatherConfig} from './RaggedGather.js';
import {raggedRangeConfig} from './RaggedRange.js';
import {raggedTensorToTensorConfig} from './RaggedTensorToTensor.js';
import {conv2dConfig} from './Conv2D.js';
import {fusedConv2dConfig} from './FusedConv2D.js';
import {conv2dBackpropInputConfig} from './Conv2DBackpropInput.js';
import {conv2dBackpropFilterConfig} from './Conv2DBackpropFilter.js';
import {depthwiseConv2dNativeConfig} from './DepthwiseConv2dNative.js';
import {fusedDepthwiseConv2dConfig} from './FusedDepthwiseConv2D.js';
import {depthwiseConv2dNativeBackpropInputConfig} from './DepthwiseConv2dNativeBackpropInput.js';
import {depthwiseConv2dNativeBackpropFilterConfig} from './DepthwiseConv2dNativeBackpropFilter.js';
import {maxPoolConfig} from './MaxPool.js';
import {avgPoolConfig} from './AvgPool.js';
import {maxPoolGradConfig} from './MaxPoolGrad.js';
import {avgPoolGradConfig} from './AvgPoolGrad.js';

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
  biasActivationGradConfig,
  sumConfig,
  categoricalCrossentropyConfig,
  categoricalCrossentropyGradConfig,
  unsortedSegmentSumConfig,
  complexAbsConfig,
  fftConfig,
  ifftConfig,
  clipByValueConfig,
  conv2dConfig,
  fusedConv2dConfig,
  conv2dBackpropInputConfig,
  conv2dBackpropFilterConfig,
  depthwiseConv2dNativeConfig,
  fusedDepthwiseConv2dConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  maxPoolConfig,
  avgPoolConfig,
  maxPoolGradConfig,
  avgPoolGradConfig,
];

/**
 * Kernels written in TypeScript that only move or share bytes on the heap: tfjs-backend-wasm's
 * versions copy far more than needed (Slice reads the whole input out of the heap, Identity
 * copies), and a memmove needs no AssemblyScript.
 */
export const HEAP_KERNELS: KernelConfig[] = [sliceConfig, gatherV2Config, identityConfig];

/**
 * Kernels written in TypeScript that give complex64 tensors (a real and an imaginary float32
 * part on the heap, src/backend/complex.ts) their forms by running the real kernels on the parts;
 * real inputs go to tfjs-backend-wasm's kernel.
 */
export const COMPLEX_KERNELS: KernelConfig[] = [
  complexConfig,
  realConfig,
  imagConfig,
  addConfig,
  subConfig,
  multiplyConfig,
  castConfig,
  transposeConfig,
  zerosLikeConfig,
  onesLikeConfig,
];

/**
 * Kernels written in TypeScript that compose the kernels of 'as' (Einsum: transposes and the
 * batch GEMM; Bincount: a flatten before tfjs-backend-wasm's kernel).
 */
export const COMPOSITE_KERNELS: KernelConfig[] = [einsumConfig, bincountConfig];

/**
 * Kernels that compute in JavaScript: the string forms (string values live in JavaScript, in the
 * data map) and the ragged kernels, reusing tfjs-backend-cpu's shared implementations.
 */
export const JS_KERNELS: KernelConfig[] = [
  equalConfig,
  notEqualConfig,
  lessConfig,
  lessEqualConfig,
  greaterConfig,
  greaterEqualConfig,
  fillConfig,
  tileConfig,
  gatherNdConfig,
  sparseToDenseConfig,
  staticRegexReplaceConfig,
  raggedGatherConfig,
  raggedRangeConfig,
  raggedTensorToTensorConfig,
  drawConfig,
];

/** The kernels of 'as' that accept complex64 inputs; every other kernel refuses them. */
export const COMPLEX_FORMS: ReadonlySet<string> = new Set([
  ...COMPLEX_KERNELS.map(k => k.kernelName),
  'ComplexAbs',
  'FFT',
  'IFFT',
  'Concat',
  'Slice',
  'Identity',
  'Reshape',
  'ExpandDims',
]);

/** The kernels of 'as' that accept string inputs (their values live in JavaScript). */
export const STRING_FORMS: ReadonlySet<string> = new Set([
  ...JS_KERNELS.map(k => k.kernelName),
  'Identity',
  'Reshape',
  'ExpandDims',
  'Pack',
  'Unpack',
  'Concat',
  'Slice',
  'GatherV2',
  'Unique',
  'StringNGrams',
  'StringSplit',
  'StringToHashBucketFast',
]);
