// K: Keras' backend functions. Each takes Tensors, numbers or SymbolicTensors. On concrete
// tensors it runs the tfjs op now; when any argument is symbolic it adds a graph node
// (op_layer.ts), so `K.mul(x, K.randomBinomial(K.shape(x), 0.5))` written outside any layer
// builds a model. Errors are tfjs' own, prefixed with the K function's name.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, type DataType, resetNames, fmtShape} from './common.js';
import {binaryCrossentropyOf, categoricalCrossentropyOf} from './crossentropy.js';
import {type SymbolicTensor, isSymbolic} from './symbolic.js';
import {runOp} from './op_layer.js';
import * as ops from './backend_ops.js';
import {currentTraining} from './layer.js';

type Sym = SymbolicTensor;
/** A K function argument: a tensor, a symbolic tensor, or a number. */
export type KArg = tf.Tensor | Sym | number;
type Exactly<T> = [T] extends [never] ? false : [T] extends [Sym] ? true : false;
type Has<T> = [Extract<T, Sym>] extends [never] ? false : true;
/**
 * Symbolic in, symbolic out; concrete in, concrete out: the static type of a K function's result
 * from its arguments' types (A, B). Any argument known to be symbolic makes the result symbolic.
 */
export type KResult<A, B = never> =
  Exactly<A> extends true ? Sym : Exactly<B> extends true ? Sym : Has<A | B> extends true ? Sym | tf.Tensor : tf.Tensor;
/** A shape given as numbers, or as a 1-D tensor of them (e.g. `K.shape(x)`). */
export type ShapeArg = number[] | tf.Tensor | Sym;

// The fuzz factor lives beside the losses' other shared pieces: the built-in losses read it too.
export {epsilon, setEpsilon} from './common.js';

/** Resets the default-name counters (`dense`, `dense_1`, ...), like Keras' clear_session. */
export function clearSession(): void {
  resetNames();
}

function toShape(s: number[] | tf.Tensor): number[] {
  if (s instanceof tf.Tensor) {
    if (s.rank !== 1) throw new Error(`a shape tensor must be 1-D, got shape ${fmtShape(s.shape)}`);
    return Array.from(s.dataSync(), Number);
  }
  return s;
}

function axisOf(rank: number, axis: number): number {
  return axis < 0 ? rank + axis : axis;
}

// ---------------------------------------------------------------- shapes and types

/** The shape of `x` as a 1-D int32 tensor (symbolic for symbolic `x`, of static shape [rank]). */
export function shape<A extends tf.Tensor | Sym>(x: A): KResult<A> {
  return runOp(['shape', [x]], [x], (t: tf.Tensor) => tf.tensor1d(t.shape, 'int32'));
}

/** The static shape: numbers, with null for unknown dimensions of symbolic tensors. */
export function intShape(x: tf.Tensor | Sym): Shape {
  return [...x.shape];
}

export function ndim(x: tf.Tensor | Sym): number {
  return x.shape.length;
}

export function dtype(x: tf.Tensor | Sym): DataType {
  return x.dtype;
}

/** A trainable tf.Variable holding `value` (a layer tracks it when kept in one of its fields). */
export function variable(value: tf.TensorLike | tf.Tensor, dtype?: DataType, name?: string): tf.Variable {
  return tf.tidy(() => {
    const t = value instanceof tf.Tensor ? value : tf.tensor(value, undefined, dtype);
    return tf.variable(t, true, name, dtype ?? t.dtype);
  });
}

export function constant(value: tf.TensorLike | tf.Tensor, dtype?: DataType, shape?: number[]): tf.Tensor {
  if (value instanceof tf.Tensor) return tf.cast(shape ? tf.reshape(value, shape) : value, dtype ?? value.dtype);
  if (typeof value === 'number' && shape) return tf.fill(shape, value, dtype);
  return tf.tensor(value, shape, dtype);
}

export function cast<A extends KArg>(x: A, dtype: DataType): KResult<A> {
  return runOp(['cast', [x, dtype]], [x], (t: tf.Tensor) => tf.cast(t, dtype));
}

// ---------------------------------------------------------------- constructors

export function zeros<A extends ShapeArg>(shape: A, dtype: DataType = 'float32'): KResult<A> {
  return runOp(['zeros', [shape, dtype]], [shape], (s: number[] | tf.Tensor) => tf.zeros(toShape(s), dtype));
}

export function ones<A extends ShapeArg>(shape: A, dtype: DataType = 'float32'): KResult<A> {
  return runOp(['ones', [shape, dtype]], [shape], (s: number[] | tf.Tensor) => tf.ones(toShape(s), dtype));
}

export function randomNormal<A extends ShapeArg>(
  shape: A,
  mean = 0,
  stddev = 1,
  dtype: 'float32' = 'float32',
  seed?: number,
): KResult<A> {
  return runOp(['randomNormal', [shape, mean, stddev, dtype, seed]], [shape], (s: number[] | tf.Tensor) =>
    tf.randomNormal(toShape(s), mean, stddev, dtype, seed),
  );
}

export function randomUniform<A extends ShapeArg>(
  shape: A,
  minval = 0,
  maxval = 1,
  dtype: DataType = 'float32',
  seed?: number,
): KResult<A> {
  return runOp(['randomUniform', [shape, minval, maxval, dtype, seed]], [shape], (s: number[] | tf.Tensor) =>
    tf.randomUniform(toShape(s), minval, maxval, dtype, seed),
  );
}

