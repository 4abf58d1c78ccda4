// Configs: every built-in layer's getConfig()/fromConfig() round trip (same config, same outputs
// given the same weights), models to Keras 3's functional JSON and back (same summary(), same
// predictions once the weights are copied), custom layers and functions through the registry,
// Lambda and K op nodes, and the errors a save or a load must give.
import {readFileSync} from 'node:fs';
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '../../src/index.js';
import {
  K,
  Layer,
  Model,
  input,
  layers,
  regularizers,
  registerFunction,
  registerLayer,
  serializeModel,
  deserializeModel,
  serializeLayer,
  deserializeLayer,
  knownLayerNames,
  type KerasLayerJSON,
  type KerasModelJSON,
  type Shape,
} from '../../src/keras/index.js';

await tf.setBackend('as');

function summaryOf(m: Model): string {
  const lines: string[] = [];
  m.summary(120, undefined, l => lines.push(l));
  return lines.join('\n');
}

/** serialize -> JSON text -> parse -> deserialize, as a file would carry it. */
function roundTrip(m: Model, customObjects?: Record<string, unknown>): Model {
  const text = JSON.stringify(serializeModel(m, {customObjects: customObjects as never}));
  return deserializeModel(JSON.parse(text) as KerasModelJSON, {customObjects: customObjects as never});
}

function copyWeights(from: Model, to: Model): void {
  const src = from.weights;
  const dst = to.weights;
  assert.is(dst.length, src.length, 'the same number of weights');
  dst.forEach((w, i) => {
    w.assign(src[i]!);
  });
}

function assertSamePredictions(a: Model, b: Model, xs: tf.Tensor | tf.Tensor[]): void {
  tf.tidy(() => {
    const pa = a.predict(xs) as tf.Tensor | tf.Tensor[];
    const pb = b.predict(xs) as tf.Tensor | tf.Tensor[];
    const la = Array.isArray(pa) ? pa : [pa];
    const lb = Array.isArray(pb) ? pb : [pb];
    assert.is(lb.length, la.length);
    la.forEach((t, i) => {
      assert.equal(lb[i]!.shape, t.shape);
      assert.equal(Array.from(lb[i]!.dataSync()), Array.from(t.dataSync()), `output ${i} bit-identical`);
    });
  });
}

/** Round trip, then the same summary, weights count and (after copying weights) the same outputs. */
function checkModel(m: Model, xs: tf.Tensor | tf.Tensor[], customObjects?: Record<string, unknown>): Model {
  const back = roundTrip(m, customObjects);
  assert.is(summaryOf(back), summaryOf(m));
  copyWeights(m, back);
  assertSamePredictions(m, back, xs);
  const opts = {customObjects: customObjects as never};
  assert.equal(serializeModel(back, opts), serializeModel(m, opts), 'the loaded model serializes the same');
  return back;
}

// ---------------------------------------------------------------- every built-in layer

const r = (shape: number[], seed = 1) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const ints = (shape: number[], max: number) =>
  tf.tidy(() => tf.cast(tf.floor(tf.randomUniform(shape, 0, max, 'float32', 3)), 'int32'));
const tripleIt = registerFunction('tripleIt', (t: tf.Tensor) => tf.mul(t, 3));
const swishy = registerFunction('swishy', (t: tf.Tensor) => tf.mul(t, tf.sigmoid(t)));

