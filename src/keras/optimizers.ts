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
//
// 'sgd', 'adam' and 'rmsprop' by name are subclasses of tfjs-core's classes that, on a backend
// with this package's fused update kernels ('as'), update each weight and its slots in one kernel
// (src/kernels/{SGD,Adam,RMSProp}Update.ts) instead of 2 to 14 element-wise ones: the same
// float32 arithmetic, bit for bit, ~10x less time (3.4 ms -> 0.3 ms per RMSprop step of the seed's
// MLP). Elsewhere, and for centered RMSprop, they are tfjs-core's classes unchanged. They keep
// tfjs' slot variables, so getWeights/setWeights/dispose and serialization work as before.
import * as tf from '@tensorflow/tfjs-core';
import {normalizeName} from './common.js';
// Kernel names registered by src/kernels/{RMSProp,Adam,SGD}Update.ts (for 'as' only), from the
// dependency-free contract module: it bundles a few constants, not the backend's kernel modules.
import {ADAM_UPDATE, RMSPROP_UPDATE, SGD_UPDATE} from '../kernel_names.js';

/** Keras' default learning rates (Keras 2.x; Adadelta's is 1.0 in Keras 1 and tfjs-layers). */
export const DEFAULT_LEARNING_RATES = {
  sgd: 0.01,
  adam: 0.001,
  rmsprop: 0.001,
  adagrad: 0.001,
  adadelta: 0.001,
  adamax: 0.001,
} as const;

export type OptimizerName = keyof typeof DEFAULT_LEARNING_RATES;

/** Keras' class names of the same optimizers, which `get` accepts too. */
export type OptimizerClassName = 'SGD' | 'Adam' | 'RMSprop' | 'Adagrad' | 'Adadelta' | 'Adamax';

/** What compile({optimizer}) takes: a name (Keras' defaults) or a tf.Optimizer, used as it is. */
export type OptimizerIdentifier = OptimizerName | OptimizerClassName | tf.Optimizer;

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

type Slot = {originalName: string; variable: tf.Variable};
type Grads = Parameters<tf.Optimizer['applyGradients']>[0];

/** Whether the active backend has `kernel` and every weight is float32. */
function fused(kernel: string, grads: Grads): boolean {
  if (tf.getKernel(kernel, tf.getBackend()) == null) return false;
  const names = Array.isArray(grads) ? grads.map(g => g.name) : Object.keys(grads);
  return names.every(n => tf.engine().registeredVariables[n]?.dtype === 'float32');
}

/** tfjs' loop over (name, gradient) pairs; slots are indexed by position, as tfjs does. */
function eachGradient(
  grads: Grads,
  fn: (value: tf.Variable, gradient: tf.Tensor | null, i: number, name: string) => void,
): void {
  const names = Array.isArray(grads) ? grads.map(g => g.name) : Object.keys(grads);
  names.forEach((name, i) => {
    const gradient = Array.isArray(grads) ? grads[i]!.tensor : grads[name]!;
    fn(tf.engine().registeredVariables[name]!, gradient ?? null, i, name);
  });
}

function slot(slots: Slot[], i: number, name: string, value: tf.Variable): tf.Variable {
  slots[i] ??= {originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false))};
  return slots[i]!.variable;
}

/**
 * Runs an update kernel and assigns its outputs to `targets` (the weight, then its slots); no
 * outputs: the kernel updated them in place (kernel_names.ts InPlaceUpdateAttr).
 */
function update(kernel: string, inputs: tf.NamedTensorMap, attrs: object, targets: tf.Variable[]): void {
  const outs = tf.engine().runKernel(kernel, inputs, {...attrs, inPlace: true} as tf.NamedAttrMap) as tf.Tensor[];
  if (outs.length === 0) return;
  targets.forEach((t, k) => {
    t.assign(outs[k]!);
  });
  tf.dispose(outs);
}

/** tfjs' RMSPropOptimizer; one fused kernel per weight on 'as'. */
export class RMSPropOptimizer extends tf.RMSPropOptimizer {
  override applyGradients(grads: Grads): void {
    const self = this as unknown as {
      centered: boolean;
      decay: number;
      momentum: number;
      epsilon: number;
      accumulatedMeanSquares: Slot[];
      accumulatedMoments: Slot[];
    };
    if (self.centered || !fused(RMSPROP_UPDATE, grads)) {
      super.applyGradients(grads);
      return;
    }
    const attrs = {learningRate: this.learningRate, decay: self.decay, momentum: self.momentum, epsilon: self.epsilon};
    eachGradient(grads, (value, gradient, i, name) => {
      const meanSquare = slot(self.accumulatedMeanSquares, i, `${name}/rms`, value);
      const moment = slot(self.accumulatedMoments, i, `${name}/momentum`, value);
      if (gradient) update(RMSPROP_UPDATE, {value, gradient, meanSquare, moment}, attrs, [value, meanSquare, moment]);
    });
    this.incrementIterations();
  }
}

