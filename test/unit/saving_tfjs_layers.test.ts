// Interop with tfjs-layers: model.save(handler, {format: 'tfjs-layers'}) writes what stock
// tf.loadLayersModel reads, and loadModel reads what stock tfjs-layers' model.save writes. Each
// model is saved in one library, loaded in the other, and both predict on the same input on the
// same backend: the predictions must be identical.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import * as tfl from '@tensorflow/tfjs-layers';
import {K, Layer, Model, input, layers, loadModel, registerFunction, type Shape} from '../../src/keras/index.js';

await tf.setBackend('as');

async function capture(save: (h: tf.io.IOHandler) => Promise<unknown>): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await save(
    tf.io.withSaveHandler(async a => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  return saved!;
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.equal(a.shape, b.shape, 'output shapes');
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

// ---------------------------------------------------------------- ours -> tfjs-layers

interface Case {
  name: string;
  build: () => Model;
  x: () => tf.Tensor;
  /**
   * 0 unless the model normalizes or has an LSTM (see that case): BatchNormalization computes Keras 3's
   * (x - mean) * rsqrt(var + eps) * gamma + beta, tfjs-layers calls tf.batchNorm, whose kernel
   * orders the same float32 operations differently (a few units in the last place).
   */
  tolerance?: number;
}

/** Gives a BatchNormalization layer statistics far from its initial ones, so they matter. */
function randomizeNormalization(model: {layers: {getClassName(): string; weights: tf.Variable[]}[]}): void {
  for (const layer of model.layers)
    if (layer.getClassName() === 'BatchNormalization')
      layer.weights.forEach((w, i) => {
        w.assign(tf.randomUniform(w.shape, 0.5, 1.5, 'float32', 40 + i));
      });
}

const OURS: Case[] = [
  {
    name: 'MLP (Dense relu, Dropout, Dense softmax, an L2 regularizer)',
    build: () => {
      const x = input({shape: [12]});
      let h = layers.dense({units: 16, activation: 'relu', kernelRegularizer: 'l2' as never}).apply(x);
      h = layers.dropout({rate: 0.3}).apply(h);
      return new Model({inputs: x, outputs: layers.dense({units: 4, activation: 'softmax'}).apply(h)});
    },
    x: () => tf.randomNormal([5, 12], 0, 1, 'float32', 1),
  },
  {
    name: 'CNN (Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense)',
    build: () => {
      const x = input({shape: [10, 10, 2]});
      let h = layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu', padding: 'same'}).apply(x);
      h = layers.maxPooling2d({poolSize: 2}).apply(h);
      h = layers.conv2d({filters: 3, kernelSize: 2, strides: 2}).apply(h);
      h = layers.averagePooling2d({poolSize: 1}).apply(h);
      h = layers.flatten().apply(h);
      return new Model({inputs: x, outputs: layers.dense({units: 3, activation: 'softmax'}).apply(h)});
    },
    x: () => tf.randomNormal([3, 10, 10, 2], 0, 1, 'float32', 2),
  },
  {
    name: 'CNN with BatchNormalization',
    build: () => {
      const x = input({shape: [8, 8, 2]});
      let h = layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu'}).apply(x);
      h = layers.batchNormalization().apply(h);
      h = layers.globalAveragePooling2d().apply(h);
      const m = new Model({inputs: x, outputs: layers.dense({units: 2}).apply(h)});
      randomizeNormalization(m);
      return m;
    },
    x: () => tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 8),
    tolerance: 1e-6,
  },
  {
    name: 'recurrent (Embedding, SimpleRNN returning sequences, Bidirectional GRU, Dense)',
    build: () => {
      const x = input({shape: [7]});
      let h = layers.embedding({inputDim: 20, outputDim: 5}).apply(x);
      h = layers.simpleRNN({units: 6, returnSequences: true}).apply(h);
      h = layers.bidirectional({layer: layers.gru({units: 3, resetAfter: false})}).apply(h);
      // tanh, not sigmoid: tfjs-layers fuses a sigmoid into the product (the backend's _FusedMatMul
      // sigmoid), ours applies tf.sigmoid after it, and the two sigmoids differ in the last bit.
      return new Model({inputs: x, outputs: layers.dense({units: 2, activation: 'tanh'}).apply(h)});
    },
    x: () => tf.randomUniform([4, 7], 0, 20, 'int32', 3),
  },
  {
    name: 'LSTM (LSTM returning sequences, Bidirectional LSTM, Dense)',
    build: () => {
      const x = input({shape: [6, 4]});
      let h = layers.lstm({units: 5, returnSequences: true}).apply(x);
      h = layers.bidirectional({layer: layers.lstm({units: 3})}).apply(h);
      return new Model({inputs: x, outputs: layers.dense({units: 2}).apply(h)});
    },
    x: () => tf.randomNormal([3, 6, 4], 0, 1, 'float32', 13),
    // Our LSTM adds the bias to all steps' input projections at once, (x·W + b) + h·U; tfjs-layers
    // (and Keras) add it per step, (x·W + h·U) + b: the same sum rounded in another order.
    tolerance: 1e-6,
  },
  {
    name: 'two inputs, Concatenate and Add',
    build: () => {
      const a = input({shape: [5]});
      const b = input({shape: [5]});
      const da = layers.dense({units: 4}).apply(a);
      const db = layers.dense({units: 4}).apply(b);
      const sum = layers.add().apply([da, db]);
      return new Model({inputs: [a, b], outputs: layers.concatenate().apply([sum, da])});
    },
    x: () => tf.randomNormal([3, 5], 0, 1, 'float32', 4),
  },
];

for (const c of OURS) {
  test(`ours -> tf.loadLayersModel: ${c.name}`, async () => {
    const ours = c.build();
    const artifacts = await capture(h => ours.save(h, {format: 'tfjs-layers'}));
    const topology = artifacts.modelTopology as {class_name: string; keras_version: string};
    assert.is(topology.class_name, 'Model');
    assert.match(topology.keras_version, /^tfjs-layers/);
    const x = c.x();
    const xs = ours.inputs.length > 1 ? ours.inputs.map(() => x) : x;
    const a = ours.predict(xs) as tf.Tensor;
    const params = ours.countParams();
    // tfjs-layers names its variables '<layer>/<weight>' without asking tfjs' registry, so a model
    // of ours with the same layer names must be gone first (tfjs: "Variable ... already registered").
    ours.dispose();
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const b = theirs.predict(xs) as tf.Tensor;
    if (c.tolerance) assert.ok(maxDiff(a, b) <= c.tolerance, `predictions within ${c.tolerance}: ${maxDiff(a, b)}`);
    else assert.is(maxDiff(a, b), 0, 'identical predictions');
    assert.is(theirs.countParams(), params, 'same parameter count');
    tf.dispose([x, a, b]);
    theirs.dispose();
  });
}

// ---------------------------------------------------------------- tfjs-layers -> ours

const THEIRS: {name: string; build: () => tfl.LayersModel; x: () => tf.Tensor; tolerance?: number}[] = [
  {
    name: 'Sequential MLP',
    build: () => {
      const m = tfl.sequential();
      m.add(tfl.layers.dense({inputShape: [8], units: 10, activation: 'relu'}));
      m.add(tfl.layers.dense({units: 3, activation: 'softmax', kernelRegularizer: tfl.regularizers.l2({l2: 0.01})}));
      return m;
    },
    x: () => tf.randomNormal([4, 8], 0, 1, 'float32', 5),
  },
  {
    name: 'Sequential CNN',
    build: () => {
      const m = tfl.sequential();
      m.add(tfl.layers.conv2d({inputShape: [9, 9, 1], filters: 3, kernelSize: 3, activation: 'relu'}));
      m.add(tfl.layers.maxPooling2d({poolSize: 2}));
      m.add(tfl.layers.conv2d({filters: 2, kernelSize: 2, padding: 'same'}));
      m.add(tfl.layers.flatten());
      m.add(tfl.layers.dense({units: 2}));
      return m;
    },
    x: () => tf.randomNormal([2, 9, 9, 1], 0, 1, 'float32', 6),
  },
  {
    name: 'Sequential CNN with BatchNormalization',
    build: () => {
      const m = tfl.sequential();
      m.add(tfl.layers.conv2d({inputShape: [6, 6, 1], filters: 3, kernelSize: 3}));
      m.add(tfl.layers.batchNormalization());
      m.add(tfl.layers.flatten());
      m.add(tfl.layers.dense({units: 2}));
      randomizeNormalization({
        layers: m.layers.map(l => ({
          getClassName: () => l.getClassName(),
          weights: l.weights.map(w => w.read() as tf.Variable),
        })),
      });
      return m;
    },
    x: () => tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 16),
    tolerance: 1e-6,
  },
  {
    name: "functional LSTM (tfjs-layers recurrent defaults made Keras 3's: sigmoid, glorot)",
    build: () => {
      const x = tfl.input({shape: [6, 4]});
      const rnn = {recurrentInitializer: 'glorotUniform', recurrentActivation: 'sigmoid'} as const;
      const h = tfl.layers.lstm({units: 5, returnSequences: true, ...rnn}).apply(x) as tfl.SymbolicTensor;
      const g = tfl.layers
        .bidirectional({layer: tfl.layers.lstm({units: 3, ...rnn}) as unknown as tfl.layers.RNN})
        .apply(h) as tfl.SymbolicTensor;
      const y = tfl.layers.dense({units: 2, activation: 'tanh'}).apply(g) as tfl.SymbolicTensor;
      return tfl.model({inputs: x, outputs: y});
    },
    x: () => tf.randomNormal([3, 6, 4], 0, 1, 'float32', 7),
    tolerance: 1e-6, // the LSTM's bias, added in another order (see the LSTM case above)
  },
];