/** [case name, a layer with non-default options, its input(s)]: every built-in layer class at least once. */
const LAYER_CASES: [string, () => Layer, () => tf.Tensor | tf.Tensor[]][] = [
  [
    'Dense',
    () =>
      layers.dense({
        units: 3,
        activation: 'tanh',
        useBias: true,
        biasInitializer: 'ones',
        kernelInitializer: 'heNormal',
        kernelRegularizer: regularizers.l1l2({l1: 0.01, l2: 0.02}),
        activityRegularizer: regularizers.l1(0.1),
      }),
    () => r([2, 4]),
  ],
  ['Dense (custom activation)', () => layers.dense({units: 2, activation: swishy as never}), () => r([2, 3])],
  ['Reshape', () => layers.reshape({targetShape: [3, -1]}), () => r([2, 6])],
  ['Flatten', () => layers.flatten({}), () => r([2, 2, 3])],
  ['Flatten (channelsFirst)', () => new layers.Flatten({dataFormat: 'channelsFirst'}), () => r([2, 2, 3, 2])],
  ['Dropout', () => layers.dropout({rate: 0.3, seed: 7, noiseShape: [1, 4]}), () => r([2, 4])],
  ['Concatenate', () => layers.concatenate({axis: 1}), () => [r([2, 2]), r([2, 3], 2)]],
  ['Activation', () => layers.activation({activation: 'softplus'}), () => r([2, 3])],
  ['Lambda', () => layers.lambda(tripleIt, {name: 'triple', arguments: {factor: 3}}), () => r([2, 3])],
  [
    'Conv1D',
    () => layers.conv1d({filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu'}),
    () => r([2, 7, 3]),
  ],
  [
    'Conv2D',
    () => layers.conv2d({filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', biasRegularizer: 'l2'}),
    () => r([2, 6, 5, 2]),
  ],
  [
    'Conv2D (channelsFirst)',
    () => layers.conv2d({filters: 2, kernelSize: 2, dataFormat: 'channelsFirst'}),
    () => r([2, 3, 4, 4]),
  ],
  [
    'DepthwiseConv2D',
    () => layers.depthwiseConv2d({kernelSize: 2, depthMultiplier: 2, useBias: false}),
    () => r([2, 4, 4, 3]),
  ],
  [
    'SeparableConv2D',
    () => layers.separableConv2d({filters: 4, kernelSize: 3, padding: 'same'}),
    () => r([2, 5, 5, 2]),
  ],
  ['Conv2DTranspose', () => layers.conv2dTranspose({filters: 2, kernelSize: 3, strides: 2}), () => r([2, 3, 3, 2])],
  ['MaxPooling1D', () => layers.maxPooling1d({poolSize: 2, strides: 1}), () => r([2, 5, 3])],
  ['MaxPooling2D', () => layers.maxPooling2d({poolSize: [2, 2], padding: 'same'}), () => r([2, 5, 5, 2])],
  ['AveragePooling1D', () => layers.averagePooling1d({poolSize: 3}), () => r([2, 6, 2])],
  ['AveragePooling2D', () => layers.averagePooling2d({poolSize: 2, strides: [1, 2]}), () => r([2, 4, 4, 2])],
  ['GlobalAveragePooling1D', () => layers.globalAveragePooling1d({keepdims: true}), () => r([2, 5, 3])],
  ['GlobalAveragePooling2D', () => layers.globalAveragePooling2d({}), () => r([2, 3, 3, 2])],
  ['GlobalMaxPooling1D', () => layers.globalMaxPooling1d({}), () => r([2, 5, 3])],
  ['GlobalMaxPooling2D', () => layers.globalMaxPooling2d({dataFormat: 'channelsFirst'}), () => r([2, 2, 3, 3])],
  [
    'BatchNormalization',
    () => layers.batchNormalization({momentum: 0.9, epsilon: 1e-2, gammaInitializer: 'randomNormal'}),
    () => r([3, 4]),
  ],
  [
    'LayerNormalization',
    () => layers.layerNormalization({axis: [1, 2], epsilon: 1e-5, center: false}),
    () => r([2, 3, 4]),
  ],
  ['Embedding', () => layers.embedding({inputDim: 10, outputDim: 3, maskZero: true}), () => ints([2, 5], 10)],
  ['SimpleRNN', () => layers.simpleRNN({units: 3, returnSequences: true, activation: 'relu'}), () => r([2, 4, 3])],
  [
    'LSTM',
    () => layers.lstm({units: 3, goBackwards: true, unitForgetBias: false, recurrentDropout: 0.1}),
    () => r([2, 4, 3]),
  ],
  ['GRU', () => layers.gru({units: 2, resetAfter: false, returnState: true}), () => r([2, 4, 3])],
  [
    'Bidirectional',
    () => layers.bidirectional({layer: layers.lstm({units: 2, returnSequences: true}), mergeMode: 'ave'}),
    () => r([2, 4, 3]),
  ],
  [
    'MultiHeadAttention',
    () => layers.multiHeadAttention({numHeads: 2, keyDim: 3, valueDim: 2, outputShape: 5}),
    () => [r([2, 4, 6]), r([2, 3, 6], 2)],
  ],
  ['Add', () => layers.add(), () => [r([2, 3]), r([2, 3], 2), r([2, 3], 3)]],
  ['Subtract', () => layers.subtract(), () => [r([2, 3]), r([2, 3], 2)]],
  ['Multiply', () => layers.multiply(), () => [r([2, 3]), r([2, 3], 2)]],
  ['Average', () => layers.average(), () => [r([2, 3]), r([2, 3], 2)]],
  ['Maximum', () => layers.maximum(), () => [r([2, 3]), r([2, 3], 2)]],
  ['Minimum', () => layers.minimum(), () => [r([2, 3]), r([2, 3], 2)]],
  ['Dot', () => layers.dot({axes: [1, 1], normalize: true}), () => [r([2, 3]), r([2, 3], 2)]],
  [
    'ZeroPadding2D',
    () =>
      layers.zeroPadding2d({
        padding: [
          [1, 0],
          [0, 2],
        ],
      }),
    () => r([2, 3, 3, 2]),
  ],
  ['UpSampling2D', () => layers.upSampling2d({size: [2, 3], interpolation: 'bilinear'}), () => r([2, 2, 2, 1])],
  ['Cropping2D', () => layers.cropping2d({cropping: [1, 2]}), () => r([2, 5, 6, 1])],
  ['Permute', () => layers.permute({dims: [2, 1]}), () => r([2, 3, 4])],
  ['RepeatVector', () => layers.repeatVector({n: 3}), () => r([2, 4])],
  ['GaussianNoise', () => layers.gaussianNoise({stddev: 0.2, seed: 3}), () => r([2, 3])],
  ['SpatialDropout1D', () => layers.spatialDropout1d({rate: 0.2}), () => r([2, 3, 4])],
  ['SpatialDropout2D', () => layers.spatialDropout2d({rate: 0.3, dataFormat: 'channelsFirst'}), () => r([2, 2, 3, 3])],
  ['ActivityRegularization', () => layers.activityRegularization({l1: 0.1, l2: 0.2}), () => r([2, 3])],
];

function outputsOf(layer: Layer, xs: tf.Tensor | tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const y = layer.apply(xs as never, {training: false}) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(y) ? y : [y]).map(t => Array.from(t.dataSync() as Float32Array | Int32Array));
  });
}

test('every built-in layer class has a case below', () => {
  const covered = new Set(LAYER_CASES.map(([, make]) => tf.tidy(() => make().getClassName())));
  covered.add('InputLayer');
  const builtIn = knownLayerNames().filter(n => !['Functional', 'Sequential', 'TFOpLambda'].includes(n));
  const customs = ['Scale', 'Unknown'];
  assert.equal(
    builtIn.filter(n => !covered.has(n) && !customs.includes(n)),
    [],
  );
});

for (const [name, make, inputs] of LAYER_CASES) {
  test(`${name}: fromConfig(getConfig()) gives the same config and, with the same weights, the same outputs`, () => {
    const before = tf.memory().numTensors;
    const xs = inputs();
    const a = make();
    const ya = outputsOf(a, xs);
    const config = a.getConfig();
    const Cls = a.constructor as typeof Layer;
    const b = Cls.fromConfig(config);
    assert.ok(b instanceof Cls);
    assert.equal(b.getConfig(), config);
    outputsOf(b, xs);
    const weights = a.getWeights();
    b.setWeights(weights);
    assert.equal(outputsOf(b, xs), ya);
    // Through Keras' JSON text too (serializeLayer -> JSON -> deserializeLayer).
    const json = JSON.parse(JSON.stringify(serializeLayer(a)));
    assert.is(json.class_name, a.getClassName());
    assert.ok(!JSON.stringify(json).match(/"[a-z]+[A-Z][A-Za-z]*":/), `snake_case keys only: ${JSON.stringify(json)}`);
    const c = deserializeLayer(json);
    assert.equal(c.getConfig(), config);
    outputsOf(c, xs);
    c.setWeights(weights);
    assert.equal(outputsOf(c, xs), ya);
    for (const l of [a, b, c]) {
      tf.dispose(l.losses);
      l.dispose();
    }
    tf.dispose([xs, weights] as tf.Tensor[][]);
    assert.is(tf.memory().numTensors, before, 'no tensor left');
  });
}

test("Keras' key sets: the snake_case keys of Keras 3.15's get_config for each layer", () => {
  // Keras 3.15.1's own configs (keras.saving.serialize_keras_object), keys only.
  const keras: Record<string, string> = {
    Dense:
      'name trainable dtype units activation use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer kernel_constraint bias_constraint quantization_config',
    Conv2D:
      'name trainable dtype filters kernel_size strides padding data_format dilation_rate groups activation use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer kernel_constraint bias_constraint',
    Conv2DTranspose:
      'name trainable dtype filters kernel_size strides padding output_padding data_format dilation_rate activation use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer kernel_constraint bias_constraint',
    DepthwiseConv2D:
      'name trainable dtype depth_multiplier kernel_size strides padding data_format dilation_rate activation use_bias depthwise_initializer bias_initializer depthwise_regularizer bias_regularizer activity_regularizer depthwise_constraint bias_constraint',
    SeparableConv2D:
      'name trainable dtype depth_multiplier filters kernel_size strides padding data_format dilation_rate activation use_bias depthwise_initializer pointwise_initializer bias_initializer depthwise_regularizer pointwise_regularizer bias_regularizer activity_regularizer depthwise_constraint pointwise_constraint bias_constraint',
    MaxPooling2D: 'name trainable dtype pool_size padding strides data_format',
    GlobalAveragePooling1D: 'name trainable dtype data_format keepdims',
    BatchNormalization:
      'name trainable dtype axis momentum epsilon center scale beta_initializer gamma_initializer moving_mean_initializer moving_variance_initializer beta_regularizer gamma_regularizer beta_constraint gamma_constraint synchronized renorm renorm_clipping renorm_momentum',
    LayerNormalization:
      'name trainable dtype axis epsilon center scale rms_scaling beta_initializer gamma_initializer beta_regularizer gamma_regularizer beta_constraint gamma_constraint',
    Embedding:
      'name trainable dtype input_dim output_dim embeddings_initializer embeddings_regularizer activity_regularizer embeddings_constraint mask_zero quantization_config',
    SimpleRNN:
      'name trainable dtype return_sequences return_state go_backwards stateful unroll zero_output_for_mask units activation use_bias kernel_initializer recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout',
    LSTM: 'name trainable dtype return_sequences return_state go_backwards stateful unroll zero_output_for_mask units activation recurrent_activation use_bias kernel_initializer recurrent_initializer bias_initializer unit_forget_bias kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout seed',
    GRU: 'name trainable dtype return_sequences return_state go_backwards stateful unroll zero_output_for_mask units activation recurrent_activation use_bias kernel_initializer recurrent_initializer bias_initializer kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout reset_after seed',
    Bidirectional: 'name trainable dtype merge_mode layer backward_layer',
    MultiHeadAttention:
      'name trainable dtype num_heads key_dim value_dim dropout use_bias use_gate output_shape attention_axes sliding_window kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer kernel_constraint bias_constraint seed',
    Dropout: 'name trainable dtype rate seed noise_shape',
    Flatten: 'name trainable dtype data_format',
    Reshape: 'name trainable dtype target_shape',
    Dot: 'name trainable dtype axes normalize',
    Add: 'name trainable dtype',
    ZeroPadding2D: 'name trainable dtype padding data_format',
    UpSampling2D: 'name trainable dtype size data_format interpolation',
    Cropping2D: 'name trainable dtype cropping data_format',
    Permute: 'name trainable dtype dims',
    RepeatVector: 'name trainable dtype n',
    GaussianNoise: 'name trainable dtype stddev seed',
    SpatialDropout1D: 'rate seed name dtype',
    SpatialDropout2D: 'rate seed name dtype data_format',
    ActivityRegularization: 'name trainable dtype l1 l2',
    Activation: 'name trainable dtype activation',
    Concatenate: 'name trainable dtype axis',
  };
  const plain: Record<string, () => Layer> = {
    Dense: () => layers.dense({units: 2}),
    Conv2D: () => layers.conv2d({filters: 2, kernelSize: 3}),
    Conv2DTranspose: () => layers.conv2dTranspose({filters: 2, kernelSize: 3}),
    DepthwiseConv2D: () => layers.depthwiseConv2d({kernelSize: 3}),
    SeparableConv2D: () => layers.separableConv2d({filters: 2, kernelSize: 3}),
    MaxPooling2D: () => layers.maxPooling2d(),
    GlobalAveragePooling1D: () => layers.globalAveragePooling1d(),
    BatchNormalization: () => layers.batchNormalization(),
    LayerNormalization: () => layers.layerNormalization(),
    Embedding: () => layers.embedding({inputDim: 3, outputDim: 2}),
    SimpleRNN: () => layers.simpleRNN({units: 2}),
    LSTM: () => layers.lstm({units: 2}),
    GRU: () => layers.gru({units: 2}),
    Bidirectional: () => layers.bidirectional({layer: layers.lstm({units: 2})}),
    MultiHeadAttention: () => layers.multiHeadAttention({numHeads: 2, keyDim: 2}),
    Dropout: () => layers.dropout({rate: 0.5}),
    Flatten: () => layers.flatten(),
    Reshape: () => layers.reshape({targetShape: [2]}),
    Dot: () => layers.dot({axes: 1}),
    Add: () => layers.add(),
    ZeroPadding2D: () => layers.zeroPadding2d(),
    UpSampling2D: () => layers.upSampling2d(),
    Cropping2D: () => layers.cropping2d(),
    Permute: () => layers.permute({dims: [1]}),
    RepeatVector: () => layers.repeatVector({n: 2}),
    GaussianNoise: () => layers.gaussianNoise({stddev: 0.1}),
    SpatialDropout1D: () => layers.spatialDropout1d({rate: 0.1}),
    SpatialDropout2D: () => layers.spatialDropout2d({rate: 0.1}),
    ActivityRegularization: () => layers.activityRegularization(),
    Activation: () => layers.activation({activation: 'relu'}),
    Concatenate: () => layers.concatenate(),
  };
  for (const [cls, keys] of Object.entries(keras)) {
    const json = serializeLayer(plain[cls]!());
    assert.equal(Object.keys(json.config as object).sort(), keys.split(' ').sort(), cls);
  }
  const bi = serializeLayer(plain.Bidirectional!()).config as Record<
    string,
    {config: {name: string; go_backwards: boolean}}
  >;
  assert.match(bi.layer!.config.name, /^forward_lstm/);
  assert.match(bi.backward_layer!.config.name, /^backward_lstm/);
  assert.is(bi.backward_layer!.config.go_backwards, true);
});

test("Keras 3's other activations load by name and compute Keras' values", () => {
  // keras.activations.*(np.array([-1., 0., 1.])) in Keras 3.15.
  const expected: Record<string, number[]> = {
    gelu: [-0.15865526, 0, 0.8413447],
    silu: [-0.26894143, 0, 0.7310586],
    swish: [-0.26894143, 0, 0.7310586],
    hard_sigmoid: [0.33333334, 0.5, 0.6666667],
    hard_silu: [-0.33333334, 0, 0.6666667],
    mish: [-0.30340144, 0, 0.86509836],
  };
  for (const [name, values] of Object.entries(expected)) {
    const layer = layers.activation({activation: name as never});
    const written = serializeLayer(layer).config as {activation: string};
    assert.is(written.activation, name === 'swish' ? 'silu' : name);
    tf.tidy(() => {
      const y = Array.from(layer.apply(tf.tensor1d([-1, 0, 1])).dataSync());
      y.forEach((v, i) => {
        assert.ok(Math.abs(v - values[i]!) < 1e-6, `${name}(${i - 1}) = ${v}, Keras ${values[i]}`);
      });
    });
  }
  const ls = layers.activation({activation: 'log_softmax' as never});
  tf.tidy(() => {
    const y = Array.from(ls.apply(tf.tensor2d([[0, Math.log(3)]])).dataSync());
    assert.ok(Math.abs(y[0]! - Math.log(0.25)) < 1e-6 && Math.abs(y[1]! - Math.log(0.75)) < 1e-6);
  });
});

test("a custom activation: saved under its registered name, and read in Keras' function form", () => {
  const dense = layers.dense({units: 2, activation: swishy as never});
  assert.is((serializeLayer(dense).config as {activation: string}).activation, 'Custom>swishy');
  const keras = deserializeLayer({
    module: 'keras.layers',
    class_name: 'Dense',
    registered_name: null,
    config: {
      name: 'act',
      units: 2,
      activation: {module: 'builtins', class_name: 'function', config: 'Custom>swishy', registered_name: 'function'},
    },
  });
  assert.is((keras as InstanceType<typeof layers.Dense>).activation.fn, swishy);
  keras.dispose();
});

test('initializers and regularizers as Keras 3 writes them, and back', () => {
  const d = layers.dense({
    units: 2,
    kernelInitializer: 'randomNormal',
    biasInitializer: 'truncatedNormal',
    kernelRegularizer: regularizers.l1(0.5),
    biasRegularizer: regularizers.l1l2({l1: 0.1, l2: 0.2}),
  });
  const c = serializeLayer(d).config as Record<string, unknown>;
  assert.equal(c.kernel_initializer, {
    module: 'keras.initializers',
    class_name: 'RandomNormal',
    config: {mean: 0, stddev: 0.05, seed: null},
    registered_name: null,
  });
  assert.equal(c.kernel_regularizer, {
    module: 'keras.regularizers',
    class_name: 'L1',
    config: {l1: 0.5},
    registered_name: null,
  });
  assert.equal(c.bias_regularizer, {
    module: 'keras.regularizers',
    class_name: 'L1L2',
    config: {l1: 0.1, l2: 0.2},
    registered_name: null,
  });
  // A tfjs-layers initializer object serializes as Keras spells it, and loads.
  const tflInit = tfl.initializers.varianceScaling({scale: 2, mode: 'fanAvg', distribution: 'truncatedNormal'});
  const t = serializeLayer(layers.dense({units: 2, kernelInitializer: tflInit})).config as Record<string, unknown>;
  assert.equal(t.kernel_initializer, {
    module: 'keras.initializers',
    class_name: 'VarianceScaling',
    config: {scale: 2, mode: 'fan_avg', distribution: 'truncated_normal', seed: null},
    registered_name: null,
  });
  const fromTfl = deserializeLayer({
    module: 'keras.layers',
    class_name: 'Dense',
    config: {...t},
    registered_name: null,
  } as never);
  tf.tidy(() => {
    fromTfl.apply(tf.ones([1, 3]));
  });
  fromTfl.dispose();
  // Keras' other initializers load and initialize: VarianceScaling, Constant, Orthogonal with a gain.
  const e = deserializeLayer({
    module: 'keras.layers',
    class_name: 'Dense',
    registered_name: null,
    config: {
      name: 'vs',
      units: 3,
      kernel_initializer: {
        module: 'keras.initializers',
        class_name: 'VarianceScaling',
        config: {scale: 2, mode: 'fan_out', distribution: 'uniform', seed: 5},
        registered_name: null,
      },
      bias_initializer: {
        module: 'keras.initializers',
        class_name: 'Constant',
        config: {value: 0.5},
        registered_name: null,
      },
    },
  });
  tf.tidy(() => {
    e.apply(tf.ones([1, 4]));
    const [k, b] = e.getWeights();
    assert.equal(Array.from(b!.dataSync()), [0.5, 0.5, 0.5]);
    const limit = Math.sqrt((3 * 2) / 3);
    assert.ok(Array.from(k!.dataSync()).every(v => Math.abs(v) <= limit));
  });
  e.dispose();
});

test('a Dense/Dropout/Activation model: Keras 3 JSON and back', () => {
  K.clearSession();
  const x = input({shape: [4], name: 'x'});
  let h = layers.dense({units: 3, activation: 'relu', kernelRegularizer: regularizers.l2(0.01)}).apply(x);
  h = layers.dropout({rate: 0.25}).apply(h);
  h = layers.activation({activation: 'leakyRelu'}).apply(h);
  const m = new Model({inputs: x, outputs: h});
  const json = serializeModel(m);
  assert.is(json.class_name, 'Functional');
  assert.is(json.registered_name, 'Functional');
  assert.equal(json.config.input_layers, ['x', 0, 0]);
  const dense = json.config.layers[1]!;
  assert.is(dense.module, 'keras.layers');
  assert.is(dense.class_name, 'Dense');
  assert.equal(dense.config.kernel_initializer, {
    module: 'keras.initializers',
    class_name: 'GlorotUniform',
    config: {seed: null},
    registered_name: null,
  });
  assert.equal(dense.config.kernel_regularizer, {
    module: 'keras.regularizers',
    class_name: 'L2',
    config: {l2: 0.01},
    registered_name: null,
  });
  assert.equal(dense.config.dtype, {
    module: 'keras',
    class_name: 'DTypePolicy',
    config: {name: 'float32'},
    registered_name: null,
  });
  assert.equal(dense.inbound_nodes, [
    {
      args: [
        {class_name: '__keras_tensor__', config: {shape: [null, 4], dtype: 'float32', keras_history: ['x', 0, 0]}},
      ],
      kwargs: {},
    },
  ]);
  assert.equal(json.config.layers[3]!.config.activation, 'leaky_relu');
  assert.equal(json.config.layers[0]!.config, {
    batch_shape: [null, 4],
    dtype: 'float32',
    sparse: false,
    ragged: false,
    name: 'x',
    optional: false,
  });
  assert.equal(m.toJSON(), json);
  checkModel(m, tf.randomNormal([5, 4]));
});

class Scale extends Layer<tf.Tensor, tf.Tensor> {
  factor: number;
  w: tf.Variable | null = null;
  constructor(config: {factor?: number; name?: string} = {}) {
    super(config);
    this.factor = config.factor ?? 2;
  }
  override build(shape: Shape | Shape[]): void {
    this.w = this.addWeight('w', [(shape as Shape)[1]!]);
  }
  override call(x: tf.Tensor): tf.Tensor {
    return tf.mul(tf.mul(x, this.w!), this.factor);
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), factor: this.factor};
  }
}

