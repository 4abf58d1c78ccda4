// compile / fit / evaluate on small synthetic data: losses by name, function, array and record;
// multi-output weighted sums and a hidden output with its own loss; addLoss (symbolic, eager,
// function, inside call); regularizers; callbacks and History; the training flag; seeded shuffle;
// no leaks over 50 steps; weights files round trip; and every bad input named.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {input, K, Layer, layers, Model, regularizers, utils, type Kwargs, type Shape} from '../../src/keras/index.js';

await tf.setBackend('as');

const N = 64,
  D = 6,
  C = 3;
const X = tf.randomNormal([N, D], 0, 1, 'float32', 11);
const LABELS = tf.tidy(() => tf.argMax(tf.matMul(X, tf.randomNormal([D, C], 0, 1, 'float32', 12)), -1));
const Y = tf.tidy(() => tf.cast(tf.oneHot(LABELS, C), 'float32'));

/** The seed's custom layer: w, b trainable, a non-trainable, all in fields. */
class MyDense extends Layer {
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(
    readonly units = 4,
    config = {},
  ) {
    super(config);
  }
  override build(inputShape: Shape | Shape[]) {
    const s = inputShape as Shape;
    this.w = K.variable(tf.randomNormal([s[s.length - 1]!, this.units], 0, 0.3, 'float32', 5));
    this.b = tf.variable(tf.zeros([this.units]), true);
    this.a = tf.variable(tf.ones([this.units]), false);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return K.add(K.dot(inputs as tf.Tensor, this.w), this.b) as tf.Tensor;
  }
}

function mlp(opts: {kernelRegularizer?: unknown; name?: string} = {}) {
  const inp = input({shape: [D]});
  const h = new MyDense(8).apply(inp);
  const r = layers.activation({activation: 'relu'}).apply(h);
  const out = layers
    .dense({
      units: C,
      activation: 'softmax',
      kernelRegularizer: opts.kernelRegularizer as never,
      kernelInitializer: 'glorotUniform',
    })
    .apply(r);
  return {model: new Model({inputs: inp, outputs: out, name: opts.name}), inp, hidden: h, out};
}

const num = (t: tf.Tensor | tf.Tensor[]) => (Array.isArray(t) ? t[0]! : t).dataSync()[0]!;
const weightsOf = (m: Model) => m.weights.map(w => Array.from(w.dataSync()));

