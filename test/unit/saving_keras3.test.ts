// Keras 3 `.keras` archives (test/fixtures/keras_models/, written by
// scripts/fixtures/keras_models.py with Python Keras 3 on jax; no Python needed here): every
// fixture loads, custom layers through registerLayer and through customObjects, a Lambda through
// customObjects; a Sequential model, a Sequential inside a functional one, keras.ops op nodes,
// and two models that use every other layer with weights or options (conv_zoo, seq_zoo);
// predictions equal the ones Keras computed for the stored inputs and summary()'s
// parameter counts equal Keras'. Then the bad archives, made here from good ones with fflate:
// each throws naming the file and what is wrong, and leaves no tensor or variable behind.
//
// Tolerance: |ours - Keras| <= 1e-5 * |Keras| + 1e-6. Two float32 implementations (XLA on the CPU
// and our kernels) sum in different orders, so bit equality is not expected; the largest
// difference measured over the fixtures is under 2e-6 relative (seq_zoo).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {strFromU8, strToU8, unzipSync, zipSync} from 'fflate';
import '../../src/index.js';
import {input, K, Layer, layers, loadModel, Model, registerLayer, type Shape} from '../../src/keras/index.js';
import {
  KERAS_ARCHIVE_ENTRIES,
  kerasSnakeCase,
  loadKerasArchive,
  readKerasArchive,
  writeKerasArchive,
} from '../../src/keras/saving/keras_archive.js';

await tf.setBackend('as');

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtureDir = path.join(here, '../fixtures/keras_models');

interface Fixture {
  kerasVersion: string;
  inputs: {name: string; dtype: string; shape: number[]; values: number[]}[];
  outputs: {shape: number[]; values: number[]}[];
  params: {total: number; trainable: number; nonTrainable: number};
  layers: {name: string; className: string; params: number}[];
}

const archiveBytes = (name: string) => new Uint8Array(fs.readFileSync(path.join(fixtureDir, `${name}.keras`)));
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(fixtureDir, `${name}.json`), 'utf8')) as Fixture;

/** The seed's custom layer, as the Python fixture defines it: y = x.w + b, a non-trainable `a` beside. */
function makeMyDense() {
  return class MyDense extends Layer<tf.Tensor, tf.Tensor> {
    static override className = 'MyDense';
    readonly units: number;
    w!: tf.Variable;
    b!: tf.Variable;
    a!: tf.Variable;
    constructor(config: {units?: number; name?: string; trainable?: boolean} = {}) {
      super(config);
      this.units = config.units ?? 32;
    }
    override build(inputShape: Shape | Shape[]) {
      const s = inputShape as Shape;
      this.w = this.addWeight('w', [s[s.length - 1]!, this.units], {initializer: 'randomNormal'});
      this.b = this.addWeight('b', [this.units], {initializer: 'randomNormal'});
      this.a = this.addWeight('a', [this.units], {initializer: 'randomNormal', trainable: false});
    }
    override call(inputs: tf.Tensor) {
      return K.add(K.dot(inputs, this.w), this.b) as tf.Tensor;
    }
    override computeOutputShape(s: Shape | Shape[]): Shape {
      return [...(s as Shape).slice(0, -1), this.units];
    }
    override getConfig() {
      return {...super.getConfig(), units: this.units};
    }
  };
}

/**
 * The Python fixture's ResidualBlock, ported: norm(x + scale * outer(inner(attention(x, x)))).
 * Its sublayer fields have the Python attributes' names, which is where Keras saved their weights.
 */
class ResidualBlock extends Layer<tf.Tensor, tf.Tensor> {
  static override className = 'ResidualBlock';
  readonly units: number;
  attention = layers.multiHeadAttention({numHeads: 2, keyDim: 2});
  inner: Layer;
  outer: Layer;
  norm = layers.layerNormalization({});
  scale!: tf.Variable;
  constructor(config: {units?: number; name?: string; trainable?: boolean} = {}) {
    super(config);
    this.units = config.units ?? 4;
    this.inner = layers.dense({units: this.units, activation: 'relu'});
    this.outer = layers.dense({units: this.units});
  }
  override build() {
    this.scale = this.addWeight('scale', [this.units], {initializer: 'ones'});
  }
  override call(x: tf.Tensor) {
    const attended = this.attention.apply([x, x]) as tf.Tensor;
    const update = tf.mul(this.scale, this.outer.apply(this.inner.apply(attended)) as tf.Tensor);
    return this.norm.apply(tf.add(x, update)) as tf.Tensor;
  }
  override getConfig() {
    return {...super.getConfig(), units: this.units};
  }
}

