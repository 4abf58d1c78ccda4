// Configs: every built-in layer's getConfig()/fromConfig() round trip (same config, same outputs
// given the same weights), models to Keras 3's functional JSON and back (same summary(), same
// predictions once the weights are copied), custom layers and functions through the registry,
// Lambda and K op nodes, and the errors a save or a load must give.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
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
  const text = JSON.stringify(serializeModel(m));
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
  assert.equal(serializeModel(back), serializeModel(m), 'the loaded model serializes the same');
  return back;
}

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

test.run();
