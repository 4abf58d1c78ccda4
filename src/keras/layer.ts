// The Layer base class with Keras semantics: build once on first use, call(inputs, {training}),
// symbolic application (adds a graph Node, output shapes by computeOutputShape or by tracing
// call on zeros with two batch sizes), weights tracked from the layer's own fields, losses.
import * as tf from '@tensorflow/tfjs-core';
import {
  type Shape,
  type Kwargs,
  type DataType,
  fmtShape,
  toSnakeCase,
  uniqueName,
  rethrowWith,
  shapesCompatible,
  assignWeights,
} from './common.js';
import {SymbolicTensor, Node, isSymbolic, TRACE_BATCH_SIZES, TRACE_VALUE_LIMIT, type TraceValue} from './symbolic.js';
import {getInitializer, type InitializerIdentifier} from './initializers.js';
import {get as getRegularizer, type RegularizerIdentifier} from './regularizers.js';

export type {Shape, Kwargs} from './common.js';
export type AnyTensor = tf.Tensor | SymbolicTensor;
export type LayerInput = AnyTensor | AnyTensor[];

/** What `call` takes and returns: one tensor, or a list (or tuple) for multi-input/output layers. */
export type LayerIO = tf.Tensor | tf.Tensor[];

/**
 * The symbolic counterpart of a `call` type: a Tensor (of any rank type) is one SymbolicTensor,
 * a list is a list and a tuple a tuple of them. Distributes over unions.
 */
export type SymbolicOf<T> = T extends readonly unknown[] ? {[K in keyof T]: SymbolicTensor} : SymbolicTensor;

// True when T allows both one tensor and a list: what a `call` that declares nothing returns.
type OneOrList<T> = [Extract<T, readonly unknown[]>] extends [never]
  ? false
  : [Exclude<T, readonly unknown[]>] extends [never]
    ? false
    : true;

/**
 * The static type of `apply(inputs)`, from the output type `Out` that the layer's `call` declares
 * and the type `I` of the inputs given: symbolic inputs give the SymbolicOf of `Out`, concrete
 * ones `Out` itself. A layer that declares "one or a list" (Layer's default) returns what it was
 * given: one tensor for one tensor, a list for a list (as every built-in and most custom layers do).
 */
export type ApplyOutput<Out, I, Symbolic extends boolean> =
  OneOrList<Out> extends true
    ? I extends readonly unknown[]
      ? Symbolic extends true
        ? SymbolicTensor[]
        : tf.Tensor[]
      : Symbolic extends true
        ? SymbolicTensor
        : tf.Tensor
    : Symbolic extends true
      ? SymbolicOf<Out>
      : Out;

export interface LayerConfig {
  name?: string;
  trainable?: boolean;
  dtype?: DataType;
}

export interface AddWeightOptions {
  initializer?: InitializerIdentifier;
  trainable?: boolean;
  regularizer?: RegularizerIdentifier | null;
  dtype?: DataType;
}

/** What a layer declares about its inputs (Keras' InputSpec), checked on every apply. */
export interface InputSpec {
  ndim?: number;
  minNdim?: number;
  /** axis (negative counts from the end) -> required size */
  axes?: Record<number, number>;
}

/** A loss given to addLoss outside a forward pass: symbolic, or recomputed on every step. */
export type LossInput = tf.Tensor | SymbolicTensor | (() => tf.Tensor);

// Loss tensors added inside call() during a forward pass land in the innermost frame. Each eager
// apply opens a frame; when it ends, its losses move to the enclosing frame (a layer called inside
// another layer's call, or Model.runGraph's frame) or, at top level, become `layer.losses`.
const lossFrames: tf.Tensor[][] = [];

// Keras' call context: the `training` of the outermost call reaches every layer called inside it
// (a custom layer's sublayers, a Model inside a Model) unless that call gives its own.
const trainingStack: (boolean | undefined)[] = [];

/** The `training` flag of the call being run, undefined outside any call. */
export function currentTraining(): boolean | undefined {
  return trainingStack[trainingStack.length - 1];
}

// Keras' `tensor._keras_mask`: the mask a layer computed for its output (Embedding({maskZero}),
// then every layer that supportsMasking), looked up by the next layer's apply. Weak, so a mask
// goes when its tensor does; a mask made in a tidy (a fit step, predict) is freed with it.
const masks = new WeakMap<tf.Tensor, tf.Tensor>();

/** The mask attached to `x` by the layer that made it (Keras' `x._keras_mask`), or null. */
export function getMask(x: tf.Tensor): tf.Tensor | null {
  const m = masks.get(x);
  return m && !m.isDisposed ? m : null;
}

