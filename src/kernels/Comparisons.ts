// 'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual' on 'as': tfjs-backend-wasm's
// kernels, plus their string forms (tfjs-backend-wasm compares the bytes of the string entries'
// null heap offsets): the strings decoded and compared in JavaScript, with broadcasting, by
// tfjs-backend-cpu's shared implementations, as tfjs-backend-cpu does. Six kernels of one shape
// in one file: each config is still one tfjs kernel.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelConfig} from '@tensorflow/tfjs-core';
import {
  equalImpl,
  greaterEqualImpl,
  greaterImpl,
  lessEqualImpl,
  lessImpl,
  notEqualImpl,
} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {makeTensorInfo, stringsOf, withStringForm} from './utils/js_values.js';

type BinaryImpl = typeof equalImpl;

function comparison(kernelName: string, impl: BinaryImpl): KernelConfig {
  return withStringForm(kernelName, ({inputs: {a, b}, backend}) => {
    if (a!.dtype !== 'string' || b!.dtype !== 'string') {
      throw new Error(`${kernelName}: cannot compare a ${a!.dtype} tensor with a ${b!.dtype} tensor`);
    }
    const [values, shape] = impl(
      a!.shape,
      b!.shape,
      stringsOf(backend, a!) as never,
      stringsOf(backend, b!) as never,
      'bool',
    );
    return makeTensorInfo(backend, shape, 'bool', values);
  });
}

export const equalConfig = comparison(tf.Equal, equalImpl);
export const notEqualConfig = comparison(tf.NotEqual, notEqualImpl);
export const lessConfig = comparison(tf.Less, lessImpl);
export const lessEqualConfig = comparison(tf.LessEqual, lessEqualImpl);
export const greaterConfig = comparison(tf.Greater, greaterImpl);
export const greaterEqualConfig = comparison(tf.GreaterEqual, greaterEqualImpl);
