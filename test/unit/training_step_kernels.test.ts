// The kernels that shorten a training step on 'as': AsBiasActivationGrad (a dense layer's dz and
// bias gradient in one pass) and Sum over leading axes. Both must give tfjs' own numbers bit for
// bit on 'as' (the formulas composed of tfjs-backend-wasm's kernels, and tfjs-backend-wasm's Sum),
// and agree with tfjs-backend-cpu (which sums in float64) to rounding, on random and edge shapes
// with NaN and ±Infinity; a Dense model trains to the same weights, bit for bit, with or without
// them; bad input names the kernel.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/index.js';
import {PARALLEL_MIN_ELEMENTS} from '../../src/kernels/utils/optimizer_update.js';
import {input, K, layers, losses, Model} from '../../src/keras/index.js';
import {
  BIAS_ACTIVATION_GRAD,
  CATEGORICAL_CROSSENTROPY,
  CATEGORICAL_CROSSENTROPY_GRAD,
  DENSE_CONCAT,
  type DenseConcatActivation,
} from '../../src/kernel_names.js';

let state = 2024;
const rand = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32 - 0.5;
};
/** Random values over many magnitudes (so the summation order shows), some NaN and ±Infinity. */
function values(n: number, special = true): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    out[i] = rand() * 10 ** Math.floor(r * 8);
    if (special && r > 0.47) out[i] = [Number.NaN, Infinity, -Infinity, 0, -0][i % 5]!;
  }
  return out;
}

/** The sum of the finite values' magnitudes: what a float32 sum of them can be off by, relatively. */
const magnitude = (v: Float32Array) => v.reduce((a, x) => (Number.isFinite(x) ? a + Math.abs(x) : a), 0);

const ACTIVATIONS: DenseConcatActivation[] = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'];
const SHAPES = [
  [1, 1],
  [5, 7],
  [64, 500],
  [13, 3],
  [3, 4, 9],
  [0, 5],
  [5, 0],
  [1, 17],
  [31, 8],
];

/** What tfjs' gradients compute for dz (DenseConcat's formulas), on the current backend. */
function reference(dy: tf.Tensor, y: tf.Tensor, activation: DenseConcatActivation, alpha: number): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'relu6':
      return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)), 'float32'));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'elu':
      return tf.where(tf.greater(y, 0), dy, tf.mul(dy, tf.add(y, 1)));
    case 'leakyrelu':
      return tf.where(tf.greater(y, 0), dy, tf.mul(dy, alpha));
    default:
      return dy;
  }
}

