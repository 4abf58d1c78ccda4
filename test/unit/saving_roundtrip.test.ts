// Round trips of whole models: model.save, loadModel, then the same predictions bit for bit and
// the same summary() text, through file:// (a temporary directory) and through memory handlers.
// The models are the seed's and the examples': MyDense (a custom layer with trainable and
// non-trainable weights and a positional constructor), a Lambda of a registered function, K ops
// on symbolic tensors, a two-input custom layer, addLoss on a hidden output, weight regularizers,
// a CNN (with a custom learnable-scale layer, BatchNormalization, Dropout) and a masked LSTM
// text classifier.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import {
  K,
  Layer,
  Model,
  input,
  layers,
  loadModel,
  registerFunction,
  registerLayer,
  regularizers,
  type Shape,
  type SymbolicTensor,
} from '../../src/keras/index.js';

await tf.setBackend('as');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-roundtrip-'));

// ---------------------------------------------------------------- the seed's custom layers

/** The seed's MyDense: a positional constructor, so it says how to rebuild itself from its config. */
class MyDense extends Layer {
  static override className = 'MyDense';
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(
    readonly units = 32,
    config: {name?: string; trainable?: boolean} = {},
  ) {
    super(config);
  }
  override build(inputShape: Shape) {
    this.w = K.variable(K.randomNormal([inputShape[inputShape.length - 1]!, this.units], 0, 0.05));
    this.b = tf.variable(K.randomNormal([this.units], 0, 0.05), true);
    this.a = tf.variable(K.randomNormal([this.units], 0, 0.05), false);
  }
  override call(inputs: tf.Tensor) {
    return K.add(K.dot(inputs, this.w), this.b) as tf.Tensor;
  }
  override getConfig() {
    return {...super.getConfig(), units: this.units};
  }
  static override fromConfig(config: Record<string, unknown>) {
    const {units, ...base} = config as {units: number; name?: string};
    return new MyDense(units, base);
  }
}
registerLayer(MyDense);

/** examples/multi_input_layer.ts' two-input layer (a tuple argument, addWeight). */
class MyLayer extends Layer {
  static override className = 'MyLayer';
  W1!: tf.Variable;
  b1!: tf.Variable;
  W2!: tf.Variable;
  b2!: tf.Variable;
  constructor(
    readonly outputDims: [number, number],
    config: {name?: string} = {},
  ) {
    super(config);
  }
  override build([shape1, shape2]: Shape[]) {
    this.W1 = this.addWeight('W1', [shape1![1]!, this.outputDims[0]], {initializer: 'glorotUniform'});
    this.b1 = this.addWeight('b1', [this.outputDims[0]], {initializer: 'zeros'});
    this.W2 = this.addWeight('W2', [shape2![1]!, this.outputDims[1]], {initializer: 'glorotUniform'});
    this.b2 = this.addWeight('b2', [this.outputDims[1]], {initializer: 'zeros'});
  }
  override call([x1, x2]: tf.Tensor[]) {
    return K.concatenate([K.add(K.dot(x1!, this.W1), this.b1), K.add(K.dot(x2!, this.W2), this.b2)]) as tf.Tensor;
  }
  override computeOutputShape([shape1]: Shape[]): Shape {
    return [shape1![0]!, this.outputDims[0] + this.outputDims[1]];
  }
  override getConfig() {
    return {...super.getConfig(), outputDims: this.outputDims};
  }
  static override fromConfig(config: Record<string, unknown>) {
    const {outputDims, ...base} = config as {outputDims: [number, number]; name?: string};
    return new MyLayer(outputDims, base);
  }
}
registerLayer(MyLayer);

/** examples/cnn_mnist.ts' learnable per-channel scale (addWeight with an L2 regularizer). */
class LearnableScale extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'LearnableScale';
  scale!: tf.Variable;
  override build(inputShape: Shape) {
    this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1]!], {
      initializer: 'ones',
      regularizer: regularizers.l2(1e-4),
    });
  }
  override call(x: tf.Tensor) {
    return tf.mul(x, this.scale);
  }
  override computeOutputShape(s: Shape | Shape[]) {
    return s as Shape;
  }
}