THEIRS.push({
  name: "LSTM and GRU with tfjs-layers' defaults (recurrent activation hard_sigmoid, Keras 2's)",
  build: () => {
    const x = tfl.input({shape: [5, 3]});
    // glorotUniform: tfjs-layers' orthogonal initializer needs chained ops these tests do not load.
    const h = tfl.layers.lstm({units: 4, returnSequences: true, recurrentInitializer: 'glorotUniform'}).apply(x);
    const g = tfl.layers.gru({units: 3, recurrentInitializer: 'glorotUniform'}).apply(h as tfl.SymbolicTensor);
    return tfl.model({inputs: x, outputs: g as tfl.SymbolicTensor});
  },
  x: () => tf.randomNormal([2, 5, 3], 0, 1, 'float32', 17),
  tolerance: 1e-6, // the LSTM's bias order, as above
});

for (const c of THEIRS) {
  test(`tfjs-layers model.save -> loadModel: ${c.name}`, async () => {
    const theirs = c.build();
    const artifacts = await capture(h => theirs.save(h));
    const before = tf.memory().numTensors;
    const ours = await loadModel(tf.io.fromMemory(artifacts));
    assert.is(tf.memory().numTensors - before, ours.weights.length, 'only the weights were made');
    const x = c.x();
    const a = theirs.predict(x) as tf.Tensor;
    const b = ours.predict(x) as tf.Tensor;
    const tolerance = c.tolerance ?? 0;
    assert.ok(maxDiff(a, b) <= tolerance, `predictions within ${tolerance}: ${maxDiff(a, b)}`);
    assert.is(ours.countParams(), theirs.countParams());
    // Saved in our own format, it loads back the same.
    const own = await loadModel(tf.io.fromMemory(await capture(h => ours.save(h))));
    const d = own.predict(x) as tf.Tensor;
    assert.is(maxDiff(b, d), 0, 'our format keeps the loaded model exactly');
    tf.dispose(d);
    own.dispose();
    // And back: our tfjs-layers save of the loaded model loads in tfjs-layers again.
    const again = await capture(h => ours.save(h, {format: 'tfjs-layers'}));
    theirs.dispose();
    ours.dispose();
    const back = await tfl.loadLayersModel(tf.io.fromMemory(again));
    const c2 = back.predict(x) as tf.Tensor;
    assert.is(maxDiff(a, c2), 0, 'identical after the round trip');
    tf.dispose([x, a, b, c2]);
    back.dispose();
  });
}

