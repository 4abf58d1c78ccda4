// The fused optimizer updates ('sgd', 'adam', 'rmsprop' by name): on 'as' one kernel per weight,
// bit-identical to tfjs-core's own optimizer classes (weights and slots, over several steps,
// odd sizes, zero-size weights, NaN and Inf gradients); on other backends tfjs' own code; no leaks.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo} from '../../src/index.js';
import * as optimizers from '../../src/keras/optimizers.js';

const SHAPES = [[13, 5], [7], [1], [0, 3], [64, 33]];

function makeVars(seed: number): tf.Variable[] {
  return SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i), true));
}

/** Gradients for step k: random, with a NaN and an Inf in the first weight's on step 2. */
function gradsFor(vars: tf.Variable[], k: number): tf.NamedTensorMap {
  const g: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    g[v.name] = tf.tidy(() => {
      const r = tf.randomNormal(v.shape, 0, 0.1, 'float32', 1000 + 100 * k + i); // seed 0 means 'random'
      if (k !== 2 || i !== 0) return r;
      const mask = tf.tensor(
        Array.from({length: r.size}, (_, j) => (j === 3 ? NaN : j === 4 ? Infinity : 1)),
        r.shape,
      );
      return tf.mul(r, mask);
    });
  });
  return g;
}

async function run(make: () => tf.Optimizer, backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const vars = makeVars(1);
  const opt = make();
  for (let k = 0; k < 4; k++) {
    const g = gradsFor(vars, k);
    opt.applyGradients(g);
    tf.dispose(Object.values(g));
  }
  const slots = (await opt.getWeights()).map(w => w.tensor);
  const out = [...vars, ...slots].map(t => t.dataSync() as Float32Array);
  tf.dispose([...vars, ...slots]);
  opt.dispose();
  return out;
}

function sameBits(a: Float32Array[], b: Float32Array[], what: string): void {
  assert.is(a.length, b.length, `${what}: tensor count`);
  a.forEach((x, t) => {
    const xi = new Int32Array(x.buffer, x.byteOffset, x.length),
      yi = new Int32Array(b[t]!.buffer, b[t]!.byteOffset, b[t]!.length);
    assert.is(xi.length, yi.length);
    for (let i = 0; i < xi.length; i++) {
      if (xi[i] !== yi[i] && !(Number.isNaN(x[i]) && Number.isNaN(b[t]![i])))
        assert.unreachable(`${what}: tensor ${t}[${i}] ${x[i]} vs ${b[t]![i]}`);
    }
  });
}

const cases: [string, () => tf.Optimizer, () => tf.Optimizer][] = [
  ['sgd', () => optimizers.get('sgd', {learningRate: 0.1}), () => tf.train.sgd(0.1)],
  ['adam', () => optimizers.get('adam', {learningRate: 0.01}), () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
  ['rmsprop', () => optimizers.get('rmsprop', {learningRate: 0.01}), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
  [
    'rmsprop momentum 0.9',
    () => optimizers.get('rmsprop', {learningRate: 0.01, momentum: 0.9}),
    () => tf.train.rmsprop(0.01, 0.9, 0.9, 1e-7),
  ],
  [
    'rmsprop centered (not fused)',
    () => optimizers.get('rmsprop', {centered: true}),
    () => tf.train.rmsprop(0.001, 0.9, 0, 1e-7, true),
  ],
];

for (const [name, ours, theirs] of cases) {
  test(`${name}: bit-identical to tfjs-core's class on 'as' and on 'cpu'`, async () => {
    sameBits(await run(ours, 'as'), await run(theirs, 'as'), `${name} on as`);
    sameBits(await run(ours, 'cpu'), await run(theirs, 'cpu'), `${name} on cpu`);
  });
}

test("the fused kernels are 'as' kernels; an update leaks nothing after the first step's slots", async () => {
  await tf.setBackend('as');
  for (const k of ['AsRMSPropUpdate', 'AsAdamUpdate', 'AsSGDUpdate']) assert.ok(backendInfo().kernels.includes(k), k);
  for (const name of ['sgd', 'adam', 'rmsprop'] as const) {
    const vars = makeVars(3);
    const opt = optimizers.get(name);
    const g = gradsFor(vars, 0);
    opt.applyGradients(g); // the first step makes the slots (ZerosLike)
    const profile = await tf.profile(() => opt.applyGradients(g));
    const kernel = {sgd: 'AsSGDUpdate', adam: 'AsAdamUpdate', rmsprop: 'AsRMSPropUpdate'}[name]!;
    assert.is(
      profile.kernels.filter(k => k.name === kernel).length,
      SHAPES.length,
      `${name}: one ${kernel} per weight`,
    );
    // At most Adam's two accBeta products besides one update per weight.
    assert.ok(profile.kernels.length <= SHAPES.length + 2, `${name}: ${profile.kernels.map(k => k.name).join(' ')}`);
    const after1 = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) opt.applyGradients(g);
    assert.is(tf.memory().numTensors, after1, name);
    tf.dispose([...vars, ...Object.values(g)]);
    opt.dispose();
  }
});

test('an update writes in place only into buffers no other tensor shares (a clone keeps its values)', async () => {
  await tf.setBackend('as');
  for (const name of ['sgd', 'adam', 'rmsprop'] as const) {
    const initial = tf.randomNormal([13, 5], 0, 1, 'float32', 7);
    const v = tf.variable(initial, true); // shares initial's buffer
    const opt = optimizers.get(name);
    const g = gradsFor([v], 0);
    const buffer = () => v.dataId;
    let before = buffer();
    opt.applyGradients(g);
    assert.is.not(buffer(), before, `${name}: shared with the initial tensor: a new buffer`);
    const fresh = tf.randomNormal([13, 5], 0, 1, 'float32', 7);
    assert.equal(
      Array.from(initial.dataSync()),
      Array.from(fresh.dataSync()),
      `${name}: the initial tensor is unchanged`,
    );
    fresh.dispose();
    before = buffer();
    opt.applyGradients(g);
    assert.is(buffer(), before, `${name}: its own buffer: updated in place`);
    const snapshot = tf.clone(v); // as getWeights() does
    const values = Array.from(snapshot.dataSync());
    opt.applyGradients(g);
    assert.is.not(buffer(), before, `${name}: shared with a clone: a new buffer`);
    assert.equal(Array.from(snapshot.dataSync()), values, `${name}: the clone keeps its values`);
    assert.not.equal(Array.from(v.dataSync()), values, `${name}: the weight moved`);
    tf.dispose([initial, v, snapshot, ...Object.values(g)]);
    opt.dispose();
  }
});

test('a bad update (shape mismatch) names the kernel and both shapes', async () => {
  await tf.setBackend('as');
  const v = tf.zeros([3, 4]),
    g = tf.zeros([4, 3]);
  assert.throws(
    () => tf.engine().runKernel('AsSGDUpdate', {value: v, gradient: g}, {learningRate: 0.1}),
    /AsSGDUpdate: gradient has shape \[4,3\], expected the weight's \[3,4\]/,
  );
  tf.dispose([v, g]);
});

test.run();