/** Attaches `mask` to `x` (null detaches). */
export function setMask(x: tf.Tensor, mask: tf.Tensor | null): void {
  if (mask) masks.set(x, mask);
  else masks.delete(x);
}

/** A mask for one input, or one per input of a multi-input layer. */
export type Mask = tf.Tensor | null | (tf.Tensor | null)[];

/** The innermost loss frame, if a forward pass is collecting losses. */
export function currentLossFrame(): tf.Tensor[] | undefined {
  return lossFrames[lossFrames.length - 1];
}

/** Runs `fn` with a fresh loss frame and returns what it returns plus the losses added in it. */
export function collectLosses<T>(fn: () => T): {result: T; losses: tf.Tensor[]} {
  const frame: tf.Tensor[] = [];
  lossFrames.push(frame);
  try {
    return {result: fn(), losses: frame};
  } finally {
    lossFrames.pop();
  }
}

// Engine fields that the variable tracker does not walk.
const ENGINE_FIELDS = new Set([
  'inboundNodes',
  'inputSpec',
  '_trainable',
  '_addedWeights',
  '_callableLosses',
  '_symbolicLosses',
  '_lastCallLosses',
  '_builtInputShape',
  'built',
  'name',
  'dtype',
  'supportsMasking',
]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Every tensor reachable from `value` through arrays and plain objects (not into layers). */
function tensorsIn(value: unknown, out: Set<tf.Tensor>, seen = new Set<unknown>()): Set<tf.Tensor> {
  if (value instanceof tf.Tensor) out.add(value);
  else if ((Array.isArray(value) || isPlainObject(value)) && !seen.has(value)) {
    seen.add(value);
    for (const v of Object.values(value as object)) tensorsIn(v, out, seen);
  }
  return out;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function flatInputs(inputs: LayerInput): AnyTensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

function shapesOf(inputs: LayerInput): Shape | Shape[] {
  return Array.isArray(inputs) ? inputs.map(t => [...t.shape]) : [...inputs.shape];
}

/** The shape with the batch dimension made unknown: what a layer was built for. */
function batchless(shape: Shape | Shape[]): Shape | Shape[] {
  if (shape.length > 0 && Array.isArray(shape[0])) return (shape as Shape[]).map(s => batchless(s) as Shape);
  const s = [...(shape as Shape)];
  if (s.length > 0) s[0] = null;
  return s;
}

/**
 * A layer. A subclass can declare what its `call` takes and returns, `Layer<tf.Tensor[],
 * tf.Tensor>` for a merge layer, and then `apply` is typed from it: on SymbolicTensors (one, or a
 * list, as `In` says) it returns SymbolicOf<Out>, on Tensors `Out`. Undeclared, `call` takes and
 * returns one tensor or a list, and `apply` returns the form it was given. A subclass that only
 * narrows `call`'s signature (`call(inputs: tf.Tensor): tf.Tensor`) gets the same typing.
 */
export class Layer<In extends LayerIO = LayerIO, Out extends LayerIO = LayerIO> {
  /** The class name shown by summary(); built-in layers set it because bundlers may rename classes. */
  static className?: string;

  name: string;
  dtype: DataType;
  built = false;
  /**
   * Keras' supports_masking: the layer passes its input's mask on unchanged (computeMask's
   * default). A layer that changes the mask overrides computeMask instead.
   */
  supportsMasking = false;
  /** Nodes made by applying this layer to symbolic tensors, in order. */
  inboundNodes: Node[] = [];
  /** Set by layers that check their input (Dense: the last axis); one per input for multi-input layers. */
  inputSpec: InputSpec | InputSpec[] | null = null;
  private _trainable: boolean;
  private _addedWeights: tf.Variable[] = [];
  private _callableLosses: (() => tf.Tensor)[] = [];
  private _symbolicLosses: SymbolicTensor[] = [];
  private _lastCallLosses: tf.Tensor[] = [];
  private _builtInputShape: Shape | Shape[] | null = null;

  constructor(config: LayerConfig = {}) {
    this.name = config.name ?? uniqueName(toSnakeCase(this.getClassName()));
    this._trainable = config.trainable ?? true;
    this.dtype = config.dtype ?? 'float32';
  }

  getClassName(): string {
    const ctor = this.constructor as typeof Layer;
    return Object.hasOwn(ctor, 'className') && ctor.className ? ctor.className : ctor.name;
  }

  /** Creates the weights; called once, before the first call, with the input shape(s). */
  build(_inputShape: Shape | Shape[]): void {}

  /** The computation. `inputs` is a tensor, or a list for multi-input layers. */
  call(inputs: In, _kwargs: Kwargs): Out {
    // The identity: In and Out are only the same type when the subclass leaves them alone.
    return inputs as LayerIO as Out;
  }

  /**
   * Keras' compute_mask: the mask of the output from the inputs and their mask(s). The default
   * passes the mask on when `supportsMasking`, else drops it.
   */
  computeMask(_inputs: In, mask: Mask | undefined): Mask {
    return this.supportsMasking ? (mask ?? null) : null;
  }

  /**
   * The dtype of the outputs when computeOutputShape gives their shapes: the input's by default;
   * a layer whose output type is its own (Embedding: int indices in, float32 vectors out) says so.
   */
  protected outputDtype(inputDtype: DataType): DataType {
    return inputDtype;
  }

  /** Optional: output shape(s) from input shape(s). Without it, shapes come from tracing call. */
  computeOutputShape?(inputShape: Shape | Shape[]): Shape | Shape[];

  // ---------------------------------------------------------------- weights

  get trainable(): boolean {
    return this._trainable;
  }
  /** Freezing: a frozen layer's weights (and its sublayers') all count as non-trainable. */
  set trainable(value: boolean) {
    this._trainable = value;
    for (const layer of this._trackedChildren().layers) layer.trainable = value;
  }

  /**
   * Variables and sublayers this layer holds: those made by addWeight, then every tf.Variable or
   * Layer in the layer's own fields, directly or inside arrays and plain objects.
   */
  protected _trackedChildren(includeDisposed = false): {variables: tf.Variable[]; layers: Layer[]} {
    const variables: tf.Variable[] = [...this._addedWeights];
    const layers: Layer[] = [];
    const seen = new Set<unknown>([this]);
    const walk = (v: unknown) => {
      if (v === null || typeof v !== 'object' || seen.has(v)) return;
      seen.add(v);
      if (v instanceof tf.Variable) variables.push(v);
      else if (v instanceof Layer) layers.push(v);
      else if (Array.isArray(v) || isPlainObject(v)) Object.values(v).forEach(walk);
    };
    for (const [key, value] of Object.entries(this)) if (!ENGINE_FIELDS.has(key)) walk(value);
    return {variables: includeDisposed ? unique(variables) : unique(variables).filter(v => !v.isDisposed), layers};
  }

  /** Variables this layer (or a sublayer) still tracks but that were disposed: `weights` leaves them out. */
  disposedWeights(): tf.Variable[] {
    const {variables, layers} = this._trackedChildren(true);
    return unique([...variables.filter(v => v.isDisposed), ...layers.flatMap(l => l.disposedWeights())]);
  }

  get trainableWeights(): tf.Variable[] {
    if (!this.trainable) return [];
    const {variables, layers} = this._trackedChildren();
    return unique([...variables.filter(v => v.trainable), ...layers.flatMap(l => l.trainableWeights)]);
  }

  get nonTrainableWeights(): tf.Variable[] {
    const {variables, layers} = this._trackedChildren();
    if (!this.trainable) return unique([...variables, ...layers.flatMap(l => l.weights)]);
    return unique([...variables.filter(v => !v.trainable), ...layers.flatMap(l => l.nonTrainableWeights)]);
  }

  /** Trainable weights first, then non-trainable ones (Keras' order). */
  get weights(): tf.Variable[] {
    return unique([...this.trainableWeights, ...this.nonTrainableWeights]);
  }

  /**
   * Creates and tracks a weight named `<layer>/<name>`. Keras' default initializer is
   * glorotUniform; a regularizer adds `regularizer(weight)` to the losses of every training step.
   */
  addWeight(name: string, shape: number[], options: AddWeightOptions = {}): tf.Variable {
    const dtype = options.dtype ?? this.dtype;
    const where = `Layer '${this.name}' (${this.getClassName()}) addWeight '${name}'`;
    if (!Array.isArray(shape) || shape.some(d => !Number.isInteger(d) || d < 0)) {
      const got = Array.isArray(shape)
        ? `[${shape.map(d => String(d)).join(',')}]`
        : shape === null
          ? 'null'
          : `${typeof shape} ${String(shape)}`;
      throw new Error(`${where}: shape must be an array of non-negative integers (e.g. [inputDim, units]); got ${got}`);
    }
    if (!['float32', 'int32', 'bool'].includes(dtype)) {
      throw new Error(`${where}: dtype must be 'float32', 'int32' or 'bool'; got ${JSON.stringify(dtype)}`);
    }
    const init = getInitializer(options.initializer ?? 'glorotUniform', where);
    const regularizer = getRegularizer(options.regularizer, `${where} regularizer`);
    const value = tf.tidy(() => init(shape, dtype));
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      value.dispose();
      throw new Error(`${where}: the initializer returned shape ${fmtShape(value.shape)}, expected ${fmtShape(shape)}`);
    }
    const variable = tf.variable(value, options.trainable ?? true, uniqueVariableName(`${this.name}/${name}`), dtype);
    value.dispose();
    this._addedWeights.push(variable);
    if (regularizer) this._callableLosses.push(() => regularizer(variable));
    return variable;
  }

  countParams(): number {
    if (!this.built) {
      throw new Error(
        `Layer '${this.name}' (${this.getClassName()}): countParams() needs the layer built; apply it to an input first`,
      );
    }
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  getWeights(): tf.Tensor[] {
    return this.weights.map(w => tf.clone(w));
  }

  setWeights(values: tf.Tensor[]): void {
    const weights = this.weights;
    assignWeights(
      `Layer '${this.name}' (${this.getClassName()}): setWeights`,
      weights,
      values,
      weights.map(w => w.name),
    );
  }

  /** Disposes the layer's own weights (not shared sublayers' unless held in fields). */
  dispose(): void {
    for (const w of this.weights) w.dispose();
    this.built = false;
    // Sublayers (a model's layers) free what they own besides weights (a loaded K op's constants).
    for (const layer of this._trackedChildren(true).layers) layer.dispose();
  }

  /**
   * Keras' get_config: what the constructor needs to make this layer again, camelCase, with
   * nested objects as `{className, config}` (initializers, regularizers, a wrapped layer). A
   * custom layer adds its own constructor arguments to `super.getConfig()`.
   */
  getConfig(): Record<string, unknown> {
    return {name: this.name, trainable: this.trainable, dtype: this.dtype};
  }

  /**
   * Keras' from_config: a new layer from what getConfig returned. The default is
   * `new this(config)`; a class whose constructor takes other arguments (the seed's
   * `MyDense(units)`) overrides it.
   */
  static fromConfig(config: Record<string, unknown>): Layer {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass fromConfig is called on (Dense.fromConfig makes a Dense)
    return new (this as unknown as new (config: Record<string, unknown>) => Layer)(config);
  }

  // ---------------------------------------------------------------- losses

  /**
   * Adds a loss. Inside call(), a Tensor is a loss of that forward pass (collected by the model
   * for that step). Outside, give a SymbolicTensor (computed by the model on every step) or a
   * function `() => Tensor` (evaluated on every step, like weight regularizers).
   */
  addLoss(loss: LossInput | LossInput[]): void {
    for (const l of Array.isArray(loss) ? loss : [loss]) {
      if (typeof l === 'function') this._callableLosses.push(l);
      else if (isSymbolic(l)) this._symbolicLosses.push(l);
      else if (l instanceof tf.Tensor) {
        const frame = lossFrames[lossFrames.length - 1];
        if (!frame) {
          // An eager tensor outside call() is a constant term of every step's loss (issue 6). The
          // layer keeps its own copy (the caller may dispose theirs) and hands out clones.
          const kept = tf.keep(tf.clone(l));
          this._callableLosses.push(() => tf.clone(kept));
          continue;
        }
        frame.push(l);
      } else {
        throw new Error(
          `Layer '${this.name}': addLoss expects a Tensor, a SymbolicTensor or a function, got ${typeof l}`,
        );
      }
    }
  }

  /** Losses of the last eager call plus the current value of every function loss (regularizers). */
  get losses(): tf.Tensor[] {
    return [...this._lastCallLosses.filter(t => !t.isDisposed), ...this.callableLosses().map(f => f())];
  }

  /** Function losses (regularizers, addLoss(() => ...)) of this layer and its sublayers. */
  callableLosses(): (() => tf.Tensor)[] {
    return unique([...this._callableLosses, ...this._trackedChildren().layers.flatMap(l => l.callableLosses())]);
  }

  /** Symbolic losses added to this layer (a Model evaluates them). */
  get symbolicLosses(): SymbolicTensor[] {
    return [...this._symbolicLosses];
  }

  // ---------------------------------------------------------------- apply

  /**
   * On Tensors: builds if needed and runs call eagerly. On SymbolicTensors: builds if needed,
   * infers the output shapes and adds a Node, returning SymbolicTensor(s).
   */
  // Typed from `this['call']`, not only In/Out, so that a subclass that narrows call's
  // signature without declaring the generics is typed by what it wrote.
  apply<I extends SymbolicOf<Parameters<this['call']>[0]>>(
    inputs: I,
    kwargs?: Kwargs,
  ): ApplyOutput<ReturnType<this['call']>, I, true>;
  apply<I extends Parameters<this['call']>[0]>(
    inputs: I,
    kwargs?: Kwargs,
  ): ApplyOutput<ReturnType<this['call']>, I, false>;
  // The result's type comes from the overloads above; this body checks at run time what they say.
  // biome-ignore lint/suspicious/noExplicitAny: the overloads above give callers the precise type
  apply(inputs: LayerInput, kwargs: Kwargs = {}): any {
    const flat = flatInputs(inputs);
    const bad = flat.findIndex(t => !isSymbolic(t) && !(t instanceof tf.Tensor));
    if (bad >= 0) {
      throw new Error(
        `${this.describe()}: input ${bad} is not a Tensor or SymbolicTensor (got ${flat[bad] === null ? 'null' : typeof flat[bad]})`,
      );
    }
    const nSymbolic = flat.filter(isSymbolic).length;
    if (nSymbolic > 0 && nSymbolic < flat.length) {
      throw new Error(
        `${this.describe()}: inputs mix SymbolicTensors and concrete Tensors; make the constant part of the layer instead`,
      );
    }
    return nSymbolic > 0
      ? this.applySymbolic(inputs as SymbolicTensor | SymbolicTensor[], kwargs)
      : this.applyEager(inputs as tf.Tensor | tf.Tensor[], kwargs);
  }

  /** `layer 'dense' (Dense)`: how errors name this layer. */
  describe(): string {
    return `Layer '${this.name}' (${this.getClassName()})`;
  }

  private applyEager(inputs: tf.Tensor | tf.Tensor[], given: Kwargs): tf.Tensor | tf.Tensor[] {
    const shapes = shapesOf(inputs);
    const kwargs: Kwargs = {...given, training: given.training ?? currentTraining()};
    if (kwargs.training === undefined) delete kwargs.training;
    if (kwargs.mask === undefined) {
      const found = flatInputs(inputs).map(t => getMask(t as tf.Tensor));
      if (found.some(m => m)) kwargs.mask = Array.isArray(inputs) ? found : found[0];
    }
    return this.firstUse(shapes, () => {
      this.assertInputCompatible(shapes);
      trainingStack.push(kwargs.training as boolean | undefined);
      let collected: {result: {out: tf.Tensor | tf.Tensor[]; outMask: Mask; losses: tf.Tensor[]}; losses: tf.Tensor[]};
      try {
        collected = collectLosses(
          () =>
            tf.tidy((() => {
              const out = this.invokeCall(inputs, kwargs, shapes);
              const outMask = this.computeMask(inputs as In, kwargs.mask as Mask | undefined);
              // The frame's loss tensors were made in this scope: return them so tidy keeps them.
              return {out, outMask, losses: lossFrames[lossFrames.length - 1]};
              // tfjs' TensorContainer has no null; tidy walks past nulls all the same.
            }) as unknown as () => tf.TensorContainer) as unknown as {
              out: tf.Tensor | tf.Tensor[];
              outMask: Mask;
              losses: tf.Tensor[];
            },
        );
      } finally {
        trainingStack.pop();
      }
      const {result, losses} = collected;
      const parent = lossFrames[lossFrames.length - 1];
      if (parent) parent.push(...losses);
      else {
        tf.dispose(this._lastCallLosses);
        this._lastCallLosses = losses;
      }
      const outs = Array.isArray(result.out) ? result.out : [result.out];
      const outMasks = Array.isArray(result.outMask)
        ? result.outMask
        : outs.map(() => result.outMask as tf.Tensor | null);
      outs.forEach((t, i) => {
        const m = outMasks[i] ?? null;
        // An output that is an input unchanged keeps the input's own mask.
        if (!flatInputs(inputs).includes(t)) setMask(t, m);
      });
      return result.out;
    });
  }

  /**
   * Model.predict's cached plan (predict_plan.ts) runs a layer it already ran through apply on
   * inputs of these shapes with this: `call` in the same call context (`training`, the caller's
   * loss frame), without what that first run settled (build, the input spec) and without masks,
   * which the plan only skips for layers that cannot make one, on inputs that carry none.
   * @internal
   */
  callPlanned(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    trainingStack.push(kwargs.training as boolean | undefined);
    try {
      return this.invokeCall(inputs, kwargs);
    } finally {
      trainingStack.pop();
    }
  }

  private invokeCall(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Kwargs,
    given?: Shape | Shape[],
  ): tf.Tensor | tf.Tensor[] {
    let out: tf.Tensor | tf.Tensor[];
    try {
      // `In` is what the subclass declared; apply's overloads only let such inputs through.
      out = this.call(inputs as In, kwargs);
    } catch (e) {
      const shapes = given ?? shapesOf(inputs);
      const built =
        this._builtInputShape && !shapesCompatible(flatShape(this._builtInputShape), flatShape(shapes))
          ? ` (built for input shape ${fmtShape(this._builtInputShape)})`
          : '';
      rethrowWith(`${this.describe()} on input shape ${fmtShape(shapes)}${built}: `, e);
    }
    const outs = Array.isArray(out) ? out : [out];
    if (outs.length === 0 || outs.some(t => !(t instanceof tf.Tensor))) {
      throw new Error(`${this.describe()}: call() must return a Tensor or a list of Tensors`);
    }
    return out;
  }

  private applySymbolic(inputs: SymbolicTensor | SymbolicTensor[], given: Kwargs): SymbolicTensor | SymbolicTensor[] {
    const shapes = shapesOf(inputs);
    // Symbolic tensors given as keyword arguments (an RNN's initialState, an attention mask) are
    // inputs of the node too, so the model computes them first and plans, draws and counts them.
    const {kwargs, tensors: kwargTensors, slots} = splitSymbolicKwargs(given);
    return this.firstUse(shapes, () => {
      this.assertInputCompatible(shapes);
      const outputs = this.inferOutputs(inputs, kwargs, kwargTensors, slots);
      const list = Array.isArray(inputs);
      const callInputs = list ? inputs : [inputs];
      const node = new Node(this, [...callInputs, ...kwargTensors], list, {...kwargs}, this.inboundNodes.length);
      node.callInputCount = callInputs.length;
      node.kwargSlots = slots;
      node.outputIsList = outputs.isList;
      node.outputs = outputs.values.map(
        (o, i) =>
          new SymbolicTensor(
            o.shape,
            o.dtype,
            node,
            i,
            node.index === 0
              ? outputs.values.length === 1
                ? this.name
                : `${this.name}/${i}`
              : `${this.name}_${node.index}/${i}`,
            o.trace,
          ),
      );
      this.inboundNodes.push(node);
      return outputs.isList ? node.outputs : node.outputs[0];
    });
  }

  /** Output shapes, dtypes and traces for symbolic inputs. */
  private inferOutputs(
    inputs: SymbolicTensor | SymbolicTensor[],
    kwargs: Kwargs,
    kwargTensors: SymbolicTensor[] = [],
    slots: KwargSlots = {},
  ): {isList: boolean; values: {shape: Shape; dtype: DataType; trace: TraceValue[]}[]} {
    const flat = flatInputs(inputs) as SymbolicTensor[];
    // Sublayers that build() left unbuilt (a custom block made of built-in layers) are built by
    // tracing call, as Keras does, even when computeOutputShape could give the shapes.
    if (this.computeOutputShape && this.unbuiltDescendants().length === 0) {
      let out: Shape | Shape[];
      try {
        out = this.computeOutputShape(shapesOf(inputs));
      } catch (e) {
        rethrowWith(`${this.describe()} on input shape ${fmtShape(shapesOf(inputs))}: `, e);
      }
      const isList = out.length > 0 && Array.isArray(out[0]);
      const shapes = isList ? (out as Shape[]) : [out as Shape];
      const dtype = this.outputDtype(flat[0]?.dtype ?? this.dtype);
      return {
        isList,
        values: shapes.map(shape => ({
          shape,
          dtype,
          trace: TRACE_BATCH_SIZES.map(b => ({shape: shape.map(d => d ?? b), dtype})),
        })),
      };
    }
    // Trace call with two batch sizes: a dimension that changes with it is unknown (null).
    const traces: TraceValue[][] = [];
    let isList = false;
    TRACE_BATCH_SIZES.forEach((_, i) => {
      tf.tidy(() => {
        const concrete = flat.map(s => s.traceTensor(i));
        const traced = fillKwargs(
          kwargs,
          slots,
          kwargTensors.map(s => s.traceTensor(i)),
        );
        const {result} = collectLosses(() =>
          this.invokeCall(
            Array.isArray(inputs) ? concrete : concrete[0],
            {...traced, training: kwargs.training ?? false},
            shapesOf(inputs),
          ),
        );
        isList = Array.isArray(result);
        traces.push(
          (Array.isArray(result) ? result : [result]).map(t => ({
            shape: [...t.shape],
            dtype: t.dtype,
            values:
              t.size <= TRACE_VALUE_LIMIT && t.dtype !== 'string'
                ? Array.from(t.dataSync() as ArrayLike<number>)
                : undefined,
          })),
        );
      });
    });
    const [a, b] = traces;
    return {
      isList,
      values: a.map((ta, k) => {
        const tb = b[k];
        if (!tb || ta.shape.length !== tb.shape.length) {
          throw new Error(
            `${this.describe()}: the rank of output ${k} depends on the batch size (${fmtShape(ta.shape)} vs ${fmtShape(tb?.shape ?? [])})`,
          );
        }
        return {shape: ta.shape.map((d, j) => (d === tb.shape[j] ? d : null)), dtype: ta.dtype, trace: [ta, tb]};
      }),
    };
  }

  /**
   * Builds on first use and runs `fn`; if build or that first `fn` throws, the layer is left as
   * it was: unbuilt, its fields restored, every variable and tensor made meanwhile disposed.
   */
  private firstUse<T>(shapes: Shape | Shape[], fn: () => T): T {
    if (this.built) return fn();
    // A spec declared in the constructor (a Conv2D's rank) is checked before build makes anything.
    this.assertInputCompatible(shapes);
    const fieldsBefore = {...this} as Record<string, unknown>;
    const tensorsBefore = tensorsIn(Object.values(fieldsBefore), new Set());
    const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
    const addedBefore = this._addedWeights.length;
    const callablesBefore = this._callableLosses.length;
    // Sublayers held in fields (constructor-made) that get built during this first use are
    // rolled back with it: their variables are among those disposed below.
    const pendingChildren = this.unbuiltDescendants().map(l => ({layer: l, callables: l._callableLosses.length}));
    try {
      try {
        tf.tidy(() => {
          this.build(shapes);
          // Constant tensors the layer keeps in its fields must survive the tidy.
          for (const t of tensorsIn(Object.values(this), new Set())) if (!(t instanceof tf.Variable)) tf.keep(t);
        });
      } catch (e) {
        rethrowWith(`${this.describe()}: build(${fmtShape(shapes)}) failed: `, e);
      }
      this.built = true;
      this._builtInputShape = batchless(shapes);
      return fn();
    } catch (e) {
      const registered = tf.engine().registeredVariables;
      for (const name of Object.keys(registered)) if (!variablesBefore.has(name)) registered[name].dispose();
      for (const t of tensorsIn(Object.values(this), new Set())) if (!tensorsBefore.has(t)) t.dispose();
      for (const key of Object.keys(this)) if (!(key in fieldsBefore)) delete (this as Record<string, unknown>)[key];
      Object.assign(this, fieldsBefore);
      this._addedWeights.length = addedBefore;
      this._callableLosses.length = callablesBefore;
      this.built = false;
      this._builtInputShape = null;
      for (const {layer, callables} of pendingChildren) {
        layer.built = false;
        layer._builtInputShape = null;
        layer._addedWeights.length = 0;
        layer._callableLosses.length = callables;
      }
      throw e;
    }
  }

  private unbuiltDescendants(seen = new Set<Layer>()): Layer[] {
    const out: Layer[] = [];
    for (const child of this._trackedChildren().layers) {
      if (seen.has(child)) continue;
      seen.add(child);
      if (!child.built) out.push(child);
      out.push(...child.unbuiltDescendants(seen));
    }
    return out;
  }

  /** Checks `inputSpec` (if the layer declares one) against the input shape(s). */
  protected assertInputCompatible(shapes: Shape | Shape[]): void {
    if (!this.inputSpec) return;
    const list = shapes.length > 0 && Array.isArray(shapes[0]) ? (shapes as Shape[]) : [shapes as Shape];
    const specs = Array.isArray(this.inputSpec) ? this.inputSpec : [this.inputSpec];
    if (Array.isArray(this.inputSpec) && specs.length !== list.length) {
      throw new Error(
        `${this.describe()} expects ${specs.length} inputs, but it received ${list.length} (shapes ${fmtShape(list)})`,
      );
    }
    specs.forEach((spec, i) => {
      const shape = list[i];
      const which = specs.length > 1 ? `input ${i} ` : '';
      // The expected shape is spelled out only for the message (this check runs on every call).
      const fail = (why: string) => {
        const expected = this.expectedShape(spec, shape.length);
        throw new Error(`${this.describe()}: ${which}expected shape ${expected}, got ${fmtShape(shape)} (${why})`);
      };
      if (spec.ndim != null && shape.length !== spec.ndim) fail(`rank ${shape.length}, expected ${spec.ndim}`);
      if (spec.minNdim != null && shape.length < spec.minNdim)
        fail(`rank ${shape.length}, expected at least ${spec.minNdim}`);
      for (const [axisText, size] of Object.entries(spec.axes ?? {})) {
        const axis = Number(axisText);
        const d = shape[axis < 0 ? shape.length + axis : axis];
        if (d != null && d !== size) fail(`axis ${axis} is ${d}, expected ${size}`);
      }
    });
  }

  private expectedShape(spec: InputSpec, rank: number): string {
    const n = spec.ndim ?? Math.max(spec.minNdim ?? 0, rank);
    const dims: (number | null)[] = Array.from({length: n}, () => null);
    for (const [axisText, size] of Object.entries(spec.axes ?? {})) {
      const axis = Number(axisText);
      dims[axis < 0 ? n + axis : axis] = size;
    }
    return fmtShape(dims);
  }

  // ---------------------------------------------------------------- shapes of graph nodes

  /** The input shape(s) of the first node (Keras' `layer.input_shape`). */
  get inputShape(): Shape | Shape[] {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`${this.describe()} has no input shape: it was not applied to a symbolic input`);
    return node.inputIsList ? node.inputs.map(t => t.shape) : node.inputs[0].shape;
  }

  /** The output shape(s) of the first node (Keras' `layer.output_shape`). */
  get outputShape(): Shape | Shape[] {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`${this.describe()} has no output shape: it was not applied to a symbolic input`);
    return node.outputIsList ? node.outputs.map(t => t.shape) : node.outputs[0].shape;
  }

  /** The output of the first node (Keras' `layer.output`). */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`${this.describe()} has no output: it was not applied to a symbolic input`);
    return node.outputIsList ? node.outputs : node.outputs[0];
  }
}

