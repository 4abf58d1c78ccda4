// `layers`: the built-in layers as tfjs-layers-style factories (layers.dense({units})) and as
// classes (layers.Dense), plus layers.Layer for subclassing and layers.input.
import type * as tf from '@tensorflow/tfjs-core';
import {Layer} from '../layer.js';
import {input, InputLayer} from '../input_layer.js';
import {
  Dense,
  Reshape,
  Flatten,
  Dropout,
  Concatenate,
  ActivationLayer,
  Lambda,
  type DenseConfig,
  type DropoutConfig,
  type LambdaConfig,
  type LambdaFn,
} from './core.js';
import type {LayerConfig, LayerIO} from '../layer.js';
import type {ActivationIdentifier} from '../activations.js';

export {Layer, input, InputLayer, Dense, Reshape, Flatten, Dropout, Concatenate, Lambda};
export {ActivationLayer as Activation};
export type {DenseConfig, DropoutConfig, LambdaConfig, LambdaFn};

export const dense = (config: DenseConfig) => new Dense(config);
export const reshape = (config: LayerConfig & {targetShape: number[]}) => new Reshape(config);
export const flatten = (config: LayerConfig = {}) => new Flatten(config);
export const dropout = (config: DropoutConfig) => new Dropout(config);
export const concatenate = (config: LayerConfig & {axis?: number} = {}) => new Concatenate(config);
export const activation = (config: LayerConfig & {activation: ActivationIdentifier}) => new ActivationLayer(config);
/** Keras' `Lambda(fn, output_shape=None, arguments=None, name=None)`. */
export const lambda = <In extends LayerIO = tf.Tensor, Out extends LayerIO = tf.Tensor>(
  fn: LambdaFn<In, Out>,
  config: LambdaConfig = {},
) => new Lambda<In, Out>(fn, config);