test('a custom layer: registered, or given in customObjects; unregistered fails at save naming both fixes', () => {
  K.clearSession();
  class Unknown extends Scale {}
  const x = input({shape: [3]});
  const m = new Model({inputs: x, outputs: new Unknown({factor: 3}).apply(x)});
  assert.throws(
    () => serializeModel(m),
    (e: Error) =>
      /Unknown/.test(e.message) &&
      /registerLayer\(Unknown\)/.test(e.message) &&
      /customObjects: \{Unknown\}/.test(e.message),
  );
  const viaScope = serializeModel(m, {customObjects: {Unknown}});
  assert.is(viaScope.config.layers[1]!.class_name, 'Unknown');
  const back = deserializeModel(viaScope, {customObjects: {Unknown}});
  assert.ok(back.layers[1] instanceof Unknown);
  assert.is((back.layers[1] as Unknown).factor, 3);

  registerLayer(Scale);
  const y = input({shape: [3]});
  const m2 = new Model({inputs: y, outputs: new Scale({factor: 5}).apply(y)});
  const json = serializeModel(m2);
  assert.is(json.config.layers[1]!.registered_name, 'Custom>Scale');
  assert.is(json.config.layers[1]!.module, null);
  checkModel(m2, tf.ones([2, 3]));
});

