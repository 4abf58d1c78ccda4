// Shape layers: ZeroPadding2D, UpSampling2D, Cropping2D (rows and columns of images), Permute
// (Keras' 1-based dims, the batch axis staying first) and RepeatVector ([batch, n, features]).
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig} from '../layer.js';
import * as K from '../backend.js';
import {single, one, tuple} from './util.js';

type Pad2 = number | [number, number] | [[number, number], [number, number]];

/** Keras' ((top, bottom), (left, right)) from an int, a symmetric pair or the full form. */
function pads(value: Pad2, layer: Layer, what: string): [[number, number], [number, number]] {
  if (typeof value === 'number')
    return [
      [value, value],
      [value, value],
    ];
  if (Array.isArray(value) && value.length === 2 && value.every(v => typeof v === 'number'))
    return [
      [value[0] as number, value[0] as number],
      [value[1] as number, value[1] as number],
    ];
  if (Array.isArray(value) && value.length === 2 && value.every(v => Array.isArray(v) && v.length === 2))
    return value as [[number, number], [number, number]];
  throw new Error(
    `${layer.describe()}: ${what} must be an int, [rows, cols] or [[top, bottom], [left, right]], got ${JSON.stringify(value)}`,
  );
}

function checkPads(p: [[number, number], [number, number]], layer: Layer, what: string): void {
  if (p.flat().some(v => !Number.isInteger(v) || v < 0))
    throw new Error(`${layer.describe()}: ${what} must be non-negative integers, got ${JSON.stringify(p)}`);
}

interface ImageConfig extends LayerConfig {
  dataFormat?: K.DataFormat;
}

function rowsCols(format: K.DataFormat): [number, number] {
  return format === 'channelsFirst' ? [2, 3] : [1, 2];
}

export class ZeroPadding2D extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: K.DataFormat;
  constructor(config: ImageConfig & {padding?: Pad2} = {}) {
    super(config);
    this.padding = pads(config.padding ?? 1, this, 'padding');
    checkPads(this.padding, this, 'padding');
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    this.inputSpec = {ndim: 4};
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = [...single(inputShape, this)];
    rowsCols(this.dataFormat).forEach((a, i) => {
      const p = this.padding[i]!;
      out[a] = out[a] == null ? null : out[a]! + p[0] + p[1];
    });
    return out;
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    return K.spatial2dPadding(one(inputs), this.padding, this.dataFormat);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat};
  }
}

export class UpSampling2D extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'UpSampling2D';
  readonly size: number[];
  readonly dataFormat: K.DataFormat;
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(config: ImageConfig & {size?: number | [number, number]; interpolation?: 'nearest' | 'bilinear'} = {}) {
    super(config);
    this.size = tuple(config.size ?? 2, 2, 'size', this);
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    this.interpolation = config.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear')
      throw new Error(
        `${this.describe()}: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(config.interpolation)}`,
      );
    this.inputSpec = {ndim: 4};
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = [...single(inputShape, this)];
    rowsCols(this.dataFormat).forEach((a, i) => {
      out[a] = out[a] == null ? null : out[a]! * this.size[i]!;
    });
    return out;
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    return K.resizeImages(one(inputs), this.size[0]!, this.size[1]!, this.dataFormat, this.interpolation);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation};
  }
}

export class Cropping2D extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Cropping2D';
  readonly cropping: [[number, number], [number, number]];
  readonly dataFormat: K.DataFormat;
  constructor(config: ImageConfig & {cropping?: Pad2} = {}) {
    super(config);
    this.cropping = pads(config.cropping ?? 0, this, 'cropping');
    checkPads(this.cropping, this, 'cropping');
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    this.inputSpec = {ndim: 4};
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    const out = [...shape];
    rowsCols(this.dataFormat).forEach((a, i) => {
      const c = this.cropping[i]!;
      const d = shape[a];
      if (d != null && d - c[0] - c[1] < 1) {
        const expected = shape.map((v, j) => (j === a ? `>=${c[0] + c[1] + 1}` : v == null ? 'null' : String(v)));
        throw new Error(
          `${this.describe()}: cropping ${JSON.stringify(this.cropping)} leaves nothing: expected input shape [${expected.join(',')}], got ${fmtShape(shape)}`,
        );
      }
      out[a] = d == null ? null : d - c[0] - c[1];
    });
    return out;
  }
  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const out = this.computeOutputShape([...x.shape]) as number[];
    const begin = x.shape.map(() => 0);
    rowsCols(this.dataFormat).forEach((a, i) => {
      begin[a] = this.cropping[i]![0];
    });
    return tf.slice(x, begin, out);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), cropping: this.cropping, dataFormat: this.dataFormat};
  }
}

export class Permute extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Permute';
  readonly dims: number[];
  constructor(config: LayerConfig & {dims: number[]}) {
    super(config);
    const dims = config.dims;
    const sorted = Array.isArray(dims) ? [...dims].sort((a, b) => a - b) : [];
    if (!Array.isArray(dims) || sorted.some((d, i) => d !== i + 1))
      throw new Error(
        `${this.describe()}: dims must be a permutation of 1..${Array.isArray(dims) ? dims.length : 'n'} (the batch axis is not included), got ${JSON.stringify(dims)}`,
      );
    this.dims = dims;
    this.inputSpec = {ndim: dims.length + 1};
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    return [shape[0]!, ...this.dims.map(d => shape[d]!)];
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    return tf.transpose(one(inputs), [0, ...this.dims]);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dims: this.dims};
  }
}

export class RepeatVector extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'RepeatVector';
  readonly n: number;
  constructor(config: LayerConfig & {n: number}) {
    super(config);
    if (!Number.isInteger(config.n) || config.n < 1)
      throw new Error(`${this.describe()}: n must be a positive integer, got ${config.n}`);
    this.n = config.n;
    this.inputSpec = {ndim: 2};
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    return [shape[0]!, this.n, shape[1]!];
  }
  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    return tf.tile(tf.expandDims(one(inputs), 1), [1, this.n, 1]);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), n: this.n};
  }
}
