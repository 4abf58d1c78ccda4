// The built-in layers: Dense (one fused matMul+bias+activation), Reshape, Flatten, Dropout
// (the backend's dropout kernel, only when training), Concatenate, Activation, Lambda.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type Kwargs, fmtShape} from '../common.js';
import {Layer, type LayerConfig, type LayerIO} from '../layer.js';
import {getActivation, serializeActivation, type Activation, type ActivationIdentifier} from '../activations.js';
import {serializeInitializer, type InitializerIdentifier} from '../initializers.js';
import {get as getRegularizer, serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';
import * as ops from '../backend_ops.js';
import {DENSE_CONCAT, type DenseConcatActivation} from '../../kernel_names.js';
import {rejectUnsupported, activityEntry} from './util.js';

function single(shape: Shape | Shape[], layer: Layer): Shape {
  if (shape.length > 0 && Array.isArray(shape[0]))
    throw new Error(`${layer.describe()} takes one input, got ${shape.length}`);
  return shape as Shape;
}

// Single-input layers declare Layer<tf.Tensor, tf.Tensor>, so TypeScript refuses a list; an
// untyped caller's list is refused at build by `single` above, naming the layer.
function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

// ---------------------------------------------------------------- Dense

/** _FusedMatMul's inputs: the bias only when there is one (the kernel reads `bias != null`). */
function fusedInputs(a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null): tf.NamedTensorMap {
  return bias ? {a, b, bias} : {a, b};
}

export interface DenseConfig extends LayerConfig {
  units: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  activityRegularizer?: RegularizerIdentifier | null;
  /** Keras' constraints: only null (none) is supported. */
  kernelConstraint?: null;
  biasConstraint?: null;
}

/** The Keras options no built-in layer implements: a config may have them only at these values. */
const NO_CONSTRAINTS = {
  kernelConstraint: null,
  biasConstraint: null,
  quantizationConfig: null,
  loraRank: null,
};

export class Dense extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  kernel: tf.Variable | null = null;
  bias: tf.Variable | null = null;
  private readonly config: DenseConfig;

  constructor(config: DenseConfig) {
    super(config);
    if (!Number.isInteger(config.units) || config.units < 1) {
      throw new Error(`${this.describe()}: units must be a positive integer, got ${config.units}`);
    }
    this.units = config.units;
    this.activation = getActivation(config.activation, `${this.describe()} activation`);
    this.useBias = config.useBias ?? true;
    this.config = config;
    rejectUnsupported(this, config, NO_CONSTRAINTS);
    // Keras 3: a Dense passes its input's mask on (per step of a sequence).
    this.supportsMasking = true;
    // Resolve now so a bad regularizer fails at construction, not at the first step.
    getRegularizer(config.activityRegularizer, `${this.describe()} activityRegularizer`);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = single(inputShape, this);
    const inDim = shape[shape.length - 1];
    if (shape.length < 2 || inDim == null) {
      throw new Error(
        `${this.describe()}: expected input shape [null,...,features] with known features, got ${fmtShape(shape)}`,
      );
    }
    this.kernel = this.addWeight('kernel', [inDim, this.units], {
      initializer: this.config.kernelInitializer ?? 'glorotUniform',
      regularizer: this.config.kernelRegularizer,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], {
        initializer: this.config.biasInitializer ?? 'zeros',
        regularizer: this.config.biasRegularizer,
      });
    }
    this.inputSpec = {minNdim: 2, axes: {[-1]: inDim}};
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor, _kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    const x2 = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
    const act = this.activation;
    let y: tf.Tensor;
    if (tf.engine().state.gradientDepth > 0 && tf.getKernel(DENSE_CONCAT, tf.getBackend()) != null) {
      // While recording gradients on a backend with the DenseConcat kernel ('as'): one kernel for
      // matMul+bias(+relu), whose registered gradient computes each input's gradient only when it
      // is needed (dz and the bias gradient in one pass, then the two products): 4 to 10 fewer
      // kernels and saved tensors per layer and step than matMul, add and the activation. Only
      // the activations the GEMM computes exactly as tfjs' own kernels (relu, relu6, leakyrelu:
      // a comparison and at most a product) are fused, so training gives the same numbers.
      const exact = act.fused === 'relu' || act.fused === 'relu6' || act.fused === 'leakyrelu';
      const activation = exact ? (act.fused as DenseConcatActivation) : 'linear';
      y = ops.denseConcat([x2], [this.kernel as tf.Tensor2D], [this.bias], {
        activation,
        leakyreluAlpha: act.leakyreluAlpha,
      });
      if (!exact) y = act.apply(y);
    } else if (tf.engine().state.gradientDepth > 0) {
      // While recording gradients elsewhere: unfused. tf.fused.matMul's gradient (a customGrad)
      // computes the input's gradient even when nothing needs it — for the first layer of a
      // network, [64,500]x[784,500]^T, 1.4 ms of a ~8 ms MNIST step — while matMul's gradient is
      // computed per input, only for those on a path to a trainable weight.
      y = tf.matMul(x2, this.kernel as tf.Tensor2D);
      if (this.bias) y = tf.add(y, this.bias);
      y = act.apply(y);
    } else if (x2.dtype === 'float32' && this.kernel!.dtype === 'float32' && tf.getBackend() === 'as') {
      // Inference on 'as': the _FusedMatMul kernel straight from the engine, one call per layer.
      // tf.fused.matMul would reshape both operands to rank 3 and back and wrap the kernel in a
      // customGrad (~10 µs of a ~50 µs batch-1 predict of the seed's MLP) to run the same kernel
      // on the same data; 'as' takes rank-2 operands and any broadcasting bias as they are.
      y = tf.engine().runKernel(tf._FusedMatMul, fusedInputs(x2, this.kernel!, this.bias), {
        transposeA: false,
        transposeB: false,
        activation: act.fused || 'linear',
        leakyreluAlpha: act.leakyreluAlpha,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      if (!act.fused) y = act.apply(y);
    } else {
      y = tf.fused.matMul({
        a: x2 as tf.Tensor2D,
        b: this.kernel as tf.Tensor2D,
        bias: this.bias ?? undefined,
        activation: act.fused || 'linear',
        leakyreluAlpha: act.leakyreluAlpha,
      });
      if (!act.fused) y = act.apply(y);
    }
    if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    const activity = getRegularizer(this.config.activityRegularizer);
    // Keras: the activity loss is averaged over the batch.
    if (activity) this.addLoss(tf.div(activity(y), x.shape[0] || 1));
    return y;
  }

  override getConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      ...super.getConfig(),
      ...activityEntry(c.activityRegularizer),
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(c.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: serializeInitializer(c.biasInitializer ?? 'zeros'),
      kernelRegularizer: serializeRegularizer(c.kernelRegularizer),
      biasRegularizer: serializeRegularizer(c.biasRegularizer),
      kernelConstraint: null,
      biasConstraint: null,
      quantizationConfig: null,
    };
  }
}

