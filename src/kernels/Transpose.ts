// 'Transpose' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form (both parts
// transposed), and zero-size inputs answered here (tfjs-backend-wasm's C++ kernel traps with a
// division by zero on them: einsum over an empty dimension reached it).
import * as tf from '@tensorflow/tfjs-core';
import {type TensorInfo, type TransposeAttrs, util} from '@tensorflow/tfjs-core';
import {partwise, runKernel, withComplexForm} from './utils/complex.js';

const wasmTranspose = tf.getKernel(tf.Transpose, 'wasm')!.kernelFunc as unknown as (args: object) => TensorInfo;

export const transposeConfig = withComplexForm(
  tf.Transpose,
  ({inputs: {x}, backend, attrs}) => partwise(backend, [x!], ([p]) => runKernel(tf.Transpose, backend, {x: p!}, attrs)),
  args => {
    const x = args.inputs.x!;
    if (util.sizeFromShape(x.shape) > 0) return wasmTranspose(args);
    const {perm} = args.attrs as unknown as TransposeAttrs;
    return args.backend.makeOutput(
      perm.map(p => x.shape[p]!),
      x.dtype,
    );
  },
);
