// denseConcat: values and gradients against concat of separate dense products (computed on
// tfjs-backend-cpu), on 'as' (the fused kernel) and on cpu/wasm (composed tf ops); bad input;
// no leaked tensors.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo, denseConcat} from '../../src/index.js';
import type {DenseConcatActivation} from '../../src/index.js';

let state = 777;
const rand = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32 - 0.5;
};

interface Case {
  lead: number[];
  ks: number[];
  ns: number[];
  bias: boolean[];
  activation: DenseConcatActivation;
}
const CASES: Case[] = [
  {lead: [5], ks: [3, 4], ns: [2, 6], bias: [true, true], activation: 'relu'},
  {lead: [64], ks: [100, 80], ns: [64, 32], bias: [true, false], activation: 'linear'},
  {lead: [7], ks: [13, 1, 17], ns: [5, 3, 11], bias: [false, true, true], activation: 'sigmoid'},
  {lead: [2, 3], ks: [4, 5], ns: [6, 7], bias: [true, true], activation: 'elu'},
  {lead: [9], ks: [8], ns: [9], bias: [true], activation: 'leakyrelu'},
  {lead: [6], ks: [5, 6], ns: [4, 0], bias: [true, true], activation: 'relu6'},
  {lead: [0], ks: [3, 4], ns: [2, 2], bias: [true, true], activation: 'relu'},
];

type Arrays = {xs: Float32Array[]; ws: Float32Array[]; bs: (Float32Array | null)[]; dy: Float32Array};
function data(c: Case): Arrays {
  const m = c.lead.reduce((a, b) => a * b, 1),
    units = c.ns.reduce((a, b) => a + b, 0);
  const arr = (n: number, scale: number) => Float32Array.from({length: n}, () => rand() * scale);
  return {
    xs: c.ks.map(k => arr(m * k, 4)),
    ws: c.ks.map((k, i) => arr(k * c.ns[i], 1)),
    bs: c.ns.map((n, i) => (c.bias[i] ? arr(n, 2) : null)),
    dy: arr(m * units, 1),
  };
}

/** y and the gradients of sum(y * dy) w.r.t. xs, ws and biases, by f on the current backend. */
function evaluate(c: Case, d: Arrays, fused: boolean): number[][] {
  return tf.tidy(() => {
    const xs = d.xs.map((v, i) => tf.tensor(v, [...c.lead, c.ks[i]]));
    const ws = d.ws.map((v, i) => tf.tensor(v, [c.ks[i], c.ns[i]]));
    const bs = d.bs.map((v, i) => (v ? tf.tensor(v, [c.ns[i]]) : null));
    const dy = tf.tensor(d.dy, [...c.lead, c.ns.reduce((a, b) => a + b, 0)]);
    const present = bs.filter((b): b is tf.Tensor => b != null);
    const f = (...args: tf.Tensor[]) => {
      const n = xs.length;
      const ax = args.slice(0, n),
        aw = args.slice(n, 2 * n);
      let next = 2 * n;
      const ab = bs.map(b => (b ? args[next++] : null));
      if (fused) return denseConcat(ax, aw, ab, {activation: c.activation});
      // Reference: separate dense products, concat, activation.
      const parts = ax.map((x, i) => {
        const z = tf.matMul(tf.reshape(x, [-1, c.ks[i]]), aw[i]);
        return ab[i] ? tf.add(z, ab[i]!) : z;
      });
      const z = tf.concat(parts, 1);
      const act = {
        linear: (t: tf.Tensor) => t,
        relu: tf.relu,
        relu6: tf.relu6,
        sigmoid: tf.sigmoid,
        elu: tf.elu,
        leakyrelu: (t: tf.Tensor) => tf.leakyRelu(t, 0.2),
      }[c.activation];
      return tf.reshape(act(z), dy.shape);
    };
    const {value, grads} = tf.valueAndGrads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), dy)))([
      ...xs,
      ...ws,
      ...present,
    ]);
    return [
      Array.from(f(...xs, ...ws, ...present).dataSync()),
      ...grads.map(g => Array.from(g.dataSync())),
      [value.dataSync()[0]],
    ];
  });
}

