// Keras metrics: `(yTrue, yPred) => Tensor` (per sample; the training loop averages them over
// the samples of an epoch). compile({metrics}) takes names or functions. 'accuracy'/'acc' means
// what Keras makes of it: categorical, sparse categorical or binary accuracy depending on the
// output's loss and shape.
import * as tf from '@tensorflow/tfjs-core';
import * as losses from './losses.js';
import {normalizeName, type KerasSpelling} from './common.js';

export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** 1 where the thresholded prediction (> 0.5) equals the label; mean over the last axis. */
export function binaryAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.mean(tf.cast(tf.equal(tf.cast(yTrue, 'float32'), tf.cast(tf.greater(yPred, 0.5), 'float32')), 'float32'), -1),
  );
}

/** 1 where argmax(yPred) equals argmax(yTrue) (one-hot labels). */
export function categoricalAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32'));
}

/** 1 where argmax(yPred) equals the integer label (shape [batch] or [batch, 1]). */
export function sparseCategoricalAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const labels = tf.cast(tf.reshape(yTrue, [-1]), 'int32');
    return tf.cast(tf.equal(labels, tf.cast(tf.argMax(yPred, -1), 'int32')), 'float32');
  });
}

export const meanSquaredError = losses.meanSquaredError;
export const meanAbsoluteError = losses.meanAbsoluteError;
export const meanAbsolutePercentageError = losses.meanAbsolutePercentageError;
export const categoricalCrossentropy = losses.categoricalCrossentropy;
export const sparseCategoricalCrossentropy = losses.sparseCategoricalCrossentropy;
export const binaryCrossentropy = losses.binaryCrossentropy;

const BUILT_IN = {
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  meanSquaredError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
} satisfies Record<string, MetricFn>;
const ALIASES = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError',
} as const satisfies Record<string, keyof typeof BUILT_IN>;

/**
 * A metric name compile({metrics}) accepts: 'accuracy' or 'acc' (which Keras resolves by the
 * loss and output shape), a built-in in camelCase, snake_case or Keras class name, or an alias.
 */
export type MetricName = 'accuracy' | 'acc' | KerasSpelling<keyof typeof BUILT_IN> | keyof typeof ALIASES;

/** What compile({metrics}) takes: a metric name or a function. */
export type MetricIdentifier = MetricName | MetricFn;

const BY_NAME = new Map<string, keyof typeof BUILT_IN>();
for (const name of Object.keys(BUILT_IN) as (keyof typeof BUILT_IN)[]) BY_NAME.set(normalizeName(name), name);
for (const [alias, name] of Object.entries(ALIASES) as [string, keyof typeof BUILT_IN][]) BY_NAME.set(alias, name);

/** A resolved metric: the function and the name it gets in logs and History. */
export interface Metric {
  name: string;
  fn: MetricFn;
}

/**
 * Resolves a metric for one output. `name` is how it appears in logs (Keras keeps the user's
 * spelling: metrics: ['acc'] logs 'acc', ['accuracy'] logs 'accuracy'). `lossIdentifier` and
 * `outputShape` decide what 'accuracy' means, as in Keras.
 */
export function resolveMetric(
  identifier: MetricIdentifier,
  lossIdentifier?: losses.LossIdentifier,
  outputShape?: readonly (number | null)[],
): Metric {
  if (typeof identifier === 'function') return {name: identifier.name || 'metric', fn: identifier};
  if (typeof identifier !== 'string') {
    throw new Error(`A metric must be a name or a function (yTrue, yPred) => Tensor; got ${typeof identifier}.`);
  }
  const key = normalizeName(identifier);
  if (key === 'accuracy' || key === 'acc') return {name: identifier, fn: accuracyFor(lossIdentifier, outputShape)};
  const name = BY_NAME.get(key);
  if (name == null) {
    throw new Error(
      `Unknown metric '${identifier}'. Known metrics: accuracy, acc, ${[...Object.keys(BUILT_IN), ...Object.keys(ALIASES)].join(', ')}, or a function (yTrue, yPred) => Tensor.`,
    );
  }
  return {name: identifier, fn: BUILT_IN[name]};
}

function accuracyFor(lossIdentifier?: losses.LossIdentifier, outputShape?: readonly (number | null)[]): MetricFn {
  const loss =
    typeof lossIdentifier === 'string'
      ? losses.canonicalLossName(lossIdentifier)
      : lossIdentifier === losses.binaryCrossentropy
        ? 'binaryCrossentropy'
        : lossIdentifier === losses.sparseCategoricalCrossentropy
          ? 'sparseCategoricalCrossentropy'
          : undefined;
  if (loss === 'sparseCategoricalCrossentropy') return sparseCategoricalAccuracy;
  if (loss === 'binaryCrossentropy') return binaryAccuracy;
  // Keras: a single unit output is binary, otherwise categorical.
  if (outputShape && outputShape[outputShape.length - 1] === 1) return binaryAccuracy;
  return categoricalAccuracy;
}

/** A metric function by name or the function itself (what `tf.metrics.get` is in tfjs-layers). */
export function get(identifier: MetricIdentifier): MetricFn {
  return resolveMetric(identifier).fn;
}