/** The Python fixture's `scaled_tanh`, registered in Keras as "Custom>scaled_tanh". */
const scaledTanh = (x: tf.Tensor) => tf.mul(2, tf.tanh(x));

/** Checks the model's predictions and summary() against what Keras computed. */
function checkAgainstKeras(name: string, model: Model): void {
  const fx = fixture(name);
  const xs = fx.inputs.map(i => tf.tensor(i.values, i.shape, i.dtype.startsWith('int') ? 'int32' : 'float32'));
  const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
  const ys = Array.isArray(out) ? out : [out];
  assert.is(ys.length, fx.outputs.length, `${name}: outputs`);
  ys.forEach((y, i) => {
    const want = fx.outputs[i]!;
    assert.equal(y.shape, want.shape, `${name}: output ${i} shape`);
    const got = y.dataSync();
    want.values.forEach((w, j) => {
      const d = Math.abs(got[j]! - w);
      if (!(d <= 1e-5 * Math.abs(w) + 1e-6))
        assert.unreachable(`${name}: output ${i}[${j}] = ${got[j]}, Keras ${w} (difference ${d})`);
    });
  });
  tf.dispose([...xs, ...ys]);
  const lines: string[] = [];
  model.summary(undefined, undefined, line => lines.push(line));
  const count = (label: string) => Number(lines.find(l => l.startsWith(`${label}:`))?.replace(/[^0-9]/g, ''));
  assert.equal(
    {total: count('Total params'), trainable: count('Trainable params'), nonTrainable: count('Non-trainable params')},
    fx.params,
    `${name}: summary() parameter counts`,
  );
  for (const l of fx.layers)
    assert.is(model.getLayer(l.name).countParams(), l.params, `${name}: layer ${l.name} params`);
}

/** Runs `fn`, which must throw an error matching every pattern, and checks nothing was left behind. */
async function rejects(fn: () => Promise<unknown>, patterns: RegExp[]): Promise<string> {
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof Error, 'expected an error');
  const msg = (error as Error).message;
  for (const p of patterns) assert.match(msg, p);
  assert.is(tf.memory().numTensors, tensors, `tensors left behind after: ${msg}`);
  assert.is(Object.keys(tf.engine().registeredVariables).length, variables, `variables left behind after: ${msg}`);
  return msg;
}

/** The fixture's archive with its entries changed by `edit` (null deletes one). */
function rezip(name: string, edit: Record<string, Uint8Array | null>): Uint8Array {
  const entries: Record<string, Uint8Array> = unzipSync(archiveBytes(name));
  for (const [entry, value] of Object.entries(edit)) {
    if (value === null) delete entries[entry];
    else entries[entry] = value;
  }
  return zipSync(entries);
}

function editConfig(name: string, edit: (config: {config: {layers: {config: Record<string, unknown>}[]}}) => void) {
  const entries = unzipSync(archiveBytes(name));
  const config = JSON.parse(strFromU8(entries[KERAS_ARCHIVE_ENTRIES.config]!));
  edit(config);
  return rezip(name, {[KERAS_ARCHIVE_ENTRIES.config]: strToU8(JSON.stringify(config))});
}

// ---------------------------------------------------------------- reading