/** A deterministic Lambda function, registered under a name (how a Lambda is saved). */
const scaleShift = registerFunction('scaleShift', (x: tf.Tensor) => K.add(K.mul(x, 2), 1) as tf.Tensor);

/** The seed's dropout written as a Lambda (random: compared by config and weights, not predictions). */
const myDropout = registerFunction('myDropout', (x: tf.Tensor) => {
  const mask = K.randomBinomial(K.shape(x), 0.5);
  return K.mul(K.mul(x, mask), 2) as tf.Tensor;
});

// ---------------------------------------------------------------- the models

interface Case {
  name: string;
  build: () => Model;
  x: () => tf.Tensor | tf.Tensor[];
  /** Custom classes given at load time instead of the registry. */
  customObjects?: Record<string, unknown>;
  /** Random at inference (Lambda dropout): compare everything but predictions. */
  random?: boolean;
  /** Compiled so evaluate() (the loss with regularizers and added losses) can be compared too. */
  y?: () => tf.Tensor;
}

const digits = () => tf.randomUniform([6, 28, 28], 0, 1, 'float32', 1);
const oneHot = (n: number, classes: number, seed: number) => {
  const labels = tf.randomUniform([n], 0, classes, 'int32', seed);
  const y = tf.oneHot(labels, classes);
  labels.dispose();
  return y;
};

