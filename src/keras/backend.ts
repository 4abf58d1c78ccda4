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
  return runOp('shape', [x], (t: tf.Tensor) => tf.tensor1d(t.shape, 'int32'));
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
  return runOp('cast', [x], (t: tf.Tensor) => tf.cast(t, dtype));
}

// ---------------------------------------------------------------- constructors

export function zeros<A extends ShapeArg>(shape: A, dtype: DataType = 'float32'): KResult<A> {
  return runOp('zeros', [shape], (s: number[] | tf.Tensor) => tf.zeros(toShape(s), dtype));
}

export function ones<A extends ShapeArg>(shape: A, dtype: DataType = 'float32'): KResult<A> {
  return runOp('ones', [shape], (s: number[] | tf.Tensor) => tf.ones(toShape(s), dtype));
}

export function randomNormal<A extends ShapeArg>(
  shape: A,
  mean = 0,
  stddev = 1,
  dtype: 'float32' = 'float32',
  seed?: number,
): KResult<A> {
  return runOp('randomNormal', [shape], (s: number[] | tf.Tensor) =>
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
  return runOp('randomUniform', [shape], (s: number[] | tf.Tensor) =>
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
  return runOp('randomBinomial', [shape], (s: number[] | tf.Tensor) =>
    ops.randomBinomial(toShape(s), p, {seed, dtype: dtype as 'float32' | 'int32' | 'bool'}),
  );
}

// ---------------------------------------------------------------- products and shape ops

/**
 * Keras' dot: for N-D operands, contracts the last axis of x with the second-to-last of y:
 * result shape x.shape[:-1] + y.shape[:-2] + y.shape[-1:].
 */
export function dot<A extends KArg, B extends KArg>(x: A, y: B): KResult<A, B> {
  return runOp('dot', [x, y], (a: tf.Tensor, b: tf.Tensor) =>
    tf.tidy(() => {
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
    }),
  );
}

/**
 * Keras' batch_dot: per sample (axis 0), contracts axes[0] of x with axes[1] of y (defaults: the
 * last of x and the second-to-last of y, or the last for a 2-D y). A 1-D result becomes [batch, 1].
 */
export function batchDot<A extends KArg, B extends KArg>(x: A, y: B, axes?: number | [number, number]): KResult<A, B> {
  return runOp('batchDot', [x, y], (a: tf.Tensor, b: tf.Tensor) =>
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
  return runOp('transpose', [x], (t: tf.Tensor) => tf.transpose(t, perm));
}

export function reshape<A extends KArg>(x: A, shape: number[]): KResult<A> {
  return runOp('reshape', [x], (t: tf.Tensor) => tf.reshape(t, shape));
}

export function expandDims<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp('expandDims', [x], (t: tf.Tensor) => tf.expandDims(t, axis));
}

export function squeeze<A extends KArg>(x: A, axis: number): KResult<A> {
  return runOp('squeeze', [x], (t: tf.Tensor) => tf.squeeze(t, [axis]));
}

/** Flattens all but the batch axis. */
export function batchFlatten<A extends KArg>(x: A): KResult<A> {
  return runOp('batchFlatten', [x], (t: tf.Tensor) => tf.reshape(t, [t.shape[0] ?? -1, -1]));
}

export function concatenate<A extends tf.Tensor | Sym>(tensors: A[], axis = -1): KResult<A> {
  return runOp('concatenate', [tensors], (ts: tf.Tensor[]) => tf.concat(ts, axis));
}

export function stack<A extends tf.Tensor | Sym>(tensors: A[], axis = 0): KResult<A> {
  return runOp('stack', [tensors], (ts: tf.Tensor[]) => tf.stack(ts, axis));
}

export function gather<A extends KArg, B extends KArg>(reference: A, indices: B, axis = 0): KResult<A, B> {
  return runOp('gather', [reference, indices], (r: tf.Tensor, i: tf.Tensor) => tf.gather(r, tf.cast(i, 'int32'), axis));
}

export function oneHot<A extends KArg>(indices: A, numClasses: number): KResult<A> {
  return runOp('oneHot', [indices], (i: tf.Tensor) => tf.oneHot(tf.cast(i, 'int32'), numClasses));
}

// ---------------------------------------------------------------- reductions

type Axis = number | number[] | null;

export function sum<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp('sum', [x], (t: tf.Tensor) => tf.sum(t, axis ?? undefined, keepdims));
}

export function mean<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp('mean', [x], (t: tf.Tensor) => tf.mean(t, axis ?? undefined, keepdims));
}

export function max<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp('max', [x], (t: tf.Tensor) => tf.max(t, axis ?? undefined, keepdims));
}

export function min<A extends KArg>(x: A, axis: Axis = null, keepdims = false): KResult<A> {
  return runOp('min', [x], (t: tf.Tensor) => tf.min(t, axis ?? undefined, keepdims));
}

export function argmax<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp('argmax', [x], (t: tf.Tensor) => tf.argMax(t, axis));
}