test("readKerasArchive: config, metadata and every variable at Keras' h5 paths", async () => {
  const archive = await readKerasArchive(archiveBytes('text_rnn'), 'text_rnn.keras');
  assert.is(archive.config.class_name, 'Functional');
  assert.is(archive.metadata.keras_version, fixture('text_rnn').kerasVersion);
  const shapes = (p: string) => archive.weights.get(p)?.vars.map(v => v.shape);
  assert.equal(shapes('layers/embedding'), [[20, 6]]);
  assert.equal(shapes('layers/bidirectional/forward_layer/cell'), [[6, 20], [5, 20], [20]]);
  assert.equal(shapes('layers/bidirectional/backward_layer/cell'), [[6, 20], [5, 20], [20]]);
  assert.equal(shapes('layers/gru/cell'), [
    [10, 12],
    [4, 12],
    [2, 12],
  ]);
  assert.equal(shapes('layers/input_layer'), []);
  assert.is(archive.weights.get('layers/dense')?.name, 'dense_5');
  const v = archive.weights.get('layers/dense')!.vars[0]!;
  assert.is(v.path, 'layers/dense/vars/0');
  assert.is(v.dtype, 'float32');
  assert.is(v.values.length, 4);
  // The compiled CNN also holds Adam's state; its iteration count is an int64 scalar.
  const cnn = await readKerasArchive(archiveBytes('cnn'));
  const iterations = cnn.weights.get('optimizer')!.vars[0]!;
  assert.equal([iterations.shape, iterations.dtype, iterations.values[0]], [[], 'int32', 2]);
});

test("kerasSnakeCase is Keras' to_snake_case", () => {
  const cases = {
    Dense: 'dense',
    InputLayer: 'input_layer',
    MaxPooling2D: 'max_pooling2d',
    GlobalAveragePooling1D: 'global_average_pooling1d',
    MultiHeadAttention: 'multi_head_attention',
    GRU: 'gru',
    LSTM: 'lstm',
    Conv2DTranspose: 'conv2d_transpose',
    MyDense: 'my_dense',
  };
  for (const [name, snake] of Object.entries(cases)) assert.is(kerasSnakeCase(name), snake, name);
});

// ---------------------------------------------------------------- loading, against Keras

test('seed_mlp: MyDense through customObjects, then through registerLayer; predictions and summary equal Keras', async () => {
  const MyDense = makeMyDense();
  const viaCustomObjects = await loadKerasArchive(archiveBytes('seed_mlp'), {
    customObjects: {MyDense},
    fileName: 'seed_mlp.keras',
  });
  const myDense = viaCustomObjects.getLayer('my_dense') as InstanceType<typeof MyDense>;
  assert.ok(myDense instanceof MyDense);
  assert.is(myDense.units, 16);
  assert.equal([myDense.trainableWeights.length, myDense.nonTrainableWeights.length], [2, 1]);
  checkAgainstKeras('seed_mlp', viaCustomObjects);
  viaCustomObjects.dispose();

  // Unknown before registration: the error names the class and the file, and lists the known names.
  await rejects(
    () => loadKerasArchive(archiveBytes('seed_mlp'), {fileName: 'seed_mlp.keras'}),
    [/seed_mlp\.keras/, /MyDense/, /Dense, /, /registerLayer/],
  );
  registerLayer(MyDense);
  const viaRegistry = await loadKerasArchive(archiveBytes('seed_mlp'));
  checkAgainstKeras('seed_mlp', viaRegistry);
  viaRegistry.dispose();
});

test("lambda_mlp: the Lambda of Keras' registered function through customObjects", async () => {
  await rejects(
    () => loadKerasArchive(archiveBytes('lambda_mlp'), {fileName: 'lambda_mlp.keras'}),
    [/lambda_mlp\.keras/, /scaled_tanh/],
  );
  const model = await loadKerasArchive(archiveBytes('lambda_mlp'), {customObjects: {scaled_tanh: scaledTanh}});
  checkAgainstKeras('lambda_mlp', model);
  model.dispose();
});

for (const name of ['cnn', 'text_rnn', 'multi_io', 'transformer', 'sequential', 'nested', 'conv_zoo', 'seq_zoo']) {
  test(`${name}: predictions and summary() equal Keras'`, async () => {
    const tensors = tf.memory().numTensors;
    const model = await loadKerasArchive(archiveBytes(name), {fileName: `${name}.keras`});
    checkAgainstKeras(name, model);
    model.dispose();
    assert.is(tf.memory().numTensors, tensors, `${name}: tensors after dispose`);
  });
}

