// Recurrent layers: SimpleRNN, LSTM, GRU (Keras 3's defaults: tanh/sigmoid, orthogonal recurrent
// kernels, LSTM's unit forget bias, GRU's resetAfter = true) and the Bidirectional wrapper.
//
// The loop is K.rnn's (backend.ts rnnLoop), unrolled into tf ops so tf.variableGrads sees every
// step. The input projection x·kernel + bias of all steps is one product before the loop; each
// step adds h·recurrentKernel. Masks (from Embedding({maskZero}) or given as {mask}) keep the
// previous output and states on masked steps, as Keras does. The initial state is an extra input
// (apply([x, h0, c0])) or the `initialState` keyword, symbolic or concrete.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig, type LayerIO, type Mask} from '../layer.js';
import {getActivation, serializeActivation, type Activation, type ActivationIdentifier} from '../activations.js';
import {getInitializer, serializeInitializer, type InitializerIdentifier} from '../initializers.js';
import {get as getRegularizer, serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';
import {rnnLoop} from '../backend.js';
import * as ops from '../backend_ops.js';
import {addActivityLoss, firstMask, rejectUnsupported} from './util.js';

export interface RNNConfig extends LayerConfig {
  units: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
  /** Fraction of the inputs dropped in training (one mask for all steps, as Keras). */
  dropout?: number;
  /** Fraction of the recurrent state dropped in training. */
  recurrentDropout?: number;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** Masked steps output zeros instead of repeating the last output (Bidirectional sets it with returnSequences). */
  zeroOutputForMask?: boolean;
  /** Accepted for Keras compatibility; the loop is always unrolled into tf ops. */
  unroll?: boolean;
  seed?: number | null;
}

export interface SimpleRNNConfig extends RNNConfig {}

export interface LSTMConfig extends RNNConfig {
  recurrentActivation?: ActivationIdentifier;
  unitForgetBias?: boolean;
}

export interface GRUConfig extends RNNConfig {
  recurrentActivation?: ActivationIdentifier;
  /** Keras 3's default (true): the reset gate applies after the recurrent product; bias [2, 3*units]. */
  resetAfter?: boolean;
}

/** What one step sees: the input projection at t, the states, and the layer's weights as tensors. */
interface StepWeights {
  recurrent: tf.Tensor2D;
  /** Recurrent dropout in training: multiplies h where it enters the recurrent product only. */
  recurrentMask: tf.Tensor | null;
  /** GRU resetAfter: the recurrent bias [3*units]; GRU without: recurrentKernel split [u,2u] and [u,u]. */
  extra: tf.Tensor[];
}

/** h as it enters the recurrent product: with recurrent dropout's mask in training. */
function recurrentInput(h: tf.Tensor, w: StepWeights): tf.Tensor2D {
  return (w.recurrentMask ? tf.mul(h, w.recurrentMask) : h) as tf.Tensor2D;
}

/**
 * A recurrent layer. `S` says whether it returns its states (returnState): then apply gives
 * [output, ...states], else one tensor; the factories infer it from the config.
 */
export abstract class RNN<S extends boolean = false> extends Layer<LayerIO, S extends true ? tf.Tensor[] : tf.Tensor> {
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  zeroOutputForMask: boolean;
  kernel: tf.Variable | null = null;
  recurrentKernel: tf.Variable | null = null;
  bias: tf.Variable | null = null;
  protected readonly config: RNNConfig;
  private calls = 0;

  /** How many gate blocks the kernels hold (1, 4 or 3) and how many states the cell carries. */
  protected abstract readonly gates: number;
  protected abstract readonly stateCount: number;

  constructor(config: RNNConfig) {
    super(config);
    if (!Number.isInteger(config.units) || config.units < 1)
      throw new Error(`${this.describe()}: units must be a positive integer, got ${config.units}`);
    this.config = config;
    this.units = config.units;
    this.activation = getActivation(config.activation ?? 'tanh', `${this.describe()} activation`);
    this.useBias = config.useBias ?? true;
    this.returnSequences = config.returnSequences ?? false;
    this.returnState = config.returnState ?? false;
    this.goBackwards = config.goBackwards ?? false;
    this.zeroOutputForMask = config.zeroOutputForMask ?? false;
    for (const key of ['dropout', 'recurrentDropout'] as const) {
      const v = config[key] ?? 0;
      if (!(v >= 0 && v < 1)) throw new Error(`${this.describe()}: ${key} must be in [0, 1), got ${v}`);
    }
    this.dropout = config.dropout ?? 0;
    this.recurrentDropout = config.recurrentDropout ?? 0;
    getRegularizer(config.activityRegularizer, `${this.describe()} activityRegularizer`);
    rejectUnsupported(this, config, {
      stateful: false,
      kernelConstraint: null,
      recurrentConstraint: null,
      biasConstraint: null,
    });
    // [batch, time, features]: a rank-2 input fails here, before any weight exists.
    this.inputSpec = {ndim: 3};
    this.supportsMasking = true;
  }

  /** A layer of the same class and config, with `overrides` (Bidirectional's two directions). */
  cloneWith(overrides: Partial<RNNConfig>): RNN<S> {
    const Ctor = this.constructor as new (config: RNNConfig) => RNN<S>;
    return new Ctor({...this.config, ...overrides});
  }

  protected biasInitializer(): InitializerIdentifier {
    return this.config.biasInitializer ?? 'zeros';
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const features = shape[2];
    if (features == null)
      throw new Error(
        `${this.describe()}: the last axis of the input must be known: expected shape [null,null,features], got ${fmtShape(shape)}`,
      );
    const c = this.config;
    this.kernel = this.addWeight('kernel', [features, this.gates * this.units], {
      initializer: c.kernelInitializer ?? 'glorotUniform',
      regularizer: c.kernelRegularizer,
    });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.gates * this.units], {
      initializer: c.recurrentInitializer ?? 'orthogonal',
      regularizer: c.recurrentRegularizer,
    });
    if (this.useBias)
      this.bias = this.addWeight('bias', this.biasShape(), {
        initializer: this.biasInitializer(),
        regularizer: c.biasRegularizer,
      });
    this.inputSpec = {ndim: 3, axes: {2: features}};
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const out: Shape = this.returnSequences ? [shape[0]!, shape[1]!, this.units] : [shape[0]!, this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({length: this.stateCount}, () => [shape[0]!, this.units])];
  }

  override computeMask(_inputs: LayerIO, mask: Mask | undefined): Mask {
    const m = firstMask(mask);
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...Array.from({length: this.stateCount}, () => null)] : out;
  }

  /** The bias added to the input projection (GRU resetAfter: its first row). */
  protected inputBias(): tf.Tensor | null {
    return this.bias;
  }

  protected stepWeights(): StepWeights {
    return {recurrent: this.recurrentKernel as tf.Tensor2D, recurrentMask: null, extra: []};
  }

  /** One step: the input projection at t and the states to the output and new states. */
  protected abstract step(xp: tf.Tensor, states: tf.Tensor[], w: StepWeights): [tf.Tensor, tf.Tensor[]];

  override call(inputs: LayerIO, kwargs: Kwargs): S extends true ? tf.Tensor[] : tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0]!;
    if (x.rank !== 3)
      throw new Error(
        `expected input shape [null,null,${this.kernel?.shape[0] ?? 'features'}], got ${fmtShape(x.shape)}`,
      );
    const [batch, time] = x.shape as [number, number, number];
    let states = list.slice(1);
    if (states.length === 0 && kwargs.initialState != null) {
      const s = kwargs.initialState as tf.Tensor | tf.Tensor[];
      states = Array.isArray(s) ? s : [s];
    }
    if (states.length === 0) states = Array.from({length: this.stateCount}, () => tf.zeros([batch, this.units]));
    if (states.length !== this.stateCount)
      throw new Error(
        `expected ${this.stateCount} initial state tensor(s) of shape [${batch},${this.units}], got ${states.length}`,
      );
    states.forEach((s, i) => {
      if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units)
        throw new Error(`initial state ${i}: expected shape [${batch},${this.units}], got ${fmtShape(s.shape)}`);
    });
    const training = kwargs.training === true;
    let xin = x;
    const seed = this.config.seed == null ? undefined : this.config.seed + 2 * this.calls++;
    if (training && this.dropout > 0) {
      // One mask per sample and feature for every step (Keras' get_dropout_mask).
      xin = tf.mul(x, tf.expandDims(ops.dropout(tf.ones([batch, x.shape[2]!]), this.dropout, {seed}), 1));
    }
    const recurrentMask =
      training && this.recurrentDropout > 0
        ? ops.dropout(tf.ones([batch, this.units]), this.recurrentDropout, {seed: seed == null ? undefined : seed + 1})
        : null;
    // Every step's input projection in one product: [batch*time, features] x [features, gates*units].
    let xp = tf.matMul(tf.reshape(xin, [batch * time, x.shape[2]!]), this.kernel as tf.Tensor2D);
    const ib = this.inputBias();
    if (ib) xp = tf.add(xp, ib);
    const projected = tf.reshape(xp, [batch, time, this.gates * this.units]);
    const w = {...this.stepWeights(), recurrentMask};
    const step = (xt: tf.Tensor, s: tf.Tensor[]): [tf.Tensor, tf.Tensor[]] => this.step(xt, s, w);
    const mask = firstMask(kwargs.mask as Mask | undefined);
    const [last, outputs, finalStates] = rnnLoop(step, projected, states, {
      goBackwards: this.goBackwards,
      mask,
      zeroOutputForMask: this.zeroOutputForMask,
    });
    const output = this.returnSequences ? outputs : last;
    addActivityLoss(this, this.config.activityRegularizer, output);
    return (this.returnState ? [output, ...finalStates] : output) as S extends true ? tf.Tensor[] : tf.Tensor;
  }

  /** Keras 3's keys for SimpleRNN (LSTM and GRU add theirs). */
  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: c.unroll ?? false,
      zeroOutputForMask: this.zeroOutputForMask,
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(c.kernelInitializer ?? 'glorotUniform'),
      recurrentInitializer: serializeInitializer(c.recurrentInitializer ?? 'orthogonal'),
      biasInitializer: serializeInitializer(c.biasInitializer ?? 'zeros'),
      kernelRegularizer: serializeRegularizer(c.kernelRegularizer),
      recurrentRegularizer: serializeRegularizer(c.recurrentRegularizer),
      biasRegularizer: serializeRegularizer(c.biasRegularizer),
      activityRegularizer: serializeRegularizer(c.activityRegularizer),
      kernelConstraint: null,
      recurrentConstraint: null,
      biasConstraint: null,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
    };
  }
}

