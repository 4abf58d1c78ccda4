// fit's traced training steps (src/keras/training/step_trace.ts, src/keras/kernel_trace.ts): from
// a batch signature's third step on, fit replays the recorded forward and backward kernels.
// Replayed training must give the weights and logs of eager training (compile's runEagerly)
// bit for bit; whatever a replay could get wrong must run eagerly instead (random kernels, code
// whose constants change from step to step, a held tensor replaced between fit calls); an error
// while a step is recorded ends fit with it and leaves nothing behind; traces hold no engine
// tensors and free their backend data on compile and dispose.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {input, K, layers, Model, regularizers} from '../../src/keras/index.js';
import {MyDense} from '../../src/bench/seed_model.js';
import {compiledState} from '../../src/keras/training/index.js';

await tf.setBackend('as');

const N = 75, // batches of 16: 4 full and a last one of 11 (two signatures)
  D = 7,
  C = 3;
const X = tf.randomNormal([N, D], 0, 1, 'float32', 21);
const Y = tf.tidy(() =>
  tf.cast(tf.oneHot(tf.argMax(tf.matMul(X, tf.randomNormal([D, C], 0, 1, 'float32', 22)), -1), C), 'float32'),
);

/** The seed's custom layer (MyDense: w, b trainable; a non-trainable), scaled by a constant it holds. */
class ScaledDense extends MyDense {
  scale: tf.Tensor = tf.scalar(1.5);
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return K.mul(super.call(inputs), this.scale) as tf.Tensor;
  }
}

/** Two models with the same weights: one traced (default), one eager. */
function pair(build: () => Model, compile: Parameters<Model['compile']>[0]): [Model, Model] {
  const traced = build();
  const eager = build();
  eager.setWeights(traced.getWeights());
  traced.compile(compile);
  eager.compile({...compile, runEagerly: true});
  return [traced, eager];
}

function mlp(): Model {
  const inp = input({shape: [D]});
  const h = new ScaledDense(8).apply(inp);
  const r = layers.dense({units: 6, activation: 'relu', kernelRegularizer: regularizers.l2(0.01)}).apply(h);
  const out = layers.dense({units: C, activation: 'softmax'}).apply(r);
  const model = new Model({inputs: inp, outputs: out});
  model.addLoss(K.mul(0.01, K.mean(K.square(h))) as never);
  return model;
}

const bits = (m: Model) => m.weights.map(w => Array.from(new Uint32Array(w.dataSync().slice().buffer)));
const replays = (m: Model) => compiledState(m)!.stepTraces?.replays ?? 0;

