// The two crossentropy formulas, written once: K.categoricalCrossentropy/K.binaryCrossentropy
// (Keras' backend functions, with fromLogits and axis) and the losses compile() takes by name
// (losses.ts: the per-sample mean of these) both call them, so that a loss written with K
// functions and the built-in one agree, value for value.
//
// They follow Keras 2 and tfjs-layers term by term (renormalize, clip to [eps, 1-eps], and for
// binary crossentropy turn the clipped probability back into a logit), which is what keeps a
// model trained here and in tfjs-layers on the same loss history (training_parity.test.ts).
// eps is K.epsilon(), read on every call, so K.setEpsilon reaches compiled losses too.
import * as tf from '@tensorflow/tfjs-core';
import {epsilon} from './common.js';

/** Keras' categorical_crossentropy(target, output, from_logits, axis): per sample, summed over `axis`. */
export function categoricalCrossentropyOf(
  target: tf.Tensor,
  output: tf.Tensor,
  fromLogits = false,
  axis = -1,
): tf.Tensor {
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32');
    if (fromLogits) return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(output, axis)), axis));
    const eps = epsilon();
    const p = tf.clipByValue(tf.div(output, tf.sum(output, axis, true)), eps, 1 - eps);
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
