// 'GatherNd' on 'as': tfjs-backend-wasm's kernel, plus the string form (tfjs-backend-cpu's
// gatherNdImpl on the decoded strings).
import * as tf from '@tensorflow/tfjs-core';
import {backend_util, type TypedArray, util} from '@tensorflow/tfjs-core';
import {gatherNdImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {bufferOf, makeTensorInfo, valuesOf, withStringForm} from './utils/js_values.js';

export const gatherNdConfig = withStringForm(tf.GatherNd, ({inputs: {params, indices}, backend}) => {
  const [resultShape, numSlices, sliceSize, strides] = backend_util.prepareAndValidate(
    params as tf.Tensor,
    indices as tf.Tensor,
  );
  if (numSlices === 0) return makeTensorInfo(backend, resultShape, 'string', []);
  const out = gatherNdImpl(
    valuesOf(backend, indices!) as TypedArray,
    bufferOf(backend, params!),
    'string',
    numSlices,
    indices!.shape[indices!.shape.length - 1]!,
    sliceSize,
    strides,
    params!.shape,
    util.sizeFromShape(params!.shape),
  );
  return makeTensorInfo(backend, resultShape, 'string', out.values as ArrayLike<unknown>);
});