/** A 0/1 tensor with P(1) = p, made by the backend's randomBinomial op (one kernel on 'as'). */
export function randomBinomial<A extends ShapeArg>(
  shape: A,
  p = 0,
  dtype: DataType = 'float32',
  seed?: number,
): KResult<A> {
  return runOp(['randomBinomial', [shape, p, dtype, seed]], [shape], (s: number[] | tf.Tensor) =>
    ops.randomBinomial(toShape(s), p, {seed, dtype: dtype as 'float32' | 'int32' | 'bool'}),
  );
}

// ---------------------------------------------------------------- products and shape ops

/**
 * Keras' dot: for N-D operands, contracts the last axis of x with the second-to-last of y:
 * result shape x.shape[:-1] + y.shape[:-2] + y.shape[-1:].
 */
export function dot<A extends KArg, B extends KArg>(x: A, y: B): KResult<A, B> {
  return runOp(['dot', [x, y]], [x, y], (a: tf.Tensor, b: tf.Tensor) => {
    // Two matrices, outside gradients, on 'as': the BatchMatMul kernel straight from the engine
    // (it makes nothing else, so no tidy either). tf.matMul reshapes both operands to rank 3 and
    // the product back (three more kernel calls) to run the same kernel on the same data; 'as'
    // multiplies rank-2 operands as they are.
    if (
      a.rank === 2 &&
      b.rank === 2 &&
      a.dtype === 'float32' &&
      b.dtype === 'float32' &&
      a.shape[1] === b.shape[0] &&
      tf.engine().state.gradientDepth === 0 &&
      tf.getBackend() === 'as'
    ) {
      return tf.engine().runKernel(tf.BatchMatMul, {a, b}, {
        transposeA: false,
        transposeB: false,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    }
    return tf.tidy(() => {
      if (a.rank === 2 && b.rank === 2) return tf.matMul(a, b);
      if (a.rank <= 2 && b.rank <= 2) return tf.dot(a, b);
      if (a.rank < 2 || b.rank < 2) {
        throw new Error(
          `N-D dot needs both operands of rank >= 2, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
        );
      }
      const k = a.shape[a.rank - 1];
      if (k !== b.shape[b.rank - 2]) {
        throw new Error(
          `the last axis of x (${k}) must equal the second-to-last axis of y (${b.shape[b.rank - 2]}); shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
        );
      }
      const perm = [b.rank - 2, ...b.shape.map((_, i) => i).filter(i => i !== b.rank - 2)];
      const a2 = tf.reshape(a, [-1, k]);
      const b2 = tf.reshape(tf.transpose(b, perm), [k, -1]);
      return tf.reshape(tf.matMul(a2, b2), [...a.shape.slice(0, -1), ...b.shape.slice(0, -2), b.shape[b.rank - 1]]);
    });
  });
}

/**
 * Keras' batch_dot: per sample (axis 0), contracts axes[0] of x with axes[1] of y (defaults: the
 * last of x and the second-to-last of y, or the last for a 2-D y). A 1-D result becomes [batch, 1].
 */
export function batchDot<A extends KArg, B extends KArg>(x: A, y: B, axes?: number | [number, number]): KResult<A, B> {
  return runOp(['batchDot', [x, y, axes]], [x, y], (a: tf.Tensor, b: tf.Tensor) =>
    tf.tidy(() => {
      if (a.rank < 2 || b.rank < 2)
        throw new Error(`operands must have rank >= 2, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      if (a.shape[0] !== b.shape[0])
        throw new Error(`batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      let [ax, ay] =
        axes == null ? [a.rank - 1, b.rank === 2 ? 1 : b.rank - 2] : typeof axes === 'number' ? [axes, axes] : axes;
      ax = axisOf(a.rank, ax);
      ay = axisOf(b.rank, ay);
      if (ax === 0 || ay === 0) throw new Error('cannot contract the batch axis');
      if (a.shape[ax] !== b.shape[ay]) {
        throw new Error(
          `axis ${ax} of x (${a.shape[ax]}) and axis ${ay} of y (${b.shape[ay]}) differ; shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
        );
      }
      const restA = a.shape.map((_, i) => i).filter(i => i !== 0 && i !== ax);
      const restB = b.shape.map((_, i) => i).filter(i => i !== 0 && i !== ay);
      const n = a.shape[0],
        k = a.shape[ax];
      const a3 = tf.reshape(tf.transpose(a, [0, ...restA, ax]), [n, -1, k]);
      const b3 = tf.reshape(tf.transpose(b, [0, ay, ...restB]), [n, k, -1]);
      const outShape = [n, ...restA.map(i => a.shape[i]), ...restB.map(i => b.shape[i])];
      return tf.reshape(tf.matMul(a3, b3), outShape.length === 1 ? [n, 1] : outShape);
    }),
  );
}

/** Reverses the axes (Keras' transpose), or permutes them by `perm`. */
export function transpose<A extends KArg>(x: A, perm?: number[]): KResult<A> {
  return runOp(['transpose', [x, perm]], [x], (t: tf.Tensor) => tf.transpose(t, perm));
}

export function reshape<A extends KArg>(x: A, shape: number[]): KResult<A> {
  return runOp(['reshape', [x, shape]], [x], (t: tf.Tensor) => tf.reshape(t, shape));
}

export function expandDims<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp(['expandDims', [x, axis]], [x], (t: tf.Tensor) => tf.expandDims(t, axis));
}

export function squeeze<A extends KArg>(x: A, axis: number): KResult<A> {
  return runOp(['squeeze', [x, axis]], [x], (t: tf.Tensor) => tf.squeeze(t, [axis]));
}

/** Flattens all but the batch axis. */
export function batchFlatten<A extends KArg>(x: A): KResult<A> {
  return runOp(['batchFlatten', [x]], [x], (t: tf.Tensor) => tf.reshape(t, [t.shape[0] ?? -1, -1]));
}

export function concatenate<A extends tf.Tensor | Sym>(tensors: A[], axis = -1): KResult<A> {
  return runOp(['concatenate', [tensors, axis]], [tensors], (ts: tf.Tensor[]) => tf.concat(ts, axis));
}

export function stack<A extends tf.Tensor | Sym>(tensors: A[], axis = 0): KResult<A> {
  return runOp(['stack', [tensors, axis]], [tensors], (ts: tf.Tensor[]) => tf.stack(ts, axis));
}

export function gather<A extends KArg, B extends KArg>(reference: A, indices: B, axis = 0): KResult<A, B> {
  return runOp(['gather', [reference, indices, axis]], [reference, indices], (r: tf.Tensor, i: tf.Tensor) =>
    tf.gather(r, tf.cast(i, 'int32'), axis),
  );
}

export function oneHot<A extends KArg>(indices: A, numClasses: number): KResult<A> {
  return runOp(['oneHot', [indices, numClasses]], [indices], (i: tf.Tensor) =>
    tf.oneHot(tf.cast(i, 'int32'), numClasses),
  );
}

// ---------------------------------------------------------------- reductions

type Axis = number | number[] | null;

export function sum<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp(['sum', [x, axis, keepdims]], [x], (t: tf.Tensor) => tf.sum(t, axis ?? undefined, keepdims));
}

export function mean<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp(['mean', [x, axis, keepdims]], [x], (t: tf.Tensor) => tf.mean(t, axis ?? undefined, keepdims));
}

export function max<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp(['max', [x, axis, keepdims]], [x], (t: tf.Tensor) => tf.max(t, axis ?? undefined, keepdims));
}

export function min<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp(['min', [x, axis, keepdims]], [x], (t: tf.Tensor) => tf.min(t, axis ?? undefined, keepdims));
}

export function argmax<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp(['argmax', [x, axis]], [x], (t: tf.Tensor) => tf.argMax(t, axis));
}

// ---------------------------------------------------------------- elementwise

export function square<A extends KArg>(x: A): KResult<A> {
  return runOp(['square', [x]], [x], (t: tf.Tensor) => tf.square(t));
}
export function sqrt<A extends KArg>(x: A): KResult<A> {
  return runOp(['sqrt', [x]], [x], (t: tf.Tensor) => tf.sqrt(t));
}
export function abs<A extends KArg>(x: A): KResult<A> {
  return runOp(['abs', [x]], [x], (t: tf.Tensor) => tf.abs(t));
}
export function exp<A extends KArg>(x: A): KResult<A> {
  return runOp(['exp', [x]], [x], (t: tf.Tensor) => tf.exp(t));
}
export function log<A extends KArg>(x: A): KResult<A> {
  return runOp(['log', [x]], [x], (t: tf.Tensor) => tf.log(t));
}
export function neg<A extends KArg>(x: A): KResult<A> {
  return runOp(['neg', [x]], [x], (t: tf.Tensor) => tf.neg(t));
}
export function sigmoid<A extends KArg>(x: A): KResult<A> {
  return runOp(['sigmoid', [x]], [x], (t: tf.Tensor) => tf.sigmoid(t));
}
export function tanh<A extends KArg>(x: A): KResult<A> {
  return runOp(['tanh', [x]], [x], (t: tf.Tensor) => tf.tanh(t));
}
export function softplus<A extends KArg>(x: A): KResult<A> {
  return runOp(['softplus', [x]], [x], (t: tf.Tensor) => tf.softplus(t));
}
export function elu<A extends KArg>(x: A, alpha = 1): KResult<A> {
  return runOp(['elu', [x, alpha]], [x], (t: tf.Tensor) =>
    tf.tidy(() => (alpha === 1 ? tf.elu(t) : tf.add(tf.relu(t), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(t, 0)), 1))))),
  );
}

/** Keras' relu(x, alpha, max_value, threshold). */
export function relu<A extends KArg>(x: A, alpha = 0, maxValue?: number, threshold = 0): KResult<A> {
  return runOp(['relu', [x, alpha, maxValue, threshold]], [x], (t: tf.Tensor) =>
    tf.tidy(() => {
      if (alpha === 0 && maxValue == null && threshold === 0) return tf.relu(t);
      if (alpha === 0 && maxValue === 6 && threshold === 0) return tf.relu6(t);
      let y = threshold === 0 ? tf.relu(t) : tf.mul(t, tf.step(tf.sub(t, threshold)));
      if (maxValue != null) y = tf.minimum(y, maxValue);
      if (alpha !== 0) y = tf.add(y, tf.mul(-alpha, tf.relu(tf.sub(threshold, t))));
      return y;
    }),
  );
}

export function softmax<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp(['softmax', [x, axis]], [x], (t: tf.Tensor) =>
    tf.tidy(() => {
      const a = axisOf(t.rank, axis);
      if (a === t.rank - 1) return tf.softmax(t);
      const e = tf.exp(tf.sub(t, tf.max(t, a, true)));
      return tf.div(e, tf.sum(e, a, true));
    }),
  );
}

export function add<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['add', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.add(x, y));
}
export function sub<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['sub', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.sub(x, y));
}
export function mul<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['mul', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.mul(x, y));
}
export function div<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['div', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.div(x, y));
}
export function maximum<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['maximum', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.maximum(x, y));
}
export function minimum<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['minimum', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.minimum(x, y));
}
export function equal<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['equal', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.equal(x, y));
}
export function notEqual<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp(['notEqual', [a, b]], [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.notEqual(x, y));
}

export function pow<A extends KArg>(x: A, a: number): KResult<A> {
  return runOp(['pow', [x, a]], [x], (t: tf.Tensor) => tf.pow(t, a));
}

export function clip<A extends KArg>(x: A, minValue: number, maxValue: number): KResult<A> {
  return runOp(['clip', [x, minValue, maxValue]], [x], (t: tf.Tensor) =>
    tf.clipByValue(t, minValue, Math.max(minValue, maxValue)),
  );
}

/** Adds a 1-D bias along the last axis. */
export function biasAdd<A extends KArg, B extends KArg>(x: A, bias: B): KResult<A, B> {
  return runOp(['biasAdd', [x, bias]], [x, bias], (t: tf.Tensor, b: tf.Tensor) => {
    const last = t.shape[t.rank - 1];
    if (b.rank !== 1 || b.shape[0] !== last) {
      throw new Error(
        `the bias must be 1-D with ${last} elements (the last axis of x, shape ${fmtShape(t.shape)}), got shape ${fmtShape(b.shape)}`,
      );
    }
    return tf.add(t, b);
  });
}

/** Inverted dropout: zeroes a fraction `level` of x and scales the rest by 1/(1-level); our kernel on 'as'. */
export function dropout<A extends KArg>(x: A, level: number, noiseShape?: number[], seed?: number): KResult<A> {
  return runOp(['dropout', [x, level, noiseShape, seed]], [x], (t: tf.Tensor) =>
    ops.dropout(t, level, {noiseShape, seed}),
  );
}

/**
 * `concatenate([dot(xs[i], kernels[i]) + biases[i]], -1)` with an optional activation, written by
 * one fused kernel on 'as' (the backend's denseConcat): the multi-input layer's hot path.
 */
export function denseConcat<A extends tf.Tensor | Sym>(
  xs: A[],
  kernels: tf.Tensor[],
  biases?: (tf.Tensor | null)[],
  activation: ops.DenseConcatActivation = 'linear',
): KResult<A> {
  return runOp(['denseConcat', [xs, kernels, biases, activation]], [xs], (ts: tf.Tensor[]) =>
    ops.denseConcat(ts, kernels, biases ?? undefined, {activation}),
  );
}

export function l2Normalize<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp(['l2Normalize', [x, axis]], [x], (t: tf.Tensor) =>
    tf.tidy(() => tf.mul(t, tf.rsqrt(tf.maximum(tf.sum(tf.square(t), axis, true), 1e-12)))),
  );
}

// ---------------------------------------------------------------- losses

/** Keras' categorical_crossentropy(target, output): per sample, over `axis` (losses.categoricalCrossentropy's formula). */
export function categoricalCrossentropy<A extends KArg, B extends KArg>(
  target: A,
  output: B,
  fromLogits = false,
  axis = -1,
): KResult<A, B> {
  return runOp(
    ['categoricalCrossentropy', [target, output, fromLogits, axis]],
    [target, output],
    (y: tf.Tensor, p: tf.Tensor) => categoricalCrossentropyOf(y, p, fromLogits, axis),
  );
}

/** Keras' binary_crossentropy(target, output): elementwise (losses.binaryCrossentropy is its mean over the last axis). */
export function binaryCrossentropy<A extends KArg, B extends KArg>(
  target: A,
  output: B,
  fromLogits = false,
): KResult<A, B> {
  return runOp(['binaryCrossentropy', [target, output, fromLogits]], [target, output], (z: tf.Tensor, p: tf.Tensor) =>
    binaryCrossentropyOf(z, p, fromLogits),
  );
}

/** True for the graph placeholders K functions accept besides tensors. */
export function isKerasTensor(x: unknown): x is SymbolicTensor {
  return isSymbolic(x);
}

// ---------------------------------------------------------------- convolution and pooling
//
// Keras' conv functions on NHWC (channelsLast) or NCHW (channelsFirst) tensors. tfjs only
// convolves NHWC everywhere (tfjs-backend-wasm has no NCHW kernels), so channelsFirst is a
// transpose in and out. On 'as' the products are ours; the rest is tfjs-backend-wasm's.

export type DataFormat = 'channelsLast' | 'channelsFirst';
/** 'causal' (conv1d only): zero-padded on the left so output t sees inputs up to t. */
export type Padding = 'valid' | 'same' | 'causal';

function pair(v: number | number[], what: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || p.some(d => !Number.isInteger(d) || d < 1))
    throw new Error(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  return [p[0]!, p[1]!];
}

function checkFormat(dataFormat: DataFormat): void {
  if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst')
    throw new Error(`dataFormat must be 'channelsLast' or 'channelsFirst', got ${JSON.stringify(dataFormat)}`);
}

/** Runs `fn` on the channels-last form of `x` and gives the result back in `dataFormat`. */
function channelsLast(x: tf.Tensor, dataFormat: DataFormat, fn: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  checkFormat(dataFormat);
  if (dataFormat === 'channelsLast') return fn(x);
  const r = x.rank;
  const toLast = [0, ...Array.from({length: r - 2}, (_, i) => i + 2), 1];
  const toFirst = [0, r - 1, ...Array.from({length: r - 2}, (_, i) => i + 1)];
  return tf.tidy(() => tf.transpose(fn(tf.transpose(x, toLast)), toFirst));
}

function tfPadding(padding: Padding, fn: string): 'valid' | 'same' {
  if (padding === 'valid' || padding === 'same') return padding;
  throw new Error(
    `${fn}: padding must be 'valid' or 'same'${fn === 'conv1d' ? " or 'causal'" : ''}, got ${JSON.stringify(padding)}`,
  );
}

function checkRank(t: tf.Tensor, rank: number, what: string): void {
  if (t.rank !== rank) throw new Error(`${what} must be of rank ${rank}, got shape ${fmtShape(t.shape)}`);
}

/** Keras' conv1d: x [batch, steps, channels], kernel [width, inChannels, filters]. */
export function conv1d<A extends KArg, B extends KArg>(
  x: A,
  kernel: B,
  strides = 1,
  padding: Padding = 'valid',
  dataFormat: DataFormat = 'channelsLast',
  dilationRate = 1,
): KResult<A, B> {
  return runOp(
    ['conv1d', [x, kernel, strides, padding, dataFormat, dilationRate]],
    [x, kernel],
    (t: tf.Tensor, k: tf.Tensor) =>
      tf.tidy(() => {
        checkRank(t, 3, 'the input of conv1d');
        checkRank(k, 3, 'the kernel of conv1d');
        return channelsLast(t, dataFormat, v => {
          let input = v as tf.Tensor3D;
          let pad: 'valid' | 'same' = 'valid';
          if (padding === 'causal')
            input = tf.pad(input, [
              [0, 0],
              [dilationRate * (k.shape[0] - 1), 0],
              [0, 0],
            ]);
          else pad = tfPadding(padding, 'conv1d');
          return tf.conv1d(input, k as tf.Tensor3D, strides, pad, 'NWC', dilationRate);
        });
      }),
  );
}

/** Keras' conv2d: x [batch, rows, cols, channels] (channelsLast), kernel [kh, kw, inChannels, filters]. */
export function conv2d<A extends KArg, B extends KArg>(
  x: A,
  kernel: B,
  strides: number | [number, number] = 1,
  padding: Padding = 'valid',
  dataFormat: DataFormat = 'channelsLast',
  dilationRate: number | [number, number] = 1,
): KResult<A, B> {
  return runOp(
    ['conv2d', [x, kernel, strides, padding, dataFormat, dilationRate]],
    [x, kernel],
    (t: tf.Tensor, k: tf.Tensor) =>
      tf.tidy(() => {
        checkRank(t, 4, 'the input of conv2d');
        checkRank(k, 4, 'the kernel of conv2d');
        return channelsLast(t, dataFormat, v =>
          tf.conv2d(
            v as tf.Tensor4D,
            k as tf.Tensor4D,
            pair(strides, 'strides'),
            tfPadding(padding, 'conv2d'),
            'NHWC',
            pair(dilationRate, 'dilationRate'),
          ),
        );
      }),
  );
}

/** Keras' depthwise_conv2d: kernel [kh, kw, inChannels, depthMultiplier]. */
export function depthwiseConv2d<A extends KArg, B extends KArg>(
  x: A,
  depthwiseKernel: B,
  strides: number | [number, number] = 1,
  padding: Padding = 'valid',
  dataFormat: DataFormat = 'channelsLast',
  dilationRate: number | [number, number] = 1,
): KResult<A, B> {
  return runOp(
    ['depthwiseConv2d', [x, depthwiseKernel, strides, padding, dataFormat, dilationRate]],
    [x, depthwiseKernel],
    (t: tf.Tensor, k: tf.Tensor) =>
      tf.tidy(() => {
        checkRank(t, 4, 'the input of depthwiseConv2d');
        checkRank(k, 4, 'the kernel of depthwiseConv2d');
        return channelsLast(t, dataFormat, v =>
          tf.depthwiseConv2d(
            v as tf.Tensor4D,
            k as tf.Tensor4D,
            pair(strides, 'strides'),
            tfPadding(padding, 'depthwiseConv2d'),
            'NHWC',
            pair(dilationRate, 'dilationRate'),
          ),
        );
      }),
  );
}

/** Keras' separable_conv2d: a depthwise then a 1x1 pointwise convolution [1, 1, in*mult, filters]. */
export function separableConv2d<A extends KArg, B extends KArg, C extends KArg>(
  x: A,
  depthwiseKernel: B,
  pointwiseKernel: C,
  strides: number | [number, number] = 1,
  padding: Padding = 'valid',
  dataFormat: DataFormat = 'channelsLast',
  dilationRate: number | [number, number] = 1,
): KResult<A, B | C> {
  return runOp(
    ['separableConv2d', [x, depthwiseKernel, pointwiseKernel, strides, padding, dataFormat, dilationRate]],
    [x, depthwiseKernel, pointwiseKernel],
    (t: tf.Tensor, d: tf.Tensor, p: tf.Tensor) =>
      tf.tidy(() => {
        checkRank(t, 4, 'the input of separableConv2d');
        return channelsLast(t, dataFormat, v =>
          tf.separableConv2d(
            v as tf.Tensor4D,
            d as tf.Tensor4D,
            p as tf.Tensor4D,
            pair(strides, 'strides'),
            tfPadding(padding, 'separableConv2d'),
            pair(dilationRate, 'dilationRate'),
            'NHWC',
          ),
        );
      }),
  );
}

/**
 * Keras' conv2d_transpose: kernel [kh, kw, filters, inChannels]; `outputShape` [batch, rows,
 * cols, filters] in `dataFormat` (null: computed from the input as Keras' deconv_output_length).
 */
export function conv2dTranspose<A extends KArg, B extends KArg>(
  x: A,
  kernel: B,
  outputShape: number[] | null = null,
  strides: number | [number, number] = 1,
  padding: Padding = 'valid',
  dataFormat: DataFormat = 'channelsLast',
  dilationRate: number | [number, number] = 1,
): KResult<A, B> {
  return runOp(
    ['conv2dTranspose', [x, kernel, outputShape, strides, padding, dataFormat, dilationRate]],
    [x, kernel],
    (t: tf.Tensor, k: tf.Tensor) =>
      tf.tidy(() => {
        checkRank(t, 4, 'the input of conv2dTranspose');
        checkRank(k, 4, 'the kernel of conv2dTranspose');
        const [sh, sw] = pair(strides, 'strides');
        if (pair(dilationRate, 'dilationRate').some(d => d !== 1))
          throw new Error('conv2dTranspose: tfjs has no dilated transposed convolution; dilationRate must be 1');
        const pad = tfPadding(padding, 'conv2dTranspose');
        return channelsLast(t, dataFormat, v => {
          const [n, h, w] = v.shape;
          const out =
            outputShape == null
              ? [n, deconvLength(h!, k.shape[0]!, sh, pad), deconvLength(w!, k.shape[1]!, sw, pad), k.shape[2]]
              : dataFormat === 'channelsFirst'
                ? [outputShape[0], outputShape[2], outputShape[3], outputShape[1]]
                : outputShape;
          return tf.conv2dTranspose(
            v as tf.Tensor4D,
            k as tf.Tensor4D,
            out as [number, number, number, number],
            [sh, sw],
            pad,
          );
        });
      }),
  );
}

/** Keras' deconv_output_length (no outputPadding, dilation 1). */
export function deconvLength(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'valid' ? size * stride + Math.max(kernel - stride, 0) : size * stride;
}

/** Keras' pool2d: max or average pooling over [rows, cols] windows. */
export function pool2d<A extends KArg>(
  x: A,
  poolSize: number | [number, number],
  strides: number | [number, number] | null = null,
  padding: 'valid' | 'same' = 'valid',
  dataFormat: DataFormat = 'channelsLast',
  poolMode: 'max' | 'avg' = 'max',
): KResult<A> {
  return runOp(['pool2d', [x, poolSize, strides, padding, dataFormat, poolMode]], [x], (t: tf.Tensor) =>
    tf.tidy(() => {
      checkRank(t, 4, 'the input of pool2d');
      if (poolMode !== 'max' && poolMode !== 'avg')
        throw new Error(`poolMode must be 'max' or 'avg', got ${JSON.stringify(poolMode)}`);
      const size = pair(poolSize, 'poolSize');
      const s = pair(strides ?? size, 'strides');
      return channelsLast(t, dataFormat, v =>
        poolMode === 'max'
          ? tf.maxPool(v as tf.Tensor4D, size, s, tfPadding(padding, 'pool2d'))
          : tf.avgPool(v as tf.Tensor4D, size, s, tfPadding(padding, 'pool2d')),
      );
    }),
  );
}

// ---------------------------------------------------------------- normalization

/** Shapes a 1-D per-channel tensor to broadcast along `axis` of a rank-`rank` tensor. */
function alongAxis(v: tf.Tensor, rank: number, axis: number): tf.Tensor {
  const a = axisOf(rank, axis);
  if (v.rank !== 1 || a === rank - 1) return v;
  const shape = Array.from({length: rank}, () => 1);
  shape[a] = v.shape[0];
  return tf.reshape(v, shape);
}

/**
 * Keras' batch_normalization: `(x - mean) / sqrt(variance + epsilon) * gamma + beta`, the
 * 1-D statistics and parameters taken along `axis` (beta or gamma may be null).
 */
export function batchNormalization<A extends KArg>(
  x: A,
  mean: tf.Tensor | Sym,
  variance: tf.Tensor | Sym,
  beta: tf.Tensor | Sym | null,
  gamma: tf.Tensor | Sym | null,
  axis = -1,
  epsilon = 1e-3,
): KResult<A> {
  return runOp(
    ['batchNormalization', [x, mean, variance, beta, gamma, axis, epsilon]],
    [x, mean, variance, beta, gamma],
    (t: tf.Tensor, m: tf.Tensor, v: tf.Tensor, b: tf.Tensor | null, g: tf.Tensor | null) =>
      tf.tidy(() => {
        const r = t.rank;
        let y = tf.mul(tf.sub(t, alongAxis(m, r, axis)), tf.rsqrt(tf.add(alongAxis(v, r, axis), epsilon)));
        if (g) y = tf.mul(y, alongAxis(g, r, axis));
        if (b) y = tf.add(y, alongAxis(b, r, axis));
        return y;
      }),
  );
}

/**
 * Keras' normalize_batch_in_training: the batch's mean and variance over `reductionAxes`, and x
 * normalized by them. Returns [normed, mean, variance] (the statistics squeezed to 1-D).
 */
export function normalizeBatchInTraining<A extends KArg>(
  x: A,
  gamma: tf.Tensor | Sym | null,
  beta: tf.Tensor | Sym | null,
  reductionAxes: number[],
  epsilon = 1e-3,
): A extends Sym ? Sym[] : tf.Tensor[] {
  return runOp(
    ['normalizeBatchInTraining', [x, gamma, beta, reductionAxes, epsilon]],
    [x, gamma, beta],
    (t: tf.Tensor, g: tf.Tensor | null, b: tf.Tensor | null) =>
      tf.tidy(() => {
        const axes = reductionAxes.map(a => axisOf(t.rank, a));
        const kept = t.shape.map((_, i) => i).filter(i => !axes.includes(i));
        const {mean, variance} = tf.moments(t, axes, true);
        let y = tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, epsilon)));
        const flat = (s: tf.Tensor) => (kept.length === 1 ? tf.reshape(s, [t.shape[kept[0]!]!]) : tf.squeeze(s, axes));
        const channel = kept.length === 1 ? kept[0]! : -1;
        if (g) y = tf.mul(y, kept.length === 1 ? alongAxis(g, t.rank, channel) : g);
        if (b) y = tf.add(y, kept.length === 1 ? alongAxis(b, t.rank, channel) : b);
        return [y, flat(mean), flat(variance)];
      }),
  );
}

// ---------------------------------------------------------------- recurrence

/** A step of K.rnn: the input at one time step and the states, to the output and the new states. */
export type StepFunction = (input: tf.Tensor, states: tf.Tensor[]) => [tf.Tensor, tf.Tensor[]];

export interface RnnOptions {
  /** Iterate from the last time step to the first; outputs come in that (reversed) order, as in Keras. */
  goBackwards?: boolean;
  /** [batch, time] booleans (or 0/1): a masked step keeps the previous output and states. */
  mask?: tf.Tensor | Sym | null;
  /** Masked steps output zeros instead of the previous output (Keras' zero_output_for_mask). */
  zeroOutputForMask?: boolean;
}

/** The loop itself on concrete tensors: see rnn. Every step's ops stay on the tape, so gradients flow. */
export function rnnLoop(
  step: StepFunction,
  inputs: tf.Tensor,
  initialStates: tf.Tensor[],
  {
    goBackwards = false,
    mask = null,
    zeroOutputForMask = false,
  }: {goBackwards?: boolean; mask?: tf.Tensor | null; zeroOutputForMask?: boolean} = {},
): [tf.Tensor, tf.Tensor, tf.Tensor[]] {
  if (inputs.rank < 3)
    throw new Error(`K.rnn: inputs must be at least 3-D [batch, time, ...], got shape ${fmtShape(inputs.shape)}`);
  let steps = tf.unstack(inputs, 1);
  let maskSteps: tf.Tensor[] | null = null;
  if (mask) {
    if (mask.rank !== 2 || mask.shape[0] !== inputs.shape[0] || mask.shape[1] !== inputs.shape[1])
      throw new Error(
        `K.rnn: the mask must be [batch, time] = ${fmtShape(inputs.shape.slice(0, 2))}, got ${fmtShape(mask.shape)}`,
      );
    // [batch, 1] booleans per step, broadcast over the features of outputs and states.
    maskSteps = tf.unstack(tf.cast(mask, 'bool'), 1).map(m => tf.expandDims(m, 1));
  }
  if (goBackwards) {
    // Copies: tf.unstack's own array is the gradient tape's record of its outputs, and reversing
    // it in place would hand each step's gradient to the mirror step.
    steps = [...steps].reverse();
    if (maskSteps) maskSteps = [...maskSteps].reverse();
  }
  let states = initialStates;
  const outputs: tf.Tensor[] = [];
  let previous: tf.Tensor | null = null;
  steps.forEach((x, t) => {
    const [out, next] = step(x, states);
    if (!Array.isArray(next) || next.length !== states.length)
      throw new Error(`K.rnn: the step function must return [output, states] with ${states.length} states`);
    if (maskSteps) {
      const m = maskSteps[t]!;
      const keep = (value: tf.Tensor, old: tf.Tensor) => tf.where(tf.broadcastTo(m, value.shape), value, old);
      const outputWhenMasked: tf.Tensor = zeroOutputForMask || !previous ? tf.zerosLike(out) : previous;
      previous = keep(out, outputWhenMasked);
      states = next.map((s, i) => keep(s, states[i]!));
    } else {
      previous = out;
      states = next;
    }
    outputs.push(previous);
  });
  return [outputs[outputs.length - 1]!, tf.stack(outputs, 1), states];
}

/**
 * Keras' rnn(step_function, inputs, initial_states, go_backwards, mask): iterates
 * `stepFunction(input_t, states) -> [output_t, newStates]` over axis 1 of `inputs` and returns
 * [lastOutput, outputs (stacked on axis 1), newStates]. The loop is unrolled into tfjs ops, so
 * tf.grad / tf.variableGrads see the whole sequence.
 */
export function rnn<A extends tf.Tensor | Sym>(
  stepFunction: StepFunction,
  inputs: A,
  initialStates: (tf.Tensor | Sym)[],
  options: RnnOptions = {},
): A extends Sym ? [Sym, Sym, Sym[]] : [tf.Tensor, tf.Tensor, tf.Tensor[]] {
  const n = initialStates.length;
  const flat = runOp(
    ['rnn', [stepFunction, inputs, initialStates, options]],
    [inputs, initialStates, options.mask ?? null],
    (x: tf.Tensor, states: tf.Tensor[], mask: tf.Tensor | null) =>
      tf.tidy(() => {
        const [last, outputs, next] = rnnLoop(stepFunction, x, states, {...options, mask});
        return [last, outputs, ...next];
      }),
  ) as (tf.Tensor | Sym)[];
  // biome-ignore lint/suspicious/noExplicitAny: the declared result type says which one it is
  return [flat[0], flat[1], flat.slice(2, 2 + n)] as any;
}

// ---------------------------------------------------------------- more tensor ops

export function cumsum<A extends KArg>(x: A, axis = 0): KResult<A> {
  return runOp(['cumsum', [x, axis]], [x], (t: tf.Tensor) => tf.cumsum(t, axis));
}

/** Keras' tile: repeats x `n[i]` times along axis i (a number tiles the first axis). */
export function tile<A extends KArg>(x: A, n: number | number[]): KResult<A> {
  return runOp(['tile', [x, n]], [x], (t: tf.Tensor) =>
    tf.tile(t, typeof n === 'number' ? [n, ...t.shape.slice(1).map(() => 1)] : n),
  );
}

/** Keras' repeat_elements: every element repeated `rep` times along `axis` (like np.repeat). */
export function repeatElements<A extends KArg>(x: A, rep: number, axis: number): KResult<A> {
  return runOp(['repeatElements', [x, rep, axis]], [x], (t: tf.Tensor) =>
    tf.tidy(() => {
      const a = axisOf(t.rank, axis);
      // A gather of [0,0,..,1,1,..]: differentiable at any rank (tile's gradient stops at rank 4).
      const n = t.shape[a]!;
      const indices = tf.tensor1d(
        Array.from({length: n * rep}, (_, i) => Math.floor(i / rep)),
        'int32',
      );
      return tf.gather(t, indices, a);
    }),
  );
}

/** Keras' permute_dimensions: transpose by `pattern` (a permutation of all axes). */
export function permuteDimensions<A extends KArg>(x: A, pattern: number[]): KResult<A> {
  return runOp(['permuteDimensions', [x, pattern]], [x], (t: tf.Tensor) => tf.transpose(t, pattern));
}

/** Keras' spatial_2d_padding: zeros around the rows and columns of a 4-D tensor. */
export function spatial2dPadding<A extends KArg>(
  x: A,
  padding: [[number, number], [number, number]] = [
    [1, 1],
    [1, 1],
  ],
  dataFormat: DataFormat = 'channelsLast',
): KResult<A> {
  return runOp(['spatial2dPadding', [x, padding, dataFormat]], [x], (t: tf.Tensor) => {
    checkRank(t, 4, 'the input of spatial2dPadding');
    checkFormat(dataFormat);
    const p = padding as [number, number][];
    return tf.pad(t, dataFormat === 'channelsLast' ? [[0, 0], p[0]!, p[1]!, [0, 0]] : [[0, 0], [0, 0], p[0]!, p[1]!]);
  });
}

/** Keras' resize_images: rows and columns scaled by integer factors ('nearest' repeats; 'bilinear'). */
export function resizeImages<A extends KArg>(
  x: A,
  heightFactor: number,
  widthFactor: number,
  dataFormat: DataFormat = 'channelsLast',
  interpolation: 'nearest' | 'bilinear' = 'nearest',
): KResult<A> {
  return runOp(['resizeImages', [x, heightFactor, widthFactor, dataFormat, interpolation]], [x], (t: tf.Tensor) =>
    tf.tidy(() => {
      checkRank(t, 4, 'the input of resizeImages');
      return channelsLast(t, dataFormat, v => {
        if (interpolation === 'nearest') {
          // Repeats, as Keras' nearest does for integer factors: exact, and differentiable.
          const rows = heightFactor === 1 ? v : repeatElements(v, heightFactor, 1);
          return widthFactor === 1 ? rows : repeatElements(rows, widthFactor, 2);
        }
        if (interpolation !== 'bilinear')
          throw new Error(`interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interpolation)}`);
        return tf.image.resizeBilinear(v as tf.Tensor4D, [v.shape[1]! * heightFactor, v.shape[2]! * widthFactor]);
      });
    }),
  );
}

type Branch = KArg | (() => tf.Tensor);

/**
 * Keras' switch(condition, then, else): a scalar condition picks one branch (functions are
 * called only for the branch taken); a tensor condition picks elementwise (tf.where).
 */
function switchOf<A extends KArg>(condition: A | boolean, thenExpression: Branch, elseExpression: Branch): KResult<A> {
  const value = (b: Branch) => (typeof b === 'function' ? b() : b);
  if (typeof condition === 'boolean') return value(condition ? thenExpression : elseExpression) as KResult<A>;
  return runOp('switch', [condition, value(thenExpression), value(elseExpression)], (c: tf.Tensor, a: KArg, b: KArg) =>
    tf.tidy(() => {
      const ta = a instanceof tf.Tensor ? a : tf.scalar(a as number);
      const tb = b instanceof tf.Tensor ? b : tf.scalar(b as number);
      const cond = c.dtype === 'bool' ? c : tf.cast(c, 'bool');
      if (cond.rank === 0) return tf.clone(cond.dataSync()[0] ? ta : tb);
      const shape = tf.broadcast_util.assertAndGetBroadcastShape(
        tf.broadcast_util.assertAndGetBroadcastShape(ta.shape, tb.shape),
        cond.shape,
      );
      return tf.where(tf.broadcastTo(cond, shape), tf.broadcastTo(ta, shape), tf.broadcastTo(tb, shape));
    }),
  );
}
export {switchOf as switch};

/**
 * Keras' in_train_phase(x, alt, training): x when training, else alt. `training` defaults to the
 * flag of the layer call it runs in (fit: true, predict/evaluate: false).
 */
export function inTrainPhase(
  x: Branch,
  alt: Branch,
  training: boolean | undefined = currentTraining(),
): tf.Tensor | Sym {
  const chosen = training ? x : alt;
  return (typeof chosen === 'function' ? chosen() : typeof chosen === 'number' ? tf.scalar(chosen) : chosen) as
    | tf.Tensor
    | Sym;
}

/** Keras' in_test_phase(x, alt, training): x when not training, else alt. */
export function inTestPhase(
  x: Branch,
  alt: Branch,
  training: boolean | undefined = currentTraining(),
): tf.Tensor | Sym {
  return inTrainPhase(alt, x, training);
}

/** The two spellings in one: inTrainTestPhase(whenTraining, whenTesting, training?). */
export const inTrainTestPhase = inTrainPhase;

/** x in the forward pass, no gradient in the backward pass (tf.customGrad with zero gradient). */
export function stopGradient<A extends KArg>(x: A): KResult<A> {
  return runOp(['stopGradient', [x]], [x], (t: tf.Tensor) => {
    const f = tf.customGrad(((v: tf.Tensor) => ({
      value: tf.clone(v),
      gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(t);
  });
}
