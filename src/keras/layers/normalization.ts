// BatchNormalization and LayerNormalization with Keras 3's defaults (momentum 0.99, epsilon
// 1e-3). BatchNormalization's moving mean and variance are non-trainable weights: a training
// call normalizes by the batch's statistics and moves them (moving = moving * momentum + batch *
// (1 - momentum), the biased batch variance as Keras 3 uses); an inference call normalizes by
// them. A frozen BatchNormalization (trainable = false) always runs in inference mode, as in Keras.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig} from '../layer.js';
import {serializeInitializer, type InitializerIdentifier} from '../initializers.js';
import {serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';
import * as K from '../backend.js';
import {single, one, rejectUnsupported} from './util.js';

export interface BatchNormalizationConfig extends LayerConfig {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
}

function resolveAxis(layer: Layer, axis: number, shape: Shape): number {
  const a = axis < 0 ? shape.length + axis : axis;
  if (a < 1 || a >= shape.length)
    throw new Error(`${layer.describe()}: axis ${axis} is out of range for input shape ${fmtShape(shape)}`);
  const d = shape[a];
  if (d == null)
    throw new Error(`${layer.describe()}: axis ${axis} of the input must be known, got input shape ${fmtShape(shape)}`);
  return a;
}

export class BatchNormalization extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: tf.Variable | null = null;
  beta: tf.Variable | null = null;
  movingMean: tf.Variable | null = null;
  movingVariance: tf.Variable | null = null;
  private readonly config: BatchNormalizationConfig;

  constructor(config: BatchNormalizationConfig = {}) {
    super(config);
    this.config = config;
    this.axis = config.axis ?? -1;
    this.momentum = config.momentum ?? 0.99;
    this.epsilon = config.epsilon ?? 1e-3;
    this.center = config.center ?? true;
    this.scale = config.scale ?? true;
    this.supportsMasking = true;
    rejectUnsupported(this, config, {
      betaConstraint: null,
      gammaConstraint: null,
      synchronized: false,
      renorm: false,
      renormClipping: null,
    });
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = single(inputShape, this);
    const a = resolveAxis(this, this.axis, shape);
    const dim = shape[a]!;
    const c = this.config;
    if (this.scale)
      this.gamma = this.addWeight('gamma', [dim], {
        initializer: c.gammaInitializer ?? 'ones',
        regularizer: c.gammaRegularizer,
      });
    if (this.center)
      this.beta = this.addWeight('beta', [dim], {
        initializer: c.betaInitializer ?? 'zeros',
        regularizer: c.betaRegularizer,
      });
    this.movingMean = this.addWeight('moving_mean', [dim], {
      initializer: c.movingMeanInitializer ?? 'zeros',
      trainable: false,
    });
    this.movingVariance = this.addWeight('moving_variance', [dim], {
      initializer: c.movingVarianceInitializer ?? 'ones',
      trainable: false,
    });
    this.inputSpec = {ndim: shape.length, axes: {[a]: dim}};
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }

  override call(inputs: tf.Tensor, kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const a = this.axis < 0 ? x.rank + this.axis : this.axis;
    if (!(kwargs.training && this.trainable))
      return K.batchNormalization(x, this.movingMean!, this.movingVariance!, this.beta, this.gamma, a, this.epsilon);
    const reduction = x.shape.map((_, i) => i).filter(i => i !== a);
    const [y, mean, variance] = K.normalizeBatchInTraining(x, this.gamma, this.beta, reduction, this.epsilon);
    // The moving statistics are updated from values cut off the tape: no gradient flows into them.
    const m = this.momentum;
    const newMean = tf.add(tf.mul(this.movingMean!, m), tf.mul(K.stopGradient(mean!), 1 - m));
    const newVariance = tf.add(tf.mul(this.movingVariance!, m), tf.mul(K.stopGradient(variance!), 1 - m));
    this.movingMean!.assign(newMean);
    this.movingVariance!.assign(newVariance);
    return y!;
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(c.betaInitializer ?? 'zeros'),
      gammaInitializer: serializeInitializer(c.gammaInitializer ?? 'ones'),
      movingMeanInitializer: serializeInitializer(c.movingMeanInitializer ?? 'zeros'),
      movingVarianceInitializer: serializeInitializer(c.movingVarianceInitializer ?? 'ones'),
      betaRegularizer: serializeRegularizer(c.betaRegularizer),
      gammaRegularizer: serializeRegularizer(c.gammaRegularizer),
      betaConstraint: null,
      gammaConstraint: null,
      synchronized: false,
      renorm: false,
      renormClipping: null,
      renormMomentum: 0.99,
    };
  }
}

export interface LayerNormalizationConfig extends LayerConfig {
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
}

/** Normalizes each sample over `axis` (default the last), then scales and shifts per feature. */
export class LayerNormalization extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'LayerNormalization';
  readonly axis: number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: tf.Variable | null = null;
  beta: tf.Variable | null = null;
  private readonly config: LayerNormalizationConfig;

  constructor(config: LayerNormalizationConfig = {}) {
    super(config);
    this.config = config;
    this.axis = typeof config.axis === 'number' ? [config.axis] : (config.axis ?? [-1]);
    this.epsilon = config.epsilon ?? 1e-3;
    this.center = config.center ?? true;
    this.scale = config.scale ?? true;
    this.supportsMasking = true;
    rejectUnsupported(this, config, {rmsScaling: false, betaConstraint: null, gammaConstraint: null});
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = single(inputShape, this);
    const axes = this.axis.map(a => resolveAxis(this, a, shape));
    const paramShape = axes.map(a => shape[a]!);
    const c = this.config;
    if (this.scale)
      this.gamma = this.addWeight('gamma', paramShape, {
        initializer: c.gammaInitializer ?? 'ones',
        regularizer: c.gammaRegularizer,
      });
    if (this.center)
      this.beta = this.addWeight('beta', paramShape, {
        initializer: c.betaInitializer ?? 'zeros',
        regularizer: c.betaRegularizer,
      });
    this.inputSpec = {ndim: shape.length, axes: Object.fromEntries(axes.map(a => [a, shape[a]!]))};
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const axes = this.axis.map(a => (a < 0 ? x.rank + a : a)).sort();
    const {mean, variance} = tf.moments(x, axes, true);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
    // gamma and beta span the normalized axes: shape them to broadcast there.
    const bshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    if (this.gamma) y = tf.mul(y, tf.reshape(this.gamma, bshape));
    if (this.beta) y = tf.add(y, tf.reshape(this.beta, bshape));
    return y;
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      // Keras writes the axis as it was given: -1, or a list.
      axis: c.axis ?? -1,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rmsScaling: false,
      betaInitializer: serializeInitializer(c.betaInitializer ?? 'zeros'),
      gammaInitializer: serializeInitializer(c.gammaInitializer ?? 'ones'),
      betaRegularizer: serializeRegularizer(c.betaRegularizer),
      gammaRegularizer: serializeRegularizer(c.gammaRegularizer),
      betaConstraint: null,
      gammaConstraint: null,
    };
  }
}
