// randomBinomial(shape, p, {seed?, dtype?}): a tensor of 0s and 1s with P(1) = p (Keras'
// random_binomial), from the same Philox draws as dropout: element j is 1 when draw_j < t
// (bernoulliThreshold(p) in src/kernel_names.ts). On 'as' an AssemblyScript kernel writes it (src/kernels/RandomBinomial.ts);
// elsewhere the TypeScript generator does, with the same bits.
import * as tf from '@tensorflow/tfjs-core';
import {bernoulliThreshold, RANDOM_BINOMIAL, type RandomBinomialAttrs} from '../kernel_names.js';
import {philoxDraws, seedToKey} from './philox.js';

export interface RandomBinomialConfig {
  /** A number (integers keep all 53 bits) or a string; none: a fresh random seed per call. */
  seed?: number | string;
  /** 'float32' (default), 'int32' or 'bool'. */
  dtype?: 'float32' | 'int32' | 'bool';
}

/** The values in TypeScript, as the kernel makes them. */
export function randomBinomialValues(attrs: RandomBinomialAttrs): Float32Array | Int32Array | Uint8Array {
  const size = attrs.shape.reduce((a, b) => a * b, 1);
  const {bits, t} = bernoulliThreshold(attrs.p);
  const draws = philoxDraws(attrs.seed0, attrs.seed1, 0, size, bits);
  const out =
    attrs.dtype === 'float32'
      ? new Float32Array(size)
      : attrs.dtype === 'int32'
        ? new Int32Array(size)
        : new Uint8Array(size);
  for (let j = 0; j < size; j++) out[j] = draws[j] < t ? 1 : 0;
  return out;
}

/** A 0/1 tensor of `shape` with P(1) = p; the same seed gives the same tensor on every backend. */
export function randomBinomial(shape: number[], p: number, config: RandomBinomialConfig = {}): tf.Tensor {
  const dtype = config.dtype ?? 'float32';
  if (!Array.isArray(shape) || shape.some(d => !Number.isInteger(d) || d < 0)) {
    throw new Error(`randomBinomial: shape must be an array of non-negative integers; got [${shape}]`);
  }
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new Error(`randomBinomial: p must be a number in [0, 1]; got ${p} (shape [${shape}])`);
  }
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new Error(`randomBinomial: dtype must be 'float32', 'int32' or 'bool'; got '${dtype}' (shape [${shape}])`);
  }
  const [seed0, seed1] = seedToKey('randomBinomial', config.seed);
  const attrs: RandomBinomialAttrs = {shape: shape.slice(), p, dtype, seed0, seed1};
  if (tf.getKernel(RANDOM_BINOMIAL, tf.getBackend()) != null) {
    return tf.engine().runKernel(RANDOM_BINOMIAL, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tensor(randomBinomialValues(attrs), shape, dtype);
}
