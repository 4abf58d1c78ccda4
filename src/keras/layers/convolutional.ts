// Convolution layers: Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose, with
// Keras 3's defaults, weight names ('kernel', 'bias'; 'depthwise_kernel' and 'pointwise_kernel'
// for SeparableConv2D) and shapes. The products are K's conv functions (tf ops: ours on 'as').
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig} from '../layer.js';
import {getActivation, serializeActivation, type Activation, type ActivationIdentifier} from '../activations.js';
import {serializeInitializer, type InitializerIdentifier} from '../initializers.js';
import {get as getRegularizer, serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';
import * as K from '../backend.js';
import {single, one, tuple, convOutputLength, assertWindowFits, addActivityLoss, rejectUnsupported} from './util.js';

export type DataFormat = K.DataFormat;

export interface ConvConfig extends LayerConfig {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  /** 'causal' for Conv1D only. */
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: DataFormat;
  dilationRate?: number | number[];
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
}

/** What every convolution has: a rank, windows, strides, padding, a bias and an activation. */
abstract class BaseConv extends Layer<tf.Tensor, tf.Tensor> {
  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly activation: Activation;
  readonly useBias: boolean;
  bias: tf.Variable | null = null;
  protected readonly config: Omit<ConvConfig, 'filters'> & {filters?: number};

  constructor(rank: number, config: Omit<ConvConfig, 'filters'> & {filters?: number}) {
    super(config);
    this.rank = rank;
    this.config = config;
    this.kernelSize = tuple(config.kernelSize, rank, 'kernelSize', this);
    this.strides = tuple(config.strides ?? 1, rank, 'strides', this);
    this.dilationRate = tuple(config.dilationRate ?? 1, rank, 'dilationRate', this);
    this.padding = config.padding ?? 'valid';
    if (!['valid', 'same', ...(rank === 1 ? ['causal'] : [])].includes(this.padding))
      throw new Error(
        `${this.describe()}: padding must be 'valid' or 'same'${rank === 1 ? " or 'causal'" : ''}, got ${JSON.stringify(config.padding)}`,
      );
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    if (this.dataFormat !== 'channelsLast' && this.dataFormat !== 'channelsFirst')
      throw new Error(
        `${this.describe()}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(config.dataFormat)}`,
      );
    this.activation = getActivation(config.activation, `${this.describe()} activation`);
    this.useBias = config.useBias ?? true;
    getRegularizer(config.activityRegularizer, `${this.describe()} activityRegularizer`);
    // Keras options not implemented here: a config may carry them only at their defaults.
    rejectUnsupported(this, config, {
      groups: 1,
      outputPadding: null,
      kernelConstraint: null,
      biasConstraint: null,
      depthwiseConstraint: null,
      pointwiseConstraint: null,
    });
    // The rank is known now, so a wrong-rank input fails before build makes any weight.
    this.inputSpec = {ndim: rank + 2};
  }

  protected get channelAxis(): number {
    return this.dataFormat === 'channelsFirst' ? 1 : this.rank + 1;
  }

  protected get spatialAxes(): number[] {
    const first = this.dataFormat === 'channelsFirst' ? 2 : 1;
    return Array.from({length: this.rank}, (_, i) => first + i);
  }

  /** The input channels, checked known, and the windows checked to fit. */
  protected inputChannels(inputShape: Shape | Shape[]): number {
    const shape = single(inputShape, this);
    const channels = shape[this.channelAxis];
    if (channels == null) {
      throw new Error(
        `${this.describe()}: the channel axis (${this.channelAxis}) of the input must be known, got ${fmtShape(shape)}`,
      );
    }
    assertWindowFits(this, shape, this.spatialAxes, this.kernelSize, this.padding, this.dilationRate);
    return channels;
  }

  protected addBias(filters: number): void {
    if (this.useBias) {
      this.bias = this.addWeight('bias', [filters], {
        initializer: this.config.biasInitializer ?? 'zeros',
        regularizer: this.config.biasRegularizer,
      });
    }
  }

  protected abstract outputChannels(inputChannels: number): number;

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    const out = [...shape];
    this.spatialAxes.forEach((a, i) => {
      out[a] = this.spatialOutput(shape[a] ?? null, i);
    });
    out[this.channelAxis] = shape[this.channelAxis] == null ? null : this.outputChannels(shape[this.channelAxis]!);
    return out;
  }

  protected spatialOutput(size: number | null, i: number): number | null {
    return convOutputLength(size, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]);
  }

  /** Bias (along the channel axis), activation, activity regularizer. */
  protected finish(y: tf.Tensor): tf.Tensor {
    let out = y;
    if (this.bias) {
      out =
        this.dataFormat === 'channelsFirst'
          ? tf.add(out, tf.reshape(this.bias, [this.bias.shape[0]!, ...this.spatialAxes.map(() => 1)]))
          : tf.add(out, this.bias);
    }
    out = this.activation.apply(out);
    addActivityLoss(this, this.config.activityRegularizer, out);
    return out;
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      biasInitializer: serializeInitializer(c.biasInitializer ?? 'zeros'),
      biasRegularizer: serializeRegularizer(c.biasRegularizer),
      activityRegularizer: serializeRegularizer(c.activityRegularizer),
      biasConstraint: null,
    };
  }
}