test('registerLayer as a class decorator; InputLayer.fromConfig(getConfig())', () => {
  K.clearSession();
  @registerLayer
  class Decorated extends Layer<tf.Tensor, tf.Tensor> {
    override call(x: tf.Tensor): tf.Tensor {
      return tf.neg(x);
    }
  }
  const x = input({shape: [2], name: 'decorated_in', dtype: 'float32'});
  const m = new Model({inputs: x, outputs: new Decorated().apply(x)});
  assert.is(serializeModel(m).config.layers[1]!.registered_name, 'Custom>Decorated');
  checkModel(m, tf.ones([1, 2]));
  const inputLayer = m.layers[0]!;
  assert.equal(layers.InputLayer.fromConfig(inputLayer.getConfig()).getConfig(), inputLayer.getConfig());
});

test('an unknown class at load lists the registered names and leaves no tensor behind', () => {
  K.clearSession();
  const x = input({shape: [3]});
  const h = layers.dense({units: 4}).apply(x);
  const m = new Model({inputs: x, outputs: layers.dense({units: 2}).apply(h)});
  const json = serializeModel(m) as KerasModelJSON;
  json.config.layers[2]!.class_name = 'NoSuchLayer';
  const before = tf.memory().numTensors;
  const vars = Object.keys(tf.engine().registeredVariables).length;
  assert.throws(
    () => deserializeModel(json),
    (e: Error) => /NoSuchLayer/.test(e.message) && /Dense/.test(e.message) && /Conv2D/.test(e.message),
  );
  assert.is(tf.memory().numTensors, before);
  assert.is(Object.keys(tf.engine().registeredVariables).length, vars);
});

