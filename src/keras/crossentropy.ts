// The two crossentropy formulas, written once: K.categoricalCrossentropy/K.binaryCrossentropy
// (Keras' backend functions, with fromLogits and axis) and the losses compile() takes by name
// (losses.ts: the per-sample mean of these) both call them, so that a loss written with K
// functions and the built-in one agree, value for value.
//
// They follow Keras 2 and tfjs-layers term by term (renormalize, clip to [eps, 1-eps], and for
// binary crossentropy turn the clipped probability back into a logit), which is what keeps a
// model trained here and in tfjs-layers on the same loss history (training_parity.test.ts).
// eps is K.epsilon(), read on every call, so K.setEpsilon reaches compiled losses too.
//
// On 'as' the categorical one on probabilities is one kernel forward and one backward
// (AsCategoricalCrossentropy and its gradient, src/kernels/CategoricalCrossentropy*.ts) instead of
// about 40 small ones per training step; they compute the same float32 operations in the same
// order, so the numbers are bit-identical (test/unit/training_step_kernels.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import {epsilon} from './common.js';
import {
  CATEGORICAL_CROSSENTROPY,
  CATEGORICAL_CROSSENTROPY_GRAD,
  type CategoricalCrossentropyAttrs,
} from '../kernel_names.js';

/** The composed formula's clipped probabilities (what the fused kernel's logarithm reads). */
const clippedProbabilities = (output: tf.Tensor, eps: number, axis: number) =>
  tf.clipByValue(tf.div(output, tf.sum(output, axis, true)), eps, 1 - eps);

tf.registerGradient({
  kernelName: CATEGORICAL_CROSSENTROPY,
  inputsToSave: ['target', 'output'],
  gradFunc: (dy, saved, attrs) => {
    const [target, output] = saved as [tf.Tensor, tf.Tensor];
    return {
      output: () =>
        tf.engine().runKernel(CATEGORICAL_CROSSENTROPY_GRAD, {dy: dy as tf.Tensor, target, output}, attrs) as tf.Tensor,
      // Rarely needed (a target computed from trainable weights): tfjs' gradient, composed.
      target: () => {
        const {epsilon: eps} = attrs as unknown as CategoricalCrossentropyAttrs;
        const perRow = tf.reshape(tf.neg(dy as tf.Tensor), [...output.shape.slice(0, -1), 1]);
        return tf.mul(tf.mul(perRow, tf.ones(output.shape)), tf.log(clippedProbabilities(output, eps, -1)));
      },
    };
  },
});

/** Whether the fused kernel computes categoricalCrossentropyOf(target, output, false, axis) here. */
function fusable(target: tf.Tensor, output: tf.Tensor, axis: number, eps: number): boolean {
  return (
    (axis === -1 || axis === output.rank - 1) &&
    output.rank >= 1 &&
    output.dtype === 'float32' &&
    tf.util.arraysEqual(target.shape, output.shape) &&
    eps >= 0 &&
    eps < 0.5 &&
    tf.getKernel(CATEGORICAL_CROSSENTROPY, tf.getBackend()) != null
  );
}

/** Keras' categorical_crossentropy(target, output, from_logits, axis): per sample, summed over `axis`. */
export function categoricalCrossentropyOf(
  target: tf.Tensor,
  output: tf.Tensor,
  fromLogits = false,
  axis = -1,
): tf.Tensor {
  return tf.tidy(() => {
    // A float32 target as it is: cast would only copy it (its gradient is the identity).
    const y = target.dtype === 'float32' ? target : tf.cast(target, 'float32');
    if (fromLogits) return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(output, axis)), axis));
    const eps = epsilon();
    if (fusable(target, output, axis, eps)) {
      const attrs: CategoricalCrossentropyAttrs = {epsilon: eps};
      return tf
        .engine()
        .runKernel(CATEGORICAL_CROSSENTROPY, {target: y, output}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    }
    const p = clippedProbabilities(output, eps, axis);
    return tf.neg(tf.sum(tf.mul(y, tf.log(p)), axis));
  });
}

/** Keras' binary_crossentropy(target, output, from_logits): elementwise, not averaged. */
export function binaryCrossentropyOf(target: tf.Tensor, output: tf.Tensor, fromLogits = false): tf.Tensor {
  return tf.tidy(() => {
    let x = output;
    if (!fromLogits) {
      // log(p / (1 - p)) turns the clipped probability back into a logit (Keras 2, tfjs-layers).
      const eps = epsilon();
      const p = tf.clipByValue(output, eps, 1 - eps);
      x = tf.log(tf.div(p, tf.sub(1, p)));
    }
    // The stable logistic loss max(x, 0) - x*z + log(1 + exp(-|x|)).
    const z = tf.cast(target, 'float32');
    return tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
  });
}