/** Conv1D, Conv2D: `filters` kernels of kernelSize x inputChannels. */
abstract class Conv extends BaseConv {
  readonly filters: number;
  kernel: tf.Variable | null = null;

  constructor(rank: number, config: ConvConfig) {
    super(rank, config);
    if (!Number.isInteger(config.filters) || config.filters < 1)
      throw new Error(`${this.describe()}: filters must be a positive integer, got ${config.filters}`);
    this.filters = config.filters;
  }

  protected outputChannels(): number {
    return this.filters;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.inputChannels(inputShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], {
      initializer: this.config.kernelInitializer ?? 'glorotUniform',
      regularizer: this.config.kernelRegularizer,
    });
    this.addBias(this.filters);
    this.inputSpec = {ndim: this.rank + 2, axes: {[this.channelAxis]: channels}};
  }

  /** Keras 3's Conv keys. */
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      groups: 1,
      kernelInitializer: serializeInitializer(this.config.kernelInitializer ?? 'glorotUniform'),
      kernelRegularizer: serializeRegularizer(this.config.kernelRegularizer),
      kernelConstraint: null,
    };
  }
}

export class Conv1D extends Conv {
  static override className = 'Conv1D';
  constructor(config: ConvConfig) {
    super(1, config);
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const y = K.conv1d(one(inputs), this.kernel!, this.strides[0], this.padding, this.dataFormat, this.dilationRate[0]);
    return this.finish(y);
  }
}

export class Conv2D extends Conv {
  static override className = 'Conv2D';
  constructor(config: ConvConfig) {
    super(2, config);
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const act = this.activation;
    const activity = getRegularizer(this.config.activityRegularizer);
    // Inference on channels-last: one fused conv+bias+activation (XNNPACK's on 'as' and wasm).
    if (tf.engine().state.gradientDepth === 0 && this.dataFormat === 'channelsLast' && act.fused && !activity) {
      return tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: this.kernel as tf.Tensor4D,
        strides: this.strides as [number, number],
        pad: this.padding as 'valid' | 'same',
        dilations: this.dilationRate as [number, number],
        bias: this.bias ?? undefined,
        activation: act.fused,
        leakyreluAlpha: act.leakyreluAlpha,
      });
    }
    const y = K.conv2d(
      x,
      this.kernel!,
      this.strides as [number, number],
      this.padding,
      this.dataFormat,
      this.dilationRate as [number, number],
    );
    return this.finish(y);
  }
}

export interface DepthwiseConv2DConfig extends Omit<ConvConfig, 'filters' | 'kernelInitializer' | 'kernelRegularizer'> {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
}

/** One kernel per input channel (times depthMultiplier); Keras 3 names its weight 'kernel'. */
export class DepthwiseConv2D extends BaseConv {
  static override className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  kernel: tf.Variable | null = null;

  constructor(config: DepthwiseConv2DConfig) {
    super(2, config);
    this.depthMultiplier = tuple(config.depthMultiplier ?? 1, 1, 'depthMultiplier', this)[0]!;
  }

  protected outputChannels(inputChannels: number): number {
    return inputChannels * this.depthMultiplier;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.inputChannels(inputShape);
    const c = this.config as DepthwiseConv2DConfig;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.depthMultiplier], {
      initializer: c.depthwiseInitializer ?? 'glorotUniform',
      regularizer: c.depthwiseRegularizer,
    });
    this.addBias(channels * this.depthMultiplier);
    this.inputSpec = {ndim: 4, axes: {[this.channelAxis]: channels}};
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const y = K.depthwiseConv2d(
      one(inputs),
      this.kernel!,
      this.strides as [number, number],
      this.padding,
      this.dataFormat,
      this.dilationRate as [number, number],
    );
    return this.finish(y);
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config as DepthwiseConv2DConfig;
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInitializer(c.depthwiseInitializer ?? 'glorotUniform'),
      depthwiseRegularizer: serializeRegularizer(c.depthwiseRegularizer),
      depthwiseConstraint: null,
    };
  }
}