test('serializeLayer / deserializeLayer for one layer', () => {
  const d = layers.dense({units: 2, name: 'solo', activation: 'sigmoid'});
  const json = serializeLayer(d);
  assert.is(json.class_name, 'Dense');
  const back = deserializeLayer(json);
  assert.ok(back instanceof layers.Dense);
  assert.equal(back.getConfig(), d.getConfig());
});

test('Lambda: saved by its registered name; unregistered fails at save naming the layer', () => {
  K.clearSession();
  const double = (t: tf.Tensor) => tf.mul(t, 2);
  const x = input({shape: [3]});
  const m = new Model({inputs: x, outputs: layers.lambda(double, {name: 'doubler'}).apply(x)});
  assert.throws(
    () => serializeModel(m),
    (e: Error) => /doubler/.test(e.message) && /registerFunction/.test(e.message),
  );
  registerFunction('double', double);
  const json = serializeModel(m);
  assert.equal(json.config.layers[1]!.config.function, {
    module: 'builtins',
    class_name: 'function',
    config: 'Custom>double',
    registered_name: 'function',
  });
  checkModel(m, tf.ones([2, 3]));
});

test('K op nodes (TFOpLambda): op name and arguments, rebuilt by calling K again', () => {
  K.clearSession();
  const x = input({shape: [4]});
  const h = layers.dense({units: 4}).apply(x);
  const y = K.add(K.mul(K.transpose(K.transpose(h), [1, 0]), 2), K.sum(h, -1, true));
  const m = new Model({inputs: x, outputs: y});
  const json = serializeModel(m);
  const ops = json.config.layers.filter(l => l.class_name === 'TFOpLambda');
  assert.ok(ops.length >= 4);
  checkModel(m, tf.randomNormal([3, 4]));
});

// ---------------------------------------------------------------- models

/** The seed's custom layer, as a user makes it saveable: getConfig adds units, fromConfig reads it. */
class SeedDense extends Layer {
  static override className = 'SeedDense';
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(
    readonly units = 32,
    config: {name?: string; trainable?: boolean} = {},
  ) {
    super(config);
  }
  override build(inputShape: Shape | Shape[]) {
    const s = inputShape as Shape;
    this.w = K.variable(K.randomNormal([s[s.length - 1]!, this.units], 0, 0.05));
    this.b = tf.variable(K.randomNormal([this.units], 0, 0.05), true);
    this.a = tf.variable(K.randomNormal([this.units], 0, 0.05), false);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return K.add(K.dot(inputs as tf.Tensor, this.w), this.b) as tf.Tensor;
  }
  override getConfig(): Record<string, unknown> {
    return {...super.getConfig(), units: this.units};
  }
  static override fromConfig(config: Record<string, unknown>): Layer {
    return new SeedDense(config.units as number, config);
  }
}

