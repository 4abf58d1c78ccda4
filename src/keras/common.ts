// Small pieces shared by the layer engine: shapes, Keras-style names, error text.
import * as tf from '@tensorflow/tfjs-core';

/** A shape with `null` for unknown dimensions (the batch size, usually). */
export type Shape = (number | null)[];

/** What `call` receives besides its inputs. */
export interface Kwargs {
  training?: boolean;
  [key: string]: unknown;
}

export type DataType = tf.DataType;

/** `[null,784]`: the way shapes are printed in error messages (one formatter for the whole package). */
import {formatShape as fmtShape} from '../format_shape.js';
export {fmtShape};

/** Keras' `(None, 500)` notation, used by summary() and plotModel(). */
export function kerasShape(shape: Shape): string {
  const dims = shape.map(d => (d == null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

/**
 * The key every name lookup (activations, losses, metrics, optimizers, initializers,
 * regularizers) uses, so that Keras' spellings all meet: 'categorical_crossentropy',
 * 'CategoricalCrossentropy' and 'categoricalCrossentropy' are one name, as are 'RMSprop' and
 * 'rmsprop', 'leaky_relu' and 'leakyRelu'.
 */
export function normalizeName(name: string): string {
  return name.replace(/[_\s-]/g, '').toLowerCase();
}

/** camelCase to snake_case, in types: 'meanSquaredError' -> 'mean_squared_error'. */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;

/**
 * The spellings of a built-in's camelCase name that the name types accept: the name itself,
 * Keras' snake_case and Keras' class name. At run time normalizeName accepts any case; the types
 * are stricter on purpose, so that a typo ('adamm', 'categorical_crossentropyy') fails to compile.
 */
export type KerasSpelling<N extends string> = N | SnakeCase<N> | Capitalize<N>;

/** A plain record (by name): an object that is not an array, a tensor or a typed array. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return (
    typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof tf.Tensor) && !ArrayBuffer.isView(x)
  );
}

// Keras' fuzz factor K.epsilon(). One value for the K functions and for the losses compile()
// resolves by name, which read it on every call, so K.setEpsilon reaches a compiled model.
let fuzz = 1e-7;

/** Keras' fuzz factor, 1e-7 unless K.setEpsilon changed it. */
export function epsilon(): number {
  return fuzz;
}

export function setEpsilon(value: number): void {
  // Losses clip probabilities to [eps, 1 - eps]: at 0.5 or more that range is empty.
  if (typeof value !== 'number' || !(value >= 0 && value < 0.5)) {
    throw new Error(
      `K.setEpsilon: expected a number in [0, 0.5), got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  fuzz = value;
}

/** Keras' `to_snake_case`: MyDense -> my_dense, TFOpLambda -> tf_op_lambda. */
export function toSnakeCase(name: string): string {
  const s = name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return s.startsWith('_') ? `private${s}` : s;
}

// Keras' per-session name counters: the first `dense` is `dense`, then `dense_1`, `dense_2`...
// (input layers start at `input_1`, like Keras). K.clearSession() resets them.
const nameCounters = new Map<string, number>();

export function uniqueName(prefix: string, zeroBased = true): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  if (zeroBased) return n === 0 ? prefix : `${prefix}_${n}`;
  return `${prefix}_${n + 1}`;
}

export function resetNames(): void {
  nameCounters.clear();
}

/** Prefixes an error message once, keeping the original error as `cause`. */
export function rethrowWith(prefix: string, e: unknown): never {
  const message = e instanceof Error ? e.message : String(e);
  if (message.startsWith(prefix)) throw e;
  throw new Error(`${prefix}${message}`, {cause: e});
}

/** True when `a` can stand for `b` (null matches anything). */
export function shapesCompatible(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d == null || b[i] == null || d === b[i]);
}

/**
 * Assigns `values[i]` to `targets[i]` (Layer.setWeights, Model.loadWeights). The count and every
 * shape are checked first, so nothing is half-assigned; values are cast to each variable's dtype
 * inside a tidy (a cast is a new tensor even for the same dtype). `label` starts every error and
 * `names` name the weights in them.
 */
export function assignWeights(
  label: string,
  targets: readonly tf.Variable[],
  values: unknown,
  names: readonly string[],
): void {
  if (!Array.isArray(values))
    throw new Error(`${label}: expected an array of ${targets.length} tensors, got ${typeof values}`);
  if (values.length !== targets.length)
    throw new Error(`${label}: expected ${targets.length} tensors, got ${values.length}`);
  values.forEach((v, i) => {
    if (!(v instanceof tf.Tensor)) throw new Error(`${label}: weights[${i}] (${names[i]}) is not a tf.Tensor`);
    if (!tf.util.arraysEqual(v.shape, targets[i]!.shape)) {
      throw new Error(
        `${label}: weights[${i}] (${names[i]}) has shape ${fmtShape(v.shape)}, expected ${fmtShape(targets[i]!.shape)}`,
      );
    }
  });
  tf.tidy(() =>
    targets.forEach((w, i) => {
      w.assign(tf.cast(values[i] as tf.Tensor, w.dtype));
    }),
  );
}
