// Layers active only in training: GaussianNoise (adds N(0, stddev)), SpatialDropout1D/2D (drops
// whole channels: one draw per sample and channel, the backend's dropout with a noise shape), and
// ActivityRegularization (adds l1·sum|x| + l2·sum x², averaged over the batch, to the loss).
import * as tf from '@tensorflow/tfjs-core';
import type {Shape, Kwargs} from '../common.js';
import {Layer, type LayerConfig} from '../layer.js';
import * as ops from '../backend_ops.js';
import * as regularizers from '../regularizers.js';
import {single, one, addActivityLoss} from './util.js';

export class GaussianNoise extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'GaussianNoise';
  readonly stddev: number;
  readonly seed?: number;
  private calls = 0;
  constructor(config: LayerConfig & {stddev: number; seed?: number}) {
    super(config);
    if (!(config.stddev >= 0)) throw new Error(`${this.describe()}: stddev must be >= 0, got ${config.stddev}`);
    this.stddev = config.stddev;
    this.seed = config.seed;
    this.supportsMasking = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }
  override call(inputs: tf.Tensor, kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    if (!kwargs.training || this.stddev === 0) return tf.clone(x);
    const seed = this.seed == null ? undefined : this.seed + this.calls++;
    return tf.add(x, tf.randomNormal(x.shape, 0, this.stddev, 'float32', seed));
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), stddev: this.stddev, seed: this.seed ?? null};
  }
}

abstract class SpatialDropout extends Layer<tf.Tensor, tf.Tensor> {
  readonly rate: number;
  readonly seed?: number;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  private calls = 0;
  constructor(
    readonly rank: 1 | 2,
    config: LayerConfig & {rate: number; seed?: number; dataFormat?: 'channelsLast' | 'channelsFirst'},
  ) {
    super(config);
    if (!(config.rate >= 0 && config.rate < 1))
      throw new Error(`${this.describe()}: rate must be in [0, 1), got ${config.rate}`);
    this.rate = config.rate;
    this.seed = config.seed;
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    this.inputSpec = {ndim: rank + 2};
    this.supportsMasking = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }
  override call(inputs: tf.Tensor, kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    // One draw per sample and channel, the same over every step or pixel.
    const noiseShape = x.shape.map((d, i) =>
      i === 0 || i === (this.dataFormat === 'channelsFirst' ? 1 : x.rank - 1) ? d : 1,
    );
    const seed = this.seed == null ? undefined : this.seed + this.calls++;
    return ops.dropout(x, this.rate, {seed, noiseShape});
  }
  /** Keras 3's SpatialDropout keys: no `trainable`, and dtype a plain string. */
  override getConfig(): Record<string, unknown> {
    const base = super.getConfig();
    return {
      rate: this.rate,
      seed: this.seed ?? null,
      name: base.name,
      dtype: base.dtype,
      ...(this.rank === 2 ? {dataFormat: this.dataFormat} : {}),
    };
  }
}

export class SpatialDropout1D extends SpatialDropout {
  static override className = 'SpatialDropout1D';
  constructor(config: LayerConfig & {rate: number; seed?: number}) {
    super(1, config);
  }
}

export class SpatialDropout2D extends SpatialDropout {
  static override className = 'SpatialDropout2D';
  constructor(config: LayerConfig & {rate: number; seed?: number; dataFormat?: 'channelsLast' | 'channelsFirst'}) {
    super(2, config);
  }
}

export class ActivityRegularization extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'ActivityRegularization';
  readonly l1: number;
  readonly l2: number;
  private readonly regularizer: regularizers.Regularizer;
  constructor(config: LayerConfig & {l1?: number; l2?: number} = {}) {
    super(config);
    this.l1 = config.l1 ?? 0;
    this.l2 = config.l2 ?? 0;
    this.regularizer = regularizers.l1l2({l1: this.l1, l2: this.l2});
    this.supportsMasking = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    addActivityLoss(this, this.regularizer, x);
    return tf.clone(x);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), l1: this.l1, l2: this.l2};
  }
}