test("the seed's MLP (Reshape, Dense, a custom layer with a positional constructor, softmax)", () => {
  K.clearSession();
  const x = input({shape: [28, 28], name: 'digits'});
  const flat = layers.reshape({targetShape: [784]}).apply(x);
  const d1 = layers.dense({units: 50, activation: 'relu'}).apply(flat);
  const hidden = new SeedDense(20).apply(d1);
  const out = layers.dense({units: 10, activation: 'softmax'}).apply(hidden);
  const m = new Model({inputs: x, outputs: out, name: 'seed_mlp'});
  assert.throws(() => serializeModel(m), /SeedDense.*registerLayer\(SeedDense\)/);
  const back = checkModel(m, r([3, 28, 28]), {SeedDense});
  const layer = back.getLayer('seed_dense') as SeedDense;
  assert.is(layer.units, 20);
  assert.is(layer.trainableWeights.length, 2);
  assert.is(layer.nonTrainableWeights.length, 1);
});

test('a CNN (Conv2D, MaxPooling2D, BatchNormalization, Flatten, Dropout, Dense)', () => {
  K.clearSession();
  const image = input({shape: [12, 12, 1]});
  let x = layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu'}).apply(image);
  x = layers.maxPooling2d({poolSize: 2}).apply(x);
  x = layers.conv2d({filters: 6, kernelSize: 3, activation: 'relu', padding: 'same'}).apply(x);
  x = layers.batchNormalization().apply(x);
  x = layers.flatten().apply(x);
  x = layers.dropout({rate: 0.25}).apply(x);
  const m = new Model({inputs: image, outputs: layers.dense({units: 10, activation: 'softmax'}).apply(x)});
  checkModel(m, r([2, 12, 12, 1]));
});

test('an LSTM text classifier (Embedding with a mask, LSTM, Bidirectional GRU, GlobalAveragePooling1D)', () => {
  K.clearSession();
  const tokens = input({shape: [6]});
  let h = layers.embedding({inputDim: 10, outputDim: 4, maskZero: true}).apply(tokens);
  h = layers.lstm({units: 5, returnSequences: true}).apply(h);
  h = layers.bidirectional({layer: layers.gru({units: 3, returnSequences: true})}).apply(h);
  h = layers.globalAveragePooling1d().apply(h);
  const m = new Model({inputs: tokens, outputs: layers.dense({units: 1, activation: 'sigmoid'}).apply(h)});
  const xs = tf.tensor2d([
    [1, 2, 3, 0, 0, 0],
    [4, 5, 6, 7, 8, 9],
  ]);
  checkModel(m, xs);
});

test('multi-input, multi-output with a shared layer (two nodes) and symbolic initial states', () => {
  K.clearSession();
  const a = input({shape: [4], name: 'a'});
  const b = input({shape: [4], name: 'b'});
  const shared = layers.dense({units: 3, name: 'shared'});
  const c = layers.concatenate().apply([shared.apply(a), shared.apply(b)]);
  const seq = layers.repeatVector({n: 3}).apply(c);
  const h0 = layers.dense({units: 2}).apply(a);
  const rnn = layers.simpleRNN({units: 2}).apply(seq, {initialState: [h0]});
  const m = new Model({inputs: [a, b], outputs: [c, layers.dense({units: 1}).apply(rnn)]});
  const json = serializeModel(m);
  const sharedJson = json.config.layers.find(l => l.name === 'shared')!;
  assert.is(sharedJson.inbound_nodes.length, 2);
  const concat = json.config.layers.find(l => l.class_name === 'Concatenate')!;
  assert.equal(
    (concat.inbound_nodes[0]!.args[0] as {config: {keras_history: unknown}}[]).map(t => t.config.keras_history),
    [
      ['shared', 0, 0],
      ['shared', 1, 0],
    ],
  );
  const rnnJson = json.config.layers.find(l => l.class_name === 'SimpleRNN')!;
  assert.ok(Array.isArray(rnnJson.inbound_nodes[0]!.kwargs.initial_state));
  assert.equal(json.config.output_layers.length, 2);
  checkModel(m, [r([3, 4]), r([3, 4], 2)]);
});

test('a nested model used as a layer, and a layer shared across models', () => {
  K.clearSession();
  const i = input({shape: [3]});
  const inner = new Model({inputs: i, outputs: layers.dense({units: 2, activation: 'relu'}).apply(i), name: 'inner'});
  const j = input({shape: [3]});
  const k = input({shape: [3]});
  const both = layers.add().apply([inner.apply(j), inner.apply(k)]);
  const m = new Model({inputs: [j, k], outputs: layers.dense({units: 1}).apply(both), name: 'outer'});
  const json = serializeModel(m);
  const innerJson = json.config.layers.find(l => l.name === 'inner')!;
  assert.is(innerJson.class_name, 'Functional');
  assert.is(innerJson.inbound_nodes.length, 2);
  const back = checkModel(m, [r([2, 3]), r([2, 3], 2)]);
  assert.ok(back.getLayer('inner') instanceof Model);
});

test('a layer used inside a nested model and outside it stays one layer (shared_object_id, as Keras)', () => {
  K.clearSession();
  const shared = layers.dense({units: 3, name: 'shared_dense'});
  const i = input({shape: [3]});
  const inner = new Model({inputs: i, outputs: layers.dense({units: 3}).apply(shared.apply(i)), name: 'inner2'});
  const x = input({shape: [3]});
  const m = new Model({inputs: x, outputs: layers.add().apply([inner.apply(x), shared.apply(x)])});
  const json = serializeModel(m);
  const outer = json.config.layers.find(l => l.name === 'shared_dense')!;
  const nested = (json.config.layers.find(l => l.name === 'inner2')!.config.layers as KerasLayerJSON[]).find(
    l => l.name === 'shared_dense',
  )!;
  assert.ok(outer.shared_object_id != null);
  assert.is(nested.shared_object_id, outer.shared_object_id);
  const back = checkModel(m, r([2, 3]));
  assert.is(back.weights.length, m.weights.length);
  assert.is((back.getLayer('inner2') as Model).getLayer('shared_dense'), back.getLayer('shared_dense'));
});