// ---------------------------------------------------------------- tfjs-layers' optimizer state

const TFJS_OPTIMIZERS: [string, () => tf.Optimizer][] = [
  ['adam', () => tf.train.adam(0.01)],
  ['rmsprop', () => tf.train.rmsprop(0.01)],
  ['momentum', () => tf.train.momentum(0.05, 0.9)],
];

for (const [label, makeOptimizer] of TFJS_OPTIMIZERS) {
  test(`tfjs-layers model.save({includeOptimizer}) with ${label} -> loadModel compiles and restores the slots: fit continues as tfjs-layers' own reload does`, async () => {
    const x = tf.randomNormal([32, 8], 0, 1, 'float32', 50);
    const labels = tf.randomUniform([32], 0, 3, 'int32', 51);
    const y = tf.oneHot(labels, 3);
    const theirs = tfl.sequential();
    theirs.add(tfl.layers.dense({inputShape: [8], units: 6, activation: 'relu'}));
    theirs.add(tfl.layers.dense({units: 3, activation: 'softmax'}));
    const optimizer = makeOptimizer();
    theirs.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['acc']});
    const config = {epochs: 1, batchSize: 8, shuffle: false, verbose: 0 as const};
    await theirs.fit(x, y, config);
    const artifacts = await capture(h => theirs.save(h, {includeOptimizer: true}));
    assert.ok(artifacts.trainingConfig, 'tfjs-layers wrote its training config');
    // tfjs-layers continues from its own file...
    const again = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const theirLoss = (await again.fit(x, y, config)).history.loss[0] as number;
    // ...and so does ours.
    const ours = await loadModel(tf.io.fromMemory(artifacts));
    assert.ok(ours.optimizer, 'compiled from trainingConfig');
    assert.is(ours.optimizer!.iterations, 4, "tfjs-layers' iteration count");
    const ourLoss = (await ours.fit(x, y, {...config, verbose: 0})).history.loss[0] as number;
    assert.is(ourLoss, theirLoss, "the continued epoch's loss, bit for bit");
    const theirWeights = again.getWeights();
    ours.weights.forEach((w, i) => {
      assert.is(maxDiff(w, theirWeights[i]!), 0, `weight ${w.name} after the continued epoch`);
    });
    tf.dispose([x, labels, y]); // theirWeights are tfjs-layers' variables themselves (getWeights reads them)
    for (const m of [theirs, again]) m.dispose();
    optimizer.dispose();
    ours.dispose();
  });
}