test('compile by name, fit returns History with loss, metrics, val_loss; loss goes down', async () => {
  const {model} = mlp();
  model.compile({optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy']});
  const h = await model.fit(X, Y, {epochs: 8, batchSize: 16, validationSplit: 0.25, verbose: 0, seed: 1});
  assert.equal(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  assert.is(h.loss!.length, 8);
  assert.is(h.val_loss, h.history.val_loss);
  assert.ok(h.loss![7]! < h.loss![0]!, `${h.loss}`);
  assert.ok(h.history.accuracy!.every(a => a >= 0 && a <= 1));
  // evaluate: [loss, accuracy] as scalars, the same numbers the History's val_ entries use.
  const [xv, yv] = [tf.slice(X, 48, 16), tf.slice(Y, 48, 16)];
  const ev = model.evaluate(xv, yv) as tf.Scalar[];
  assert.is(ev.length, 2);
  assert.ok(Math.abs(num(ev[0]!) - h.history.val_loss![7]!) < 1e-5);
  tf.dispose([...ev, xv, yv]);
  assert.ok(model.optimizer instanceof tf.AdamOptimizer);
});

test('a custom loss: per-sample or scalar, mean-reduced; validationData; numbers as data', async () => {
  const perSample = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.sum(tf.square(tf.sub(yTrue, yPred)), -1);
  const scalar = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.sum(tf.square(tf.sub(yTrue, yPred)), -1));
  const {model} = mlp();
  model.compile({optimizer: 'sgd', loss: perSample});
  const a = model.evaluate(X, Y) as tf.Scalar;
  model.compile({optimizer: 'sgd', loss: scalar});
  const b = model.evaluate(X, Y, {batchSize: N}) as tf.Scalar;
  assert.ok(Math.abs(num(a) - num(b)) < 1e-5, `${num(a)} vs ${num(b)}`);
  const h = await model.fit(X.arraySync() as number[][], Y.arraySync() as number[][], {
    epochs: 2,
    verbose: 0,
    validationData: [X, Y],
  });
  assert.is(h.history.val_loss!.length, 2);
  tf.dispose([a, b]);
});

test('multi-output: loss record and array, lossWeights, per-output logs; the total is the weighted sum', async () => {
  const {model: base, inp, hidden, out} = mlp();
  void base;
  const model = new Model({inputs: inp, outputs: [out, hidden]});
  const outName = out.sourceLayer.name,
    hidName = hidden.sourceLayer.name;
  // The seed's first method: a hidden layer's output as an extra output with its own loss.
  const hiddenLoss = (_yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.square(yPred), -1);
  const zeros = tf.zeros([N, 8]);
  model.compile({
    optimizer: 'sgd',
    loss: {[outName]: 'categoricalCrossentropy', [hidName]: hiddenLoss},
    lossWeights: {[outName]: 1, [hidName]: 0.5},
    metrics: {[outName]: ['accuracy']},
  });
  const ev = model.evaluate(X, {[outName]: Y, [hidName]: zeros}) as tf.Scalar[];
  const [total, l1, l2] = ev.map(num);
  assert.is(ev.length, 4, 'loss, two output losses, accuracy');
  assert.ok(Math.abs(total! - (l1! + 0.5 * l2!)) < 1e-5, `${total} = ${l1} + 0.5 * ${l2}`);
  const h = await model.fit(X, [Y, zeros], {epochs: 1, verbose: 0});
  assert.equal(
    Object.keys(h.history).sort(),
    ['loss', `${hidName}_loss`, `${outName}_accuracy`, `${outName}_loss`].sort(),
  );
  // An array of losses, one per output; an output without a loss needs no target.
  model.compile({optimizer: 'sgd', loss: ['categoricalCrossentropy', null]});
  const h2 = await model.fit(X, Y, {epochs: 1, verbose: 0});
  assert.ok(Number.isFinite(h2.loss![0]!));
  tf.dispose([...ev, zeros]);
});

test('addLoss: a symbolic tensor from a hidden layer, an eager tensor and a function; fit(x) without targets', async () => {
  const {model, hidden} = mlp();
  model.addLoss(K.mul(0.1, K.mean(K.square(hidden))) as never);
  model.compile({optimizer: 'sgd'});
  const h = await model.fit(X, {epochs: 3, batchSize: 16, verbose: 0});
  assert.ok(h.loss![2]! < h.loss![0]!, `the activity term is minimized: ${h.loss}`);
  // The symbolic loss is recomputed from each batch: equals 0.1 * mean(hidden^2) on all of X.
  const sub = new Model({inputs: model.inputs, outputs: hidden});
  const expected = tf.tidy(() => 0.1 * tf.mean(tf.square(sub.predict(X) as tf.Tensor)).dataSync()[0]!);
  const ev = model.evaluate(X, undefined, {batchSize: N}) as tf.Scalar;
  assert.ok(Math.abs(num(ev) - expected) < 1e-5, `${num(ev)} vs ${expected}`);
  // A function and an eager tensor join it.
  model.addLoss(() => tf.scalar(2));
  const constant = tf.scalar(3);
  model.addLoss(constant);
  constant.dispose(); // the model keeps its own copy
  const ev2 = model.evaluate(X, undefined, {batchSize: N}) as tf.Scalar;
  assert.ok(Math.abs(num(ev2) - (expected + 5)) < 1e-4, `${num(ev2)} vs ${expected + 5}`);
  tf.dispose([ev, ev2]);
});

test('a layer used only by an added loss belongs to the model (Keras inserts it): its weights and regularizer train with it', async () => {
  const {model, hidden} = mlp();
  const probe = layers.dense({units: 2, kernelRegularizer: regularizers.l2(0.01)});
  model.addLoss(K.mean(K.square(K.sub(probe.apply(hidden), 1))) as never);
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  assert.ok(model.trainableWeights.includes(probe.kernel!) && model.trainableWeights.includes(probe.bias!));
  assert.is(model.callableLosses().length, 1, "the probe's kernel regularizer joins the loss");
  // summary() and plotModel() show it after the model's own layers, and the rows add up to the total.
  const lines: string[] = [];
  model.summary(undefined, undefined, line => lines.push(line));
  const rowParams = lines
    .filter(l => /^\S+ \(\w+\)/.test(l) && !l.startsWith('Layer (type)'))
    .map(l => +l.split(/\s{2,}/)[2]!);
  const total = +lines.find(l => l.startsWith('Total params:'))!.replace(/\D/g, '');
  assert.ok(
    lines.some(l => l.startsWith(`${probe.name} (Dense)`)),
    lines.join('\n'),
  );
  assert.is(
    rowParams.reduce((a, b) => a + b, 0),
    total,
    lines.join('\n'),
  );
  assert.match(await utils.plotModel(model, {format: 'dot'}), new RegExp(`label="${probe.name}: Dense"`));
  const before = Array.from(probe.kernel!.dataSync());
  await model.fit(X, Y, {epochs: 1, verbose: 0});
  assert.ok(
    Array.from(probe.kernel!.dataSync()).some((v, i) => v !== before[i]),
    'the probe trained',
  );
});

test('compiled loss + added loss + layer loss from call() + regularizers all sum; model.losses lists the terms', async () => {
  class ActivityLayer extends Layer {
    override call(x: tf.Tensor | tf.Tensor[]) {
      const t = x as tf.Tensor;
      this.addLoss(tf.mul(0.01, tf.sum(tf.abs(t))));
      return tf.relu(t);
    }
  }
  class RegDense extends Layer {
    k!: tf.Variable;
    override build(s: Shape | Shape[]) {
      this.k = this.addWeight('k', [(s as Shape)[1]!, C], {initializer: 'ones', regularizer: regularizers.l2(0.01)});
    }
    override call(x: tf.Tensor | tf.Tensor[]) {
      return tf.softmax(tf.matMul(x as tf.Tensor, this.k));
    }
  }
  const inp = input({shape: [D]});
  const d = layers.dense({
    units: 5,
    kernelInitializer: 'ones',
    kernelRegularizer: regularizers.l1(0.001),
    biasRegularizer: regularizers.l2({l2: 0.5}),
    biasInitializer: 'ones',
  });
  const h = new ActivityLayer().apply(d.apply(inp));
  const out = new RegDense().apply(h);
  const model = new Model({inputs: inp, outputs: out});
  // Regularization terms: l1(0.001) * 30 ones, l2(0.5) * 5 ones, l2(0.01) * 15 ones.
  const terms = model.losses.map(t => t.dataSync()[0]!).sort((a, b) => a - b);
  assert.equal(
    terms.map(v => +v.toFixed(5)),
    [0.03, 0.15, 2.5],
  );
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  const x1 = tf.slice(X, 0, 1),
    y1 = tf.slice(Y, 0, 1);
  const total = num(model.evaluate(x1, y1) as tf.Scalar);
  const withoutReg = tf.tidy(() => {
    const p = model.predict(x1) as tf.Tensor;
    const hidden = tf.relu(tf.add(tf.matMul(x1, tf.ones([D, 5])), 1));
    const cce = tf.neg(tf.sum(tf.mul(y1, tf.log(p))));
    return cce.dataSync()[0]! + 0.01 * tf.sum(tf.abs(hidden)).dataSync()[0]!;
  });
  assert.ok(Math.abs(total - (withoutReg + 0.03 + 0.15 + 2.5)) < 1e-3, `${total} vs ${withoutReg + 2.68}`);
  const before = weightsOf(model);
  await model.fit(X, Y, {epochs: 1, verbose: 0});
  assert.not.equal(weightsOf(model), before);
  tf.dispose([x1, y1, ...model.losses]);
});

test("Dense's activityRegularizer joins the loss (Keras: averaged over the batch) and trains down", async () => {
  const inp = input({shape: [D]});
  const act = layers.dense({units: 4, activityRegularizer: regularizers.l1(0.05), kernelInitializer: 'ones'});
  const h = act.apply(inp);
  const model = new Model({inputs: inp, outputs: h});
  model.compile({optimizer: 'sgd'});
  const x4 = tf.slice(X, 0, 4);
  const expected = tf.tidy(() => (0.05 * tf.sum(tf.abs(model.predict(x4) as tf.Tensor)).dataSync()[0]!) / 4);
  const ev = model.evaluate(x4, undefined, {batchSize: 4}) as tf.Scalar;
  assert.ok(Math.abs(num(ev) - expected) < 1e-5, `${num(ev)} vs ${expected}`);
  const h1 = await model.fit(X, {epochs: 3, verbose: 0});
  assert.ok(h1.loss![2]! < h1.loss![0]!, `${h1.loss}`);
  tf.dispose([x4, ev]);
});

test('the training flag reaches every layer: true in fit, false in evaluate and validation', async () => {
  const seen: string[] = [];
  class Spy extends Layer {
    override call(x: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
      seen.push(String(kwargs.training));
      return tf.clone(x as tf.Tensor);
    }
  }
  const inp = input({shape: [D]});
  const out = layers.dense({units: C, activation: 'softmax'}).apply(new Spy().apply(inp));
  const model = new Model({inputs: inp, outputs: out});
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  seen.length = 0;
  await model.fit(X, Y, {epochs: 1, batchSize: 32, verbose: 0});
  assert.equal(seen, ['true', 'true']);
  seen.length = 0;
  await model.fit(X, Y, {epochs: 1, batchSize: 64, validationData: [X, Y], verbose: 0});
  assert.equal(seen, ['true', 'false'], 'one training step, then validation in one batch');
  seen.length = 0;
  await model.fit(X, Y, {epochs: 1, batchSize: 32, validationSplit: 0.5, verbose: 0});
  assert.equal(seen, ['true', 'false']);
  seen.length = 0;
  tf.dispose(model.evaluate(X, Y, {batchSize: 64}));
  assert.equal(seen, ['false']);
});

test('shuffle: the same seed gives the same history, another seed another; shuffle off is deterministic', async () => {
  const run = async (config: {seed?: number; shuffle?: boolean}) => {
    const {model} = mlp();
    const init = model.getWeights();
    const result: number[][] = [];
    for (const c of [config, config]) {
      model.setWeights(init);
      model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
      result.push((await model.fit(X, Y, {epochs: 3, batchSize: 8, verbose: 0, ...c})).loss!);
    }
    tf.dispose(init);
    return result;
  };
  const [a1, a2] = await run({seed: 7});
  assert.equal(a1, a2);
  const [b1] = await run({seed: 8});
  assert.not.equal(a1, b1);
  const [c1, c2] = await run({shuffle: false});
  assert.equal(c1, c2);
});

test('callbacks: order of hooks, batch logs, params, async hooks, EarlyStopping ends fit', async () => {
  const {model} = mlp();
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc']});
  const calls: string[] = [];
  let params: unknown;
  await model.fit(X, Y, {
    epochs: 2,
    batchSize: 32,
    verbose: 0,
    callbacks: [
      {
        setParams(p) {
          params = p;
        },
        onTrainBegin() {
          calls.push('trainBegin');
        },
        onEpochBegin(e) {
          calls.push(`epochBegin ${e}`);
        },
        onBatchBegin(b) {
          calls.push(`batchBegin ${b}`);
        },
        async onBatchEnd(b, logs) {
          await Promise.resolve();
          calls.push(`batchEnd ${b} ${Object.keys(logs!).join(',')}`);
        },
        onEpochEnd(e, logs) {
          calls.push(`epochEnd ${e} ${Object.keys(logs!).join(',')}`);
        },
        onTrainEnd() {
          calls.push('trainEnd');
        },
      },
    ],
  });
  assert.equal(calls, [
    'trainBegin',
    'epochBegin 0',
    'batchBegin 0',
    'batchEnd 0 batch,size,loss,acc',
    'batchBegin 1',
    'batchEnd 1 batch,size,loss,acc',
    'epochEnd 0 loss,acc',
    'epochBegin 1',
    'batchBegin 0',
    'batchEnd 0 batch,size,loss,acc',
    'batchBegin 1',
    'batchEnd 1 batch,size,loss,acc',
    'epochEnd 1 loss,acc',
    'trainEnd',
  ]);
  assert.equal(params, {epochs: 2, steps: 2, samples: 64, batchSize: 32, verbose: 0, metrics: ['loss', 'acc']});
  // EarlyStopping on a loss that cannot improve (learning rate 0): stops after patience + 1 epochs.
  model.compile({optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy'});
  const h = await model.fit(X, Y, {
    epochs: 20,
    verbose: 0,
    shuffle: false,
    callbacks: [new (await import('../../src/keras/callbacks.js')).EarlyStopping({monitor: 'loss', patience: 2})],
  });
  assert.is(h.epoch.length, 3);
});

test('no leaks: numTensors is the same before and after every epoch (50 steps, custom layer + loss + addLoss + regularizer)', async () => {
  for (const optimizer of ['sgd', 'adam'] as const) {
    const inp = input({shape: [D]});
    const h = new MyDense(8).apply(inp);
    const out = layers.dense({units: C, activation: 'softmax', kernelRegularizer: regularizers.l2(0.01)}).apply(h);
    const model = new Model({inputs: inp, outputs: out});
    model.addLoss(K.mul(0.01, K.mean(K.square(h))) as never);
    const myLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) =>
      tf.neg(tf.sum(tf.mul(yTrue, tf.log(tf.add(yPred, 1e-7))), -1));
    model.compile({optimizer, loss: myLoss, metrics: ['accuracy']});
    const counts: number[] = [];
    const start = tf.memory().numTensors;
    await model.fit(X, Y, {
      epochs: 5,
      batchSize: 7,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [
        {
          onEpochBegin() {
            counts.push(tf.memory().numTensors);
          },
          onEpochEnd() {
            counts.push(tf.memory().numTensors);
          },
        },
      ],
    });
    // 51 training samples in batches of 7: 8 steps per epoch, 40 steps. Adam makes its 2 slots
    // per weight on the first step; from then on nothing changes.
    const slots = optimizer === 'adam' ? 2 * model.trainableWeights.length : 0;
    // fit holds 4 tensors while it runs: the training and validation slices of x and y.
    const during = start + 4;
    assert.equal(counts, [during, ...Array(9).fill(during + slots)], `${optimizer}: ${counts}`);
    assert.is(tf.memory().numTensors, start + slots);
    await model.fit(X, Y, {epochs: 2, batchSize: 5, verbose: 0}); // 26 more steps
    assert.is(tf.memory().numTensors, start + slots);
    // Recompiling (Keras' way after freezing) replaces the optimizer made by name: its slots go with it.
    const variables = Object.keys(tf.engine().registeredVariables).length;
    model.compile({optimizer, loss: myLoss});
    await model.fit(X, Y, {epochs: 1, batchSize: 7, verbose: 0});
    assert.is(tf.memory().numTensors, start + slots, `${optimizer}: recompile and fit`);
    assert.is(Object.keys(tf.engine().registeredVariables).length, variables);
  }
});

test('an exception in a loss or a callback ends fit with it; the weights are those of the last completed step', async () => {
  const {model} = mlp();
  let calls = 0;
  const failing = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
    if (++calls === 3) throw new Error('my loss broke');
    return tf.neg(tf.sum(tf.mul(yTrue, tf.log(tf.add(yPred, 1e-7))), -1));
  };
  // Eager: the loss runs on every step (traced, it would run on the first two only: below).
  model.compile({optimizer: 'adam', loss: failing, runEagerly: true});
  let snapshot: number[][] = [];
  const before = tf.memory().numTensors;
  try {
    await model.fit(X, Y, {
      epochs: 1,
      batchSize: 8,
      verbose: 0,
      callbacks: [
        {
          onBatchEnd() {
            snapshot = weightsOf(model);
          },
        },
      ],
    });
    assert.unreachable('fit should reject');
  } catch (e) {
    assert.is((e as Error).message, 'my loss broke');
  }
  assert.equal(weightsOf(model), snapshot, 'as after step 2');
  assert.is(tf.memory().numTensors, before + 2 * model.trainableWeights.length, 'only the optimizer slots remain');
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  try {
    await model.fit(X, Y, {
      epochs: 3,
      verbose: 0,
      callbacks: [
        {
          onEpochEnd(e) {
            if (e === 1) throw new Error('callback broke');
          },
        },
      ],
    });
    assert.unreachable('fit should reject');
  } catch (e) {
    assert.is((e as Error).message, 'callback broke');
  }
});

test('bad input: each error names the argument and the shapes', async () => {
  const {model, out} = mlp({name: 'net'});
  const outName = out.sourceLayer.name;
  const rejects = async (p: () => Promise<unknown> | unknown, re: RegExp) => {
    try {
      await p();
    } catch (e) {
      assert.match((e as Error).message, re);
      return;
    }
    assert.unreachable(`expected ${re}`);
  };
  await rejects(
    () => model.fit(X, Y),
    /fit: model 'net' must be compiled first: call model\.compile\(\{optimizer, loss\}\) before fit\(\)/,
  );
  assert.throws(
    () => model.compile({optimizer: 'sgd'}),
    (e: Error) => e.message === 'The model cannot be compiled because it has no loss to optimize.',
  );
  assert.throws(
    () => model.compile({optimizer: 'sgd', loss: {nope: 'mse'}}),
    new RegExp(`compile: loss names output 'nope', which the model does not have; its outputs are '${outName}'`),
  );
  assert.throws(
    () => model.compile({optimizer: 'sgd', loss: ['mse', 'mse']}),
    /compile: loss has 2 entries but the model has 1 output/,
  );
  // @ts-expect-error -- an unknown optimizer name is a type error too
  assert.throws(() => model.compile({optimizer: 'sgdd', loss: 'mse'}), /Unknown optimizer 'sgdd'/);
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  const y5 = tf.zeros([N, 5]),
    x7 = tf.zeros([N, 7]),
    yShort = tf.zeros([N - 1, C]);
  await rejects(
    () => model.fit(X, y5, {verbose: 0}),
    new RegExp(`fit: y for output '${outName}' has shape \\[64,5\\], expected \\[null,3\\]`),
  );
  await rejects(() => model.fit(x7, Y, {verbose: 0}), /fit: x for input '.*' has shape \[64,7\], expected \[null,6\]/);
  await rejects(
    () => model.fit(X, [Y, Y], {verbose: 0}),
    /fit: the model has 1 output\(s\), 1 with a loss \('.*' \[null,3\]\), but y has 2 array\(s\)/,
  );
  await rejects(
    () => model.fit(X, yShort, {verbose: 0}),
    /fit: all data must have the same number of samples: x '.*' has 64, y '.*' has 63/,
  );
  await rejects(
    () => model.fit(X, {other: Y}, {verbose: 0}),
    /fit: y names output\(s\) 'other', which the model does not have/,
  );
  await rejects(
    () => model.fit(X, undefined, {verbose: 0}),
    /fit: y is required: the model has a compiled loss for output\(s\) '.*' \[null,3\]/,
  );
  for (const split of [0, 1, -0.5, 1.5, NaN]) {
    await rejects(
      () => model.fit(X, Y, {validationSplit: split, verbose: 0}),
      new RegExp(`fit: validationSplit must be a number in \\(0, 1\\), got ${JSON.stringify(split)}`),
    );
  }
  await rejects(
    () => model.fit([['a', 'b', 'c', 'd', 'e', 'f']] as never, [[1, 0, 0]], {verbose: 0}),
    /fit: x must be numeric, but x\[0\]\[0\] is the string 'a'/,
  );
  await rejects(
    () => model.fit(tf.tensor([['a', 'b', 'c', 'd', 'e', 'f']]), Y, {verbose: 0}),
    /fit: x must be numeric \(float32, int32 or bool\), got a string tensor of shape \[1,6\]/,
  );
  await rejects(() => model.fit(X, Y, {batchSize: 0, verbose: 0}), /fit: batchSize must be an integer >= 1, got 0/);
  await rejects(
    () => model.evaluate(X, y5),
    new RegExp(`evaluate: y for output '${outName}' has shape \\[64,5\\], expected \\[null,3\\]`),
  );
  const sparse = mlp().model;
  sparse.compile({optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy'});
  await sparse.fit(X, LABELS, {verbose: 0});
  await rejects(
    () => sparse.fit(X, Y, {verbose: 0}),
    /sparseCategoricalCrossentropy takes integer labels of shape \[null\] or \[null,1\] for the output's \[null,3\]/,
  );
  tf.dispose([y5, x7, yShort]);
});

test('saveWeights / loadWeights round trip with a custom layer; getWeights / setWeights', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-fit-'));
  try {
    const a = mlp().model,
      b = mlp().model;
    a.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
    await a.fit(X, Y, {epochs: 2, verbose: 0});
    await a.saveWeights(dir);
    const names = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights.map(
      (w: {name: string}) => w.name,
    );
    const my = a.layers.find(l => l instanceof MyDense)!.name;
    assert.ok(names.includes(`${my}/w`) && names.includes(`${my}/b`) && names.includes(`${my}/a`), names.join(' '));
    const pa = a.predict(X) as tf.Tensor,
      pb0 = b.predict(X) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(pa, pb0))).dataSync()[0]! > 1e-3);
    await b.loadWeights(`file://${dir}`);
    const pb = b.predict(X) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(pa, pb))).dataSync()[0]! < 1e-6);
    const c = mlp().model;
    const ws = a.getWeights();
    c.setWeights(ws);
    assert.equal(weightsOf(c), weightsOf(a));
    tf.dispose([pa, pb0, pb, ...ws]);
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
});