test("custom_block: a custom layer made of sublayers gets each sublayer's weights from its attribute's group", async () => {
  const model = await loadKerasArchive(archiveBytes('custom_block'), {customObjects: {ResidualBlock}});
  checkAgainstKeras('custom_block', model);
  const archive = await readKerasArchive(archiveBytes('custom_block'));
  const block = model.getLayer('block') as ResidualBlock;
  const saved = (p: string) => Array.from(archive.weights.get(`layers/residual_block${p}`)!.vars[0]!.values);
  assert.equal(Array.from(block.scale.dataSync()), saved(''));
  assert.equal(Array.from(block.outer.weights[0]!.dataSync()), saved('/outer'));
  assert.equal(Array.from(block.attention.weights[0]!.dataSync()), saved('/attention/query_dense'));
  model.dispose();
});

test('the weights land on the right layers (multi_io: the shared Dense is saved once, as layers/dense)', async () => {
  const archive = await readKerasArchive(archiveBytes('multi_io'));
  const model = await loadKerasArchive(archiveBytes('multi_io'));
  const saved = archive.weights.get('layers/dense')!;
  assert.is(saved.name, 'shared');
  const kernel = model.getLayer('shared').weights[0]!;
  assert.equal(Array.from(kernel.dataSync()), Array.from(saved.vars[0]!.values));
  model.dispose();
});

test("a Sequential sub-model's weights sit under its own layers/ (nested); op nodes take no h5 name", async () => {
  const archive = await readKerasArchive(archiveBytes('nested'));
  assert.is(archive.weights.get('layers/sequential')?.name, 'block');
  assert.equal([...archive.weights.keys()].filter(k => k.startsWith('layers/')).sort(), [
    'layers/dense',
    'layers/dense_1',
    'layers/input_layer',
    'layers/sequential',
    'layers/sequential/layers/dense',
    'layers/sequential/layers/dense_1',
  ]);
  const model = await loadKerasArchive(archiveBytes('nested'));
  const inner = (model.getLayer('block') as Model).layers.filter(l => l.weights.length);
  assert.equal(
    Array.from(inner[1]!.weights[1]!.dataSync()),
    Array.from(archive.weights.get('layers/sequential/layers/dense_1')!.vars[1]!.values),
  );
  model.dispose();
});

// ---------------------------------------------------------------- bad archives

test('a zip without config.json', async () => {
  await rejects(
    () => loadKerasArchive(rezip('cnn', {[KERAS_ARCHIVE_ENTRIES.config]: null}), {fileName: 'no_config.keras'}),
    [/Keras archive 'no_config\.keras'/, /no config\.json/, /metadata\.json, model\.weights\.h5/],
  );
});

test('a zip without model.weights.h5', async () => {
  await rejects(
    () => loadKerasArchive(rezip('cnn', {[KERAS_ARCHIVE_ENTRIES.weights]: null}), {fileName: 'x.keras'}),
    [/'x\.keras'/, /no model\.weights\.h5/],
  );
});

test('sharded weights, and a config.json that is not JSON', async () => {
  const sharded = rezip('cnn', {
    [KERAS_ARCHIVE_ENTRIES.weights]: null,
    'model.weights.json': strToU8('{}'),
    'model_00000.weights.h5': new Uint8Array(8),
  });
  await rejects(
    () => loadKerasArchive(sharded, {fileName: 'big.keras'}),
    [/'big\.keras'/, /sharded \(model\.weights\.json\)/],
  );
  const broken = rezip('cnn', {[KERAS_ARCHIVE_ENTRIES.config]: strToU8('{"class_name": "Functional", ')});
  await rejects(
    () => loadKerasArchive(broken, {fileName: 'broken.keras'}),
    [/'broken\.keras'/, /config\.json is not valid JSON/, /"\{\\"class_name/],
  );
});

test('a newer (or older) Keras version than the format read here', async () => {
  const withVersion = (v: string) =>
    rezip('multi_io', {[KERAS_ARCHIVE_ENTRIES.metadata]: strToU8(JSON.stringify({keras_version: v}))});
  await rejects(
    () => loadKerasArchive(withVersion('4.0.0'), {fileName: 'future.keras'}),
    [/'future\.keras'/, /Keras 4\.0\.0/, /newer format/, /Keras 3\.x/],
  );
  await rejects(
    () => loadKerasArchive(withVersion('2.15.0'), {fileName: 'old.keras'}),
    [/'old\.keras'/, /Keras 2\.15\.0/],
  );
  await rejects(() => loadKerasArchive(withVersion('three'), {fileName: 'odd.keras'}), [/'odd\.keras'/, /"three"/]);
});

