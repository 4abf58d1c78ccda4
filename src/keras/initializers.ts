// Weight initializers for addWeight and the built-in layers, with Keras 2's defaults
// (RandomNormal stddev 0.05, glorot_normal on a truncated normal, fans as Keras computes them).
import * as tf from '@tensorflow/tfjs-core';
import {type DataType, type KerasSpelling, normalizeName} from './common.js';

export type InitializerFn = (shape: number[], dtype: DataType) => tf.Tensor;

export const INITIALIZER_NAMES = [
  'zeros',
  'ones',
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'lecunNormal',
  'lecunUniform',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
  'orthogonal',
] as const;

/** An initializer name: camelCase, snake_case or Keras' class name ('GlorotUniform'). */
export type InitializerName = KerasSpelling<(typeof INITIALIZER_NAMES)[number]>;

/** A name, a tfjs(-layers) initializer object (`apply(shape, dtype)`), or a function. */
export type InitializerIdentifier =
  | InitializerName
  | InitializerFn
  | {apply(shape: number[], dtype?: DataType): tf.Tensor};

/** Keras' `_compute_fans`: [fanIn, fanOut]; for kernels of rank > 2 the receptive field multiplies. */
export function computeFans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

// Keras' VarianceScaling 'truncated_normal': the stddev of a normal truncated at two standard
// deviations is 0.8796... of the untruncated one, so Keras divides by it.
const TRUNCATED_STDDEV = 0.87962566103423978;

function varianceScaling(scale: number, mode: 'fanIn' | 'fanAvg', distribution: 'normal' | 'uniform'): InitializerFn {
  return (shape, dtype) => {
    const [fanIn, fanOut] = computeFans(shape);
    const n = Math.max(1, mode === 'fanIn' ? fanIn : (fanIn + fanOut) / 2);
    if (distribution === 'normal') {
      return tf.truncatedNormal(shape, 0, Math.sqrt(scale / n) / TRUNCATED_STDDEV, dtype as 'float32');
    }
    const limit = Math.sqrt((3 * scale) / n);
    return tf.randomUniform(shape, -limit, limit, dtype);
  };
}

const BUILT_IN: Record<string, InitializerFn> = {
  zeros: (shape, dtype) => tf.zeros(shape, dtype),
  ones: (shape, dtype) => tf.ones(shape, dtype),
  glorotuniform: varianceScaling(1, 'fanAvg', 'uniform'),
  glorotnormal: varianceScaling(1, 'fanAvg', 'normal'),
  heuniform: varianceScaling(2, 'fanIn', 'uniform'),
  henormal: varianceScaling(2, 'fanIn', 'normal'),
  lecununiform: varianceScaling(1, 'fanIn', 'uniform'),
  lecunnormal: varianceScaling(1, 'fanIn', 'normal'),
  randomnormal: (shape, dtype) => tf.randomNormal(shape, 0, 0.05, dtype as 'float32'),
  randomuniform: (shape, dtype) => tf.randomUniform(shape, -0.05, 0.05, dtype),
  truncatednormal: (shape, dtype) => tf.truncatedNormal(shape, 0, 0.05, dtype as 'float32'),
  orthogonal: (shape, dtype) => orthogonal(shape, dtype),
};

/**
 * Keras' Orthogonal (gain 1), the default of recurrent kernels: the Q of a normal matrix's QR,
 * its columns' signs fixed by R's diagonal, for the shape flattened to [prod(shape[:-1]), last].
 */
function orthogonal(shape: number[], dtype: DataType): tf.Tensor {
  return tf.tidy(() => {
    if (shape.length < 2) return tf.randomNormal(shape, 0, 1, 'float32');
    const cols = shape[shape.length - 1]!;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const a = tf.randomNormal([Math.max(rows, cols), Math.min(rows, cols)], 0, 1, 'float32');
    const [q, r] = tf.linalg.qr(a);
    const signs = tf.sign(tf.sum(tf.mul(r!, tf.eye(r!.shape[0]!, r!.shape[1])), 0));
    let m = tf.mul(q!, signs);
    if (rows < cols) m = tf.transpose(m);
    return tf.cast(tf.reshape(m, shape), dtype);
  });
}

/** Resolves an initializer; `where` names the argument in errors. Accepts camelCase and snake_case. */
export function getInitializer(identifier: InitializerIdentifier, where = 'initializer'): InitializerFn {
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier === 'string') {
    const fn = BUILT_IN[normalizeName(identifier)];
    if (!fn)
      throw new Error(
        `${where}: unknown initializer '${identifier}'; expected one of ${INITIALIZER_NAMES.map(n => `'${n}'`).join(', ')}, an initializer object or (shape, dtype) => Tensor`,
      );
    return fn;
  }
  if (identifier && typeof identifier === 'object' && typeof identifier.apply === 'function') {
    return (shape, dtype) => identifier.apply(shape, dtype);
  }
  throw new Error(`${where}: expected an initializer name, object or function, got ${typeof identifier}`);
}
