// saveWeights / loadWeights on tfjs-core's io: the Node file handler
// (model.json + weights.bin), any tf.io handler, matching by name or by order, shape errors.
// The round trip through real models with custom layers is in training_fit.test.ts.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import {loadWeights, saveWeights, type WeightsOwner} from '../../src/keras/training/weights_io.js';
import {assignWeights} from '../../src/keras/common.js';

await tf.setBackend('as');

function owner(seed: number, names = ['dense/kernel', 'dense/bias', 'my_dense/a']): WeightsOwner {
  const weights = [
    tf.variable(tf.randomNormal([3, 5], 0, 1, 'float32', seed)),
    tf.variable(tf.randomNormal([5], 0, 1, 'float32', seed + 1)),
    tf.variable(tf.randomNormal([5], 0, 1, 'float32', seed + 2), false),
  ];
  return withSetter({name: 'm', weights, weightNames: () => names});
}

/** An owner whose setWeights is Layer.setWeights' own checks-then-assign. */
function withSetter(o: Omit<WeightsOwner, 'setWeights'>): WeightsOwner {
  return {
    ...o,
    setWeights: values =>
      assignWeights(`'${o.name}': setWeights`, o.weights, values, o.weightNames?.() ?? o.weights.map(w => w.name)),
  };
}

const values = (o: WeightsOwner) => o.weights.map(w => Array.from(w.dataSync()));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-weights-'));

test('assignWeights (behind Layer.setWeights and loadWeights): count and shape are checked before anything changes', () => {
  const a = owner(1),
    b = owner(2);
  const ws = a.weights.map(w => tf.clone(w));
  b.setWeights(ws);
  assert.equal(values(b), values(a));
  const before = values(b);
  assert.throws(() => b.setWeights(ws.slice(0, 2)), /'m': setWeights: expected 3 tensors, got 2/);
  const wrong = [ws[0]!, tf.zeros([4]), ws[2]!];
  assert.throws(() => b.setWeights(wrong), /weights\[1\] \(dense\/bias\) has shape \[4\], expected \[5\]/);
  assert.throws(
    () => b.setWeights([ws[0]!, [1, 2, 3, 4, 5] as never, ws[2]!]),
    /weights\[1\] \(dense\/bias\) is not a tf.Tensor/,
  );
  assert.equal(values(b), before, 'nothing half-assigned');
  // Float values into an int32 weight are cast; the cast leaves no tensor behind.
  const ints = withSetter({weights: [tf.variable(tf.zeros([2], 'int32'))]});
  const given = tf.tensor1d([1.7, -2]);
  const count = tf.memory().numTensors;
  ints.setWeights([given]);
  assert.is(tf.memory().numTensors, count);
  assert.equal(Array.from(ints.weights[0]!.dataSync()), [1, -2]);
  tf.dispose([...ws, wrong[1]!, ...a.weights, ...b.weights, given, ...ints.weights]);
});

test('saveWeights/loadWeights through a directory path and a file:// URL (model.json + weights.bin)', async () => {
  const a = owner(3),
    b = owner(4);
  const dir = path.join(tmp, 'run1');
  await saveWeights(a, dir);
  assert.ok(fs.existsSync(path.join(dir, 'model.json')) && fs.existsSync(path.join(dir, 'weights.bin')));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.weightsManifest[0].paths, ['weights.bin']);
  assert.equal(
    json.weightsManifest[0].weights.map((w: {name: string}) => w.name),
    ['dense/kernel', 'dense/bias', 'my_dense/a'],
  );
  assert.is(fs.statSync(path.join(dir, 'weights.bin')).size, (15 + 5 + 5) * 4);
  const before = tf.memory().numTensors;
  await loadWeights(b, `file://${dir}`);
  assert.is(tf.memory().numTensors, before, 'decoded tensors disposed');
  assert.equal(values(b), values(a));
  // A .json path names the file itself.
  const c = owner(5);
  await saveWeights(a, path.join(tmp, 'named.json'));
  assert.ok(fs.existsSync(path.join(tmp, 'named.weights.bin')));
  await loadWeights(c, path.join(tmp, 'named.json'));
  assert.equal(values(c), values(a));
  tf.dispose([...a.weights, ...b.weights, ...c.weights]);
});

test('any tf.io handler; by name when the names match, else by order', async () => {
  const a = owner(6);
  let saved: tf.io.ModelArtifacts | undefined;
  await saveWeights(
    a,
    tf.io.withSaveHandler(async art => {
      saved = art;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  assert.ok(saved?.weightSpecs?.length === 3);
  // Saved names in a different order than the model's: matched by name.
  const reordered = tf.io.fromMemory({
    modelTopology: {},
    weightSpecs: [saved!.weightSpecs![1]!, saved!.weightSpecs![0]!, saved!.weightSpecs![2]!],
    weightData: reorderBytes(saved!.weightData as ArrayBuffer),
  });
  const b = owner(7);
  await loadWeights(b, reordered);
  assert.equal(values(b), values(a));
  // Different names (another naming of the same architecture): by order.
  const c = owner(8, ['x', 'y', 'z']);
  await loadWeights(c, tf.io.fromMemory(saved!));
  assert.equal(values(c), values(a));
  tf.dispose([...a.weights, ...b.weights, ...c.weights]);
});

/** The bytes of specs [0,1,2] rearranged as [1,0,2] (kernel 15 floats, bias 5, a 5). */
function reorderBytes(data: ArrayBuffer): ArrayBuffer {
  const f = new Float32Array(data);
  return Float32Array.from([...f.subarray(15, 20), ...f.subarray(0, 15), ...f.subarray(20)]).buffer;
}

test('loading into a different architecture names both; a missing file names the path', async () => {
  const a = owner(9);
  await saveWeights(a, path.join(tmp, 'run2'));
  const small = withSetter({name: 'small', weights: [tf.variable(tf.zeros([3, 5]))]});
  try {
    await loadWeights(small, path.join(tmp, 'run2'));
    assert.unreachable();
  } catch (e) {
    assert.match(
      (e as Error).message,
      /holds 3 weights \(dense\/kernel, dense\/bias, my_dense\/a\), the model has 1 \(weight_0\)/,
    );
  }
  try {
    await loadWeights(small, path.join(tmp, 'nowhere'));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /loadWeights: cannot read '.*nowhere.model\.json'/);
  }
  try {
    await saveWeights(small, 'ftp://host/x');
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /saveWeights: no handler for 'ftp:\/\/host\/x'/);
  }
  tf.dispose([...a.weights, ...small.weights]);
});

test.after(() => fs.rmSync(tmp, {recursive: true, force: true}));

test.run();
