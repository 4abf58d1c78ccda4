// dropout(x, rate, {seed?, noiseShape?}): inverted dropout, x * mask / (1 - rate), with a
// Bernoulli(1 - rate) mask from Philox (src/ops/philox.ts). On 'as' one AssemblyScript kernel
// makes the mask, scales and multiplies in one pass (src/kernels/Dropout.ts); on any other
// backend the op builds the same mask in TypeScript and multiplies with tf.mul, so every backend
// gives the same bits for the same seed. The gradient (registered for the 'Dropout' kernel) is
// the same dropout applied to dy with the same key: the mask is regenerated, never stored.
import * as tf from '@tensorflow/tfjs-core';
import {formatShape} from '../format_shape.js';
import {bernoulliThreshold, DROPOUT, type DropoutAttrs, dropoutScale} from '../kernel_names.js';
import {philoxDraws, seedToKey} from './philox.js';

export interface DropoutConfig {
  /** An integer (all 53 bits count) or a string; none: a fresh random seed per call. */
  seed?: number | string;
  /** Shape of the mask, broadcast over x (as tf.dropout): each dim 1 or x's; null means x's. */
  noiseShape?: (number | null)[];
}

/** The mask's shape padded to x's rank, checked to broadcast over x. */
export function resolveNoiseShape(xShape: number[], noiseShape?: (number | null)[]): number[] {
  if (noiseShape == null) return xShape.slice();
  const bad = () =>
    new Error(
      `dropout: noiseShape [${noiseShape}] does not broadcast to ` +
        `x's shape ${formatShape(xShape)}: it needs rank <= ${xShape.length} and each dim 1 or equal to x's`,
    );
  if (!Array.isArray(noiseShape) || noiseShape.length > xShape.length) throw bad();
  const pad = xShape.length - noiseShape.length;
  const full = xShape.map((d, i) => (i < pad ? 1 : (noiseShape[i - pad] ?? d)));
  if (full.some((d, i) => !Number.isInteger(d) || (d !== 1 && d !== xShape[i]))) throw bad();
  return full;
}

/** The float32 mask (0 or scale) over the noise shape, in TypeScript. */
export function dropoutMask(attrs: DropoutAttrs): Float32Array {
  const size = attrs.noiseShape.reduce((a, b) => a * b, 1);
  const {bits, t} = bernoulliThreshold(1 - attrs.rate);
  const draws = philoxDraws(attrs.seed0, attrs.seed1, 0, size, bits);
  const scale = dropoutScale(attrs.rate);
  const mask = new Float32Array(size);
  for (let j = 0; j < size; j++) mask[j] = draws[j] < t ? scale : 0;
  return mask;
}

/** Runs the 'Dropout' kernel where the backend has it, else tf.mul by the TypeScript mask. */
export function applyDropout(x: tf.Tensor, attrs: DropoutAttrs): tf.Tensor {
  if (tf.getKernel(DROPOUT, tf.getBackend()) != null) {
    return tf.engine().runKernel(DROPOUT, {x}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMask(attrs), attrs.noiseShape, 'float32')));
}

/**
 * Inverted dropout: each element of x is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate), or set to 0 (x * 0: a dropped NaN stays NaN, as in tf.dropout). The same
 * seed gives the same mask on every backend and kernel variant; noiseShape broadcasts as in
 * tf.dropout. Differentiable: the gradient is dy * mask / (1 - rate).
 */
export function dropout(x: tf.Tensor | tf.TensorLike, rate: number, config: DropoutConfig = {}): tf.Tensor {
  // tidy: a tensor made from a TensorLike is freed, also when a check below throws.
  return tf.tidy(() => {
    const $x = x instanceof tf.Tensor ? x : tf.tensor(x);
    if ($x.dtype !== 'float32') {
      throw new Error(
        `dropout: x must be float32 (it is scaled by 1 / (1 - rate)); got a ${$x.dtype} tensor of shape ${formatShape($x.shape)}`,
      );
    }
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new Error(`dropout: rate must be a number in [0, 1); got ${rate} (x of shape ${formatShape($x.shape)})`);
    }
    const noiseShape = resolveNoiseShape($x.shape, config.noiseShape);
    const [seed0, seed1] = seedToKey('dropout', config.seed); // checks the seed also when rate is 0
    if (rate === 0) return $x.clone();
    return applyDropout($x, {rate, seed0, seed1, noiseShape});
  });
}

tf.registerGradient({
  kernelName: DROPOUT,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => applyDropout(dy as tf.Tensor, attrs as unknown as DropoutAttrs),
  }),
});