// ---------------------------------------------------------------- Reshape, Flatten

export class Reshape extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Reshape';
  readonly targetShape: number[];

  constructor(config: LayerConfig & {targetShape: number[]}) {
    super(config);
    if (
      !Array.isArray(config.targetShape) ||
      config.targetShape.filter(d => d === -1).length > 1 ||
      config.targetShape.some(d => !Number.isInteger(d) || (d < 1 && d !== -1))
    ) {
      throw new Error(
        `${this.describe()}: targetShape must be positive integers with at most one -1, got ${JSON.stringify(config.targetShape)}`,
      );
    }
    this.targetShape = config.targetShape;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    const rest = shape.slice(1);
    const known = rest.every(d => d != null);
    const size = rest.reduce<number>((a, d) => a * (d ?? 1), 1);
    const fixed = this.targetShape.filter(d => d !== -1).reduce((a, d) => a * d, 1);
    const out: Shape = [shape[0], ...this.targetShape];
    const free = this.targetShape.indexOf(-1);
    if (known) {
      if (free >= 0 ? size % fixed !== 0 : size !== fixed) {
        throw new Error(
          `${this.describe()}: cannot reshape input shape ${fmtShape(shape)} (${size} values per sample) to ${fmtShape(out)}`,
        );
      }
      if (free >= 0) out[free + 1] = size / fixed;
    } else if (free >= 0) {
      out[free + 1] = null;
    }
    return out;
  }

  override call(inputs: tf.Tensor): tf.Tensor {
    const x = one(inputs);
    const out = this.computeOutputShape([null, ...x.shape.slice(1)]);
    return tf.reshape(x, [x.shape[0], ...out.slice(1).map(d => d ?? -1)]);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), targetShape: this.targetShape};
  }
}