/** tfjs' AdamOptimizer; one fused kernel per weight on 'as'. */
export class AdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(grads: Grads): void {
    const self = this as unknown as {
      beta1: number;
      beta2: number;
      epsilon: number;
      accBeta1: tf.Variable;
      accBeta2: tf.Variable;
      accumulatedFirstMoment: Slot[];
      accumulatedSecondMoment: Slot[];
    };
    if (!fused(ADAM_UPDATE, grads)) {
      super.applyGradients(grads as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      return;
    }
    // tfjs' bias corrections sub(1, accBeta) in float32 (two scalar reads: 'as' is synchronous).
    const attrs = {
      learningRate: this.learningRate,
      beta1: self.beta1,
      beta2: self.beta2,
      epsilon: self.epsilon,
      oneMinusAccBeta1: Math.fround(1 - self.accBeta1.dataSync()[0]!),
      oneMinusAccBeta2: Math.fround(1 - self.accBeta2.dataSync()[0]!),
    };
    eachGradient(grads, (value, gradient, i, name) => {
      const firstMoment = slot(self.accumulatedFirstMoment, i, `${name}/m`, value);
      const secondMoment = slot(self.accumulatedSecondMoment, i, `${name}/v`, value);
      if (gradient)
        update(ADAM_UPDATE, {value, gradient, firstMoment, secondMoment}, attrs, [value, firstMoment, secondMoment]);
    });
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}

/** tfjs' SGDOptimizer; one fused kernel per weight on 'as'. */
export class SGDOptimizer extends tf.SGDOptimizer {
  override applyGradients(grads: Grads): void {
    if (!fused(SGD_UPDATE, grads)) {
      super.applyGradients(grads);
      return;
    }
    eachGradient(grads, (value, gradient) => {
      if (gradient) update(SGD_UPDATE, {value, gradient}, {learningRate: this.learningRate}, [value]);
    });
    this.incrementIterations();
  }
}

function make(name: OptimizerName, o: OptimizerOptions): tf.Optimizer {
  const lr = o.learningRate ?? DEFAULT_LEARNING_RATES[name];
  const eps = o.epsilon ?? KERAS_EPSILON;
  switch (name) {
    case 'sgd':
      return o.momentum ? tf.train.momentum(lr, o.momentum, o.nesterov ?? false) : new SGDOptimizer(lr);
    case 'adam':
      return new AdamOptimizer(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, eps);
    case 'rmsprop':
      return new RMSPropOptimizer(lr, o.rho ?? 0.9, o.momentum ?? 0, eps, o.centered ?? false);
    case 'adagrad':
      return tf.train.adagrad(lr, 0.1);
    case 'adadelta':
      return tf.train.adadelta(lr, o.rho ?? 0.95, eps);
    case 'adamax':
      return tf.train.adamax(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, eps, 0);
  }
}

/** The optimizer names `get` accepts (any case: 'RMSprop', 'SGD' and 'Adam' work too). */
export function optimizerNames(): OptimizerName[] {
  return Object.keys(DEFAULT_LEARNING_RATES) as OptimizerName[];
}

function isOptimizer(x: unknown): x is tf.Optimizer {
  return (
    x instanceof tf.Optimizer ||
    (typeof x === 'object' &&
      x !== null &&
      typeof (x as tf.Optimizer).applyGradients === 'function' &&
      typeof (x as tf.Optimizer).minimize === 'function')
  );
}

/**
 * An optimizer from a name (Keras' defaults, see above) or a tf.Optimizer (used as it is).
 * `options` override the defaults of a named optimizer.
 */
export function get(identifier: OptimizerIdentifier, options: OptimizerOptions = {}): tf.Optimizer {
  if (isOptimizer(identifier)) return identifier;
  if (typeof identifier === 'string') {
    const name = normalizeName(identifier) as OptimizerName;
    if (name in DEFAULT_LEARNING_RATES) return make(name, options);
  }
  const shown = typeof identifier === 'string' ? `'${identifier}'` : identifier === null ? 'null' : typeof identifier;
  throw new Error(
    `Unknown optimizer ${shown}. Pass one of ${optimizerNames()
      .map(n => `'${n}'`)
      .join(', ')} or a tf.Optimizer (e.g. tf.train.adam(0.001)).`,
  );
}

export const sgd = (o: OptimizerOptions = {}) => make('sgd', o);
export const adam = (o: OptimizerOptions = {}) => make('adam', o);
export const rmsprop = (o: OptimizerOptions = {}) => make('rmsprop', o);
export const adagrad = (o: OptimizerOptions = {}) => make('adagrad', o);
export const adadelta = (o: OptimizerOptions = {}) => make('adadelta', o);
export const adamax = (o: OptimizerOptions = {}) => make('adamax', o);