const OUR_OPTIMIZERS: [string, 'adam' | 'rmsprop' | tf.Optimizer, number][] = [
  ['adam', 'adam', 1e-6], // tfjs' setWeights sets Adam's accumulators to beta^(t+1), not the running product
  ['rmsprop', 'rmsprop', 0],
  ['momentum', tf.train.momentum(0.05, 0.9), 0],
];

for (const [label, optimizer, tolerance] of OUR_OPTIMIZERS) {
  test(`ours with ${label} -> model.save({format: 'tfjs-layers', includeOptimizer}) -> tf.loadLayersModel continues fit as ours does`, async () => {
    const x = tf.randomNormal([32, 8], 0, 1, 'float32', 60);
    const labels = tf.randomUniform([32], 0, 3, 'int32', 61);
    const y = tf.oneHot(labels, 3);
    const inp = input({shape: [8]});
    const h = layers.dense({units: 6, activation: 'relu'}).apply(inp);
    const ours = new Model({inputs: inp, outputs: layers.dense({units: 3, activation: 'softmax'}).apply(h)});
    ours.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const config = {epochs: 1, batchSize: 8, shuffle: false, verbose: 0 as const};
    await ours.fit(x, y, config);
    const artifacts = await capture(handler => ours.save(handler, {format: 'tfjs-layers', includeOptimizer: true}));
    const training = artifacts.trainingConfig as {
      loss: string;
      metrics: string[];
      optimizer_config: {class_name: string};
    };
    assert.is(training.loss, 'categorical_crossentropy');
    assert.equal(training.metrics, ['accuracy']);
    const ourLoss = (await ours.fit(x, y, config)).history.loss[0] as number;
    const ourWeights = ours.getWeights();
    ours.dispose(); // tfjs-layers would reuse our variables' names
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    assert.is(theirs.optimizer.getClassName(), training.optimizer_config.class_name);
    const theirLoss = (await theirs.fit(x, y, config)).history.loss[0] as number;
    assert.ok(
      Math.abs(ourLoss - theirLoss) <= tolerance * Math.abs(ourLoss),
      `loss: ours ${ourLoss}, tfjs-layers ${theirLoss}`,
    );
    theirs.getWeights().forEach((w, i) => {
      assert.ok(maxDiff(w, ourWeights[i]!) <= tolerance, `weight ${i} after the continued epoch`);
    });
    tf.dispose([x, labels, y, ourWeights]);
    theirs.dispose();
  });
}