test('a truncated archive, and a file that is no zip', async () => {
  const bytes = archiveBytes('cnn');
  for (const length of [bytes.length - 1, bytes.length >> 1, 100]) {
    await rejects(
      () => loadKerasArchive(bytes.slice(0, length), {fileName: 'cut.keras'}),
      [/'cut\.keras'/, /truncated or corrupt/],
    );
  }
  await rejects(
    () => loadKerasArchive(strToU8('{"not": "a zip"}'), {fileName: 'model.json'}),
    [/'model\.json'/, /not a zip archive/, /7b 22 6e 6f/],
  );
});

test('a truncated or corrupt model.weights.h5', async () => {
  const h5 = unzipSync(archiveBytes('cnn'))[KERAS_ARCHIVE_ENTRIES.weights]!;
  await rejects(
    () => loadKerasArchive(rezip('cnn', {[KERAS_ARCHIVE_ENTRIES.weights]: h5.slice(0, 3000)}), {fileName: 'cut.keras'}),
    [/'cut\.keras': model\.weights\.h5/, /truncated or corrupt/, /truncated file: eof = 3000/],
  );
  // The HDF5 signature, then noise.
  const junk = h5.slice(0, 4096);
  junk.fill(0x5a, 8);
  await rejects(
    () => loadKerasArchive(rezip('cnn', {[KERAS_ARCHIVE_ENTRIES.weights]: junk}), {fileName: 'junk.keras'}),
    [/'junk\.keras': model\.weights\.h5/, /HDF5 cannot open it/],
  );
  await rejects(
    () =>
      loadKerasArchive(rezip('cnn', {[KERAS_ARCHIVE_ENTRIES.weights]: strToU8('no hdf5')}), {fileName: 'text.keras'}),
    [/'text\.keras': model\.weights\.h5/, /not an HDF5 file/],
  );
});

test('a weight whose shape does not match the config: the file, the layer, both shapes; nothing left behind', async () => {
  const wider = editConfig('seed_mlp', c => {
    const dense = c.config.layers.find(l => l.config.name === 'dense_1')!;
    dense.config.units = 11;
  });
  await rejects(
    () => loadKerasArchive(wider, {fileName: 'wider.keras', customObjects: {MyDense: makeMyDense()}}),
    [
      /'wider\.keras'/,
      /layer 'dense_1' \(Dense\)/,
      /expected shape \[16,11\]/,
      /'layers\/dense_1\/vars\/0' has \[16,10\]/,
    ],
  );
  // A weight fewer than the archive holds (no bias): the counts and both lists of shapes.
  const noBias = editConfig('multi_io', c => {
    c.config.layers.find(l => l.config.name === 'score')!.config.use_bias = false;
  });
  await rejects(
    () => loadKerasArchive(noBias, {fileName: 'nobias.keras'}),
    [
      /'nobias\.keras'/,
      /layer 'score' \(Dense\) has 1 weight\(s\)/,
      /the archive 2 at 'layers\/dense_2\/vars'/,
      /\[5,1\], \[1\]/,
    ],
  );
  // A recurrent layer's cell: units changed.
  const gru = editConfig('text_rnn', c => {
    c.config.layers.find(l => l.config.name === 'gru')!.config.units = 3;
  });
  await rejects(
    () => loadKerasArchive(gru, {fileName: 'gru.keras'}),
    [/'gru\.keras'/, /layer 'gru' \(GRU\)/, /'layers\/gru\/cell\/vars\/0' has \[10,12\]/],
  );
});

