// 'Transpose' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form (both parts transposed).
import * as tf from '@tensorflow/tfjs-core';
import {partwise, runKernel, withComplexForm} from './utils/complex.js';

export const transposeConfig = withComplexForm(tf.Transpose, ({inputs: {x}, backend, attrs}) =>
  partwise(backend, [x!], ([p]) => runKernel(tf.Transpose, backend, {x: p!}, attrs)));