test("format 'tfjs-layers' with includeOptimizer refuses what tfjs-layers' training config cannot hold", async () => {
  const inp = input({shape: [3]});
  const model = new Model({inputs: inp, outputs: layers.dense({units: 2}).apply(inp)});
  const handler = tf.io.withSaveHandler(async () => ({
    modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'},
  }));
  const fails = async (pattern: RegExp) => {
    try {
      await model.save(handler, {format: 'tfjs-layers', includeOptimizer: true});
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
  };
  await fails(/includeOptimizer needs a compiled model/);
  model.compile({optimizer: 'sgd', loss: (a: tf.Tensor, b: tf.Tensor) => tf.sub(a, b)});
  await fails(/the loss is a function/);
  model.compile({optimizer: 'adamax', loss: 'mse'});
  await fails(/Adamax cannot restore its state/);
  model.dispose();
});

// ---------------------------------------------------------------- what tfjs-layers cannot load

class Scale extends Layer {
  w!: tf.Variable;
  override build(shape: Shape) {
    this.w = K.variable(K.ones([shape[shape.length - 1]!]));
  }
  override call(x: tf.Tensor) {
    return K.mul(x, this.w) as tf.Tensor;
  }
}

test("format 'tfjs-layers' refuses layers tfjs-layers lacks, naming the layer, before anything is written", async () => {
  const double = registerFunction('tfjsLayersTestDouble', (t: tf.Tensor) => tf.mul(t, 2));
  const cases: [string, () => Model, RegExp][] = [
    [
      'Lambda',
      () => {
        const x = input({shape: [3]});
        return new Model({inputs: x, outputs: layers.lambda(double, {name: 'doubler'}).apply(x)});
      },
      /layer 'doubler' is a Lambda, which tfjs-layers cannot load/,
    ],
    [
      'K op',
      () => {
        const x = input({shape: [3]});
        return new Model({inputs: x, outputs: K.square(layers.dense({units: 2}).apply(x))});
      },
      /is a TFOpLambda, which tfjs-layers cannot load \(K op nodes exist only in this library\)/,
    ],
    [
      'MultiHeadAttention',
      () => {
        const x = input({shape: [4, 6]});
        return new Model({
          inputs: x,
          outputs: layers.multiHeadAttention({numHeads: 2, keyDim: 3, name: 'mha'}).apply([x, x]),
        });
      },
      /layer 'mha' is a MultiHeadAttention, which tfjs-layers cannot load/,
    ],
    [
      'leaky_relu activation',
      () => {
        const x = input({shape: [3]});
        return new Model({
          inputs: x,
          outputs: layers.dense({units: 2, activation: 'leakyRelu', name: 'leaky'}).apply(x),
        });
      },
      /layer 'leaky': activation 'leaky_relu' is not an activation tfjs-layers has/,
    ],
  ];
  for (const [label, build, pattern] of cases) {
    const model = build();
    let wrote = false;
    const handler = tf.io.withSaveHandler(async () => {
      wrote = true;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    });
    try {
      await model.save(handler, {format: 'tfjs-layers'});
      assert.unreachable(`${label}: expected an error`);
    } catch (e) {
      assert.match((e as Error).message, pattern, label);
      assert.match((e as Error).message, /save with format 'keras'|model\.save/, label);
    }
    assert.not.ok(wrote, `${label}: nothing written`);
    model.dispose();
  }
  // A custom layer: registered or not, tfjs-layers has no such class.
  const x = input({shape: [3]});
  const custom = new Model({inputs: x, outputs: new Scale({name: 'scale'}).apply(x)});
  try {
    await custom.save(
      tf.io.withSaveHandler(async () => ({modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}})),
      {format: 'tfjs-layers'},
    );
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /Scale/);
  }
  custom.dispose();
});

test.run();
