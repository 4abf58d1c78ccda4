// 'Fill' on 'as': tfjs-backend-wasm's kernel, plus the string form (tf.fill(shape, 'hi')).
import * as tf from '@tensorflow/tfjs-core';
import {type FillAttrs, util} from '@tensorflow/tfjs-core';
import {makeTensorInfo, withStringForm} from './utils/js_values.js';

export const fillConfig = withStringForm(tf.Fill, ({backend, attrs}) => {
  const {shape, value} = attrs as unknown as FillAttrs;
  return makeTensorInfo(backend, shape, 'string', new Array(util.sizeFromShape(shape)).fill(String(value)));
});