function run(dyV: Float32Array, yV: Float32Array, shape: number[], activation: DenseConcatActivation, alpha: number) {
  return tf.tidy(() => {
    const dy = tf.tensor(dyV, shape),
      y = tf.tensor(yV, shape);
    const units = shape[shape.length - 1]!;
    if (tf.getBackend() === 'as') {
      const outs = tf
        .engine()
        .runKernel(
          BIAS_ACTIVATION_GRAD,
          (activation === 'linear' ? {dy} : {dy, y}) as unknown as tf.NamedTensorMap,
          {activation, leakyreluAlpha: alpha} as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      const dz = activation === 'linear' ? dy : outs[0]!;
      return {dz: dz.dataSync() as Float32Array, db: outs[outs.length - 1]!.dataSync() as Float32Array};
    }
    const dz = reference(dy, y, activation, alpha);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const db = tf.sum(tf.reshape(dz, [rows, units]), 0);
    return {dz: dz.dataSync() as Float32Array, db: db.dataSync() as Float32Array};
  });
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
function bitEqual(got: Float32Array, want: Float32Array, label: string): void {
  assert.is(got.length, want.length, `${label}: length`);
  for (let i = 0; i < got.length; i++) assert.ok(same(got[i]!, want[i]!), `${label}[${i}]: ${got[i]} vs ${want[i]}`);
}
/** Equal to rounding: within 1e-5 of `scale` (a sum's terms' magnitude: cancellation is no error). */
function near(got: Float32Array, want: Float32Array, label: string, scale = 1): void {
  assert.is(got.length, want.length, `${label}: length`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!,
      w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      assert.ok(same(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `${label}[${i}]: ${g} vs ${w}`);
      continue;
    }
    assert.ok(Math.abs(g - w) <= 1e-5 * Math.max(scale, Math.abs(w)), `${label}[${i}]: ${g} vs ${w}`);
  }
}

test('AsBiasActivationGrad: bit-identical to the composed kernels on wasm, near cpu, with NaN and Infinity', async () => {
  for (const shape of SHAPES) {
    for (const activation of ACTIVATIONS) {
      const n = shape.reduce((a, b) => a * b, 1);
      const dy = values(n),
        y = values(n);
      // sigmoid outputs lie in [0, 1]: the other values still have to give tfjs' numbers.
      const alpha = 0.2;
      await tf.setBackend('as');
      const got = run(dy, y, shape, activation, alpha);
      await tf.setBackend('wasm');
      const wasm = run(dy, y, shape, activation, alpha);
      await tf.setBackend('cpu');
      const cpu = run(dy, y, shape, activation, alpha);
      const label = `${activation} [${shape}]`;
      bitEqual(got.dz, wasm.dz, `${label} dz vs wasm`);
      // tfjs-backend-wasm leaves an empty sum's output unwritten (garbage); cpu's zeros are right.
      if (n > 0) bitEqual(got.db, wasm.db, `${label} db vs wasm`);
      else bitEqual(got.db, cpu.db, `${label} db vs cpu`);
      bitEqual(got.dz, cpu.dz, `${label} dz vs cpu`);
      near(got.db, cpu.db, `${label} db vs cpu`, magnitude(cpu.dz));
    }
  }
});

test('Sum over leading axes: bit-identical to tfjs-backend-wasm, near cpu; other sums unchanged', async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[64, 500], 0, false],
    [[64, 100], [0], true],
    [[3, 4, 5], [0, 1], false],
    [[3, 4, 5], [1, 0], true],
    [[7, 13], [0, 1], false],
    [[11], 0, false],
    [[0, 6], 0, false],
    [[6, 0], 0, true],
    [[2, 3, 4], [1], false],
    [[2, 3, 4], -1, true],
    [[2, 3, 4], [0, 2], false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    const v = values(shape.reduce((a, b) => a * b, 1));
    const results: Record<string, {data: Float32Array; shape: number[]}> = {};
    for (const backend of ['as', 'wasm', 'cpu']) {
      await tf.setBackend(backend);
      results[backend] = tf.tidy(() => {
        const s = tf.sum(tf.tensor(v, shape), axis, keepDims);
        return {data: s.dataSync() as Float32Array, shape: s.shape};
      });
    }
    const label = `sum [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
    assert.equal(results.as!.shape, results.cpu!.shape, `${label}: shape`);
    // tfjs-backend-wasm leaves an empty reduction's output unwritten (garbage): zeros are right.
    if (shape.includes(0)) {
      assert.ok(
        results.as!.data.every(x => x === 0),
        `${label}: zeros`,
      );
      continue;
    }
    bitEqual(results.as!.data, results.wasm!.data, `${label} vs wasm`);
    near(results.as!.data, results.cpu!.data, `${label} vs cpu`, magnitude(v));
  }
  await tf.setBackend('as');
  // int32 goes to tfjs-backend-wasm's kernel.
  assert.equal(Array.from(tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync()), [4, 6]);
});

test('bad input names AsBiasActivationGrad and the shapes; nothing leaks', async () => {
  await tf.setBackend('as');
  const dy = tf.zeros([4, 3]),
    y = tf.zeros([4, 2]);
  const before = tf.memory().numTensors;
  const call = (inputs: object, activation: string) => () =>
    tf
      .engine()
      .runKernel(
        BIAS_ACTIVATION_GRAD,
        inputs as tf.NamedTensorMap,
        {activation, leakyreluAlpha: 0.2} as unknown as tf.NamedAttrMap,
      );
  assert.throws(
    call({dy, y}, 'relu'),
    /AsBiasActivationGrad: y must be a float32 tensor of dy's shape \[4,3\] for 'relu', got float32 \[4,2\]/,
  );
  assert.throws(call({dy}, 'relu'), /AsBiasActivationGrad: y must be .* got none/);
  assert.throws(call({dy, y: dy}, 'tanh'), /AsBiasActivationGrad: unknown activation 'tanh'/);
  assert.throws(
    call({dy: tf.zeros([2], 'int32'), y: dy}, 'linear'),
    /AsBiasActivationGrad: dy must be a float32 tensor of rank >= 1, got int32 \[2\]/,
  );
  assert.is(tf.memory().numTensors, before + 1); // the int32 zeros made in the call above
  tf.dispose([dy, y]);
});

/** A small MLP's weights after `steps` rmsprop steps from fixed weights, on the current backend's kernels. */
async function trainedWeights(activation: 'relu' | 'relu6' | 'leakyRelu' | 'softmax' | 'sigmoid', steps: number) {
  const x = input({shape: [12]});
  const h = layers.dense({units: 9, activation}).apply(x);
  const out = layers.dense({units: 5, activation: 'softmax'}).apply(layers.dense({units: 7}).apply(h));
  const model = new Model({inputs: x, outputs: out});
  const initial = model.getWeights();
  const start = initial.map(w =>
    tf.tensor(
      values(w.size, false).map(v => v * 0.1),
      w.shape,
    ),
  );
  model.setWeights(start);
  tf.dispose([...initial, ...start]);
  model.compile({optimizer: 'rmsprop', loss: 'categoricalCrossentropy'});
  const xs = tf.tensor(values(37 * 12, false), [37, 12]);
  const ys = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({length: 37}, (_, i) => (i * 7) % 5),
        'int32',
      ),
      5,
    ),
  );
  await model.fit(xs, ys, {batchSize: Math.ceil(37 / steps), epochs: 1, shuffle: false, verbose: 0});
  const trained = model.getWeights();
  const weights = trained.map(w => w.dataSync() as Float32Array);
  tf.dispose(trained);
  tf.dispose([xs, ys]);
  model.dispose();
  return weights;
}

test('a Dense model trains to the same weights, bit for bit, with the fused kernels and without', async () => {
  await tf.setBackend('as');
  for (const activation of ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'softmax'] as const) {
    const start = state;
    const before = tf.memory().numTensors;
    const fused = await trainedWeights(activation, 4);
    assert.is(tf.memory().numTensors, before, 'no tensor leaks');
    // Without them: Dense runs matMul, add and the activation, the loss its 9 ops, tfjs
    // differentiates them, and Sum is tfjs-backend-wasm's.
    const removed = [
      DENSE_CONCAT,
      BIAS_ACTIVATION_GRAD,
      CATEGORICAL_CROSSENTROPY,
      CATEGORICAL_CROSSENTROPY_GRAD,
      'Sum',
    ].map(name => tf.getKernel(name, 'as')!);
    for (const k of removed) tf.unregisterKernel(k.kernelName, 'as');
    tf.registerKernel({...tf.getKernel('Sum', 'wasm')!, backendName: 'as'});
    let plain: Float32Array[];
    try {
      state = start;
      plain = await trainedWeights(activation, 4);
    } finally {
      tf.unregisterKernel('Sum', 'as');
      for (const k of removed) tf.registerKernel(k);
    }
    assert.is(fused.length, plain.length);
    fused.forEach((w, i) => {
      bitEqual(w, plain[i]!, `${activation}: weight ${i}`);
    });
  }
});

test('optimizer updates of large weights are split over threads, bit-identical for 1, 2 and 3 threads', async () => {
  await tf.setBackend('as');
  const shape = [1031, 1021]; // 1,052,651 elements: above the split threshold, not a multiple of 4 per part
  const n = shape[0]! * shape[1]!;
  assert.ok(n >= PARALLEL_MIN_ELEMENTS);
  const arrays = [0, 1, 2, 3].map(() => values(n, false));
  arrays[2] = arrays[2]!.map(Math.abs); // a mean square / second moment is not negative
  const runAll = () =>
    tf.tidy(() => {
      const [v, g, s1, s2] = arrays.map(a => tf.tensor(a, shape));
      const calls: [string, object, object][] = [
        [
          'AsRMSPropUpdate',
          {value: v, gradient: g, meanSquare: s2, moment: s1},
          {learningRate: 0.01, decay: 0.9, momentum: 0.5, epsilon: 1e-7},
        ],
        [
          'AsAdamUpdate',
          {value: v, gradient: g, firstMoment: s1, secondMoment: s2},
          {learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, oneMinusAccBeta1: 0.1, oneMinusAccBeta2: 0.001},
        ],
        ['AsSGDUpdate', {value: v, gradient: g}, {learningRate: 0.1}],
      ];
      return calls.flatMap(([name, inputs, attrs]) =>
        (tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor[]).map(
          t => t.dataSync() as Float32Array,
        ),
      );
    });
  const {setThreads} = await import('../../src/index.js');
  await setThreads(1);
  const one = runAll();
  for (const threads of [2, 3]) {
    await setThreads(threads);
    const got = runAll();
    got.forEach((a, i) => {
      bitEqual(a, one[i]!, `${threads} threads, output ${i}`);
    });
  }
  await setThreads(1);
});

/** The loss per row and its gradient w.r.t. output and target for dL/dloss = dy, on this backend. */
function crossentropy(t: Float32Array, o: Float32Array, d: Float32Array, shape: number[]) {
  return tf.tidy(() => {
    const target = tf.tensor(t, shape),
      output = tf.tensor(o, shape),
      dy = tf.tensor(d, shape.slice(0, -1));
    const f = (a: tf.Tensor, b: tf.Tensor) => losses.categoricalCrossentropy(a, b);
    const loss = f(target, output);
    const [dTarget, dOutput] = tf.grads(f)([target, output], dy);
    return [loss, dOutput!, dTarget!].map(x => x.dataSync() as Float32Array);
  });
}

test('AsCategoricalCrossentropy and its gradient: bit-identical to the composed ops on as, near cpu', async () => {
  // (No classes, [3, 0], only forward below: tfjs' own gradient of the composed ops fails there.)
  const shapes = [
    [64, 10],
    [1, 1],
    [7, 3],
    [2, 3, 5],
    [0, 4],
    [1, 13],
  ];
  for (const shape of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    // Probabilities-like outputs (some NaN, ±Infinity, 0) and one-hot-like or soft targets.
    const o = values(n).map(v => (Number.isFinite(v) ? Math.abs(v) : v));
    const t = values(n, false).map((v, i) => (i % 3 === 0 ? Math.abs(v) : i % 2));
    const d = values(
      shape.slice(0, -1).reduce((a, b) => a * b, 1),
      false,
    );
    await tf.setBackend('as');
    const fused = crossentropy(t, o, d, shape);
    const kernels = [CATEGORICAL_CROSSENTROPY, CATEGORICAL_CROSSENTROPY_GRAD].map(name => tf.getKernel(name, 'as')!);
    for (const k of kernels) tf.unregisterKernel(k.kernelName, 'as');
    let composed: Float32Array[];
    try {
      composed = crossentropy(t, o, d, shape);
    } finally {
      for (const k of kernels) tf.registerKernel(k);
    }
    await tf.setBackend('cpu');
    const cpu = crossentropy(t, o, d, shape);
    ['loss', 'dOutput', 'dTarget'].forEach((what, i) => {
      bitEqual(fused[i]!, composed[i]!, `[${shape}] ${what} vs composed`);
      near(fused[i]!, cpu[i]!, `[${shape}] ${what} vs cpu`, 10);
    });
  }
  await tf.setBackend('as');
  const none = tf.zeros([3, 0]);
  const empty = losses.categoricalCrossentropy(none, none);
  bitEqual(empty.dataSync() as Float32Array, new Float32Array([-0, -0, -0]), 'no classes');
  tf.dispose([empty, none]);
  // K.categoricalCrossentropy with another axis, or logits, stays composed (and right).
  const before = tf.memory().numTensors;
  const ones = tf.ones([2, 3]);
  const info = await tf.profile(() => K.categoricalCrossentropy(ones, ones));
  assert.ok(info.kernelNames.includes(CATEGORICAL_CROSSENTROPY));
  tf.dispose([info.result as tf.Tensor, ones]);
  assert.is(tf.memory().numTensors, before);
});

test('bad input names AsCategoricalCrossentropy and the shapes', async () => {
  await tf.setBackend('as');
  const a = tf.zeros([4, 3]),
    b = tf.zeros([4, 2]);
  const run =
    (name: string, inputs: object, epsilon = 1e-7) =>
    () =>
      tf.engine().runKernel(name, inputs as tf.NamedTensorMap, {epsilon} as unknown as tf.NamedAttrMap);
  assert.throws(
    run(CATEGORICAL_CROSSENTROPY, {target: b, output: a}),
    /AsCategoricalCrossentropy: target must be a float32 tensor of output's shape \[4,3\], got float32 \[4,2\]/,
  );
  assert.throws(run(CATEGORICAL_CROSSENTROPY, {target: a, output: a}, 0.5), /epsilon must be in \[0, 0.5\), got 0.5/);
  assert.throws(
    run(CATEGORICAL_CROSSENTROPY_GRAD, {dy: a, target: a, output: a}),
    /AsCategoricalCrossentropyGrad: dy must be a float32 tensor of the loss's shape \[4\], got float32 \[4,3\]/,
  );
  tf.dispose([a, b]);
});

test.run();
