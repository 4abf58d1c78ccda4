// model.save / loadModel through tf.io: the file:// handler (tfjs-node's model.json + weights.bin),
// memory handlers, the optimizer state (fit after loadModel continues bit for bit), and bad files:
// each an Error naming the file and what is wrong, with no tensor left behind.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {unzipSync, zipSync} from 'fflate';
import '../../src/index.js';
import {
  FORMAT_VERSION,
  K,
  Layer,
  Model,
  input,
  layers,
  loadModel,
  optimizers,
  registerFunction,
  registerLayer,
  type Shape,
  type SymbolicTensor,
} from '../../src/keras/index.js';

await tf.setBackend('as');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-save-'));

function mlp(): Model {
  const x = input({shape: [6]});
  const h = layers.dense({units: 8, activation: 'relu'}).apply(x);
  const y = layers.dense({units: 3, activation: 'softmax'}).apply(h);
  return new Model({inputs: x, outputs: y});
}

/** Saves into memory and returns the artifacts. */
async function toMemory(model: Model, options?: Parameters<Model['save']>[1]): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async a => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
    options,
  );
  return saved!;
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

function assertSamePredictions(a: Model, b: Model, x: tf.Tensor): void {
  const [pa, pb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
  assert.equal(bits(pb), bits(pa), 'predictions are bit-identical');
  tf.dispose([pa, pb]);
}

/** Runs `fn`, expects it to reject with a message matching every pattern, and no tensor to be left. */
async function rejects(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  const before = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  try {
    await fn();
  } catch (e) {
    const message = (e as Error).message;
    for (const p of patterns) assert.match(message, p, `${p} in: ${message}`);
    assert.is(tf.memory().numTensors, before, `no tensor left behind (${message})`);
    assert.is(Object.keys(tf.engine().registeredVariables).length, variables, 'no variable left behind');
    return;
  }
  assert.unreachable('expected an error');
}

test('file://: tfjs-node layout (model.json + weights.bin), format version, predictions bit-identical', async () => {
  const model = mlp();
  const dir = path.join(tmp, 'mlp');
  const result = await model.save(`file://${dir}`);
  assert.ok(result.modelArtifactsInfo.weightDataBytes! > 0);
  assert.equal(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.is(json.format, 'layers-model');
  assert.is(json.modelTopology.class_name, 'Functional');
  assert.equal(json.userDefinedMetadata['tfjs-backend-as'], {formatVersion: FORMAT_VERSION});
  assert.equal(
    json.weightsManifest[0].weights.map((w: {name: string}) => w.name),
    model.layers.slice(1).flatMap(l => [`${l.name}/kernel`, `${l.name}/bias`]),
  );
  assert.equal(json.weightsManifest[0].paths, ['weights.bin']);
  const before = tf.memory().numTensors;
  const loaded = await loadModel(`file://${dir}`);
  assert.is(tf.memory().numTensors - before, loaded.weights.length, 'only the weights were made');
  // A path to the model.json works as well as its directory; tf.io's own router takes file:// too.
  const again = await loadModel(`file://${path.join(dir, 'model.json')}`);
  const x = tf.randomNormal([5, 6], 0, 1, 'float32', 3);
  assertSamePredictions(model, loaded, x);
  assertSamePredictions(model, again, x);
  assert.ok(tf.io.getLoadHandlers(`file://${dir}`).length > 0, 'file:// is registered with tf.io');
  tf.dispose(x);
  for (const m of [model, loaded, again]) m.dispose();
});

test('memory handlers: tf.io.withSaveHandler and tf.io.fromMemory; a plain IOHandler object', async () => {
  const model = mlp();
  const artifacts = await toMemory(model);
  assert.is(artifacts.format, 'layers-model');
  const loaded = await loadModel(tf.io.fromMemory(artifacts));
  let stored: tf.io.ModelArtifacts | null = null;
  const handler: tf.io.IOHandler = {
    save: async a => {
      stored = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    },
    load: async () => stored!,
  };
  await loaded.save(handler);
  const third = await loadModel(handler);
  const x = tf.randomNormal([4, 6], 0, 1, 'float32', 9);
  assertSamePredictions(model, loaded, x);
  assertSamePredictions(model, third, x);
  tf.dispose(x);
  for (const m of [model, loaded, third]) m.dispose();
});

// ---------------------------------------------------------------- optimizer state

const data = () => {
  const x = tf.randomNormal([40, 6], 0, 1, 'float32', 11);
  const labels = tf.randomUniform([40], 0, 3, 'int32', 12);
  const y = tf.oneHot(labels, 3);
  labels.dispose();
  return {x, y};
};

type OptimizerFactory = () => tf.Optimizer | string;

const OPTIMIZERS: [string, OptimizerFactory][] = [
  ['adam', () => 'adam'],
  ['rmsprop', () => 'rmsprop'],
  ['sgd', () => 'sgd'],
  ['sgd with momentum', () => optimizers.sgd({learningRate: 0.05, momentum: 0.9, nesterov: true})],
  ['centered rmsprop', () => optimizers.rmsprop({centered: true, momentum: 0.5})],
  ['adagrad', () => 'adagrad'],
  ['adadelta', () => optimizers.adadelta({learningRate: 1})],
  ['adamax', () => 'adamax'],
];

for (const [label, makeOptimizer] of OPTIMIZERS) {
  test(`includeOptimizer (${label}): fit after loadModel continues bit for bit (losses and weights)`, async () => {
    const {x, y} = data();
    const compile = (m: Model) =>
      m.compile({optimizer: makeOptimizer() as 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const fitConfig = {batchSize: 8, seed: 7, verbose: 0 as const};
    // A: two epochs in one go.
    const a = mlp();
    compile(a);
    const initial = a.getWeights();
    const historyA = await a.fit(x, y, {...fitConfig, epochs: 2});
    // B: the same model, one epoch, saved with its optimizer; C, loaded, trains the second epoch.
    const b = mlp();
    b.setWeights(initial);
    tf.dispose(initial);
    compile(b);
    await b.fit(x, y, {...fitConfig, epochs: 1});
    const dir = path.join(tmp, `opt-${label.replace(/\s/g, '-')}`);
    await b.save(`file://${dir}`, {includeOptimizer: true});
    const c = await loadModel(`file://${dir}`);
    assert.ok(c.optimizer, 'the loaded model is compiled');
    assert.is(c.optimizer!.iterations, b.optimizer!.iterations, 'iteration count');
    const historyC = await c.fit(x, y, {...fitConfig, epochs: 2, initialEpoch: 1});
    assert.equal(historyC.history.loss, [historyA.history.loss[1]], 'epoch 2 loss, bit for bit');
    assert.equal(historyC.history.accuracy, [historyA.history.accuracy[1]]);
    a.weights.forEach((w, i) => {
      assert.equal(bits(c.weights[i]!), bits(w), `weight ${w.name} after epoch 2`);
    });
    tf.dispose([x, y]);
    // dispose() frees the loaded model's optimizer too: it was made from the file.
    const before = tf.memory().numTensors;
    c.dispose();
    assert.ok(tf.memory().numTensors < before);
    for (const m of [a, b]) m.dispose();
  });
}

/** The seed's MyDense (variables in fields, so their tfjs names are numbers: slot order depends on it). */
class SeedDense extends Layer {
  static override className = 'SeedDense';
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(
    readonly units = 32,
    config: {name?: string} = {},
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
    return new SeedDense(config.units as number, {name: config.name as string});
  }
}
registerLayer(SeedDense);

/** examples/main.ts' custom loss, saved by its registered name. */
const myCrossentropy = registerFunction('myCrossentropy', (yTrue: tf.Tensor, yPred: tf.Tensor) =>
  K.neg(K.sum(K.mul(yTrue, K.log(K.clip(yPred, K.epsilon(), 1 - K.epsilon()))), -1)),
);

test("includeOptimizer on the seed's model (MyDense, addLoss, a registered custom loss, rmsprop): fit continues bit for bit", async () => {
  const build = () => {
    const x = input({shape: [8, 8]});
    const flat = layers.reshape({targetShape: [64]}).apply(x);
    const d1 = layers.dense({units: 20, activation: 'relu'}).apply(flat);
    const hidden = new SeedDense(12).apply(d1) as SymbolicTensor;
    const out = layers.dense({units: 4, activation: 'softmax'}).apply(hidden);
    const model = new Model({inputs: x, outputs: out});
    model.addLoss(K.mul(1e-2, K.mean(K.square(hidden))));
    return model;
  };
  const x = tf.randomUniform([48, 8, 8], 0, 1, 'float32', 40);
  const labels = tf.randomUniform([48], 0, 4, 'int32', 41);
  const y = tf.oneHot(labels, 4);
  const fit = {batchSize: 16, seed: 3, verbose: 0 as const};
  const a = build();
  const initial = a.getWeights();
  a.compile({optimizer: 'rmsprop', loss: myCrossentropy, metrics: ['accuracy']});
  const historyA = await a.fit(x, y, {...fit, epochs: 3});
  const b = build();
  b.setWeights(initial);
  b.compile({optimizer: 'rmsprop', loss: myCrossentropy, metrics: ['accuracy']});
  await b.fit(x, y, {...fit, epochs: 2});
  const dir = path.join(tmp, 'seed-optimizer');
  await b.save(`file://${dir}`, {includeOptimizer: true});
  const topology = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).modelTopology;
  assert.is(topology.compile_config.loss, 'Custom>myCrossentropy');
  const c = await loadModel(`file://${dir}`);
  const historyC = await c.fit(x, y, {...fit, epochs: 3, initialEpoch: 2});
  assert.equal(historyC.history.loss, [historyA.history.loss[2]], 'epoch 3 loss (with the added loss), bit for bit');
  a.weights.forEach((w, i) => {
    assert.equal(bits(c.weights[i]!), bits(w), `weight ${w.name} after epoch 3`);
  });
  tf.dispose([x, labels, y, initial]);
  for (const m of [a, b, c]) m.dispose();
});

test('includeOptimizer: compile_config in Keras 3 form; a model that was never compiled is an error', async () => {
  const model = mlp();
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const artifacts = await toMemory(model, {includeOptimizer: true});
  const topology = artifacts.modelTopology as {
    compile_config: {optimizer: {class_name: string; config: {learning_rate: number}}; loss: string; metrics: string[]};
  };
  assert.is(topology.compile_config.optimizer.class_name, 'Adam');
  assert.is(topology.compile_config.optimizer.config.learning_rate, 0.001);
  assert.is(topology.compile_config.loss, 'categoricalCrossentropy');
  assert.equal(topology.compile_config.metrics, ['accuracy']);
  // Before any step: no slots yet, and the loaded model is compiled all the same.
  const loaded = await loadModel(tf.io.fromMemory(artifacts));
  assert.ok(loaded.optimizer);
  // Without includeOptimizer: no compile config, the loaded model is not compiled.
  const plain = await loadModel(tf.io.fromMemory(await toMemory(model)));
  assert.is(plain.optimizer, undefined);
  const never = mlp();
  await rejects(
    () =>
      never.save(
        tf.io.withSaveHandler(async () => ({modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}})),
        {includeOptimizer: true},
      ),
    /includeOptimizer needs a compiled model/,
    /never compiled/,
  );
  // A custom loss function must be registered to be saved by name.
  const custom = mlp();
  custom.compile({
    optimizer: 'sgd',
    loss: function myLoss(a: tf.Tensor, b: tf.Tensor) {
      return tf.mean(tf.square(tf.sub(a, b)), -1);
    },
  });
  await rejects(
    () => toMemory(custom, {includeOptimizer: true}),
    /loss function 'myLoss' is not registered/,
    /registerFunction/,
  );
  for (const m of [model, loaded, plain, never, custom]) m.dispose();
});

test('save options are checked', async () => {
  const model = mlp();
  const h = tf.io.withSaveHandler(async () => ({
    modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'},
  }));
  await rejects(
    () => model.save(h, {format: 'onnx' as 'keras'}),
    /format must be 'keras' or 'tfjs-layers', got "onnx"/,
  );
  await rejects(() => model.save(h, {include_optimizer: true} as never), /unknown option\(s\) include_optimizer/);
  await rejects(() => model.save('ftp://x/y'), /model.save: no handler for 'ftp:\/\/x\/y'/);
  // A directory that cannot be made: the error names the target.
  const blocker = path.join(tmp, 'a-file');
  fs.writeFileSync(blocker, 'not a directory');
  await rejects(() => model.save(`file://${blocker}/model`), /saving to '.*a-file\/model'/);
  model.dispose();
});

// ---------------------------------------------------------------- bad input

class Unregistered extends Layer {
  override build(shape: Shape) {
    this.addWeight('w', [shape[shape.length - 1]!, 2]);
  }
}

test('an unregistered custom layer fails at save time, naming the class and both fixes; nothing is written', async () => {
  const x = input({shape: [4]});
  const model = new Model({inputs: x, outputs: new Unregistered().apply(x)});
  const dir = path.join(tmp, 'unregistered');
  await rejects(() => model.save(`file://${dir}`), /Unregistered/, /registerLayer/, /customObjects/);
  assert.not.ok(fs.existsSync(dir), 'nothing written');
  model.dispose();
});

/** model.json as the tests edit it. */
// biome-ignore lint/suspicious/noExplicitAny: the tests reach into the saved JSON to corrupt it
type ModelJSONFile = Record<string, any>;

/** Saves a fresh MLP to `name` and returns its model.json path and parsed content. */
async function savedMlp(name: string): Promise<{dir: string; jsonPath: string; json: ModelJSONFile}> {
  const model = mlp();
  const dir = path.join(tmp, name);
  await model.save(`file://${dir}`);
  model.dispose();
  const jsonPath = path.join(dir, 'model.json');
  return {dir, jsonPath, json: JSON.parse(fs.readFileSync(jsonPath, 'utf8'))};
}

test('bad file: a truncated weights file is named, before any variable exists', async () => {
  const {dir, jsonPath} = await savedMlp('truncated');
  const bin = path.join(dir, 'weights.bin');
  fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 50));
  await rejects(
    () => loadModel(`file://${dir}`),
    new RegExp(`loadModel: 'file://${dir}'`),
    /has 50 bytes of weight data, but its manifest describes 332/,
    /the weights file is truncated/,
  );
  await rejects(() => loadModel(`file://${jsonPath}`), /model\.json'/, /truncated/);
});

test('bad file: a weight whose shape does not match the config', async () => {
  const {jsonPath, json} = await savedMlp('shape');
  json.modelTopology.config.layers[1].config.units = 7; // the file's kernel is [6, 8]
  fs.writeFileSync(jsonPath, JSON.stringify(json));
  await rejects(
    () => loadModel(`file://${jsonPath}`),
    /loadModel: 'file:\/\/.*shape\/model\.json'/,
    /weight 'dense(_\d+)?\/kernel' has shape \[6,8\], but the model's 'dense(_\d+)?\/kernel' has \[6,7\]/,
  );
});

test('bad file: an unknown layer class lists the registered names', async () => {
  const {jsonPath, json} = await savedMlp('unknown');
  json.modelTopology.config.layers[2].class_name = 'NoSuchLayer';
  fs.writeFileSync(jsonPath, JSON.stringify(json));
  await rejects(
    () => loadModel(`file://${jsonPath}`),
    /unknown\/model\.json'/,
    /NoSuchLayer/,
    /Dense/,
    /Conv2D/,
    /LSTM/,
  );
});

test('bad file: a newer format version', async () => {
  const {jsonPath, json} = await savedMlp('newer');
  json.userDefinedMetadata['tfjs-backend-as'].formatVersion = FORMAT_VERSION + 1;
  fs.writeFileSync(jsonPath, JSON.stringify(json));
  await rejects(
    () => loadModel(`file://${jsonPath}`),
    /newer\/model\.json'/,
    new RegExp(
      `format version ${FORMAT_VERSION + 1} of tfjs-backend-as, newer than this version reads \\(${FORMAT_VERSION}\\)`,
    ),
  );
});

test('bad file: weights only (saveWeights), no file, not JSON', async () => {
  const model = mlp();
  const dir = path.join(tmp, 'weights-only');
  await model.saveWeights(`file://${dir}`);
  model.dispose();
  await rejects(() => loadModel(`file://${dir}`), /holds only weights \(written by saveWeights\)/, /loadWeights/);
  await rejects(
    () => loadModel(`file://${path.join(tmp, 'nothing-here')}`),
    /loadModel: cannot read '.*nothing-here.model\.json'/,
  );
  const garbled = path.join(tmp, 'garbled.json');
  fs.writeFileSync(garbled, '{"modelTopology": ');
  await rejects(() => loadModel(`file://${garbled}`), /garbled\.json' is not JSON/);
});

test('bad file: a .keras zip without config.json; bytes that are not a zip', async () => {
  const zip = zipSync({'metadata.json': new TextEncoder().encode('{}')});
  const file = path.join(tmp, 'empty.keras');
  fs.writeFileSync(file, zip);
  await rejects(() => loadModel(file), /config\.json/);
  await rejects(() => loadModel(zip), /config\.json/);
  await rejects(() => loadModel(new Uint8Array([1, 2, 3])), /are not a \.keras archive/);
  fs.writeFileSync(path.join(tmp, 'text.keras'), 'hello');
  await rejects(() => loadModel(path.join(tmp, 'text.keras')), /text\.keras' is not a \.keras archive/);
});

/** Serves `dir` on 127.0.0.1 (a random port) until `fn` returns. */
async function serving<T>(dir: string, fn: (base: string) => Promise<T>): Promise<T> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise(resolve => server.close(resolve));
  }
}

test("http(s)://: loadModel reads model.json and weights.bin through tfjs-core's http handler (fetch)", async () => {
  const model = mlp();
  const dir = path.join(tmp, 'served');
  await model.save(`file://${dir}`);
  fs.copyFileSync(path.join(dir, 'weights.bin'), path.join(dir, 'short.bin'));
  fs.writeFileSync(path.join(dir, 'short.bin'), fs.readFileSync(path.join(dir, 'weights.bin')).subarray(0, 100));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = ['short.bin'];
  fs.writeFileSync(path.join(dir, 'short.json'), JSON.stringify(json));
  await serving(dir, async base => {
    const loaded = await loadModel(`${base}/model.json`);
    const x = tf.randomNormal([3, 6], 0, 1, 'float32', 21);
    assertSamePredictions(model, loaded, x);
    tf.dispose(x);
    loaded.dispose();
    await rejects(() => loadModel(`${base}/short.json`), new RegExp(`'${base}/short.json'`), /truncated/);
  });
  model.dispose();
});

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/keras_models');

test('.keras archives: a path, a file:// URL, an http URL, Uint8Array and ArrayBuffer bytes all reach the archive reader', async () => {
  const file = path.join(FIXTURES, 'sequential.keras');
  const bytes = new Uint8Array(fs.readFileSync(file));
  const reference = await loadModel(file);
  const models = [
    await loadModel(`file://${file}`),
    await loadModel(bytes),
    await loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    await serving(FIXTURES, base => loadModel(`${base}/sequential.keras`)),
  ];
  const input = tf.randomNormal([2, ...reference.inputs[0]!.shape.slice(1).map(d => d ?? 1)], 0, 1, 'float32', 5);
  for (const m of models) {
    assertSamePredictions(reference, m, input);
    m.dispose();
  }
  input.dispose();
  reference.dispose();
  await serving(FIXTURES, async base => {
    await rejects(() => loadModel(`${base}/missing.keras`), /fetching '.*missing\.keras' failed: HTTP 404/);
  });
});

test(".keras: compiled from config.json's compile_config as Keras' load_model does; {compile: false} skips it", async () => {
  const file = path.join(FIXTURES, 'cnn.keras');
  const model = await loadModel(file);
  const optimizer = model.optimizer as tf.AdamOptimizer;
  assert.ok(optimizer, 'compiled');
  assert.is(optimizer.getClassName(), 'Adam');
  assert.is((optimizer.getConfig() as {learningRate: number}).learningRate, 0.0010000000474974513);
  const shape = model.inputs[0]!.shape.slice(1).map(d => d ?? 1);
  const x = tf.randomUniform([4, ...shape], 0, 1, 'float32', 30);
  const classes = model.outputs[0]!.shape[1]!;
  const y = tf.randomUniform([4], 0, classes, 'int32', 31);
  const history = await model.fit(x, y, {epochs: 1, batchSize: 2, verbose: 0});
  assert.ok(Number.isFinite(history.history.loss[0] as number), 'the loaded model trains');
  assert.ok('accuracy' in history.history, "Keras' metrics: ['accuracy']");
  const plain = await loadModel(file, {compile: false});
  assert.is(plain.optimizer, undefined);
  tf.dispose([x, y]);
  model.dispose();
  plain.dispose();

  // An optimizer option tfjs' update rules lack is an error naming the file and the option.
  const entries = unzipSync(new Uint8Array(fs.readFileSync(file)));
  const config = JSON.parse(new TextDecoder().decode(entries['config.json']));
  config.compile_config.optimizer.config.clipnorm = 1;
  entries['config.json'] = new TextEncoder().encode(JSON.stringify(config));
  const clipped = path.join(tmp, 'clipped.keras');
  fs.writeFileSync(clipped, zipSync(entries));
  await rejects(
    () => loadModel(clipped),
    /clipped\.keras'/,
    /optimizer Adam has clipnorm = 1, which tfjs' optimizers do not implement/,
    /compile: false/,
  );
  const uncompiled = await loadModel(clipped, {compile: false});
  uncompiled.dispose();
});

test.after(() => {
  fs.rmSync(tmp, {recursive: true, force: true});
});

test.run();
