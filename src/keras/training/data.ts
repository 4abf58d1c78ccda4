// What fit()/evaluate() accept as data, checked against the model before any step runs, so a
// mistake is an error naming the argument and both shapes rather than a failure deep in a kernel:
// - x: a Tensor (one input), a list of Tensors (one per input), a record by input name, or
//   numbers (nested arrays / typed arrays), converted to float32 tensors;
// - y: the same per output that has a loss (a list over all outputs may hold null for the ones
//   without), or nothing when training only on added losses.
import * as tf from '@tensorflow/tfjs-core';
import type {Model} from '../model.js';
import {type Shape, fmtShape, isRecord, shapesCompatible} from '../common.js';
import type {CompiledState} from './compile.js';
import {canonicalLossName} from '../losses.js';

/** A tensor, numbers, a list of them, or a record of them by input/output name. */
export type DataValue = tf.Tensor | number[] | number[][] | number[][][] | Float32Array | Int32Array;
export type Data = DataValue | DataValue[] | Record<string, DataValue> | null | undefined;

/** Tensors to train on, plus those made here from numbers (the caller disposes `owned`). */
export interface Standardized {
  tensors: tf.Tensor[];
  /** One label per tensor for error messages: "x 'input_1'", "y 'dense_2'". */
  labels: string[];
  owned: tf.Tensor[];
}

function isDataValue(v: unknown): boolean {
  return v instanceof tf.Tensor || ArrayBuffer.isView(v) || (Array.isArray(v) && !v.some(e => e instanceof tf.Tensor));
}

function toTensor(v: unknown, label: string, fn: string, owned: tf.Tensor[]): tf.Tensor {
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw new Error(`${fn}: ${label} is a disposed tensor`);
    if (v.dtype === 'string' || v.dtype === 'complex64') {
      throw new Error(
        `${fn}: ${label} must be numeric (float32, int32 or bool), got a ${v.dtype} tensor of shape ${fmtShape(v.shape)}`,
      );
    }
    return v;
  }
  if (v == null) throw new Error(`${fn}: ${label} is ${v === null ? 'null' : 'undefined'}`);
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) {
    throw new Error(`${fn}: ${label} must be a Tensor or an array of numbers, got ${typeof v}`);
  }
  const bad = findNonNumber(v);
  if (bad) throw new Error(`${fn}: ${label} must be numeric, but ${label}${bad.path} is ${bad.what}`);
  let t: tf.Tensor;
  try {
    t = tf.tensor(v as number[], undefined, 'float32');
  } catch (e) {
    throw new Error(`${fn}: ${label} is not a rectangular array of numbers: ${(e as Error).message}`, {cause: e});
  }
  owned.push(t);
  return t;
}

function findNonNumber(v: unknown, path = ''): {path: string; what: string} | null {
  if (ArrayBuffer.isView(v)) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findNonNumber(v[i], `${path}[${i}]`);
      if (r) return r;
    }
    return null;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return null;
  return {path, what: typeof v === 'string' ? `the string '${v}'` : v === null ? 'null' : `a ${typeof v}`};
}

/** x for the model's inputs. */
export function standardizeInputs(model: Model, x: Data, fn: string, arg = 'x'): Standardized {
  const names = model.inputs.map(t => t.name);
  const owned: tf.Tensor[] = [];
  const list = (): unknown[] => {
    if (x == null)
      throw new Error(
        `${fn}: ${arg} is required: the model has input(s) ${describe(
          names,
          model.inputs.map(t => t.shape),
        )}`,
      );
    if (isRecord(x)) {
      const unknown = Object.keys(x).filter(k => !names.includes(k));
      if (unknown.length)
        throw new Error(
          `${fn}: ${arg} names input(s) ${unknown.map(k => `'${k}'`).join(', ')}, which the model does not have; its inputs are ${describe(
            names,
            model.inputs.map(t => t.shape),
          )}`,
        );
      return names.map(n => {
        if (!(n in x))
          throw new Error(
            `${fn}: ${arg} has no value for input '${n}'; its inputs are ${describe(
              names,
              model.inputs.map(t => t.shape),
            )}`,
          );
        return x[n];
      });
    }
    if (names.length === 1 && isDataValue(x)) return [x];
    if (Array.isArray(x)) return x;
    return [x];
  };
  const values = list();
  if (values.length !== names.length) {
    throw new Error(
      `${fn}: the model has ${names.length} input(s) ${describe(
        names,
        model.inputs.map(t => t.shape),
      )}, but ${arg} has ${values.length} array(s)`,
    );
  }
  try {
    const tensors = values.map((v, i) => toTensor(v, names.length > 1 ? `${arg} '${names[i]}'` : arg, fn, owned));
    tensors.forEach((t, i) => {
      checkShape(fn, `${arg} for input '${names[i]}'`, t.shape, model.inputs[i]!.shape);
    });
    return {tensors, labels: names.map(n => `${arg} '${n}'`), owned};
  } catch (e) {
    tf.dispose(owned);
    throw e;
  }
}

function describe(names: string[], shapes: Shape[]): string {
  return names.map((n, i) => `'${n}' ${fmtShape(shapes[i]!)}`).join(', ');
}

function checkShape(fn: string, what: string, actual: readonly number[], expected: Shape): void {
  if (!shapesCompatible([...actual], expected)) {
    throw new Error(`${fn}: ${what} has shape ${fmtShape([...actual])}, expected ${fmtShape(expected)}`);
  }
}

