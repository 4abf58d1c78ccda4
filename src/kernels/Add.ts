// 'Add' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form (real parts and imaginary
// parts added separately, with the same broadcasting).
import * as tf from '@tensorflow/tfjs-core';
import {partwise, runKernel, withComplexForm} from './utils/complex.js';

export const addConfig = withComplexForm(tf.Add, ({inputs: {a, b}, backend}) =>
  partwise(backend, [a!, b!], ([x, y]) => runKernel(tf.Add, backend, {a: x!, b: y!})),
);
