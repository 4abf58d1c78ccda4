// 'ZerosLike' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form (0 + 0i).
import * as tf from '@tensorflow/tfjs-core';
import {partwise, runKernel, withComplexForm} from './utils/complex.js';

export const zerosLikeConfig = withComplexForm(tf.ZerosLike, ({inputs: {x}, backend}) =>
  partwise(backend, [x!], ([p]) => runKernel(tf.ZerosLike, backend, {x: p!})),
);