test("model.dispose() frees the optimizer compile made by name: make/compile('adam')/fit/dispose cycles leave nothing", async () => {
  const cycle = async (optimizer: 'adam' | tf.Optimizer) => {
    const {model} = mlp();
    model.compile({optimizer, loss: 'categoricalCrossentropy'});
    await model.fit(X, Y, {epochs: 1, batchSize: 32, verbose: 0});
    model.dispose();
    assert.is(model.optimizer, undefined, 'a disposed model is no longer compiled');
  };
  await cycle('adam'); // warm-up: first-use caches (kernels, constants) are not leaks
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).sort();
  for (let i = 0; i < 5; i++) await cycle('adam');
  assert.is(tf.memory().numTensors, tensors, 'tensors after 5 cycles');
  assert.equal(Object.keys(tf.engine().registeredVariables).sort(), variables, 'registered variables after 5 cycles');
  // An optimizer the user made stays theirs: its slots survive model.dispose().
  const mine = tf.train.adam(0.01);
  await cycle(mine);
  const slots = Object.keys(tf.engine().registeredVariables).filter(n => !variables.includes(n));
  assert.ok(slots.length > 0, 'the user optimizer keeps its slot variables');
  mine.dispose();
  assert.equal(Object.keys(tf.engine().registeredVariables).sort(), variables);
});

test.run();