export class SimpleRNN<S extends boolean = false> extends RNN<S> {
  static override className = 'SimpleRNN';
  protected readonly gates = 1;
  protected readonly stateCount = 1;

  protected step(xp: tf.Tensor, [h]: tf.Tensor[], w: StepWeights): [tf.Tensor, tf.Tensor[]] {
    const out = this.activation.apply(tf.add(xp, tf.matMul(recurrentInput(h!, w), w.recurrent)));
    return [out, [out]];
  }
}

export class LSTM<S extends boolean = false> extends RNN<S> {
  static override className = 'LSTM';
  protected readonly gates = 4;
  protected readonly stateCount = 2;
  readonly recurrentActivation: Activation;
  readonly unitForgetBias: boolean;

  constructor(config: LSTMConfig) {
    super(config);
    this.recurrentActivation = getActivation(
      config.recurrentActivation ?? 'sigmoid',
      `${this.describe()} recurrentActivation`,
    );
    this.unitForgetBias = config.unitForgetBias ?? true;
  }

  protected override biasInitializer(): InitializerIdentifier {
    if (!this.unitForgetBias) return super.biasInitializer();
    const base = getInitializer(super.biasInitializer(), `${this.describe()} biasInitializer`);
    const u = this.units;
    // Keras: the forget gate's bias starts at one, the other gates' from the bias initializer.
    return (_shape: number[], dtype) =>
      tf.tidy(() => tf.concat([base([u], dtype), tf.ones([u], dtype), base([2 * u], dtype)]));
  }

