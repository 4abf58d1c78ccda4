// 'Tile' on 'as': tfjs-backend-wasm's kernel, plus the string form (tfjs-backend-cpu's tileImpl).
import * as tf from '@tensorflow/tfjs-core';
import type {TileAttrs} from '@tensorflow/tfjs-core';
import {tileImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {bufferOf, makeTensorInfo, withStringForm} from './utils/js_values.js';

export const tileConfig = withStringForm(tf.Tile, ({inputs: {x}, backend, attrs}) => {
  const out = tileImpl(bufferOf(backend, x!), (attrs as unknown as TileAttrs).reps);
  return makeTensorInfo(backend, out.shape, out.dtype, out.values as ArrayLike<unknown>);
});
