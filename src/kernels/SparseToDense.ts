// 'SparseToDense' on 'as': tfjs-backend-wasm's kernel, plus the string form (its C++ kernel
// aborts the module on string values), computed like tfjs-backend-cpu with its scatterImpl.
import * as tf from '@tensorflow/tfjs-core';
import {backend_util, type SparseToDenseAttrs} from '@tensorflow/tfjs-core';
import {scatterImpl} from '@tensorflow/tfjs-backend-cpu/dist/shared.js';
import {bufferOf, makeTensorInfo, stringsOf, withStringForm} from './utils/js_values.js';

export const sparseToDenseConfig = withStringForm(
  tf.SparseToDense,
  ({inputs: {sparseIndices, sparseValues, defaultValue}, backend, attrs}) => {
    const {outputShape} = attrs as unknown as SparseToDenseAttrs;
    if (sparseValues!.dtype !== 'string' || defaultValue!.dtype !== 'string') {
      throw new Error(
        `SparseToDense: sparseValues (${sparseValues!.dtype}) and defaultValue (${defaultValue!.dtype}) must both be strings`,
      );
    }
    const {sliceRank, numUpdates, sliceSize, strides, outputSize} = backend_util.calculateShapes(
      sparseValues as tf.Tensor,
      sparseIndices as tf.Tensor,
      outputShape,
    );
    const out = scatterImpl(
      bufferOf(backend, sparseIndices!),
      bufferOf(backend, sparseValues!),
      outputShape,
      outputSize,
      sliceSize,
      numUpdates,
      sliceRank,
      strides,
      stringsOf(backend, defaultValue!)[0]!,
      false,
    );
    return makeTensorInfo(backend, outputShape, 'string', out.values as ArrayLike<unknown>);
  },
);