function close(got: number[], want: number[], label: string): void {
  assert.is(got.length, want.length, label);
  for (let i = 0; i < got.length; i++) {
    const tol = 1e-4 * Math.max(1, Math.abs(want[i]));
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${label}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test('values and gradients equal concat of separate dense products (cpu reference) on as, cpu and wasm', async () => {
  for (const c of CASES) {
    const d = data(c);
    await tf.setBackend('cpu');
    const want = evaluate(c, d, false);
    // tfjs-backend-wasm's XNNPACK logs an error for an empty product (it still returns the
    // right empty tensor): leave the empty cases to cpu and as.
    const empty = [...c.lead, ...c.ns].includes(0);
    for (const backend of empty ? ['as', 'cpu'] : ['as', 'cpu', 'wasm']) {
      await tf.setBackend(backend);
      const got = evaluate(c, d, true);
      got.forEach((g, i) => {
        close(g, want[i], `${backend} ${c.activation} lead [${c.lead}] ks [${c.ks}] output ${i}`);
      });
    }
  }
});

test('the op runs the DenseConcat kernel on as, with no intermediate tensors', async () => {
  await tf.setBackend('as');
  assert.ok(backendInfo().kernels.includes('DenseConcat'));
  const xs = [tf.ones([4, 3]), tf.ones([4, 2])],
    ws = [tf.ones([3, 5]), tf.ones([2, 1])];
  const info = await tf.profile(() => denseConcat(xs, ws));
  assert.equal(info.kernelNames, ['DenseConcat']);
  assert.is(info.newTensors, 1);
  (info.result as tf.Tensor).dispose();
  tf.dispose([...xs, ...ws]);
});

test('bad input names denseConcat, the argument and the shapes; nothing leaks', async () => {
  await tf.setBackend('as');
  const x = tf.zeros([4, 3]),
    w = tf.zeros([3, 2]),
    b = tf.zeros([2]);
  const before = tf.memory().numTensors;
  const cases: Array<[() => unknown, RegExp]> = [
    [
      () => denseConcat([x, x], [w]),
      /denseConcat: xs and kernels must have the same length; got 2 inputs \(shapes \[4,3\] \[4,3\]\) and 1 kernels \(shapes \[3,2\]\)/,
    ],
    [() => denseConcat([x], [w], [b, b]), /denseConcat: biases must have one entry .* got 2 for 1 inputs/],
    [
      () => denseConcat([x], [tf.zeros([4, 2])]),
      /denseConcat: kernels\[0\] must have shape \[3, units\] for xs\[0\] of shape \[4,3\]; got \[4,2\]/,
    ],
    [
      () => denseConcat([x, tf.zeros([5, 3])], [w, w]),
      /denseConcat: xs\[1\] has shape \[5,3\] but xs\[0\] has \[4,3\]/,
    ],
    [() => denseConcat([x], [w], [tf.zeros([3])]), /denseConcat: biases\[0\] must have shape \[2\] .* got \[3\]/],
    [() => denseConcat([tf.zeros([3])], [w]), /denseConcat: xs\[0\] must have rank 2 or more .* \[3\]/],
    [() => denseConcat([x], [tf.zeros([3, 2], 'int32')]), /denseConcat: .*float32.*int32 \[3,2\]/],
    [
      () => denseConcat([x], [w], undefined, {activation: 'tanh' as 'relu'}),
      /denseConcat: unknown activation 'tanh'.*tf.tanh/,
    ],
    [() => denseConcat([], []), /denseConcat: xs is empty/],
    // Straight to the kernel: an activation the GEMM has but denseConcat does not offer.
    [
      () =>
        tf
          .engine()
          .runKernel(
            'DenseConcat',
            [x, w] as unknown as tf.NamedTensorMap,
            {count: 1, hasBias: [false], activation: 'prelu', leakyreluAlpha: 0.2} as unknown as tf.NamedAttrMap,
          ),
      /DenseConcat: unknown activation 'prelu'; expected one of linear, relu/,
    ],
  ];
  for (const [f, re] of cases)
    assert.throws(
      () =>
        tf.tidy(() => {
          f();
        }),
      re,
    );
  assert.is(tf.memory().numTensors, before);
  for (let i = 0; i < 3; i++) {
    tf.dispose(denseConcat([x, x], [w, w], [b, null], {activation: 'relu'}));
    tf.dispose(
      tf.grads((a: tf.Tensor, k: tf.Tensor) => tf.sum(denseConcat([a, x], [k, w], [b, b], {activation: 'sigmoid'})))([
        x,
        w,
      ]),
    );
  }
  assert.is(tf.memory().numTensors, before);
  tf.dispose([x, w, b]);
});

test.run();