  protected step(xp: tf.Tensor, [h, c]: tf.Tensor[], w: StepWeights): [tf.Tensor, tf.Tensor[]] {
    const z = tf.add(xp, tf.matMul(recurrentInput(h!, w), w.recurrent));
    const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const ra = this.recurrentActivation;
    const cNext = tf.add(tf.mul(ra.apply(zf), c!), tf.mul(ra.apply(zi), this.activation.apply(zc)));
    const hNext = tf.mul(ra.apply(zo), this.activation.apply(cNext));
    return [hNext, [hNext, cNext]];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      unitForgetBias: this.unitForgetBias,
      seed: this.config.seed ?? null,
    };
  }
}

export class GRU<S extends boolean = false> extends RNN<S> {
  static override className = 'GRU';
  protected readonly gates = 3;
  protected readonly stateCount = 1;
  readonly recurrentActivation: Activation;
  readonly resetAfter: boolean;

  constructor(config: GRUConfig) {
    super(config);
    this.recurrentActivation = getActivation(
      config.recurrentActivation ?? 'sigmoid',
      `${this.describe()} recurrentActivation`,
    );
    this.resetAfter = config.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(): tf.Tensor | null {
    if (!this.bias) return null;
    return this.resetAfter ? tf.reshape(tf.slice(this.bias, [0, 0], [1, -1]), [-1]) : this.bias;
  }

  protected override stepWeights(): StepWeights {
    const r = this.recurrentKernel as tf.Tensor2D;
    const u = this.units;
    if (this.resetAfter) {
      const rb = this.bias ? tf.reshape(tf.slice(this.bias, [1, 0], [1, -1]), [-1]) : tf.zeros([3 * u]);
      return {recurrent: r, recurrentMask: null, extra: [rb]};
    }
    return {
      recurrent: r,
      recurrentMask: null,
      extra: [tf.slice(r, [0, 0], [-1, 2 * u]), tf.slice(r, [0, 2 * u], [-1, u])],
    };
  }

  protected step(xp: tf.Tensor, [h]: tf.Tensor[], w: StepWeights): [tf.Tensor, tf.Tensor[]] {
    const u = this.units;
    const ra = this.recurrentActivation;
    const [xz, xr, xh] = tf.split(xp, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    let z: tf.Tensor, hh: tf.Tensor;
    if (this.resetAfter) {
      const inner = tf.add(tf.matMul(recurrentInput(h!, w), w.recurrent), w.extra[0]!);
      const [rz, rr, rh] = tf.split(inner, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      z = ra.apply(tf.add(xz, rz));
      const r = ra.apply(tf.add(xr, rr));
      hh = this.activation.apply(tf.add(xh, tf.mul(r, rh)));
    } else {
      const inner = tf.matMul(recurrentInput(h!, w), w.extra[0] as tf.Tensor2D);
      const [rz, rr] = tf.split(inner, [u, u], 1) as [tf.Tensor, tf.Tensor];
      z = ra.apply(tf.add(xz, rz));
      const r = ra.apply(tf.add(xr, rr));
      hh = this.activation.apply(
        tf.add(xh, tf.matMul(tf.mul(r, recurrentInput(h!, w)) as tf.Tensor2D, w.extra[1] as tf.Tensor2D)),
      );
    }
    const out = tf.add(tf.mul(z, h!), tf.mul(tf.sub(1, z), hh));
    return [out, [out]];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation),
      resetAfter: this.resetAfter,
      seed: this.config.seed ?? null,
    };
  }
}

// ---------------------------------------------------------------- Bidirectional

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalConfig<S extends boolean = boolean> extends LayerConfig {
  layer: RNN<S>;
  mergeMode?: MergeMode;
  /** Defaults to a copy of `layer` going the other way. */
  backwardLayer?: RNN<S> | null;
}

const RECURRENT_CLASSES: Record<string, new (config: RNNConfig) => RNN<boolean>> = {};

/** A recurrent layer from its `{className, config}` (Bidirectional's fromConfig). */
function recurrentFromConfig(value: unknown, where: string): RNN<boolean> {
  if (value instanceof RNN) return value;
  const v = value as {className?: unknown; config?: unknown} | null;
  const Ctor = typeof v?.className === 'string' ? RECURRENT_CLASSES[v.className] : undefined;
  if (!Ctor || typeof v?.config !== 'object' || v.config === null)
    throw new Error(
      `${where}: expected {className: 'SimpleRNN' | 'LSTM' | 'GRU', config}, got ${JSON.stringify(value)?.slice(0, 120)}`,
    );
  return new Ctor(v.config as RNNConfig);
}

function withoutPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/**
 * Runs a recurrent layer forwards and a copy of it backwards and merges the two outputs (the
 * backward sequence re-reversed so step t meets step t). The two directions are sublayers
 * `forward_<name>` and `backward_<name>`: their weights are this layer's.
 */
export class Bidirectional<S extends boolean = false> extends Layer<LayerIO, S extends true ? tf.Tensor[] : tf.Tensor> {
  static override className = 'Bidirectional';
  readonly forwardLayer: RNN<S>;
  readonly backwardLayer: RNN<S>;
  readonly mergeMode: MergeMode;
  /** The wrapped layer's name and class, as Keras' plot_model labels a wrapper: bidirectional(lstm). */
  readonly wrapped: {name: string; className: string};

