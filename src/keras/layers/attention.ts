// MultiHeadAttention as Keras 3 computes it: query, key and value projected per head (EinsumDense
// sublayers named query, key, value, attention_output, whose weights are [dim, heads, keyDim]
// kernels and [heads, keyDim] biases), scores softmax(q·kᵀ / sqrt(keyDim)) with masked positions
// given -1e9 before the softmax, dropout on the scores in training, then the heads' values
// combined by the output projection.
//
// Called as apply([query, value, key?], {attentionMask?, useCausalMask?}). The attention mask
// [batch, T, S] is ANDed with the masks the inputs carry (query's rows, value's and key's
// columns: an Embedding({maskZero}) upstream) and with the causal mask, as Keras does.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig, type Mask, getMask} from '../layer.js';
import {serializeInitializer, type InitializerIdentifier} from '../initializers.js';
import {serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';
import * as ops from '../backend_ops.js';
import {addActivityLoss, rejectUnsupported} from './util.js';

export interface MultiHeadAttentionConfig extends LayerConfig {
  numHeads: number;
  keyDim: number;
  /** Defaults to keyDim. */
  valueDim?: number;
  /** Dropout on the attention scores in training. */
  dropout?: number;
  useBias?: boolean;
  /** The last axis of the output; defaults to the query's. */
  outputShape?: number;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
  seed?: number | null;
}

/** Keras 3's EinsumDense as MultiHeadAttention uses it: kernel and bias, no activation. */
class Projection extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'EinsumDense';
  kernel: tf.Variable | null = null;
  bias: tf.Variable | null = null;
  constructor(
    name: string,
    readonly kernelShape: number[],
    readonly biasShape: number[] | null,
    private readonly init: MultiHeadAttentionConfig,
  ) {
    super({name});
  }
  override build(): void {
    this.kernel = this.addWeight('kernel', this.kernelShape, {
      initializer: this.init.kernelInitializer ?? 'glorotUniform',
      regularizer: this.init.kernelRegularizer,
    });
    if (this.biasShape)
      this.bias = this.addWeight('bias', this.biasShape, {
        initializer: this.init.biasInitializer ?? 'zeros',
        regularizer: this.init.biasRegularizer,
      });
  }
}

export class MultiHeadAttention extends Layer<tf.Tensor[], tf.Tensor> {
  static override className = 'MultiHeadAttention';
  /** Keras calls it (query, value, key=...): a saved node lists the inputs as positional arguments. */
  static readonly positionalInputs = true;
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  queryDense: Projection | null = null;
  keyDense: Projection | null = null;
  valueDense: Projection | null = null;
  outputDense: Projection | null = null;
  private readonly config: MultiHeadAttentionConfig;
  private calls = 0;

  constructor(config: MultiHeadAttentionConfig) {
    super(config);
    for (const key of ['numHeads', 'keyDim'] as const)
      if (!Number.isInteger(config[key]) || config[key] < 1)
        throw new Error(`${this.describe()}: ${key} must be a positive integer, got ${config[key]}`);
    this.config = config;
    this.numHeads = config.numHeads;
    this.keyDim = config.keyDim;
    this.valueDim = config.valueDim ?? config.keyDim;
    this.dropout = config.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new Error(`${this.describe()}: dropout must be in [0, 1), got ${this.dropout}`);
    this.useBias = config.useBias ?? true;
    this.supportsMasking = true;
    // Keras writes output_shape as an int or a 1-tuple; attention over axis 1 only.
    const out = config.outputShape as unknown;
    if (Array.isArray(out)) {
      if (out.length !== 1)
        throw new Error(
          `${this.describe()}: outputShape must be one number (the last axis), got ${JSON.stringify(out)}`,
        );
      this.config = {...config, outputShape: out[0] as number};
    }
    rejectUnsupported(this, config, {
      useGate: false,
      slidingWindow: null,
      kernelConstraint: null,
      biasConstraint: null,
    });
    const axes = (config as {attentionAxes?: unknown}).attentionAxes;
    if (axes != null && JSON.stringify(axes) !== '[1]' && axes !== 1 && JSON.stringify(axes) !== '[-2]')
      throw new Error(
        `${this.describe()}: attentionAxes ${JSON.stringify(axes)} is not supported (attention runs over axis 1 of [batch, sequence, features])`,
      );
  }

  private shapes(inputShape: Shape | Shape[]): {query: Shape; value: Shape; key: Shape} {
    if (!(inputShape.length > 0 && Array.isArray(inputShape[0])) || inputShape.length < 2 || inputShape.length > 3)
      throw new Error(
        `${this.describe()} takes [query, value] or [query, value, key], got input shape(s) ${fmtShape(inputShape)}`,
      );
    const [query, value, key = value] = inputShape as Shape[];
    for (const [what, s] of [
      ['query', query],
      ['value', value],
      ['key', key],
    ] as const) {
      if (s!.length !== 3 || s![2] == null)
        throw new Error(
          `${this.describe()}: ${what} must be [batch, sequence, features] with known features, got ${fmtShape(s!)}`,
        );
    }
    if (key![1] != null && value![1] != null && key![1] !== value![1]) {
      throw new Error(
        `${this.describe()}: key and value must have the same sequence length: expected key shape ${fmtShape([key![0]!, value![1]!, key![2]!])}, got ${fmtShape(key!)} (value ${fmtShape(value!)})`,
      );
    }
    return {query: query!, value: value!, key: key!};
  }

