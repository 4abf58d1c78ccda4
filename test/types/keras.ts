// Type tests for tfjs-backend-as/keras, checked by `npm run typecheck` (tsconfig.check.json
// includes test/**): never run, only compiled. expectTypeOf(...).toEqualTypeOf<T>() fails to
// compile when a type changes, and each `// @ts-expect-error` line fails the typecheck when the
// error it expects goes away (TS2578: unused directive). So a loosened type (an `any` input, a
// list where one tensor is returned, `string` for a name) breaks CI.
import type * as tf from '@tensorflow/tfjs-core';
import {expectTypeOf} from 'expect-type';
import {
  input,
  K,
  Layer,
  layers,
  losses,
  metrics,
  Model,
  model,
  optimizers,
  type Kwargs,
  type LossName,
  type MetricName,
  type OptimizerIdentifier,
  type ActivationName,
  type SymbolicTensor,
  registerLayer,
  registerFunction,
  serializeModel,
  deserializeModel,
  type KerasModelJSON,
} from '../../src/keras/index.js';

declare const x: SymbolicTensor;
declare const y: SymbolicTensor;
declare const t: tf.Tensor;
declare const u: tf.Tensor;

// ---------------------------------------------------------------- Lambda

// The function's input is a concrete tensor without an annotation, and K keeps it concrete.
const square = layers.lambda(v => {
  expectTypeOf(v).toEqualTypeOf<tf.Tensor>();
  return K.square(v);
});
expectTypeOf(square.apply(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(square.apply(t)).toEqualTypeOf<tf.Tensor>();
// @ts-expect-error -- a single-input Lambda takes no list
square.apply([x, y]);

// A multi-input Lambda says so in its parameter; it returns one tensor.
const sum = layers.lambda(([a, b]: tf.Tensor[]) => K.add(a!, b!));
expectTypeOf(sum.apply([x, y])).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(sum.apply([t, u])).toEqualTypeOf<tf.Tensor>();
// @ts-expect-error -- ... and takes no single tensor
sum.apply(x);
// A Lambda returning a list gives a list.
const split = layers.lambda(v => [v, K.neg(v)]);
expectTypeOf(split.apply(x)).toEqualTypeOf<SymbolicTensor[]>();
// @ts-expect-error -- a Lambda's function returns tensors, not numbers
layers.lambda(v => v.size);

// ---------------------------------------------------------------- built-in layers

expectTypeOf(layers.dense({units: 3}).apply(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.dense({units: 3}).apply(t)).toEqualTypeOf<tf.Tensor>();
// @ts-expect-error -- Dense takes one input
layers.dense({units: 3}).apply([x, y]);
expectTypeOf(layers.concatenate().apply([x, y])).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- Concatenate takes a list
layers.concatenate().apply(x);
// @ts-expect-error -- symbolic and concrete inputs do not mix
layers.concatenate().apply([x, t]);

// ---------------------------------------------------------------- custom layers

// Undeclared: the result has the form of the input.
class Scale extends Layer {
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return inputs;
  }
}
expectTypeOf(new Scale().apply(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(new Scale().apply([x, y])).toEqualTypeOf<SymbolicTensor[]>();
expectTypeOf(new Scale().apply(t)).toEqualTypeOf<tf.Tensor>();
expectTypeOf(new Scale().apply([t, u])).toEqualTypeOf<tf.Tensor[]>();

// Declared through the generics: a merge layer, and a layer returning a pair.
class Merge extends Layer<tf.Tensor[], tf.Tensor> {
  override call(inputs: tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    expectTypeOf(inputs).toEqualTypeOf<tf.Tensor[]>();
    return inputs[0]!;
  }
}
expectTypeOf(new Merge().apply([x, y])).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(new Merge().apply([t, u])).toEqualTypeOf<tf.Tensor>();
// @ts-expect-error -- Merge declared a list input
new Merge().apply(x);

class Pair extends Layer<tf.Tensor, [tf.Tensor, tf.Tensor]> {
  override call(inputs: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return [inputs, inputs];
  }
}
expectTypeOf(new Pair().apply(x)).toEqualTypeOf<[SymbolicTensor, SymbolicTensor]>();
expectTypeOf(new Pair().apply(t)).toEqualTypeOf<[tf.Tensor, tf.Tensor]>();

class Wrong extends Layer<tf.Tensor, tf.Tensor> {
  // @ts-expect-error -- call must return what the class declared
  override call(inputs: tf.Tensor): tf.Tensor[] {
    return [inputs];
  }
}
void Wrong;

// Narrowing call alone (API.md's MyDense) types apply too.
class MyDense extends Layer {
  override call(inputs: tf.Tensor) {
    return K.mul(inputs, 2);
  }
}
expectTypeOf(new MyDense().apply(x)).toEqualTypeOf<SymbolicTensor>();

// ---------------------------------------------------------------- models

const inp = input({shape: [4]});
const single = model({inputs: [inp, input({shape: [4]})], outputs: layers.dense({units: 2}).apply(inp)});
expectTypeOf(single).toEqualTypeOf<Model<SymbolicTensor>>();
expectTypeOf(single.predict(t)).toEqualTypeOf<tf.Tensor>();
// Two inputs, one output: apply gives one tensor (not the form of the inputs).
expectTypeOf(single.apply([x, y])).toEqualTypeOf<SymbolicTensor>();
const multi = new Model({inputs: inp, outputs: [inp, layers.dense({units: 2}).apply(inp)]});
expectTypeOf(multi.predict(t)).toEqualTypeOf<tf.Tensor[]>();
expectTypeOf(multi.apply(x)).toEqualTypeOf<SymbolicTensor[]>();

// ---------------------------------------------------------------- names

single.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
single.compile({optimizer: 'RMSprop', loss: 'mean_squared_error', metrics: ['acc', 'mae', 'categorical_accuracy']});
single.compile({
  optimizer: optimizers.adam({learningRate: 0.01}),
  loss: (a: tf.Tensor, b: tf.Tensor) => K.sub(a, b),
  metrics: [metrics.binaryAccuracy],
});
single.compile({optimizer: 'sgd', loss: {dense: 'BinaryCrossentropy', other: null}});
// @ts-expect-error -- optimizer typo
single.compile({optimizer: 'adamm'});
// @ts-expect-error -- loss typo
single.compile({optimizer: 'adam', loss: 'categorical_crossentropyy'});
// @ts-expect-error -- metric typo
single.compile({optimizer: 'adam', loss: 'mse', metrics: ['accuracyy']});
// @ts-expect-error -- loss typo inside a per-output record
single.compile({optimizer: 'adam', loss: {dense: 'msee'}});
layers.dense({units: 2, activation: 'leaky_relu'});
layers.dense({units: 2, activation: (v: tf.Tensor) => v});
layers.activation({activation: 'softmax'});
// @ts-expect-error -- activation typo
layers.dense({units: 2, activation: 'relu7'});
// @ts-expect-error -- activation typo
layers.activation({activation: 'softmaxx'});
// @ts-expect-error -- initializer typo
layers.dense({units: 2, kernelInitializer: 'glorotUniformm'});

// The unions are real unions of literals, not `string`.
expectTypeOf<string>().not.toMatchTypeOf<LossName>();
expectTypeOf<string>().not.toMatchTypeOf<MetricName>();
expectTypeOf<string>().not.toMatchTypeOf<ActivationName>();
expectTypeOf<string>().not.toMatchTypeOf<OptimizerIdentifier>();
expectTypeOf<'mean_squared_error'>().toMatchTypeOf<LossName>();
expectTypeOf<'MeanSquaredError'>().toMatchTypeOf<LossName>();
expectTypeOf<'leaky_relu'>().toMatchTypeOf<ActivationName>();
expectTypeOf(losses.get('mse')).toEqualTypeOf<losses.LossFn>();

// K: symbolic in, symbolic out; concrete in, concrete out.
expectTypeOf(K.square(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(K.add(t, 1)).toEqualTypeOf<tf.Tensor>();
expectTypeOf(K.add(t, x)).toEqualTypeOf<SymbolicTensor>();

// ---------------------------------------------------------------- issue 14's layers

declare const img: SymbolicTensor;
expectTypeOf(
  layers.conv2d({filters: 8, kernelSize: 3, padding: 'same', activation: 'relu'}).apply(img),
).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.conv2d({filters: 8, kernelSize: [3, 3]}).apply(t)).toEqualTypeOf<tf.Tensor>();
// @ts-expect-error -- padding is a literal union
layers.conv2d({filters: 8, kernelSize: 3, padding: 'full'});
// @ts-expect-error -- filters is required
layers.conv2d({kernelSize: 3});
// @ts-expect-error -- activation typo
layers.conv1d({filters: 2, kernelSize: 3, activation: 'rellu'});
// @ts-expect-error -- Conv2D takes one input
layers.conv2d({filters: 8, kernelSize: 3}).apply([x, y]);
expectTypeOf(layers.maxPooling2d({poolSize: 2}).apply(img)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.globalAveragePooling1d().apply(x)).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- pooling padding has no 'causal'
layers.maxPooling1d({padding: 'causal'});
expectTypeOf(layers.batchNormalization({momentum: 0.9}).apply(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.embedding({inputDim: 10, outputDim: 4, maskZero: true}).apply(x)).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- outputDim is required
layers.embedding({inputDim: 10});
// Recurrent layers: one tensor, or [output, ...states] when returnState is true.
expectTypeOf(layers.lstm({units: 4}).apply(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.lstm({units: 4}).apply([x, y, y])).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.lstm({units: 4, returnState: true}).apply(x)).toEqualTypeOf<SymbolicTensor[]>();
expectTypeOf(layers.gru({units: 4, returnState: true}).apply(t)).toEqualTypeOf<tf.Tensor[]>();
expectTypeOf(layers.bidirectional({layer: layers.simpleRNN({units: 2})}).apply(x)).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- mergeMode is a literal union
layers.bidirectional({layer: layers.lstm({units: 2}), mergeMode: 'max'});
// Attention and merges take lists.
expectTypeOf(layers.multiHeadAttention({numHeads: 2, keyDim: 4}).apply([x, y])).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- MultiHeadAttention takes [query, value, key?]
layers.multiHeadAttention({numHeads: 2, keyDim: 4}).apply(x);
expectTypeOf(layers.add().apply([x, y])).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.dot({axes: [1, 1]}).apply([t, u])).toEqualTypeOf<tf.Tensor>();
// @ts-expect-error -- Subtract takes a list
layers.subtract().apply(x);
expectTypeOf(layers.zeroPadding2d({padding: [1, 2]}).apply(img)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(layers.upSampling2d({size: 2, interpolation: 'bilinear'}).apply(img)).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- interpolation is a literal union
layers.upSampling2d({interpolation: 'cubic'});
expectTypeOf(layers.spatialDropout2d({rate: 0.2}).apply(img)).toEqualTypeOf<SymbolicTensor>();
// K's new functions: symbolic in, symbolic out.
expectTypeOf(K.conv2d(img, t)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(K.conv2d(t, u, 1, 'same')).toEqualTypeOf<tf.Tensor>();
expectTypeOf(K.pool2d(img, 2, null, 'valid', 'channelsLast', 'avg')).toEqualTypeOf<SymbolicTensor>();
// @ts-expect-error -- poolMode is 'max' or 'avg'
K.pool2d(t, 2, null, 'valid', 'channelsLast', 'mean');
expectTypeOf(K.rnn((xt, s) => [xt, s], x, [y])).toEqualTypeOf<[SymbolicTensor, SymbolicTensor, SymbolicTensor[]]>();
expectTypeOf(K.rnn((xt, s) => [xt, s], t, [u])).toEqualTypeOf<[tf.Tensor, tf.Tensor, tf.Tensor[]]>();
expectTypeOf(K.stopGradient(x)).toEqualTypeOf<SymbolicTensor>();
expectTypeOf(K.repeatElements(t, 2, 1)).toEqualTypeOf<tf.Tensor>();

// ---------------------------------------------------------------- saving: configs and the registry

class Saveable extends Layer {
  override getConfig(): Record<string, unknown> {
    return super.getConfig();
  }
}
// registerLayer and registerFunction give back what they register (so they chain and decorate).
expectTypeOf(registerLayer(Saveable)).toEqualTypeOf<typeof Saveable>();
expectTypeOf(registerLayer(Saveable, 'pkg>Saveable')).toEqualTypeOf<typeof Saveable>();
const doubled = registerFunction('doubled', (v: tf.Tensor) => K.mul(v, 2));
expectTypeOf(doubled).toEqualTypeOf<(v: tf.Tensor) => tf.Tensor>();
// @ts-expect-error -- a function is registered under a name
registerFunction((v: tf.Tensor) => v);
// @ts-expect-error -- only layer classes register as layers
registerLayer({});
declare const built: Model;
expectTypeOf(serializeModel(built)).toEqualTypeOf<KerasModelJSON>();
expectTypeOf(built.toJSON()).toEqualTypeOf<KerasModelJSON>();
expectTypeOf(deserializeModel(serializeModel(built), {customObjects: {Saveable, doubled}})).toEqualTypeOf<Model>();
// @ts-expect-error -- customObjects holds classes and functions
deserializeModel(serializeModel(built), {customObjects: {n: 1}});
expectTypeOf(layers.Dense.fromConfig(layers.dense({units: 1}).getConfig())).toEqualTypeOf<Layer>();
