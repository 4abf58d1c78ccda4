// Keras losses: `(yTrue, yPred) => Tensor`, per sample (reduced over the last axis) like Keras'
// `keras.losses.*` functions. compile() takes these by name (camelCase, Keras' snake_case or
// class name, or the short aliases 'mse' 'mae' ...) or any user function; the training loop
// mean-reduces whatever the function returns (a scalar or one value per sample).
//
// The formulas follow Keras 2 and tfjs-layers term by term (clip to [eps, 1-eps], normalize the
// probabilities before the log) so that a model trained here and in tfjs-layers gives the same
// loss history (test/unit/training_parity.test.ts). eps is K.epsilon() at the time of the call.
import * as tf from '@tensorflow/tfjs-core';
import {epsilon, normalizeName, type KerasSpelling} from './common.js';
import {binaryCrossentropyOf, categoricalCrossentropyOf} from './crossentropy.js';

/** A loss: per-sample values (any rank ≥ 1) or a scalar. The training loop takes its mean. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

export function meanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
}

export function meanAbsoluteError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(yPred, yTrue)), -1));
}

export function meanAbsolutePercentageError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const diff = tf.abs(tf.div(tf.sub(yTrue, yPred), tf.clipByValue(tf.abs(yTrue), epsilon(), Number.MAX_VALUE)));
    return tf.mul(100, tf.mean(diff, -1));
  });
}

export function meanSquaredLogarithmicError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const eps = epsilon();
    const a = tf.log1p(tf.clipByValue(yPred, eps, Number.MAX_VALUE));
    const b = tf.log1p(tf.clipByValue(yTrue, eps, Number.MAX_VALUE));
    return tf.mean(tf.square(tf.sub(a, b)), -1);
  });
}

/** `yPred` holds probabilities (a softmax); they are renormalized and clipped like Keras does. */
export function categoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return categoricalCrossentropyOf(yTrue, yPred, false, -1);
}

/** Integer class labels (shape [batch] or [batch, 1], any numeric dtype) against probabilities. */
export function sparseCategoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = yPred.shape[yPred.rank - 1]!;
    const flat = tf.reshape(yTrue, [-1]);
    const labels = flat.dtype === 'int32' ? flat : tf.cast(tf.floor(flat), 'int32');
    const oneHot = tf.reshape(tf.oneHot(labels, classes), yPred.shape);
    const eps = epsilon();
    return categoricalCrossentropy(oneHot, tf.clipByValue(yPred, eps, 1 - eps));
  });
}

/** `yPred` holds probabilities (a sigmoid). Mean over the last axis, like Keras. */
export function binaryCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(binaryCrossentropyOf(yTrue, yPred), -1));
}

export function hinge(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.maximum(0, tf.sub(1, tf.mul(yTrue, yPred))), -1));
}

export function squaredHinge(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.square(tf.maximum(0, tf.sub(1, tf.mul(yTrue, yPred)))), -1));
}

export function kullbackLeiblerDivergence(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const eps = epsilon();
    const t = tf.clipByValue(yTrue, eps, 1),
      p = tf.clipByValue(yPred, eps, 1);
    return tf.sum(tf.mul(yTrue, tf.log(tf.div(t, p))), -1);
  });
}

export function logcosh(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|.
    const x = tf.sub(yPred, yTrue);
    return tf.mean(tf.sub(tf.add(x, tf.softplus(tf.mul(-2, x))), Math.log(2)), -1);
  });
}

export function poisson(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mean(tf.sub(yPred, tf.mul(yTrue, tf.log(tf.add(yPred, epsilon())))), -1));
}

/** Keras' `cosine_similarity` loss: -cos(yTrue, yPred) along the last axis (−1 is best). */
export function cosineSimilarity(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const norm = (t: tf.Tensor) => tf.div(t, tf.sqrt(tf.maximum(tf.sum(tf.square(t), -1, true), 1e-12)));
    return tf.neg(tf.sum(tf.mul(norm(yTrue), norm(yPred)), -1));
  });
}

const BUILT_IN = {
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredLogarithmicError,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  hinge,
  squaredHinge,
  kullbackLeiblerDivergence,
  logcosh,
  poisson,
  cosineSimilarity,
} satisfies Record<string, LossFn>;

/** The canonical (camelCase) names of the built-in losses. */
export type BuiltInLossName = keyof typeof BUILT_IN;

const ALIASES = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError',
  msle: 'meanSquaredLogarithmicError',
  kld: 'kullbackLeiblerDivergence',
  kl: 'kullbackLeiblerDivergence',
  kldivergence: 'kullbackLeiblerDivergence',
  cosineproximity: 'cosineSimilarity',
} as const satisfies Record<string, BuiltInLossName>;

/**
 * A loss name compile() and `get` accept: a built-in in camelCase, snake_case or as its Keras
 * class name, or an alias ('mse', 'mae', 'kld', Keras' 'KLDivergence'...).
 */
export type LossName =
  | KerasSpelling<BuiltInLossName>
  | keyof typeof ALIASES
  | 'KLDivergence'
  | 'kl_divergence'
  | 'cosine_proximity';

/** What compile({loss}) takes for one output: a loss name or a function. */
export type LossIdentifier = LossName | LossFn;

const BY_NORMALIZED_NAME = new Map<string, BuiltInLossName>();
for (const name of Object.keys(BUILT_IN) as BuiltInLossName[]) BY_NORMALIZED_NAME.set(normalizeName(name), name);
for (const [alias, name] of Object.entries(ALIASES) as [string, BuiltInLossName][]) BY_NORMALIZED_NAME.set(alias, name);

/** The canonical camelCase name of a built-in loss, or undefined. */
export function canonicalLossName(name: string): BuiltInLossName | undefined {
  return BY_NORMALIZED_NAME.get(normalizeName(name));
}

/** The names `get` accepts (canonical forms; snake_case and class-name spellings work too). */
export function lossNames(): string[] {
  return [...Object.keys(BUILT_IN), ...Object.keys(ALIASES)];
}

/** A loss by name (any Keras spelling) or the function itself. */
export function get(identifier: LossIdentifier): LossFn {
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier === 'string') {
    const name = canonicalLossName(identifier);
    if (name) return BUILT_IN[name];
    throw new Error(
      `Unknown loss '${identifier}'. Known losses: ${lossNames().join(', ')} ` +
        `(snake_case and Keras class names work too), or pass a function (yTrue, yPred) => Tensor.`,
    );
  }
  throw new Error(`A loss must be a name or a function (yTrue, yPred) => Tensor; got ${describe(identifier)}.`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

/** A display name for a loss: its canonical name, a function's own name, or 'loss'. */
export function lossName(identifier: LossIdentifier): string {
  if (typeof identifier === 'string') return canonicalLossName(identifier) ?? identifier;
  return identifier.name || 'loss';
}