export class Flatten extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Flatten';
  /** Keras' data_format: 'channelsFirst' moves the channels last before flattening. */
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(config: LayerConfig & {dataFormat?: 'channelsLast' | 'channelsFirst'} = {}) {
    super(config);
    this.dataFormat = config.dataFormat ?? 'channelsLast';
    if (this.dataFormat !== 'channelsLast' && this.dataFormat !== 'channelsFirst')
      throw new Error(
        `${this.describe()}: dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(config.dataFormat)}`,
      );
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = single(inputShape, this);
    if (shape.length < 1) throw new Error(`${this.describe()}: expected an input of rank >= 1, got ${fmtShape(shape)}`);
    const rest = shape.slice(1);
    return [shape[0], rest.every(d => d != null) ? rest.reduce<number>((a, d) => a * d!, 1) : null];
  }

  override call(inputs: tf.Tensor): tf.Tensor {
    let x = one(inputs);
    // Keras: channels-first input of rank > 2 is made channels-last first, so the order matches.
    if (this.dataFormat === 'channelsFirst' && x.rank > 2)
      x = tf.transpose(x, [0, ...Array.from({length: x.rank - 2}, (_, i) => i + 2), 1]);
    return tf.reshape(x, [x.shape[0], x.shape.slice(1).reduce((a, d) => a * d, 1)]);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), dataFormat: this.dataFormat};
  }
}

// ---------------------------------------------------------------- Dropout

export interface DropoutConfig extends LayerConfig {
  rate: number;
  noiseShape?: number[] | null;
  seed?: number | null;
}

export class Dropout extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Dropout';
  readonly rate: number;
  readonly noiseShape?: number[];
  readonly seed?: number | null;
  private calls = 0;

  constructor(config: DropoutConfig) {
    super(config);
    if (!(config.rate >= 0 && config.rate < 1))
      throw new Error(`${this.describe()}: rate must be in [0, 1), got ${config.rate}`);
    this.rate = config.rate;
    this.noiseShape = config.noiseShape ?? undefined;
    if (config.seed != null && !Number.isSafeInteger(config.seed)) {
      throw new Error(
        `${this.describe()}: seed must be an integer, got ${typeof config.seed === 'number' ? config.seed : typeof config.seed}`,
      );
    }
    this.seed = config.seed;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }

  override call(inputs: tf.Tensor, kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    // A fixed seed gives a reproducible sequence of masks, not the same mask on every step.
    const seed = this.seed == null ? undefined : this.seed + this.calls++;
    return ops.dropout(x, this.rate, {seed, noiseShape: this.noiseShape});
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape ?? null, seed: this.seed ?? null};
  }
}

// ---------------------------------------------------------------- Concatenate

export class Concatenate extends Layer<tf.Tensor[], tf.Tensor> {
  static override className = 'Concatenate';
  readonly axis: number;

  constructor(config: LayerConfig & {axis?: number} = {}) {
    super(config);
    this.axis = config.axis ?? -1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!(inputShape.length > 0 && Array.isArray(inputShape[0])) || inputShape.length < 2) {
      throw new Error(`${this.describe()} takes a list of at least 2 inputs, got shape(s) ${fmtShape(inputShape)}`);
    }
    const shapes = inputShape as Shape[];
    const rank = shapes[0].length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    if (axis < 0 || axis >= rank)
      throw new Error(`${this.describe()}: axis ${this.axis} is out of range for rank ${rank}`);
    const out = [...shapes[0]];
    for (const s of shapes.slice(1)) {
      const ok = s.length === rank && s.every((d, i) => i === axis || d == null || out[i] == null || d === out[i]);
      if (!ok) {
        throw new Error(
          `${this.describe()}: inputs must match in every axis but ${this.axis}, got shapes ${fmtShape(shapes)}`,
        );
      }
      s.forEach((d, i) => {
        if (i !== axis && out[i] == null) out[i] = d;
      });
      out[axis] = out[axis] == null || s[axis] == null ? null : out[axis]! + s[axis]!;
    }
    return out;
  }

  override call(inputs: tf.Tensor[]): tf.Tensor {
    // An untyped caller's single tensor reaches computeOutputShape's error below.
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.computeOutputShape(xs.map(t => [...t.shape]));
    return tf.concat(xs, this.axis);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), axis: this.axis};
  }
}