test('MultiHeadAttention with an attention mask: positional (query, value) and a keyword mask, as Keras', () => {
  K.clearSession();
  const q = input({shape: [4, 6]});
  const v = input({shape: [3, 6]});
  const mask = input({shape: [4, 3]});
  const o = layers.multiHeadAttention({numHeads: 2, keyDim: 3}).apply([q, v], {attentionMask: mask});
  const m = new Model({inputs: [q, v, mask], outputs: layers.layerNormalization().apply(o)});
  const node = serializeModel(m).config.layers.find(l => l.class_name === 'MultiHeadAttention')!.inbound_nodes[0]!;
  assert.is(node.args.length, 2);
  assert.ok('attention_mask' in node.kwargs);
  const ones = tf.tidy(() => tf.cast(tf.greater(r([2, 4, 3], 5), -0.5), 'float32'));
  checkModel(m, [r([2, 4, 6]), r([2, 3, 6], 2), ones]);
});

test("the seed's Lambda (dropout written with K) and the same written outside a Lambda (K op nodes)", () => {
  K.clearSession();
  const myDropout = (x: tf.Tensor) => K.mul(K.mul(x, K.randomBinomial(K.shape(x), 0.5, 'float32', 42)), 2) as tf.Tensor;
  registerFunction('myDropout', myDropout);
  const xIn = input({shape: [8]});
  let x = layers.dense({units: 6, activation: 'relu'}).apply(xIn);
  x = layers.lambda(myDropout).apply(x);
  const lambdaModel = new Model({inputs: xIn, outputs: layers.dense({units: 3, activation: 'softmax'}).apply(x)});
  checkModel(lambdaModel, r([4, 8]));

  const yIn = input({shape: [8]});
  let y = layers.dense({units: 6, activation: 'relu'}).apply(yIn);
  const mask = K.randomBinomial(K.shape(y), 0.5, 'float32', 7);
  y = K.mul(K.mul(y, mask), 2);
  y = K.concatenate([y, K.square(y)], -1);
  y = K.add(y, tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  const opModel = new Model({inputs: yIn, outputs: layers.dense({units: 3}).apply(y)});
  const json = serializeModel(opModel);
  const ops = json.config.layers.filter(l => l.class_name === 'TFOpLambda');
  assert.equal(
    ops.map(l => l.config.function),
    ['shape', 'randomBinomial', 'mul', 'mul', 'square', 'concatenate', 'add'].filter(f =>
      ops.some(l => l.config.function === f),
    ),
  );
  const binomial = ops.find(l => l.config.function === 'randomBinomial')!;
  assert.equal((binomial.inbound_nodes[0]!.args as unknown[]).slice(1), [0.5, 'float32', 7]);
  const added = ops.find(l => l.config.function === 'add')!;
  assert.equal((added.inbound_nodes[0]!.args[1] as {class_name: string}).class_name, '__tensor__');
  const xs = r([4, 8]);
  const before = tf.memory().numTensors;
  const back = checkModel(opModel, xs);
  back.dispose();
  xs.dispose();
  assert.ok(tf.memory().numTensors < before, 'a disposed loaded model leaves no tensor');
});

test('every K function a K op node can name is a K export', () => {
  const source = readFileSync(new URL('../../src/keras/backend.ts', import.meta.url), 'utf8');
  const names = [...source.matchAll(/runOp\(\s*\[?\s*'(\w+)'/g)].map(m => m[1]!);
  assert.ok(names.length > 50);
  const k = K as unknown as Record<string, unknown>;
  assert.equal(
    names.filter(n => typeof k[n] !== 'function'),
    [],
  );
});

test('a custom layer made of built-in sublayers (a transformer block), registered', () => {
  K.clearSession();
  class Block extends Layer<tf.Tensor, tf.Tensor> {
    static override className = 'Block';
    attention: layers.MultiHeadAttention;
    norm = layers.layerNormalization({epsilon: 1e-6});
    ff: Layer;
    constructor(
      readonly dim: number,
      config: {name?: string} = {},
    ) {
      super(config);
      this.attention = layers.multiHeadAttention({numHeads: 2, keyDim: dim / 2});
      this.ff = layers.dense({units: dim, activation: 'relu'});
    }
    override call(x: tf.Tensor): tf.Tensor {
      const a = this.attention.apply([x, x]);
      return this.norm.apply(tf.add(x, this.ff.apply(a) as tf.Tensor)) as tf.Tensor;
    }
    override computeOutputShape(s: Shape | Shape[]): Shape {
      return s as Shape;
    }
    override getConfig(): Record<string, unknown> {
      return {...super.getConfig(), dim: this.dim};
    }
    static override fromConfig(config: Record<string, unknown>): Layer {
      return new Block(config.dim as number, config);
    }
  }
  registerLayer(Block, 'TransformerBlock');
  const tokens = input({shape: [5]});
  const e = layers.embedding({inputDim: 12, outputDim: 4}).apply(tokens);
  const pooled = layers.globalAveragePooling1d().apply(new Block(4).apply(e));
  const m = new Model({inputs: tokens, outputs: layers.dense({units: 1, activation: 'sigmoid'}).apply(pooled)});
  const json = serializeModel(m);
  assert.is(json.config.layers.find(l => l.class_name === 'Block')!.registered_name, 'Custom>TransformerBlock');
  checkModel(
    m,
    tf.tensor2d([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]),
  );
});

test("a custom layer's constant tensors made in its constructor survive a load; K.rnn's step function cannot be saved", () => {
  K.clearSession();
  class Shift extends Layer<tf.Tensor, tf.Tensor> {
    static override className = 'Shift';
    readonly offset: tf.Tensor;
    constructor(config: {name?: string} = {}) {
      super(config);
      this.offset = tf.keep(tf.tensor1d([1, 2, 3]));
    }
    override call(x: tf.Tensor): tf.Tensor {
      return tf.add(x, this.offset);
    }
  }
  const x = input({shape: [3]});
  const m = new Model({inputs: x, outputs: new Shift().apply(x)});
  checkModel(m, tf.ones([2, 3]), {Shift});

  const seq = input({shape: [4, 2]});
  const [last] = K.rnn((xt, states) => [xt, states], seq, [K.zeros([1, 2])]);
  const rnnModel = new Model({inputs: seq, outputs: last});
  assert.throws(
    () => serializeModel(rnnModel),
    (e: Error) => /k\.rnn.*TFOpLambda.*function/.test(e.message),
  );
});

test("Keras 2's functional config (tfjs-layers' and Keras 2's model.json topology) loads too", () => {
  K.clearSession();
  const keras2 = {
    class_name: 'Model',
    config: {
      name: 'k2',
      layers: [
        {
          class_name: 'InputLayer',
          name: 'input_1',
          config: {batch_input_shape: [null, 3], dtype: 'float32', name: 'input_1'},
          inbound_nodes: [],
        },
        {
          class_name: 'Dense',
          name: 'dense',
          config: {name: 'dense', units: 2, activation: 'relu', use_bias: true, dtype: 'float32', trainable: true},
          inbound_nodes: [[['input_1', 0, 0, {}]]],
        },
        {
          class_name: 'Add',
          name: 'add',
          config: {name: 'add'},
          inbound_nodes: [
            [
              ['dense', 0, 0, {}],
              ['dense', 0, 0, {}],
            ],
          ],
        },
      ],
      input_layers: [['input_1', 0, 0]],
      output_layers: [['add', 0, 0]],
    },
  };
  const m = deserializeModel(keras2 as unknown as KerasModelJSON);
  assert.equal(
    m.layers.map(l => l.getClassName()),
    ['InputLayer', 'Dense', 'Add'],
  );
  assert.is(m.countParams(), 8);
  tf.tidy(() => {
    const y = m.predict(tf.ones([1, 3])) as tf.Tensor;
    assert.equal(y.shape, [1, 2]);
  });
  m.dispose();
});

// ---------------------------------------------------------------- Keras 3's own configs

interface KerasFixture {
  config: KerasModelJSON;
  params: number;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/keras_configs.json', import.meta.url), 'utf8')) as Record<
  string,
  KerasFixture
>;

/** Keras 3 records the training flag and null masks of the call that built the graph; we leave them out. */
function comparableNodes(nodes: unknown): unknown {
  return JSON.parse(JSON.stringify(nodes), (key, value) => {
    if (key === 'kwargs' && value && typeof value === 'object') {
      const {training: _t, mask, ...rest} = value as Record<string, unknown>;
      return mask == null ? rest : {...rest, mask};
    }
    return value;
  });
}

const myFn = (t: tf.Tensor) => tf.mul(t, 2);

for (const name of ['simple', 'shared', 'nested', 'rnn', 'mha', 'lambda_custom', 'cnn']) {
  test(`Keras 3's config.json of '${name}' loads, counts Keras' parameters and serializes back to Keras' layer configs`, () => {
    K.clearSession();
    const f = fixtures[name]!;
    class MyDense extends Layer {
      static override className = 'MyDense';
      w: tf.Variable | null = null;
      readonly units: number;
      constructor(config: {units?: number; name?: string} = {}) {
        super(config);
        this.units = config.units ?? 3;
      }
      override build(s: Shape | Shape[]) {
        this.w = this.addWeight('w', [(s as Shape)[1]!, this.units]);
      }
      override call(x: tf.Tensor | tf.Tensor[]) {
        return tf.matMul(x as tf.Tensor, this.w!);
      }
      override getConfig(): Record<string, unknown> {
        return {...super.getConfig(), units: this.units};
      }
    }
    // Keras registered my_fn (register_keras_serializable): it wrote 'Custom>my_fn', as registerFunction does.
    registerFunction('my_fn', myFn);
    const before = tf.memory().numTensors;
    const m = deserializeModel(f.config, {customObjects: {MyDense}});
    assert.is(m.countParams(), f.params);
    assert.is(m.name, f.config.config.name);
    const ours = serializeModel(m, {customObjects: {MyDense}});
    const theirs = f.config.config.layers;
    assert.equal(
      ours.config.layers.map(l => l.name),
      theirs.map(l => l.name),
    );
    theirs.forEach((layer, i) => {
      const mine = ours.config.layers[i]!;
      // Keras' op nodes (keras.ops.not_equal for a mask) become K op nodes: same arguments.
      if (layer.module?.startsWith('keras.src.ops.')) {
        assert.is(mine.class_name, 'TFOpLambda');
        assert.equal(
          comparableNodes(mine.inbound_nodes),
          comparableNodes(layer.inbound_nodes),
          `nodes of ${layer.name}`,
        );
        return;
      }
      assert.is(mine.class_name, layer.class_name);
      // (Keras also writes build_config for the built layers a Bidirectional wraps; we do not.)
      const noBuild = (c: unknown) => JSON.parse(JSON.stringify(c), (k, v) => (k === 'build_config' ? undefined : v));
      if (layer.class_name !== 'Functional')
        assert.equal(mine.config, noBuild(layer.config), `config of ${layer.name}`);
      assert.equal(comparableNodes(mine.inbound_nodes), comparableNodes(layer.inbound_nodes), `nodes of ${layer.name}`);
    });
    assert.equal(ours.config.input_layers, f.config.config.input_layers);
    assert.equal(ours.config.output_layers, f.config.config.output_layers);
    m.dispose();
    assert.is(tf.memory().numTensors, before);
  });
}

test('bad configs: an unknown class lists the known ones; Python bytecode; a wrong dtype policy; no tensor left', () => {
  const base = fixtures.simple!.config;
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  const withLayer = (patch: (l: Record<string, unknown>) => void) => {
    const copy = JSON.parse(JSON.stringify(base)) as KerasModelJSON;
    patch(copy.config.layers[2] as unknown as Record<string, unknown>);
    return copy;
  };
  assert.throws(
    () => deserializeModel(withLayer(l => (l.class_name = 'Frobnicate'))),
    (e: Error) => /unknown layer class 'Frobnicate'/.test(e.message) && /Known layer classes: .*Dense/.test(e.message),
  );
  assert.throws(
    () =>
      deserializeModel(
        withLayer(l => {
          l.class_name = 'Lambda';
          l.config = {name: 'l', function: {class_name: '__lambda__', config: {code: 'xyz'}}, arguments: {}};
        }),
      ),
    /Python bytecode/,
  );
  assert.throws(
    () =>
      deserializeModel(
        withLayer(
          l =>
            ((l.config as Record<string, unknown>).dtype = {
              module: 'keras',
              class_name: 'DTypePolicy',
              config: {name: 'mixed_float16'},
              registered_name: null,
            }),
        ),
      ),
    /mixed_float16/,
  );
  assert.throws(
    () => deserializeModel(withLayer(l => ((l.config as Record<string, unknown>).rate = 2))),
    /Layer 'dropout.*rate must be in \[0, 1\)/,
  );
  assert.throws(
    () =>
      deserializeModel(
        withLayer(l => {
          (l.inbound_nodes as {args: {config: {keras_history: unknown[]}}[]}[])[0]!.args[0]!.config.keras_history = [
            'nowhere',
            0,
            0,
          ];
        }),
      ),
    /layer 'nowhere'/,
  );
  assert.is(tf.memory().numTensors, tensors);
  assert.is(Object.keys(tf.engine().registeredVariables).length, variables);
});

test.run();