const CASES: Case[] = [
  {
    name: "the seed's MLP: Reshape, Dense, MyDense, Dense softmax, addLoss on MyDense's output",
    build: () => {
      const x = input({shape: [28, 28], name: 'digits'});
      const flat = layers.reshape({targetShape: [784]}).apply(x);
      const d1 = layers.dense({units: 500, activation: 'relu'}).apply(flat);
      const hidden = new MyDense(100).apply(d1) as SymbolicTensor;
      const out = layers.dense({units: 10, activation: 'softmax'}).apply(hidden);
      const model = new Model({inputs: x, outputs: out, name: 'seed_mlp'});
      model.addLoss(K.mul(1e-4, K.mean(K.square(hidden))));
      model.compile({optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
      return model;
    },
    x: digits,
    y: () => oneHot(6, 10, 2),
  },
  {
    name: 'MyDense given in customObjects instead of the registry',
    build: () => {
      const x = input({shape: [12]});
      return new Model({inputs: x, outputs: new MyDense(5, {name: 'mine'}).apply(x)});
    },
    x: () => tf.randomNormal([3, 12], 0, 1, 'float32', 3),
    customObjects: {MyDense},
  },
  {
    name: 'a Lambda of a registered function, and weight regularizers',
    build: () => {
      const x = input({shape: [20]});
      let h = layers.dense({units: 16, activation: 'relu', kernelRegularizer: regularizers.l2(0.01)}).apply(x);
      h = layers.lambda(scaleShift).apply(h);
      h = layers.dense({units: 4, biasRegularizer: regularizers.l1l2({l1: 0.001, l2: 0.002})}).apply(h);
      const model = new Model({inputs: x, outputs: h});
      model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
      return model;
    },
    x: () => tf.randomNormal([5, 20], 0, 1, 'float32', 4),
    y: () => tf.randomNormal([5, 4], 0, 1, 'float32', 5),
  },
  {
    name: "the seed's dropout as a Lambda (examples/lambda_dropout.ts)",
    build: () => {
      const x = input({shape: [30]});
      let h = layers.dense({units: 20, activation: 'relu'}).apply(x);
      h = layers.lambda(myDropout).apply(h);
      return new Model({inputs: x, outputs: layers.dense({units: 3, activation: 'softmax'}).apply(h)});
    },
    x: () => tf.randomNormal([4, 30], 0, 1, 'float32', 6),
    random: true,
  },
  {
    name: 'K ops on symbolic tensors (deterministic), and the seed\'s "outside the Lambda" dropout',
    build: () => {
      const x = input({shape: [10]});
      const h = layers.dense({units: 8, activation: 'relu'}).apply(x);
      const k = K.add(K.mul(h, 0.5), K.square(h));
      const mean = K.mean(k, -1, true);
      const out = K.concatenate([K.relu(K.sub(k, mean)), K.tanh(h)]);
      return new Model({inputs: x, outputs: layers.dense({units: 3}).apply(out)});
    },
    x: () => tf.randomNormal([4, 10], 0, 1, 'float32', 7),
  },
  {
    name: 'examples/outside_lambda.ts: K.randomBinomial(K.shape(x)) outside a Lambda',
    build: () => {
      const x = input({shape: [16]});
      let h = layers.dense({units: 12, activation: 'relu'}).apply(x);
      const mask = K.randomBinomial(K.shape(h), 0.5);
      h = K.mul(K.mul(h, mask), 2);
      return new Model({inputs: x, outputs: layers.dense({units: 3, activation: 'softmax'}).apply(h)});
    },
    x: () => tf.randomNormal([4, 16], 0, 1, 'float32', 8),
    random: true,
  },
  {
    name: 'examples/multi_input_layer.ts: two inputs into a custom two-input layer',
    build: () => {
      const x1 = input({shape: [24]});
      const x2 = input({shape: [24]});
      const h1 = layers.dense({units: 16, activation: 'relu'}).apply(x1);
      const h2 = layers.dense({units: 16, activation: 'relu'}).apply(x2);
      const y = new MyLayer([6, 4]).apply([h1, h2]);
      return new Model({inputs: [x1, x2], outputs: layers.dense({units: 3, activation: 'softmax'}).apply(y)});
    },
    x: () => [tf.randomNormal([3, 24], 0, 1, 'float32', 9), tf.randomNormal([3, 24], 0, 1, 'float32', 10)],
  },
  {
    name: 'a CNN (examples/cnn_mnist.ts: Conv2D, MaxPooling2D, LearnableScale, BatchNormalization, Dropout)',
    build: () => {
      const image = input({shape: [28, 28, 1]});
      let x = layers.conv2d({filters: 8, kernelSize: 3, activation: 'relu'}).apply(image);
      x = layers.maxPooling2d({poolSize: 2}).apply(x);
      x = new LearnableScale().apply(x);
      x = layers.conv2d({filters: 8, kernelSize: 3, activation: 'relu'}).apply(x);
      x = layers.batchNormalization().apply(x);
      x = layers.maxPooling2d({poolSize: 2}).apply(x);
      x = layers.flatten().apply(x);
      x = layers.dropout({rate: 0.25}).apply(x);
      const model = new Model({inputs: image, outputs: layers.dense({units: 10, activation: 'softmax'}).apply(x)});
      model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
      return model;
    },
    x: () => tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11),
    y: () => oneHot(3, 10, 12),
    customObjects: {LearnableScale},
  },
  {
    name: 'an LSTM (examples/text_lstm.ts: masked Embedding, LSTM, Dense sigmoid)',
    build: () => {
      const tokens = input({shape: [12]});
      let h = layers.embedding({inputDim: 10, outputDim: 8, maskZero: true}).apply(tokens);
      h = layers.lstm({units: 16}).apply(h);
      const model = new Model({inputs: tokens, outputs: layers.dense({units: 1, activation: 'sigmoid'}).apply(h)});
      model.compile({optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy']});
      return model;
    },
    // Zero-padded token ids, so the mask matters.
    x: () =>
      tf.tidy(() =>
        tf.mul(tf.randomUniform([4, 12], 1, 10, 'int32', 13), tf.cast(tf.less(tf.range(0, 12), 8), 'int32')),
      ),
    y: () => tf.tensor2d([[1], [0], [1], [0]]),
  },
];

function summaryOf(model: Model): string {
  const lines: string[] = [];
  model.summary(undefined, undefined, line => lines.push(line));
  return lines.join('\n');
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

function predictBits(model: Model, x: tf.Tensor | tf.Tensor[]): number[][] {
  const out = model.predict(x) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const result = list.map(bits);
  tf.dispose(list);
  return result;
}

function evaluateBits(model: Model, x: tf.Tensor | tf.Tensor[], y: tf.Tensor): number[] {
  const out = model.evaluate(x, y);
  const list = Array.isArray(out) ? out : [out];
  const result = list.flatMap(bits);
  tf.dispose(list);
  return result;
}

async function viaMemory(
  model: Model,
  includeOptimizer: boolean,
  customObjects?: Record<string, unknown>,
): Promise<Model> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async a => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
    {includeOptimizer, customObjects: customObjects as never},
  );
  return loadModel(tf.io.fromMemory(saved!), {customObjects: customObjects as never});
}

let dirs = 0;
async function viaFiles(
  model: Model,
  includeOptimizer: boolean,
  customObjects?: Record<string, unknown>,
): Promise<Model> {
  const dir = path.join(tmp, `model-${dirs++}`);
  await model.save(`file://${dir}`, {includeOptimizer, customObjects: customObjects as never});
  return loadModel(`file://${dir}`, {customObjects: customObjects as never});
}

for (const c of CASES) {
  for (const [how, roundTrip] of [
    ['file://', viaFiles],
    ['memory', viaMemory],
  ] as const) {
    test(`${how}: ${c.name}`, async () => {
      const model = c.build();
      const compiled = model.optimizer != null;
      const x = c.x();
      const y = c.y?.();
      const before = tf.memory().numTensors;
      const loaded = await roundTrip(model, compiled, c.customObjects);
      assert.is(summaryOf(loaded), summaryOf(model), 'summary() identical');
      assert.equal(
        loaded.weights.map(bits),
        model.weights.map(bits),
        'every weight identical, trainable ones first, in the same order',
      );
      assert.equal(
        loaded.weights.map(w => w.trainable),
        model.weights.map(w => w.trainable),
      );
      if (!c.random) assert.equal(predictBits(loaded, x), predictBits(model, x), 'predictions bit-identical');
      if (y) {
        assert.ok(loaded.optimizer, 'compiled again from the file');
        assert.equal(
          evaluateBits(loaded, x, y),
          evaluateBits(model, x, y),
          'evaluate (loss with regularizers and added losses)',
        );
      }
      loaded.dispose();
      assert.is(tf.memory().numTensors, before, 'the loaded model, disposed, leaves nothing behind');
      tf.dispose([x, y ?? []].flat());
      model.dispose();
    });
  }
}

test('a custom layer is found neither in the registry nor in customObjects: the load names it and lists the known ones', async () => {
  class Unsaved extends Layer {
    static override className = 'Unsaved';
  }
  registerLayer(Unsaved, 'UnsavedForNow');
  const x = input({shape: [3]});
  const model = new Model({inputs: x, outputs: new Unsaved().apply(x)});
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async a => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  model.dispose();
  const topology = saved!.modelTopology as {config: {layers: {class_name: string; registered_name: string | null}[]}};
  const entry = topology.config.layers[1]!;
  entry.class_name = 'Renamed';
  entry.registered_name = 'Custom>Renamed';
  const numTensors = tf.memory().numTensors;
  try {
    await loadModel(tf.io.fromMemory(saved!));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /Renamed/);
    assert.match((e as Error).message, /MyDense/);
    assert.match((e as Error).message, /Dense/);
  }
  assert.is(tf.memory().numTensors, numTensors, 'nothing left behind');
});

test.after(() => {
  fs.rmSync(tmp, {recursive: true, force: true});
});

test.run();
