// Keras checks for the browser suite: a small functional model with a custom layer and an
// addLoss term trains on 'as' in the page (the loss at least halves).
import * as tf from '@tensorflow/tfjs-core';
import * as keras from 'tfjs-backend-as/keras';
import {assert, randomArray} from './harness.js';

export function kerasChecks(test) {
  test('tfjs-backend-as/keras exports what the checks use', () => {
    for (const name of ['K', 'Layer', 'Model', 'input', 'layers']) {
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the check is that these names exist
      assert(keras[name] != null, `tfjs-backend-as/keras has no export '${name}'`);
    }
  });
  const {K, Layer, Model, input, layers} = keras;

  // The seed's custom layer, as API.md writes it.
  class MyDense extends Layer {
    constructor(units = 32) {
      super();
      this.units = units;
    }
    build(inputShape) {
      this.w = K.variable(K.randomNormal([inputShape[inputShape.length - 1], this.units], 0, 0.1));
      this.b = tf.variable(tf.zeros([this.units]), true);
    }
    call(inputs) {
      return K.add(K.dot(inputs, this.w), this.b);
    }
  }

  const n = 256,
    features = 8;
  const xData = randomArray(n * features, 77);
  const yData = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < features; j++) s += xData[i * features + j] * ((j % 3) - 1);
    yData[i] = s;
  }

  test("a model with a custom layer and an addLoss term trains on 'as' (the loss at least halves)", async () => {
    assert(tf.getBackend() === 'as', `backend is ${tf.getBackend()}`);
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(xData, [n, features]),
      y = tf.tensor2d(yData, [n, 1]);
    const inp = input({shape: [features]});
    const hidden = layers.dense({units: 32, activation: 'relu'}).apply(inp);
    const out = new MyDense(1).apply(hidden);
    const model = new Model({inputs: inp, outputs: out});
    // An activity penalty on the hidden layer joins the compiled loss.
    model.addLoss(K.mul(K.mean(K.square(hidden)), 1e-3));
    const optimizer = tf.train.adam(0.01);
    model.compile({optimizer, loss: 'meanSquaredError'});
    const history = await model.fit(x, y, {epochs: 25, batchSize: 32, verbose: 0, seed: 1});
    const loss = history.history.loss;
    assert(loss.length === 25, `history has ${loss.length} epochs`);
    assert(loss.every(Number.isFinite), `loss is not finite: ${loss}`);
    assert(
      loss[loss.length - 1] <= loss[0] / 2,
      `loss went from ${loss[0]} to ${loss[loss.length - 1]}: it did not halve`,
    );
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose(); // ours, not the model's: compile never disposes an optimizer it was given
    assert(tf.memory().numTensors === before, `${tf.memory().numTensors - before} tensors left after training`);
  });

  test('a model whose only loss is addLoss trains without targets', async () => {
    const x = tf.tensor2d(xData, [n, features]);
    const inp = input({shape: [features]});
    const out = layers.dense({units: 4}).apply(inp);
    const model = new Model({inputs: inp, outputs: out});
    model.addLoss(K.mean(K.square(K.sub(out, 3))));
    model.compile({optimizer: tf.train.adam(0.05)});
    const history = await model.fit(x, undefined, {epochs: 20, batchSize: 64, verbose: 0, seed: 2});
    const loss = history.history.loss;
    assert(
      loss[loss.length - 1] <= loss[0] / 2,
      `loss went from ${loss[0]} to ${loss[loss.length - 1]}: it did not halve`,
    );
    x.dispose();
  });

  test('model.save and loadModel through indexeddb://, localstorage:// and downloads://', async () => {
    assert(typeof keras.loadModel === 'function', 'tfjs-backend-as/keras has no export loadModel');
    const inp = input({shape: [features]});
    const hidden = layers.dense({units: 6, activation: 'relu'}).apply(inp);
    // A custom layer joins saving with getConfig (its constructor arguments) and fromConfig.
    class SavedDense extends MyDense {
      static className = 'SavedDense';
      getConfig() {
        return {...super.getConfig(), units: this.units};
      }
      static fromConfig(config) {
        const layer = new SavedDense(config.units);
        layer.name = config.name;
        return layer;
      }
    }
    keras.registerLayer(SavedDense);
    const model = new Model({inputs: inp, outputs: new SavedDense(2).apply(hidden)});
    const x = tf.tensor2d(xData.slice(0, 4 * features), [4, features]);
    const expected = model.predict(x);
    const bits = t => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));
    for (const url of ['indexeddb://tfjs-as-check', 'localstorage://tfjs-as-check']) {
      await model.save(url);
      const loaded = await keras.loadModel(url);
      const got = loaded.predict(x);
      assert(
        JSON.stringify(bits(got)) === JSON.stringify(bits(expected)),
        `${url}: predictions differ after loadModel`,
      );
      tf.dispose(got);
      loaded.dispose();
      await tf.io.removeModel(url);
    }
    // tfjs' downloads handler clicks a link per file; the save resolves once both are handed over.
    const result = await model.save('downloads://tfjs-as-check');
    assert(result.modelArtifactsInfo.weightDataBytes > 0, 'downloads:// wrote no weights');
    tf.dispose([x, expected]);
    model.dispose();
  });

  test('a .keras archive: writeKerasArchive, then loadModel of its bytes (fflate and h5wasm in the page)', async () => {
    assert(typeof keras.writeKerasArchive === 'function', 'tfjs-backend-as/keras has no export writeKerasArchive');
    const inp = input({shape: [features]});
    const hidden = layers.dense({units: 5, activation: 'tanh'}).apply(inp);
    const model = new Model({inputs: inp, outputs: layers.dense({units: 2}).apply(hidden)});
    const x = tf.tensor2d(xData.slice(0, 4 * features), [4, features]);
    const expected = model.predict(x);
    const bytes = await keras.writeKerasArchive(model);
    assert(bytes[0] === 0x50 && bytes[1] === 0x4b, 'the archive is no zip');
    const archive = await keras.readKerasArchive(bytes, 'page.keras');
    assert(archive.weights.get('layers/dense')?.vars.length === 2, 'no layers/dense/vars in the written h5');
    const loaded = await keras.loadModel(bytes);
    const got = loaded.predict(x);
    const bits = t => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));
    assert(
      JSON.stringify(bits(got)) === JSON.stringify(bits(expected)),
      'predictions differ after the .keras round trip',
    );
    tf.dispose([x, expected, got]);
    model.dispose();
    loaded.dispose();
  });
}