test("layers in another order than the weights file's: the layer names Keras 3 records on each group catch it", async () => {
  // Two Dense layers swapped in config.json: Keras numbers them by their order in model.layers.
  const swapped = editConfig('multi_io', c => {
    const layers = c.config.layers;
    const i = layers.findIndex(l => l.config.name === 'label');
    const j = layers.findIndex(l => l.config.name === 'score');
    [layers[i], layers[j]] = [layers[j]!, layers[i]!];
  });
  await rejects(
    () => loadKerasArchive(swapped, {fileName: 'swapped.keras'}),
    [/'swapped\.keras'/, /weights at 'layers\/dense_1' are layer 'label''s/, /layer 'score' \(Dense\)/],
  );
});

test("a config.json the deserializer rejects: the file's name leads the deserializer's message", async () => {
  const unknown = editConfig('cnn', c => {
    (c.config.layers[1] as unknown as {class_name: string}).class_name = 'Conv7D';
  });
  await rejects(
    () => loadKerasArchive(unknown, {fileName: 'conv7d.keras'}),
    [/^Keras archive 'conv7d\.keras': config\.json: /, /Conv7D/, /Conv2D/],
  );
});

// ---------------------------------------------------------------- writing

/**
 * The vars groups holding variables, with their shapes; the optimizer's left out (the writer
 * saves none). Empty groups may differ: Keras writes one for every object (a recurrent layer's
 * wrapper around its cell, MultiHeadAttention's softmax), and a Sequential model is written as
 * the functional model it is here, with an InputLayer.
 */
function layout(weights: Map<string, {vars: {shape: number[]}[]}>): Record<string, number[][]> {
  return Object.fromEntries(
    [...weights]
      .filter(([path, g]) => !path.startsWith('optimizer') && g.vars.length > 0)
      .map(([path, group]) => [path, group.vars.map(v => v.shape)])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
}

test("writeKerasArchive: Keras' own h5 layout, a config with Keras 3's op nodes, and a reload that predicts bit for bit", async () => {
  const MyDense = makeMyDense();
  for (const name of [
    'seed_mlp',
    'lambda_mlp',
    'cnn',
    'text_rnn',
    'multi_io',
    'transformer',
    'sequential',
    'nested',
    'conv_zoo',
    'seq_zoo',
    'custom_block',
  ]) {
    const customObjects = {MyDense, ResidualBlock, scaled_tanh: scaledTanh};
    const model = await loadKerasArchive(archiveBytes(name), {customObjects});
    const tensors = tf.memory().numTensors;
    const bytes = await writeKerasArchive(model, {customObjects});
    assert.is(tf.memory().numTensors, tensors, `${name}: tensors after writing`);
    const written = await readKerasArchive(bytes, `${name}.keras`);
    // Our Model has no Sequential class: a Sequential (sub-)model is written as the functional
    // model it is, so Keras files it under layers/functional rather than layers/sequential.
    const asWritten = (path: string) => path.replace(/(^|\/)layers\/sequential(?=\/|$)/, '$1layers/functional');
    const original = new Map(
      [...(await readKerasArchive(archiveBytes(name))).weights].map(([path, g]) => [asWritten(path), g]),
    );
    const originalConfig = (await readKerasArchive(archiveBytes(name))).config;
    // The same groups and shapes as the file Keras wrote, so Keras' loader finds every weight.
    assert.equal(layout(written.weights), layout(original), `${name}: h5 layout`);
    for (const [path, group] of written.weights) {
      // A layer's group carries its name (the reader checks it); sublayer groups' names are free.
      if (/(^|\/)layers\/[^/]+$/.test(path) && original.has(path)) assert.is(group.name, original.get(path)!.name);
      group.vars.forEach((v, i) => {
        assert.equal(Array.from(v.values), Array.from(original.get(path)!.vars[i]!.values), v.path);
      });
    }
    const classes = (json: typeof written.config) =>
      json.config.layers.map(l => (l.class_name === 'Sequential' ? 'Functional' : l.class_name));
    assert.equal(classes(written.config), classes(originalConfig), `${name}: layer and op classes`);
    assert.is(written.metadata.keras_version?.split('.')[0], '3');

    const again = await loadKerasArchive(bytes, {customObjects});
    const fx = fixture(name);
    const xs = fx.inputs.map(i => tf.tensor(i.values, i.shape, i.dtype.startsWith('int') ? 'int32' : 'float32'));
    const a = [model.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
    const b = [again.predict(xs.length === 1 ? xs[0]! : xs)].flat() as tf.Tensor[];
    a.forEach((t, i) => {
      assert.equal(Array.from(t.dataSync()), Array.from(b[i]!.dataSync()), `${name}: output ${i}`);
    });
    const summary = (m: Model) => {
      const lines: string[] = [];
      m.summary(undefined, undefined, l => lines.push(l));
      return lines;
    };
    assert.equal(summary(again), summary(model), `${name}: summary()`);
    tf.dispose([...xs, ...a, ...b]);
    model.dispose();
    again.dispose();
  }
});

test('a layer used inside a nested model and outside it is saved once, where Keras saves it', async () => {
  const twice = layers.dense({units: 3, activation: 'tanh', name: 'twice'});
  const u = input({shape: [3]});
  const innerOut = layers.dense({units: 3, name: 'inner_dense'}).apply(twice.apply(u));
  const inner = new Model({inputs: u, outputs: innerOut, name: 'inner'});
  const x = input({shape: [3]});
  const first = layers.dense({units: 3, name: 'first'}).apply(x);
  const model = new Model({inputs: x, outputs: twice.apply(inner.apply(first)), name: 'shared_inner'});
  const bytes = await writeKerasArchive(model);
  // The groups Keras 3.15.1 writes for the same model (checked with Python).
  const groups = [...(await readKerasArchive(bytes)).weights]
    .filter(([, g]) => g.vars.length)
    .map(([path, g]) => `${path} ${g.name}`);
  assert.equal(groups.sort(), [
    'layers/dense first',
    'layers/functional/layers/dense twice',
    'layers/functional/layers/dense_1 inner_dense',
  ]);
  const again = await loadKerasArchive(bytes);
  const xs = tf.randomNormal([2, 3]);
  const [a, b] = [model.predict(xs) as tf.Tensor, again.predict(xs) as tf.Tensor];
  assert.equal(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([xs, a, b]);
  model.dispose();
  again.dispose();
});

test("writeKerasArchive: MultiHeadAttention's build_config names its shapes as Keras' does", async () => {
  const model = await loadKerasArchive(archiveBytes('transformer'));
  const written = await readKerasArchive(await writeKerasArchive(model));
  const original = await readKerasArchive(archiveBytes('transformer'));
  const mha = (c: typeof written.config) =>
    c.config.layers.find(l => l.class_name === 'MultiHeadAttention')!.build_config;
  assert.equal(mha(written.config), mha(original.config));
  model.dispose();
});

test('writeKerasArchive: an unregistered custom class fails before anything is written, naming it', async () => {
  const MyDense = makeMyDense();
  Object.defineProperty(MyDense, 'className', {value: 'UnsavedDense'});
  const model = await loadKerasArchive(archiveBytes('seed_mlp'), {customObjects: {MyDense}});
  const swapped = model.getLayer('my_dense');
  Object.setPrototypeOf(swapped, MyDense.prototype);
  await rejects(() => writeKerasArchive(model), [/UnsavedDense/, /registerLayer/]);
  model.dispose();
});

test("model.save('….keras') writes the archive loadModel reads back bit for bit; other options need model.json", async () => {
  const model = await loadKerasArchive(archiveBytes('cnn'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-keras-'));
  try {
    const file = path.join(dir, 'sub', 'cnn.keras');
    const result = await model.save(`file://${file}`);
    assert.ok((result.modelArtifactsInfo.weightDataBytes ?? 0) > 0);
    assert.equal(fs.readFileSync(file).subarray(0, 2).toString(), 'PK');
    const again = await loadModel(file, {compile: false});
    const x = tf.randomUniform([2, ...(model.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 3);
    const [a, b] = [model.predict(x) as tf.Tensor, again.predict(x) as tf.Tensor];
    assert.equal(Array.from(await b.data()), Array.from(await a.data()));
    tf.dispose([x, a, b]);
    again.dispose();
    await rejects(() => model.save(file, {includeOptimizer: true}), [/\.keras archive/, /includeOptimizer/]);
    await rejects(() => model.save(file, {format: 'tfjs-layers'}), [/\.keras archive/, /tfjs-layers/]);
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
    model.dispose();
  }
});

test.run();
