// `layers`: the built-in layers as tfjs-layers-style factories (layers.dense({units})) and as
// classes (layers.Dense), plus layers.Layer for subclassing and layers.input. One file per family:
// core, convolutional, pooling, normalization, embedding, recurrent, attention, merge,
// reshaping, noise.
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
import {
  Conv1D,
  Conv2D,
  DepthwiseConv2D,
  SeparableConv2D,
  Conv2DTranspose,
  type ConvConfig,
  type DepthwiseConv2DConfig,
  type SeparableConv2DConfig,
} from './convolutional.js';
import {
  MaxPooling1D,
  MaxPooling2D,
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  type Pooling1DConfig,
  type Pooling2DConfig,
  type GlobalPoolingConfig,
} from './pooling.js';
import {
  BatchNormalization,
  LayerNormalization,
  type BatchNormalizationConfig,
  type LayerNormalizationConfig,
} from './normalization.js';
import {Embedding, type EmbeddingConfig} from './embedding.js';
import {
  RNN,
  SimpleRNN,
  LSTM,
  GRU,
  Bidirectional,
  type RNNConfig,
  type SimpleRNNConfig,
  type LSTMConfig,
  type GRUConfig,
  type BidirectionalConfig,
  type MergeMode,
} from './recurrent.js';
import {MultiHeadAttention, type MultiHeadAttentionConfig} from './attention.js';
import {Add, Subtract, Multiply, Average, Maximum, Minimum, Dot, type DotConfig} from './merge.js';
import {ZeroPadding2D, UpSampling2D, Cropping2D, Permute, RepeatVector} from './reshaping.js';
import {GaussianNoise, SpatialDropout1D, SpatialDropout2D, ActivityRegularization} from './noise.js';
import type {LayerConfig, LayerIO} from '../layer.js';
import type {ActivationIdentifier} from '../activations.js';

export {Layer, input, InputLayer, Dense, Reshape, Flatten, Dropout, Concatenate, Lambda};
export {ActivationLayer as Activation};
export type {DenseConfig, DropoutConfig, LambdaConfig, LambdaFn};
export {Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose};
export type {ConvConfig, DepthwiseConv2DConfig, SeparableConv2DConfig};
export {
  MaxPooling1D,
  MaxPooling2D,
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
};
export type {Pooling1DConfig, Pooling2DConfig, GlobalPoolingConfig};
export {BatchNormalization, LayerNormalization, Embedding};
export type {BatchNormalizationConfig, LayerNormalizationConfig, EmbeddingConfig};
export {RNN, SimpleRNN, LSTM, GRU, Bidirectional, MultiHeadAttention};
export type {
  RNNConfig,
  SimpleRNNConfig,
  LSTMConfig,
  GRUConfig,
  BidirectionalConfig,
  MergeMode,
  MultiHeadAttentionConfig,
};
export {Add, Subtract, Multiply, Average, Maximum, Minimum, Dot};
export type {DotConfig};
export {ZeroPadding2D, UpSampling2D, Cropping2D, Permute, RepeatVector};
export {GaussianNoise, SpatialDropout1D, SpatialDropout2D, ActivityRegularization};

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

// Convolution
export const conv1d = (config: ConvConfig) => new Conv1D(config);
export const conv2d = (config: ConvConfig) => new Conv2D(config);
export const depthwiseConv2d = (config: DepthwiseConv2DConfig) => new DepthwiseConv2D(config);
export const separableConv2d = (config: SeparableConv2DConfig) => new SeparableConv2D(config);
export const conv2dTranspose = (config: ConvConfig) => new Conv2DTranspose(config);

// Pooling
export const maxPooling1d = (config: Pooling1DConfig = {}) => new MaxPooling1D(config);
export const maxPooling2d = (config: Pooling2DConfig = {}) => new MaxPooling2D(config);
export const averagePooling1d = (config: Pooling1DConfig = {}) => new AveragePooling1D(config);
export const averagePooling2d = (config: Pooling2DConfig = {}) => new AveragePooling2D(config);
export const globalAveragePooling1d = (config: GlobalPoolingConfig = {}) => new GlobalAveragePooling1D(config);
export const globalAveragePooling2d = (config: GlobalPoolingConfig = {}) => new GlobalAveragePooling2D(config);
export const globalMaxPooling1d = (config: GlobalPoolingConfig = {}) => new GlobalMaxPooling1D(config);
export const globalMaxPooling2d = (config: GlobalPoolingConfig = {}) => new GlobalMaxPooling2D(config);

// Normalization, embedding
export const batchNormalization = (config: BatchNormalizationConfig = {}) => new BatchNormalization(config);
export const layerNormalization = (config: LayerNormalizationConfig = {}) => new LayerNormalization(config);
export const embedding = (config: EmbeddingConfig) => new Embedding(config);

// Recurrent: `returnState: true` types apply's result as a list [output, ...states].
export const simpleRNN = <S extends boolean = false>(config: SimpleRNNConfig & {returnState?: S}) =>
  new SimpleRNN<S>(config);
export const lstm = <S extends boolean = false>(config: LSTMConfig & {returnState?: S}) => new LSTM<S>(config);
export const gru = <S extends boolean = false>(config: GRUConfig & {returnState?: S}) => new GRU<S>(config);
export const bidirectional = <S extends boolean = false>(config: BidirectionalConfig<S>) =>
  new Bidirectional<S>(config);

// Attention
export const multiHeadAttention = (config: MultiHeadAttentionConfig) => new MultiHeadAttention(config);

// Merging
export const add = (config: LayerConfig = {}) => new Add(config);
export const subtract = (config: LayerConfig = {}) => new Subtract(config);
export const multiply = (config: LayerConfig = {}) => new Multiply(config);
export const average = (config: LayerConfig = {}) => new Average(config);
export const maximum = (config: LayerConfig = {}) => new Maximum(config);
export const minimum = (config: LayerConfig = {}) => new Minimum(config);
export const dot = (config: DotConfig) => new Dot(config);

// Shape
type Pad2 = number | [number, number] | [[number, number], [number, number]];
type ImageFormat = {dataFormat?: 'channelsLast' | 'channelsFirst'};
export const zeroPadding2d = (config: LayerConfig & ImageFormat & {padding?: Pad2} = {}) => new ZeroPadding2D(config);
export const upSampling2d = (
  config: LayerConfig & ImageFormat & {size?: number | [number, number]; interpolation?: 'nearest' | 'bilinear'} = {},
) => new UpSampling2D(config);
export const cropping2d = (config: LayerConfig & ImageFormat & {cropping?: Pad2} = {}) => new Cropping2D(config);
export const permute = (config: LayerConfig & {dims: number[]}) => new Permute(config);
export const repeatVector = (config: LayerConfig & {n: number}) => new RepeatVector(config);

// Noise and regularization
export const gaussianNoise = (config: LayerConfig & {stddev: number; seed?: number}) => new GaussianNoise(config);
export const spatialDropout1d = (config: LayerConfig & {rate: number; seed?: number}) => new SpatialDropout1D(config);
export const spatialDropout2d = (config: LayerConfig & ImageFormat & {rate: number; seed?: number}) =>
  new SpatialDropout2D(config);
export const activityRegularization = (config: LayerConfig & {l1?: number; l2?: number} = {}) =>
  new ActivityRegularization(config);