export interface SeparableConv2DConfig extends Omit<ConvConfig, 'kernelInitializer' | 'kernelRegularizer'> {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerIdentifier;
  pointwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  pointwiseRegularizer?: RegularizerIdentifier | null;
}

/** A depthwise convolution then a 1x1 one to `filters` channels. */
export class SeparableConv2D extends BaseConv {
  static override className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  depthwiseKernel: tf.Variable | null = null;
  pointwiseKernel: tf.Variable | null = null;

  constructor(config: SeparableConv2DConfig) {
    super(2, config);
    if (!Number.isInteger(config.filters) || config.filters < 1)
      throw new Error(`${this.describe()}: filters must be a positive integer, got ${config.filters}`);
    this.filters = config.filters;
    this.depthMultiplier = tuple(config.depthMultiplier ?? 1, 1, 'depthMultiplier', this)[0]!;
  }

  protected outputChannels(): number {
    return this.filters;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.inputChannels(inputShape);
    const c = this.config as SeparableConv2DConfig;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, channels, this.depthMultiplier], {
      initializer: c.depthwiseInitializer ?? 'glorotUniform',
      regularizer: c.depthwiseRegularizer,
    });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, channels * this.depthMultiplier, this.filters], {
      initializer: c.pointwiseInitializer ?? 'glorotUniform',
      regularizer: c.pointwiseRegularizer,
    });
    this.addBias(this.filters);
    this.inputSpec = {ndim: 4, axes: {[this.channelAxis]: channels}};
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const y = K.separableConv2d(
      one(inputs),
      this.depthwiseKernel!,
      this.pointwiseKernel!,
      this.strides as [number, number],
      this.padding,
      this.dataFormat,
      this.dilationRate as [number, number],
    );
    return this.finish(y);
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config as SeparableConv2DConfig;
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      filters: this.filters,
      depthwiseInitializer: serializeInitializer(c.depthwiseInitializer ?? 'glorotUniform'),
      pointwiseInitializer: serializeInitializer(c.pointwiseInitializer ?? 'glorotUniform'),
      depthwiseRegularizer: serializeRegularizer(c.depthwiseRegularizer),
      pointwiseRegularizer: serializeRegularizer(c.pointwiseRegularizer),
      depthwiseConstraint: null,
      pointwiseConstraint: null,
    };
  }
}

/** The gradient of a convolution as a layer: kernel [kh, kw, filters, inputChannels]. */
export class Conv2DTranspose extends Conv {
  static override className = 'Conv2DTranspose';
  constructor(config: ConvConfig) {
    super(2, config);
    if (this.dilationRate.some(d => d !== 1))
      throw new Error(`${this.describe()}: dilationRate must be 1 (tfjs has no dilated transposed convolution)`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = single(inputShape, this);
    const channels = shape[this.channelAxis];
    if (channels == null)
      throw new Error(
        `${this.describe()}: the channel axis (${this.channelAxis}) of the input must be known, got ${fmtShape(shape)}`,
      );
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, channels], {
      initializer: this.config.kernelInitializer ?? 'glorotUniform',
      regularizer: this.config.kernelRegularizer,
    });
    this.addBias(this.filters);
    this.inputSpec = {ndim: 4, axes: {[this.channelAxis]: channels}};
  }

  protected override spatialOutput(size: number | null, i: number): number | null {
    return size == null
      ? null
      : K.deconvLength(size, this.kernelSize[i]!, this.strides[i]!, this.padding as 'valid' | 'same');
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const outShape = this.computeOutputShape([...x.shape]) as number[];
    const y = K.conv2dTranspose(
      x,
      this.kernel!,
      outShape,
      this.strides as [number, number],
      this.padding,
      this.dataFormat,
    );
    return this.finish(y);
  }

  /** Keras 3's Conv2DTranspose keys: no groups, an outputPadding (only null is supported). */
  override getConfig(): Record<string, unknown> {
    const {groups: _groups, ...config} = super.getConfig();
    return {...config, outputPadding: null};
  }
}