test('replayed training gives the weights and logs of eager training bit for bit (rmsprop, adam, sgd; shuffled; a last short batch; metrics; regularizer; addLoss)', async () => {
  for (const optimizer of ['rmsprop', 'adam', 'sgd'] as const) {
    const [traced, eager] = pair(mlp, {optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const config = {epochs: 3, batchSize: 16, seed: 3, verbose: 0 as const};
    const a = await traced.fit(X, Y, config);
    const b = await eager.fit(X, Y, config);
    assert.equal(bits(traced), bits(eager), `${optimizer}: weights`);
    assert.equal(a.history, b.history, `${optimizer}: logs`);
    // 5 steps an epoch: per signature, two recorded steps, then replays (4 full batches an epoch,
    // the short one once an epoch: recorded in epochs 1 and 2, replayed in epoch 3).
    assert.is(replays(traced), 3 * 4 - 2 + 1, `${optimizer}: replays`);
    assert.is(replays(eager), 0, `${optimizer}: runEagerly replays nothing`);
    // A second fit call: its first step of each signature traces again and must match, then replays.
    await traced.fit(X, Y, config);
    await eager.fit(X, Y, config);
    assert.equal(bits(traced), bits(eager), `${optimizer}: weights after a second fit`);
    assert.is(replays(traced), 11 + (3 * 4 - 1) + 2, `${optimizer}: replays in the second fit`);
    traced.dispose();
    eager.dispose();
  }
});

test('a two-input model with a Lambda-free K op graph replays and matches eager', async () => {
  const build = () => {
    const a = input({shape: [D]});
    const b = input({shape: [2]});
    const h = layers.dense({units: 5, activation: 'tanh'}).apply(a);
    const joined = layers.concatenate().apply([h, b]);
    const out = layers.dense({units: C, activation: 'softmax'}).apply(joined);
    return new Model({inputs: [a, b], outputs: out});
  };
  const [traced, eager] = pair(build, {optimizer: 'adam', loss: 'categoricalCrossentropy'});
  const B = tf.randomUniform([N, 2], -1, 1, 'float32', 4);
  const config = {epochs: 2, batchSize: 25, shuffle: false, verbose: 0 as const};
  await traced.fit([X, B], Y, config);
  await eager.fit([X, B], Y, config);
  assert.equal(bits(traced), bits(eager));
  assert.is(replays(traced), 4);
  tf.dispose(B);
  traced.dispose();
  eager.dispose();
});

test('random kernels (Dropout) are never replayed', async () => {
  const inp = input({shape: [D]});
  const h = layers.dropout({rate: 0.5}).apply(layers.dense({units: 8}).apply(inp));
  const model = new Model({inputs: inp, outputs: layers.dense({units: C, activation: 'softmax'}).apply(h)});
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  await model.fit(X, Y, {epochs: 3, batchSize: 16, verbose: 0});
  assert.is(replays(model), 0);
  model.dispose();
});

test('a loss whose JavaScript constant changes every step runs eagerly, seeing every value', async () => {
  let factor = 1;
  const scaled = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
    factor += 0.5;
    return tf.mul(tf.losses.softmaxCrossEntropy(yTrue, tf.log(tf.add(yPred, 1e-7))), factor);
  };
  const [traced, eager] = pair(mlp, {optimizer: 'sgd', loss: scaled});
  const config = {epochs: 2, batchSize: 16, shuffle: false, verbose: 0 as const};
  factor = 1;
  const a = await traced.fit(X, Y, config);
  factor = 1;
  const b = await eager.fit(X, Y, config);
  assert.is(replays(traced), 0);
  assert.equal(bits(traced), bits(eager));
  assert.equal(a.history, b.history);
  traced.dispose();
  eager.dispose();
});

test('a held tensor replaced between fit calls is seen: the first step of the next fit traces anew', async () => {
  const [traced, eager] = pair(mlp, {optimizer: 'rmsprop', loss: 'categoricalCrossentropy'});
  const config = {epochs: 1, batchSize: 16, shuffle: false, verbose: 0 as const};
  await traced.fit(X, Y, config);
  await eager.fit(X, Y, config);
  const kept: tf.Tensor[] = [];
  for (const m of [traced, eager]) {
    const layer = m.layers.find(l => l instanceof ScaledDense) as ScaledDense;
    kept.push(layer.scale); // not disposed: a stale trace would still read it
    layer.scale = tf.scalar(0.5);
  }
  await traced.fit(X, Y, config);
  await eager.fit(X, Y, config);
  assert.equal(bits(traced), bits(eager));
  tf.dispose(kept);
  traced.dispose();
  eager.dispose();
});

test('an error while a step is recorded ends fit with it and leaves nothing behind; the next fit replays', async () => {
  let calls = 0;
  let failAt = 2; // the second step: recorded, and the first trace's check
  const failing = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
    if (++calls === failAt) throw new Error('my loss broke');
    return tf.neg(tf.sum(tf.mul(yTrue, tf.log(tf.add(yPred, 1e-7))), -1));
  };
  const model = mlp();
  // Measured freshly compiled: no optimizer slots yet, no traces.
  model.compile({optimizer: 'adam', loss: failing});
  const tensors = tf.memory().numTensors;
  const data = tf.backend().numDataIds();
  for (const at of [1, 2]) {
    calls = 0;
    failAt = at;
    model.compile({optimizer: 'adam', loss: failing}); // new slots: forget the earlier traces
    try {
      await model.fit(X, Y, {epochs: 1, batchSize: 16, verbose: 0});
      assert.unreachable('fit should reject');
    } catch (e) {
      assert.is((e as Error).message, 'my loss broke');
    }
  }
  // The engine is as it was: no watched methods left on it.
  const engine = tf.engine() as unknown as Record<string, unknown>;
  for (const k of ['runKernel', 'readSync', 'read', 'makeTensor']) assert.not.ok(Object.hasOwn(engine, k), k);
  calls = 0;
  failAt = -1;
  model.compile({optimizer: 'adam', loss: failing});
  await model.fit(X, Y, {epochs: 2, batchSize: 16, verbose: 0});
  assert.ok(replays(model) > 0);
  // Compiling again frees the optimizer's slots and the traces' constants.
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
  assert.is(tf.memory().numTensors, tensors, 'tensors');
  assert.is(tf.backend().numDataIds(), data, 'backend data');
  model.dispose();
});

test('no leaks: tensors and backend data are the same after every step of a replayed fit, and after dispose', async () => {
  const model = mlp();
  model.compile({optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const tensors = tf.memory().numTensors;
  const data = tf.backend().numDataIds();
  const counts: number[] = [];
  const dataCounts: number[] = [];
  await model.fit(X, Y, {
    epochs: 3,
    batchSize: 16,
    verbose: 0,
    callbacks: [
      {
        onBatchEnd() {
          counts.push(tf.memory().numTensors);
          dataCounts.push(tf.backend().numDataIds());
        },
      },
    ],
  });
  assert.ok(replays(model) > 0);
  // From the second epoch on (both signatures traced, slots made) nothing changes.
  assert.equal(new Set(counts.slice(5)).size, 1, `${counts}`);
  assert.equal(new Set(dataCounts.slice(10)).size, 1, `${dataCounts}`);
  model.dispose();
  assert.ok(tf.memory().numTensors < tensors, 'the weights are gone');
  assert.ok(tf.backend().numDataIds() < data, 'and the traces with them');
});

test('compile: runEagerly must be a boolean; model.save keeps it in compile_config', async () => {
  const inp = input({shape: [D]});
  const model = new Model({inputs: inp, outputs: layers.dense({units: C}).apply(inp)});
  assert.throws(
    () => model.compile({optimizer: 'sgd', loss: 'mse', runEagerly: 'yes' as never}),
    /compile: runEagerly must be true or false, got "yes"/,
  );
  model.compile({optimizer: 'sgd', loss: 'mse', runEagerly: true});
  let topology: {compile_config?: {run_eagerly?: unknown}} = {};
  await model.save(
    tf.io.withSaveHandler(async artifacts => {
      topology = artifacts.modelTopology as typeof topology;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
    {includeOptimizer: true},
  );
  assert.is(topology.compile_config?.run_eagerly, true);
  model.dispose();
});

test.run();
