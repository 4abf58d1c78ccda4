// Weights files that are wrong on disk or in memory: every manifest entry's dtype, shape and byte
// length is checked before anything is decoded; a failed load changes no weight and leaves no
// tensor; a disposed model cannot overwrite a good checkpoint.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import {input, layers, Model} from '../../src/keras/index.js';

await tf.setBackend('as');

/** A small model with a float32 kernel, a bias, and a second layer (3 + 2 weights). */
function smallModel(name: string): Model {
  const x = input({shape: [3]});
  const h = layers.dense({units: 4, activation: 'relu'}).apply(x);
  return new Model({inputs: x, outputs: layers.dense({units: 2}).apply(h), name});
}

const values = (m: Model) => m.weights.map(w => Array.from(w.dataSync()));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-corrupt-'));

/** Saves `m` to memory: the manifest and the bytes. */
async function saveToMemory(m: Model): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await m.saveWeights(
    tf.io.withSaveHandler(async a => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  return saved!;
}

function bytesOf(a: tf.io.ModelArtifacts): Uint8Array {
  const d = a.weightData!;
  return new Uint8Array(Array.isArray(d) ? tf.io.concatenateArrayBuffers(d) : d);
}

/** Loads `artifacts` into `target`; asserts it throws `pattern`, changes nothing and leaks nothing. */
async function assertRejected(target: Model, artifacts: tf.io.ModelArtifacts, pattern: RegExp, what: string) {
  const before = values(target);
  const tensors = tf.memory().numTensors;
  let message = '';
  try {
    await target.loadWeights(tf.io.fromMemory(artifacts));
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, pattern, `${what}: error`);
  assert.equal(values(target), before, `${what}: the weights changed`);
  assert.is(tf.memory().numTensors, tensors, `${what}: tensors leaked`);
}

test('a weights file truncated at every byte boundary is rejected before decoding: no weight changes, no tensor leaks', async () => {
  const source = smallModel('source'),
    target = smallModel('target');
  const saved = await saveToMemory(source);
  const bytes = bytesOf(saved);
  assert.is(bytes.length, (3 * 4 + 4 + 4 * 2 + 2) * 4);
  for (let cut = 0; cut < bytes.length; cut++) {
    const truncated = {...saved, weightData: bytes.slice(0, cut).buffer as ArrayBuffer};
    await assertRejected(
      target,
      truncated,
      new RegExp(`has ${cut} bytes of weight data, but its manifest describes ${bytes.length} .*truncated`),
      `cut at ${cut}`,
    );
  }
  // One byte too many is a mismatch too; the whole file loads.
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  await assertRejected(target, {...saved, weightData: longer.buffer}, /does not match its manifest/, 'one byte more');
  await target.loadWeights(tf.io.fromMemory(saved));
  assert.equal(values(target), values(source));
  source.dispose();
  target.dispose();
});

test('truncated weights.bin on disk: the same error, naming the path', async () => {
  const source = smallModel('disk_source'),
    target = smallModel('disk_target');
  const dir = path.join(tmp, 'truncated');
  await source.saveWeights(dir);
  const bin = path.join(dir, 'weights.bin');
  const size = fs.statSync(bin).size;
  fs.truncateSync(bin, size - 5);
  const before = values(target),
    tensors = tf.memory().numTensors;
  let message = '';
  await target.loadWeights(dir).catch(e => {
    message = (e as Error).message;
  });
  assert.match(
    message,
    new RegExp(`loadWeights: '${dir.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}' has ${size - 5} bytes .*truncated`),
  );
  assert.equal(values(target), before);
  assert.is(tf.memory().numTensors, tensors);
  source.dispose();
  target.dispose();
});

test('manifest entries that do not fit the model: dtype, shape, count, unknown dtypes and quantizations', async () => {
  const source = smallModel('src2'),
    target = smallModel('dst2');
  const saved = await saveToMemory(source);
  const specs = saved.weightSpecs!;
  const withSpec = (i: number, change: Partial<tf.io.WeightsManifestEntry>) => ({
    ...saved,
    weightSpecs: specs.map((s, k) => (k === i ? {...s, ...change} : s)) as tf.io.WeightsManifestEntry[],
  });
  // A float32 kernel marked int32 has the same byte length: only the dtype check catches it.
  await assertRejected(
    target,
    withSpec(0, {dtype: 'int32'}),
    /weight '.*kernel.*' is int32, but the model's '.*' is float32/,
    'int32 mark',
  );
  await assertRejected(
    target,
    withSpec(0, {shape: [4, 3]}),
    /has shape \[4,3\], but the model's '.*' has \[3,4\]/,
    'transposed shape',
  );
  await assertRejected(
    target,
    withSpec(1, {shape: [-4]}),
    /manifest entry 1 .* has shape \[-4\]; expected an array of non-negative integers/,
    'negative dim',
  );
  await assertRejected(
    target,
    withSpec(1, {dtype: 'string'}),
    /manifest entry 1 .* has dtype "string"; model weights are float32, int32, bool/,
    'string',
  );
  await assertRejected(target, withSpec(1, {dtype: 'complex64'}), /has dtype "complex64"/, 'complex64');
  await assertRejected(
    target,
    withSpec(1, {quantization: {dtype: 'int4' as never, scale: 1, min: 0}}),
    /is quantized as "int4"/,
    'quantization',
  );
  await assertRejected(
    target,
    {...saved, weightSpecs: specs.slice(0, 3), weightData: bytesOf(saved).slice(0, (12 + 4 + 8) * 4).buffer},
    /holds 3 weights .* the model has 4/,
    'fewer weights',
  );
  await assertRejected(target, {...saved, weightSpecs: undefined}, /holds no weights/, 'no specs');
  source.dispose();
  target.dispose();
});

test('saveWeights, loadWeights, predict, fit and evaluate on a disposed model throw, naming it; a good checkpoint survives', async () => {
  const m = smallModel('keeper');
  m.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  const dir = path.join(tmp, 'good');
  await m.saveWeights(dir);
  const good = fs.readFileSync(path.join(dir, 'weights.bin'));
  m.dispose();
  const x = tf.ones([2, 3]),
    y = tf.ones([2, 2]);
  const tensors = tf.memory().numTensors;
  const disposed = /Model 'keeper': \w+\(\) on a disposed model/;
  await m.saveWeights(dir).then(
    () => assert.unreachable('saveWeights'),
    e => assert.match(e.message, disposed),
  );
  assert.equal(fs.readFileSync(path.join(dir, 'weights.bin')), good, 'the checkpoint is intact');
  await m.loadWeights(dir).then(
    () => assert.unreachable('loadWeights'),
    e => assert.match(e.message, disposed),
  );
  assert.throws(() => m.predict(x), disposed);
  assert.throws(() => m.evaluate(x, y), disposed);
  await m.fit(x, y, {verbose: 0}).then(
    () => assert.unreachable('fit'),
    e => assert.match(e.message, disposed),
  );
  assert.throws(() => m.compile({optimizer: 'sgd', loss: 'meanSquaredError'}), disposed);
  assert.is(tf.memory().numTensors, tensors);
  // A weight disposed on its own is named.
  const n = smallModel('partial');
  n.layers[1]!.weights[1]!.dispose();
  assert.throws(() => n.predict(x), /Model 'partial': predict\(\): weight '.*' of layer '.*' is disposed/);
  n.dispose();
  tf.dispose([x, y]);
});

test('a disposed input to predict, fit or evaluate is named', async () => {
  const m = smallModel('inputs');
  m.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  const x = tf.ones([2, 3]),
    y = tf.ones([2, 2]);
  x.dispose();
  assert.throws(() => m.predict(x), /Model 'inputs': predict input '.*' is a disposed tensor/);
  assert.throws(() => m.evaluate(x, y), /evaluate: x is a disposed tensor/);
  await m.fit(x, y, {verbose: 0}).then(
    () => assert.unreachable('fit'),
    e => assert.match(e.message, /fit: x is a disposed tensor/),
  );
  const x2 = tf.ones([2, 3]);
  y.dispose();
  await m.fit(x2, y, {verbose: 0}).then(
    () => assert.unreachable('fit'),
    e => assert.match(e.message, /fit: y is a disposed tensor/),
  );
  x2.dispose();
  m.dispose();
});

test.run();
