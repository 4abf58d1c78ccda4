// 'Add' on 'as': float32 operands of the same shape, or one of them a row repeated over the
// other's rows (a bias [n] added to [..., n]), run in assembly/add.ts; every other case goes
// to tfjs-backend-wasm's kernel (its broadcasting), and complex64 operands to the complex form
// (real parts and imaginary parts added separately, with the same broadcasting).
import * as tf from '@tensorflow/tfjs-core';
import {type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {offsetOf} from '../backend/heap.js';
import {kernelsOf} from '../backend/state.js';
import {partwise, runKernel, withComplexForm} from './utils/complex.js';

const wasmKernel = tf.getKernel(tf.Add, 'wasm')?.kernelFunc;

/** Whether `row` (all leading dimensions 1) is one row of `full`'s last dimension. */
function isRowOf(row: number[], full: number[]): boolean {
  const n = full[full.length - 1];
  return (
    full.length >= row.length && row.length >= 1 && row[row.length - 1] === n && row.slice(0, -1).every(d => d === 1)
  );
}

function add(args: {inputs: {a?: TensorInfo; b?: TensorInfo}; backend: BackendWasm; attrs: object}): TensorInfo {
  const {a, b} = args.inputs as {a: TensorInfo; b: TensorInfo};
  const backend = args.backend;
  if (a.dtype === 'float32' && b.dtype === 'float32') {
    const same = util.arraysEqual(a.shape, b.shape);
    const bRow = !same && isRowOf(b.shape, a.shape);
    const aRow = !same && !bRow && isRowOf(a.shape, b.shape);
    if (same || aRow || bRow) {
      const full = aRow ? b : a;
      const out = backend.makeOutput(full.shape, 'float32');
      const size = util.sizeFromShape(full.shape);
      if (size > 0) {
        const n = same ? size : full.shape[full.shape.length - 1]!;
        kernelsOf(backend).addRowsF32(
          offsetOf(backend, a),
          aRow ? 0 : n,
          offsetOf(backend, b),
          bRow ? 0 : n,
          offsetOf(backend, out),
          size / n,
          n,
        );
      }
      return out;
    }
  }
  return (wasmKernel as unknown as typeof add)(args);
}

export const addConfig = withComplexForm(
  tf.Add,
  ({inputs: {a, b}, backend}) => partwise(backend, [a!, b!], ([x, y]) => runKernel(tf.Add, backend, {a: x!, b: y!})),
  add as unknown as Parameters<typeof withComplexForm>[2],
);