// ---------------------------------------------------------------- elementwise

export function square<A extends KArg>(x: A): KResult<A> {
  return runOp('square', [x], (t: tf.Tensor) => tf.square(t));
}
export function sqrt<A extends KArg>(x: A): KResult<A> {
  return runOp('sqrt', [x], (t: tf.Tensor) => tf.sqrt(t));
}
export function abs<A extends KArg>(x: A): KResult<A> {
  return runOp('abs', [x], (t: tf.Tensor) => tf.abs(t));
}
export function exp<A extends KArg>(x: A): KResult<A> {
  return runOp('exp', [x], (t: tf.Tensor) => tf.exp(t));
}
export function log<A extends KArg>(x: A): KResult<A> {
  return runOp('log', [x], (t: tf.Tensor) => tf.log(t));
}
export function neg<A extends KArg>(x: A): KResult<A> {
  return runOp('neg', [x], (t: tf.Tensor) => tf.neg(t));
}
export function sigmoid<A extends KArg>(x: A): KResult<A> {
  return runOp('sigmoid', [x], (t: tf.Tensor) => tf.sigmoid(t));
}
export function tanh<A extends KArg>(x: A): KResult<A> {
  return runOp('tanh', [x], (t: tf.Tensor) => tf.tanh(t));
}
export function softplus<A extends KArg>(x: A): KResult<A> {
  return runOp('softplus', [x], (t: tf.Tensor) => tf.softplus(t));
}
export function elu<A extends KArg>(x: A, alpha = 1): KResult<A> {
  return runOp('elu', [x], (t: tf.Tensor) =>
    tf.tidy(() => (alpha === 1 ? tf.elu(t) : tf.add(tf.relu(t), tf.mul(alpha, tf.sub(tf.exp(tf.minimum(t, 0)), 1))))),
  );
}

/** Keras' relu(x, alpha, max_value, threshold). */
export function relu<A extends KArg>(x: A, alpha = 0, maxValue?: number, threshold = 0): KResult<A> {
  return runOp('relu', [x], (t: tf.Tensor) =>
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
  return runOp('softmax', [x], (t: tf.Tensor) =>
    tf.tidy(() => {
      const a = axisOf(t.rank, axis);
      if (a === t.rank - 1) return tf.softmax(t);
      const e = tf.exp(tf.sub(t, tf.max(t, a, true)));
      return tf.div(e, tf.sum(e, a, true));
    }),
  );
}

export function add<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('add', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.add(x, y));
}
export function sub<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('sub', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.sub(x, y));
}
export function mul<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('mul', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.mul(x, y));
}
export function div<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('div', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.div(x, y));
}
export function maximum<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('maximum', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.maximum(x, y));
}
export function minimum<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('minimum', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.minimum(x, y));
}
export function equal<A extends KArg, B extends KArg>(a: A, b: B): KResult<A, B> {
  return runOp('equal', [a, b], (x: tf.Tensor, y: tf.Tensor) => tf.equal(x, y));
}

export function pow<A extends KArg>(x: A, a: number): KResult<A> {
  return runOp('pow', [x], (t: tf.Tensor) => tf.pow(t, a));
}

export function clip<A extends KArg>(x: A, minValue: number, maxValue: number): KResult<A> {
  return runOp('clip', [x], (t: tf.Tensor) => tf.clipByValue(t, minValue, Math.max(minValue, maxValue)));
}

/** Adds a 1-D bias along the last axis. */
export function biasAdd<A extends KArg, B extends KArg>(x: A, bias: B): KResult<A, B> {
  return runOp('biasAdd', [x, bias], (t: tf.Tensor, b: tf.Tensor) => {
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
  return runOp('dropout', [x], (t: tf.Tensor) => ops.dropout(t, level, {noiseShape, seed}));
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
  return runOp('denseConcat', [xs], (ts: tf.Tensor[]) =>
    ops.denseConcat(ts, kernels, biases ?? undefined, {activation}),
  );
}

export function l2Normalize<A extends KArg>(x: A, axis = -1): KResult<A> {
  return runOp('l2Normalize', [x], (t: tf.Tensor) =>
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
  return runOp('categoricalCrossentropy', [target, output], (y: tf.Tensor, p: tf.Tensor) =>
    categoricalCrossentropyOf(y, p, fromLogits, axis),
  );
}

/** Keras' binary_crossentropy(target, output): elementwise (losses.binaryCrossentropy is its mean over the last axis). */
export function binaryCrossentropy<A extends KArg, B extends KArg>(
  target: A,
  output: B,
  fromLogits = false,
): KResult<A, B> {
  return runOp('binaryCrossentropy', [target, output], (z: tf.Tensor, p: tf.Tensor) =>
    binaryCrossentropyOf(z, p, fromLogits),
  );
}

/** True for the graph placeholders K functions accept besides tensors. */
export function isKerasTensor(x: unknown): x is SymbolicTensor {
  return isSymbolic(x);
}