  constructor(config: BidirectionalConfig<S>) {
    super(config);
    const layer = config.layer;
    if (!(layer instanceof RNN))
      throw new Error(
        `${this.describe()}: layer must be a recurrent layer (SimpleRNN, LSTM, GRU), got ${String(layer)}`,
      );
    if (layer.built) throw new Error(`${this.describe()}: give an unbuilt layer (its two directions are built here)`);
    this.mergeMode = config.mergeMode === undefined ? 'concat' : config.mergeMode;
    if (!['concat', 'sum', 'mul', 'ave', null].includes(this.mergeMode))
      throw new Error(
        `${this.describe()}: mergeMode must be 'concat', 'sum', 'mul', 'ave' or null, got ${JSON.stringify(config.mergeMode)}`,
      );
    // Keras names the directions forward_<name> and backward_<name>; a config's own forward layer
    // is already named forward_..., and keeps that name.
    const base = withoutPrefix(layer.name, 'forward_');
    this.wrapped = {name: base, className: layer.getClassName()};
    // Keras' zero_output_for_mask: padded steps of both directions line up as zeros.
    const zero = layer.returnSequences;
    this.forwardLayer = layer.cloneWith({name: `forward_${base}`, zeroOutputForMask: zero});
    if (config.backwardLayer != null) {
      const back = config.backwardLayer;
      if (!(back instanceof RNN) || back.built)
        throw new Error(`${this.describe()}: backwardLayer must be an unbuilt recurrent layer, got ${String(back)}`);
      if (back.goBackwards === layer.goBackwards || back.returnSequences !== layer.returnSequences)
        throw new Error(
          `${this.describe()}: backwardLayer must go the other way (goBackwards ${!layer.goBackwards}) with the same returnSequences (${layer.returnSequences})`,
        );
      back.zeroOutputForMask = back.returnSequences;
      this.backwardLayer = back;
    } else
      this.backwardLayer = layer.cloneWith({
        name: `backward_${withoutPrefix(layer.name, 'backward_')}`,
        goBackwards: !layer.goBackwards,
        zeroOutputForMask: zero,
      });
    this.inputSpec = {ndim: 3};
    this.supportsMasking = true;
  }