/** y for the outputs that have a compiled loss; null where an output has none. */
export function standardizeTargets(
  model: Model,
  compiled: CompiledState,
  y: Data,
  fn: string,
  arg = 'y',
): {tensors: (tf.Tensor | null)[]; owned: tf.Tensor[]} {
  const outs = compiled.outputs;
  const needed = outs.map((o, i) => (o.loss ? i : -1)).filter(i => i >= 0);
  const owned: tf.Tensor[] = [];
  const shapes = model.outputs.map(t => t.shape);
  const neededDesc = describe(
    needed.map(i => outs[i]!.name),
    needed.map(i => shapes[i]!),
  );
  if (y == null) {
    if (needed.length === 0) return {tensors: outs.map(() => null), owned};
    throw new Error(`${fn}: ${arg} is required: the model has a compiled loss for output(s) ${neededDesc}`);
  }
  if (needed.length === 0) {
    throw new Error(
      `${fn}: the model was compiled without a loss (it trains on its added losses), so it takes no ${arg}; call ${fn}(x) or ${fn}(x, undefined, config)`,
    );
  }
  const tensors: (tf.Tensor | null)[] = outs.map(() => null);
  const assign = (i: number, v: unknown) => {
    tensors[i] = toTensor(v, outs.length > 1 ? `${arg} '${outs[i]!.name}'` : arg, fn, owned);
  };
  try {
    if (isRecord(y)) {
      const names = outs.map(o => o.name);
      const unknown = Object.keys(y).filter(k => !names.includes(k));
      if (unknown.length)
        throw new Error(
          `${fn}: ${arg} names output(s) ${unknown.map(k => `'${k}'`).join(', ')}, which the model does not have; its outputs are ${describe(names, shapes)}`,
        );
      for (const i of needed) {
        if (y[outs[i]!.name] == null)
          throw new Error(`${fn}: ${arg} has no target for output '${outs[i]!.name}', which has a loss`);
        assign(i, y[outs[i]!.name]);
      }
    } else if (isDataValue(y)) {
      // One tensor (or array of numbers): the target of the only output that has a loss.
      if (needed.length !== 1) {
        throw new Error(
          `${fn}: the model has ${needed.length} outputs with a loss (${neededDesc}); give ${arg} as a list or a record by output name`,
        );
      }
      assign(needed[0]!, y);
    } else if (Array.isArray(y)) {
      // A list: one entry per output (null where there is no loss), or one per output with a loss.
      if (y.length === outs.length) {
        for (const i of needed) assign(i, y[i]);
      } else if (y.length === needed.length) {
        needed.forEach((i, k) => {
          assign(i, y[k]);
        });
      } else {
        throw new Error(
          `${fn}: the model has ${outs.length} output(s), ${needed.length} with a loss (${neededDesc}), but ${arg} has ${y.length} array(s)`,
        );
      }
    } else {
      throw new Error(`${fn}: ${arg} must be a Tensor, a list of Tensors or a record by output name, got ${typeof y}`);
    }
    for (const i of needed) checkTarget(fn, arg, outs[i]!.name, outs[i]!.lossIdentifier, tensors[i]!, shapes[i]!);
    return {tensors, owned};
  } catch (e) {
    tf.dispose(owned);
    throw e;
  }
}

/**
 * Keras' target checks: the shape of the output for built-in losses, [batch] or [batch, 1] for
 * the sparse ones; a custom loss decides for itself (only the batch size is checked, by fit).
 */
function checkTarget(fn: string, arg: string, name: string, lossId: unknown, t: tf.Tensor, outShape: Shape): void {
  const what = `${arg} for output '${name}'`;
  const canonical = typeof lossId === 'string' ? canonicalLossName(lossId) : undefined;
  if (!canonical) return;
  if (canonical === 'sparseCategoricalCrossentropy') {
    const ok = t.rank === outShape.length - 1 || (t.rank === outShape.length && t.shape[t.rank - 1] === 1);
    if (!ok)
      throw new Error(
        `${fn}: ${what} has shape ${fmtShape([...t.shape])}; sparseCategoricalCrossentropy takes integer labels of shape ${fmtShape(outShape.slice(0, -1))} or ${fmtShape([...outShape.slice(0, -1), 1])} for the output's ${fmtShape(outShape)}`,
      );
    return;
  }
  checkShape(fn, what, t.shape, outShape);
}

/** All tensors have the same number of samples; returns it. */
export function sampleCount(fn: string, tensors: tf.Tensor[], labels: string[]): number {
  const n = tensors[0]?.shape[0];
  if (n == null) throw new Error(`${fn}: ${labels[0] ?? 'x'} must have a batch dimension (rank >= 1)`);
  tensors.forEach((t, i) => {
    if (t.rank === 0) throw new Error(`${fn}: ${labels[i]} must have a batch dimension (rank >= 1), got a scalar`);
    if (t.shape[0] !== n) {
      throw new Error(
        `${fn}: all data must have the same number of samples: ${labels[0]} has ${n}, ${labels[i]} has ${t.shape[0]} (shape ${fmtShape([...t.shape])})`,
      );
    }
  });
  return n;
}

/** Rows [start, start + size) of every tensor, or the rows `indices[start..start+size)` when shuffled. */
export function takeBatch(
  tensors: (tf.Tensor | null)[],
  indices: tf.Tensor1D | null,
  start: number,
  size: number,
  total: number,
): (tf.Tensor | null)[] {
  if (indices) {
    const idx = tf.slice(indices, start, size);
    return tensors.map(t => (t ? tf.gather(t, idx) : null));
  }
  if (start === 0 && size === total) return tensors;
  return tensors.map(t => (t ? tf.slice(t, start, size) : null));
}

/** Rows [start, end) of every tensor (validationSplit). */
export function sliceRows(tensors: (tf.Tensor | null)[], start: number, end: number): (tf.Tensor | null)[] {
  return tensors.map(t => (t ? tf.slice(t, start, end - start) : null));
}
