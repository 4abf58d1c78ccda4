// Optimizers for compile({optimizer}): a name, or any tf.Optimizer the user made.
//
// Names get Keras 2.x's default hyper-parameters (learning rate 0.01 for SGD, 0.001 for all the
// others, epsilon 1e-7, rho/beta as Keras) on top of tfjs-core's own optimizer classes. Two
// deliberate consequences, documented because they differ from one or the other peer:
// - The update rules are tfjs-core's. RMSprop divides by sqrt(ms + eps) where Keras divides by
//   sqrt(ms) + eps, and Adam uses no epsilon-hat; with eps = 1e-7 both differ from Keras only
//   while the accumulators are near zero. They are exactly what tfjs-layers computes, which is
//   what the parity test checks.
// - The defaults are Keras' rather than tfjs-layers': 'adagrad' and 'adamax' and 'adadelta'
//   use 0.001 here (tfjs-layers: 0.01, 0.002 and 1). 'sgd', 'adam' and 'rmsprop' agree with both.
import * as tf from '@tensorflow/tfjs-core';

/** Keras' default learning rates (Keras 2.x; Adadelta's is 1.0 in Keras 1 and tfjs-layers). */
export const DEFAULT_LEARNING_RATES = {
  sgd: 0.01, adam: 0.001, rmsprop: 0.001, adagrad: 0.001, adadelta: 0.001, adamax: 0.001,
} as const;

export type OptimizerName = keyof typeof DEFAULT_LEARNING_RATES;

/** Optional overrides when an optimizer is made by name. */
export interface OptimizerOptions {
  learningRate?: number;
  /** SGD momentum (Keras' SGD(momentum=...)); 0 gives plain SGD. */
  momentum?: number;
  nesterov?: boolean;
  epsilon?: number;
  beta1?: number;
  beta2?: number;
  /** RMSprop's and Adadelta's decay of the squared-gradient average. */
  rho?: number;
  centered?: boolean;
}

const KERAS_EPSILON = 1e-7;

function make(name: OptimizerName, o: OptimizerOptions): tf.Optimizer {
  const lr = o.learningRate ?? DEFAULT_LEARNING_RATES[name];
  const eps = o.epsilon ?? KERAS_EPSILON;
  switch (name) {
    case 'sgd': return o.momentum ? tf.train.momentum(lr, o.momentum, o.nesterov ?? false) : tf.train.sgd(lr);
    case 'adam': return tf.train.adam(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, eps);
    case 'rmsprop': return tf.train.rmsprop(lr, o.rho ?? 0.9, o.momentum ?? 0, eps, o.centered ?? false);
    case 'adagrad': return tf.train.adagrad(lr, 0.1);
    case 'adadelta': return tf.train.adadelta(lr, o.rho ?? 0.95, eps);
    case 'adamax': return tf.train.adamax(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, eps, 0);
  }
}

/** The optimizer names `get` accepts (any case: 'RMSprop', 'SGD' and 'Adam' work too). */
export function optimizerNames(): OptimizerName[] {
  return Object.keys(DEFAULT_LEARNING_RATES) as OptimizerName[];
}

function isOptimizer(x: unknown): x is tf.Optimizer {
  return x instanceof tf.Optimizer ||
    (typeof x === 'object' && x !== null && typeof (x as tf.Optimizer).applyGradients === 'function' &&
     typeof (x as tf.Optimizer).minimize === 'function');
}

/**
 * An optimizer from a name (Keras' defaults, see above) or a tf.Optimizer (used as it is).
 * `options` override the defaults of a named optimizer.
 */
export function get(identifier: string | tf.Optimizer, options: OptimizerOptions = {}): tf.Optimizer {
  if (isOptimizer(identifier)) return identifier;
  if (typeof identifier === 'string') {
    const name = identifier.toLowerCase() as OptimizerName;
    if (name in DEFAULT_LEARNING_RATES) return make(name, options);
  }
  const shown = typeof identifier === 'string' ? `'${identifier}'` : identifier === null ? 'null' : typeof identifier;
  throw new Error(`Unknown optimizer ${shown}. Pass one of ${optimizerNames().map(n => `'${n}'`).join(', ')} ` +
    `or a tf.Optimizer (e.g. tf.train.adam(0.001)).`);
}

export const sgd = (o: OptimizerOptions = {}) => make('sgd', o);
export const adam = (o: OptimizerOptions = {}) => make('adam', o);
export const rmsprop = (o: OptimizerOptions = {}) => make('rmsprop', o);
export const adagrad = (o: OptimizerOptions = {}) => make('adagrad', o);
export const adadelta = (o: OptimizerOptions = {}) => make('adadelta', o);
export const adamax = (o: OptimizerOptions = {}) => make('adamax', o);