// ---------------------------------------------------------------- Activation

export class ActivationLayer extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'Activation';
  readonly activation: Activation;

  constructor(config: LayerConfig & {activation: ActivationIdentifier}) {
    super(config);
    this.activation = getActivation(config.activation, `${this.describe()} activation`);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return single(inputShape, this);
  }

  override call(inputs: tf.Tensor): tf.Tensor {
    const x = one(inputs);
    return this.activation.fused === 'linear' ? tf.clone(x) : this.activation.apply(x);
  }

  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), activation: serializeActivation(this.activation)};
  }
}

// ---------------------------------------------------------------- Lambda

/**
 * A Lambda's function: concrete tensors in (the model runs it on them, and so does shape
 * tracing), tensors out. `In` defaults to one tensor, so `(t) => K.square(t)` needs no
 * annotation; a multi-input Lambda says so: `([a, b]: tf.Tensor[]) => K.add(a, b)`.
 */
export type LambdaFn<In extends LayerIO = tf.Tensor, Out extends LayerIO = tf.Tensor> = (
  inputs: In,
  args: Record<string, unknown>,
) => Out;

export interface LambdaConfig extends LayerConfig {
  /** Without the batch dimension (Keras), or a function of the input shape(s). Else traced. */
  outputShape?: Shape | ((inputShape: Shape | Shape[]) => Shape | Shape[]);
  /** Extra keyword arguments passed to fn as its second argument. */
  arguments?: Record<string, unknown>;
}

/** Keras' Lambda: wraps a function of tensors (K functions, tf ops) as a weightless layer. */
export class Lambda<In extends LayerIO = tf.Tensor, Out extends LayerIO = tf.Tensor> extends Layer<In, Out> {
  static override className = 'Lambda';
  readonly fn: LambdaFn<In, Out>;
  readonly arguments: Record<string, unknown>;
  private readonly outputShapeSpec?: LambdaConfig['outputShape'];

  constructor(fn: LambdaFn<In, Out>, config: LambdaConfig = {}) {
    super(config);
    if (typeof fn !== 'function') throw new Error(`${this.describe()}: expected a function, got ${typeof fn}`);
    this.fn = fn;
    this.arguments = config.arguments ?? {};
    this.outputShapeSpec = config.outputShape;
    if (config.outputShape) {
      this.computeOutputShape = (inputShape: Shape | Shape[]) => {
        const spec = this.outputShapeSpec!;
        if (typeof spec === 'function') return spec(inputShape);
        const first =
          inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
        return [first[0] ?? null, ...spec];
      };
    }
  }

  override call(inputs: In): Out {
    const out = this.fn(inputs, this.arguments);
    // Returning an input unchanged would let the caller's tidy scope and ours share one tensor.
    return (out === (inputs as LayerIO) ? tf.clone(out as tf.Tensor) : out) as Out;
  }

  /**
   * Keras' keys; `function` is the function itself: a save writes the name it was registered
   * under (registerFunction or customObjects) and fails, naming this layer, when there is none.
   */
  override getConfig(): Record<string, unknown> {
    const shape = this.outputShapeSpec;
    return {
      ...super.getConfig(),
      function: this.fn,
      ...(shape == null ? {} : {outputShape: shape}),
      arguments: this.arguments,
    };
  }

  /** `new Lambda(config.function, config)`: the function resolved by the loader from its registered name. */
  static override fromConfig(config: Record<string, unknown>): Layer {
    const fn = config.function;
    if (typeof fn !== 'function')
      throw new Error(
        `Layer '${String(config.name ?? 'lambda')}' (Lambda): fromConfig needs the function itself, got ${JSON.stringify(fn)}; register it with registerFunction(name, fn) or give it in customObjects`,
      );
    const {function: _fn, ...rest} = config;
    return new Lambda(fn as LambdaFn, rest as LambdaConfig);
  }
}
