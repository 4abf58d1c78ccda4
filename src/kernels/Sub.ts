// 'Sub' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form (parts subtracted separately,
// with the same broadcasting).
import * as tf from '@tensorflow/tfjs-core';
import {partwise, runKernel, withComplexForm} from './utils/complex.js';

export const subConfig = withComplexForm(tf.Sub, ({inputs: {a, b}, backend}) =>
  partwise(backend, [a!, b!], ([x, y]) => runKernel(tf.Sub, backend, {a: x!, b: y!})),
);