/**
 * Frees everything `layer` holds: its weights and every tensor in its fields, its sublayers'
 * too. What a failed load does with the layers it made, so that it leaves no tensor behind.
 */
export function disposeHeld(layer: Layer, seen = new Set<Layer>()): void {
  if (seen.has(layer)) return;
  seen.add(layer);
  for (const child of (layer as unknown as {_trackedChildren(all: boolean): {layers: Layer[]}})._trackedChildren(true)
    .layers)
    disposeHeld(child, seen);
  for (const t of tensorsIn(Object.values(layer), new Set())) if (!t.isDisposed) t.dispose();
  layer.built = false;
}

/** Where a node's keyword-argument tensors sit among its inputs: key -> index, or indices for a list. */
export type KwargSlots = Record<string, number | number[]>;

/** Moves the SymbolicTensors out of `kwargs` (directly or as a list), numbering them from 0. */
function splitSymbolicKwargs(given: Kwargs): {kwargs: Kwargs; tensors: SymbolicTensor[]; slots: KwargSlots} {
  const kwargs: Kwargs = {};
  const tensors: SymbolicTensor[] = [];
  const slots: KwargSlots = {};
  for (const [key, value] of Object.entries(given)) {
    if (isSymbolic(value)) slots[key] = tensors.push(value) - 1;
    else if (Array.isArray(value) && value.length > 0 && value.every(isSymbolic))
      slots[key] = value.map(v => tensors.push(v) - 1);
    else kwargs[key] = value;
  }
  return {kwargs, tensors, slots};
}

/** The keyword arguments of a node with its tensor slots filled by `values`. */
export function fillKwargs(kwargs: Kwargs, slots: KwargSlots, values: tf.Tensor[]): Kwargs {
  const out: Kwargs = {...kwargs};
  for (const [key, at] of Object.entries(slots)) out[key] = Array.isArray(at) ? at.map(i => values[i]) : values[at];
  return out;
}

function flatShape(s: Shape | Shape[]): Shape {
  return (s.length > 0 && Array.isArray(s[0]) ? (s as Shape[]).flat() : s) as Shape;
}

function uniqueVariableName(base: string): string {
  const registered = tf.engine().registeredVariables;
  if (!(base in registered)) return base;
  for (let i = 1; ; i++) if (!(`${base}_${i}` in registered)) return `${base}_${i}`;
}