  override build(inputShape: Shape | Shape[]): void {
    const {query, value, key} = this.shapes(inputShape);
    const h = this.numHeads;
    const bias = (d: number) => (this.useBias ? [h, d] : null);
    const outDim = this.config.outputShape ?? query[2]!;
    this.queryDense = new Projection('query', [query[2]!, h, this.keyDim], bias(this.keyDim), this.config);
    this.keyDense = new Projection('key', [key[2]!, h, this.keyDim], bias(this.keyDim), this.config);
    this.valueDense = new Projection('value', [value[2]!, h, this.valueDim], bias(this.valueDim), this.config);
    this.outputDense = new Projection(
      'attention_output',
      [h, this.valueDim, outDim],
      this.useBias ? [outDim] : null,
      this.config,
    );
    // The sublayers' weights are named <mha>/query/kernel, ...: build them under this layer's name.
    for (const p of [this.queryDense, this.keyDense, this.valueDense, this.outputDense]) {
      p.name = `${this.name}/${p.name}`;
      p.apply(tf.zeros([1]));
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const {query} = this.shapes(inputShape);
    return [query[0]!, query[1]!, this.config.outputShape ?? query[2]!];
  }

  override computeMask(inputs: tf.Tensor[], mask: Mask | undefined): Mask {
    // Keras: the output is masked where the query is.
    const masks = Array.isArray(mask) ? mask : [mask ?? null];
    return masks[0] ?? (inputs[0] ? getMask(inputs[0]) : null);
  }

  /** x [B, T, D] through kernel [D, H, K] (+ bias [H, K]) to [B, H, T, K]. */
  private project(x: tf.Tensor, p: Projection): tf.Tensor {
    const [b, t, d] = x.shape as [number, number, number];
    const [, h, k] = p.kernel!.shape as [number, number, number];
    let y = tf.matMul(tf.reshape(x, [b * t, d]), tf.reshape(p.kernel!, [d, h * k]));
    if (p.bias) y = tf.add(y, tf.reshape(p.bias, [h * k]));
    return tf.transpose(tf.reshape(y, [b, t, h, k]), [0, 2, 1, 3]);
  }

  /** Keras' _compute_attention_mask: the given mask AND the inputs' masks AND the causal mask. */
  private attentionMask(inputs: tf.Tensor[], kwargs: Kwargs): tf.Tensor | null {
    const [query, value, key = value] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor?];
    const masks = Array.isArray(kwargs.mask) ? (kwargs.mask as (tf.Tensor | null)[]) : [];
    const qm = masks[0] ?? getMask(query);
    const vm = masks[1] ?? getMask(value);
    const km = masks[2] ?? (key === value ? null : getMask(key!));
    const t = query.shape[1]!,
      s = value.shape[1]!;
    let m: tf.Tensor | null = null;
    const and = (x: tf.Tensor) => {
      m = m ? tf.logicalAnd(m, x) : x;
    };
    if (qm) and(tf.expandDims(tf.cast(qm, 'bool'), 2));
    if (vm) and(tf.expandDims(tf.cast(vm, 'bool'), 1));
    if (km) and(tf.expandDims(tf.cast(km, 'bool'), 1));
    if (kwargs.useCausalMask) and(tf.expandDims(tf.cast(tf.linalg.bandPart(tf.ones([t, s]), -1, 0), 'bool'), 0));
    const given = kwargs.attentionMask as tf.Tensor | undefined;
    if (given != null) {
      const ok = given.rank === 3 && given.shape[1] === t && given.shape[2] === s;
      if (!ok)
        throw new Error(
          `attentionMask: expected shape [${query.shape[0]},${t},${s}] (batch, query steps, value steps), got ${fmtShape(given.shape)}`,
        );
      and(tf.cast(given, 'bool'));
    }
    return m;
  }

  override call(inputs: tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length < 2) throw new Error('takes [query, value] or [query, value, key]');
    this.shapes(inputs.map(x => [...x.shape]));
    const [query, value, key = value] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor?];
    const q = tf.mul(this.project(query, this.queryDense!), 1 / Math.sqrt(this.keyDim));
    const k = this.project(key!, this.keyDense!);
    const v = this.project(value, this.valueDense!);
    let scores = tf.matMul(q, k, false, true); // [B, H, T, S]
    const mask = this.attentionMask(inputs, kwargs);
    if (mask) {
      // Keras' masked softmax: add -1e9 where the mask is false.
      scores = tf.add(scores, tf.mul(tf.sub(1, tf.cast(tf.expandDims(mask, 1), 'float32')), -1e9));
    }
    let weights = tf.softmax(scores);
    if (kwargs.training === true && this.dropout > 0) {
      const seed = this.config.seed == null ? undefined : this.config.seed + this.calls++;
      weights = ops.dropout(weights, this.dropout, {seed});
    }
    const [b, h, t] = weights.shape as [number, number, number, number];
    const context = tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]); // [B, T, H, V]
    const o = this.outputDense!;
    const outDim = o.kernel!.shape[2]!;
    let y = tf.matMul(
      tf.reshape(context, [b * t, h * this.valueDim]),
      tf.reshape(o.kernel!, [h * this.valueDim, outDim]),
    );
    if (o.bias) y = tf.add(y, o.bias);
    const out = tf.reshape(y, [b, t, outDim]);
    addActivityLoss(this, this.config.activityRegularizer, out);
    return out;
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      useGate: false,
      outputShape: c.outputShape ?? null,
      attentionAxes: (c as {attentionAxes?: unknown}).attentionAxes ?? null,
      slidingWindow: null,
      kernelInitializer: serializeInitializer(c.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: serializeInitializer(c.biasInitializer ?? 'zeros'),
      kernelRegularizer: serializeRegularizer(c.kernelRegularizer),
      biasRegularizer: serializeRegularizer(c.biasRegularizer),
      activityRegularizer: serializeRegularizer(c.activityRegularizer),
      kernelConstraint: null,
      biasConstraint: null,
      seed: c.seed ?? null,
    };
  }
}