  private get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  override build(inputShape: Shape | Shape[]): void {
    // Build both directions now, so countParams and summary see their weights before any call.
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    tf.tidy(() => {
      const probe = tf.zeros(shape.map(d => d ?? 1));
      this.forwardLayer.apply(probe);
      this.backwardLayer.apply(probe);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const f = this.forwardLayer.computeOutputShape(inputShape);
    const fOut = (this.forwardLayer.returnState ? (f as Shape[])[0] : f) as Shape;
    const b = this.backwardLayer.computeOutputShape(inputShape);
    const bOut = (this.backwardLayer.returnState ? (b as Shape[])[0] : b) as Shape;
    const last = fOut.length - 1;
    const merged = this.mergeMode === 'concat' ? [...fOut.slice(0, -1), fOut[last]! + bOut[last]!] : fOut;
    const outputs: Shape[] = this.mergeMode === null ? [fOut, bOut] : [merged];
    if (!this.forwardLayer.returnState) return outputs.length === 1 ? outputs[0]! : outputs;
    return [...outputs, ...(f as Shape[]).slice(1), ...(b as Shape[]).slice(1)];
  }

  override computeMask(_inputs: LayerIO, mask: Mask | undefined): Mask {
    const m = this.returnSequences ? firstMask(mask) : null;
    const outs = this.mergeMode === null ? [m, m] : [m];
    if (!this.forwardLayer.returnState) return outs.length === 1 ? outs[0]! : outs;
    const states = 2 * ((this.forwardLayer.computeOutputShape([null, null, 1]) as Shape[]).length - 1);
    return [...outs, ...Array.from({length: states}, () => null)];
  }

  override call(inputs: LayerIO, kwargs: Kwargs): S extends true ? tf.Tensor[] : tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0]!;
    let states = list.slice(1);
    if (states.length === 0 && kwargs.initialState != null) {
      const s = kwargs.initialState as tf.Tensor | tf.Tensor[];
      states = Array.isArray(s) ? s : [s];
    }
    if (states.length % 2 !== 0)
      throw new Error(`expected the forward and the backward initial states (an even count), got ${states.length}`);
    const half = states.length / 2;
    const mask = firstMask(kwargs.mask as Mask | undefined);
    const run = (layer: RNN<S>, s: tf.Tensor[]) => {
      const out = layer.apply(s.length ? [x, ...s] : x, {training: kwargs.training, mask}) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    };
    const [yf, ...sf] = run(this.forwardLayer, states.slice(0, half));
    let [yb, ...sb] = run(this.backwardLayer, states.slice(half));
    if (this.returnSequences) yb = tf.reverse(yb!, 1);
    let outputs: tf.Tensor[];
    switch (this.mergeMode) {
      case 'concat':
        outputs = [tf.concat([yf!, yb!], -1)];
        break;
      case 'sum':
        outputs = [tf.add(yf!, yb!)];
        break;
      case 'mul':
        outputs = [tf.mul(yf!, yb!)];
        break;
      case 'ave':
        outputs = [tf.mul(tf.add(yf!, yb!), 0.5)];
        break;
      default:
        outputs = [yf!, yb!];
    }
    const all = this.forwardLayer.returnState ? [...outputs, ...sf, ...sb] : outputs;
    return (all.length === 1 ? all[0] : all) as S extends true ? tf.Tensor[] : tf.Tensor;
  }

  /** Keras' keys: the merge mode and both directions' configs (the forward one named forward_...). */
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      mergeMode: this.mergeMode,
      layer: {className: this.forwardLayer.getClassName(), config: this.forwardLayer.getConfig()},
      backwardLayer: {className: this.backwardLayer.getClassName(), config: this.backwardLayer.getConfig()},
    };
  }

  /** The wrapped layers are made from their `{className, config}` first. */
  static override fromConfig(config: Record<string, unknown>): Layer {
    const where = `Layer '${String(config.name ?? 'bidirectional')}' (Bidirectional)`;
    const layer = recurrentFromConfig(config.layer, `${where}: layer`);
    const backwardLayer =
      config.backwardLayer == null ? null : recurrentFromConfig(config.backwardLayer, `${where}: backwardLayer`);
    return new Bidirectional({
      ...(config as LayerConfig),
      layer,
      backwardLayer,
      mergeMode: config.mergeMode as MergeMode,
    });
  }
}

RECURRENT_CLASSES.SimpleRNN = SimpleRNN;
RECURRENT_CLASSES.LSTM = LSTM;
RECURRENT_CLASSES.GRU = GRU;
