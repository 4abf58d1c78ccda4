// Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D (windows of poolSize, strides defaulting
// to poolSize, as in Keras), and the global ones, which average or take the max over every step
// or pixel (GlobalAveragePooling1D weights the average by the mask, as Keras does).
import * as tf from '@tensorflow/tfjs-core';
import type {Shape, Kwargs} from '../common.js';
import {Layer, type LayerConfig, type Mask} from '../layer.js';
import * as K from '../backend.js';
import {single, one, tuple, convOutputLength, assertWindowFits, firstMask} from './util.js';

export interface Pooling1DConfig extends LayerConfig {
  poolSize?: number | [number];
  strides?: number | [number] | null;
  padding?: 'valid' | 'same';
  dataFormat?: K.DataFormat;
}

export interface Pooling2DConfig extends LayerConfig {
  poolSize?: number | [number, number];
  strides?: number | [number, number] | null;
  padding?: 'valid' | 'same';
  dataFormat?: K.DataFormat;
}

abstract class Pooling extends Layer<tf.Tensor, tf.Tensor> {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: K.DataFormat;

  constructor(
    readonly rank: 1 | 2,
    protected readonly mode: 'max' | 'avg',
    config: Pooling1DConfig | Pooling2DConfig,
  ) {
    super(config);
    this.poolSize = tuple(config.poolSize ?? 2, rank, 'poolSize', this);
    this.strides = tuple(config.strides ?? this.poolSize, rank, 'strides', this);
    this.padding = config.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same')
      throw new Error(`${this.describe()}: padding must be 'valid' or 'same', got ${JSON.stringify(config.padding)}`);
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    this.inputSpec = {ndim: rank + 2};
  }

  private get spatialAxes(): number[] {
    const first = this.dataFormat === 'channelsFirst' ? 2 : 1;
    return Array.from({length: this.rank}, (_, i) => first + i);
  }

  override build(inputShape: Shape | Shape[]): void {
    assertWindowFits(
      this,
      single(inputShape, this),
      this.spatialAxes,
      this.poolSize,
      this.padding,
      undefined,
      'poolSize',
    );
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = [...single(inputShape, this)];
    this.spatialAxes.forEach((a, i) => {
      out[a] = convOutputLength(out[a] ?? null, this.poolSize[i]!, this.padding, this.strides[i]!);
    });
    return out;
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    if (this.rank === 2)
      return K.pool2d(
        x,
        this.poolSize as [number, number],
        this.strides as [number, number],
        this.padding,
        this.dataFormat,
        this.mode,
      );
    // 1-D as 2-D with one row: [batch, 1, steps, channels].
    const last = this.dataFormat === 'channelsLast';
    const x4 = tf.expandDims(x, last ? 1 : 2);
    const y = K.pool2d(x4, [1, this.poolSize[0]!], [1, this.strides[0]!], this.padding, this.dataFormat, this.mode);
    return tf.squeeze(y, [last ? 1 : 2]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
    };
  }
}

export class MaxPooling1D extends Pooling {
  static override className = 'MaxPooling1D';
  constructor(config: Pooling1DConfig = {}) {
    super(1, 'max', config);
  }
}
export class MaxPooling2D extends Pooling {
  static override className = 'MaxPooling2D';
  constructor(config: Pooling2DConfig = {}) {
    super(2, 'max', config);
  }
}
export class AveragePooling1D extends Pooling {
  static override className = 'AveragePooling1D';
  constructor(config: Pooling1DConfig = {}) {
    super(1, 'avg', config);
  }
}
export class AveragePooling2D extends Pooling {
  static override className = 'AveragePooling2D';
  constructor(config: Pooling2DConfig = {}) {
    super(2, 'avg', config);
  }
}

export interface GlobalPoolingConfig extends LayerConfig {
  dataFormat?: K.DataFormat;
  /** Keep the pooled axes as size 1 (Keras 3). */
  keepdims?: boolean;
}

abstract class GlobalPooling extends Layer<tf.Tensor, tf.Tensor> {
  readonly dataFormat: K.DataFormat;
  readonly keepdims: boolean;

  constructor(
    readonly rank: 1 | 2,
    protected readonly mode: 'max' | 'avg',
    config: GlobalPoolingConfig,
  ) {
    super(config);
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    this.keepdims = config.keepdims ?? false;
    this.inputSpec = {ndim: rank + 2};
    // Keras: the 1-D average takes the mask (and outputs none); the others refuse nothing either.
    this.supportsMasking = true;
  }

  protected get axes(): number[] {
    const first = this.dataFormat === 'channelsFirst' ? 2 : 1;
    return Array.from({length: this.rank}, (_, i) => first + i);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    if (this.keepdims) return shape.map((d, i) => (this.axes.includes(i) ? 1 : d));
    return shape.filter((_, i) => !this.axes.includes(i));
  }

  override computeMask(): Mask {
    return null;
  }

  override call(inputs: tf.Tensor, kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const mask = firstMask(kwargs.mask as Mask | undefined);
    if (mask && this.rank === 1 && this.mode === 'avg') {
      // Masked mean over steps: sum(x * m) / sum(m), m broadcast over the channels.
      const last = this.dataFormat === 'channelsLast';
      const m = tf.expandDims(tf.cast(mask, x.dtype), last ? 2 : 1);
      return tf.div(tf.sum(tf.mul(x, m), this.axes, this.keepdims), tf.sum(m, this.axes, this.keepdims));
    }
    return this.mode === 'max' ? tf.max(x, this.axes, this.keepdims) : tf.mean(x, this.axes, this.keepdims);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims};
  }
}

export class GlobalAveragePooling1D extends GlobalPooling {
  static override className = 'GlobalAveragePooling1D';
  constructor(config: GlobalPoolingConfig = {}) {
    super(1, 'avg', config);
  }
}
export class GlobalAveragePooling2D extends GlobalPooling {
  static override className = 'GlobalAveragePooling2D';
  constructor(config: GlobalPoolingConfig = {}) {
    super(2, 'avg', config);
  }
}
export class GlobalMaxPooling1D extends GlobalPooling {
  static override className = 'GlobalMaxPooling1D';
  constructor(config: GlobalPoolingConfig = {}) {
    super(1, 'max', config);
  }
}
export class GlobalMaxPooling2D extends GlobalPooling {
  static override className = 'GlobalMaxPooling2D';
  constructor(config: GlobalPoolingConfig = {}) {
    super(2, 'max', config);
  }
}
