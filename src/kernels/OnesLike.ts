// 'OnesLike' on 'as': tfjs-backend-wasm's kernel, plus the complex64 form (1 + 0i, as on cpu).
import * as tf from '@tensorflow/tfjs-core';
import {complexParts, makeComplexOutput} from '../backend/complex.js';
import {free, runKernel, withComplexForm} from './utils/complex.js';

export const onesLikeConfig = withComplexForm(tf.OnesLike, ({inputs: {x}, backend}) => {
  const {real} = complexParts(backend, x!);
  const ones = runKernel(tf.OnesLike, backend, {x: real});
  try {
    return makeComplexOutput(backend, ones, runKernel(tf.ZerosLike, backend, {x: real}));
  } catch (e) {
    free(backend, ones);
    throw e;
  }
});
