// BatchMatMul and _FusedMatMul on 'as', checked against tfjs-backend-cpu on every kernels variant
// this runtime can run (scalar, simd, and relaxed-simd where it validates; matmul_relaxed.test.ts
// reruns this file in a child with --experimental-wasm-relaxed-simd). Set
// TFJS_AS_MATMUL_VARIANTS=a,b to restrict the variants.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {backendInfo, setKernelVariant} from '../../src/index.js';
import {kernelsOf} from '../../src/backend/state.js';
import {memoryOf, offsetOf, withScratch} from '../../src/backend/heap.js';
import {kernelModule} from '../../src/backend/variants.js';
import type {KernelExports} from '../../src/backend/kernel_module.js';

type Variant = 'scalar' | 'simd' | 'relaxed-simd';
const support = backendInfo();
const VARIANTS: Variant[] = process.env.TFJS_AS_MATMUL_VARIANTS
  ? (process.env.TFJS_AS_MATMUL_VARIANTS.split(',') as Variant[])
  : ['scalar', ...(support.simd ? ['simd' as const] : []), ...(support.relaxedSimd ? ['relaxed-simd' as const] : [])];
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
type Activation = (typeof ACTIVATIONS)[number];

// ---- helpers ----

function rng(seed: number) {
  return () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface Operand {
  shape: number[];
  data: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32';
}
interface Case {
  a: Operand;
  b: Operand;
  transposeA: boolean;
  transposeB: boolean;
  /** undefined: plain tf.matMul; otherwise tf.fused.matMul with this activation. */
  activation?: Activation;
  alpha?: number;
  bias?: Operand;
  prelu?: Operand;
}

const toTensor = (o: Operand) => tf.tensor(o.data, o.shape, o.dtype ?? 'float32');

/** Runs the case on the current backend; returns the output's data and shape. */
function run(c: Case): {data: Float32Array | Int32Array; shape: number[]} {
  return tf.tidy(() => {
    const a = toTensor(c.a),
      b = toTensor(c.b);
    const y =
      c.activation === undefined
        ? tf.matMul(a, b, c.transposeA, c.transposeB)
        : tf.fused.matMul({
            a,
            b,
            transposeA: c.transposeA,
            transposeB: c.transposeB,
            bias: c.bias && toTensor(c.bias),
            activation: c.activation,
            preluActivationWeights: c.prelu && toTensor(c.prelu),
            leakyreluAlpha: c.alpha,
          });
    return {data: y.dataSync() as Float32Array | Int32Array, shape: y.shape};
  });
}

interface Reference {
  data: Float32Array | Int32Array;
  shape: number[];
  tol: Float32Array;
}

/**
 * tfjs-backend-cpu's answer, computed unfused with the batch dimensions broadcast explicitly
 * (cpu's own BatchMatMul indexes a broadcast batch modulo its size, which is wrong for shapes
 * like [2,1] x [1,3]), and a per-element tolerance from |A|·|B| (+|bias|).
 */
async function reference(c: Case): Promise<Reference> {
  await tf.setBackend('cpu');
  const k = c.transposeA ? c.a.shape[c.a.shape.length - 2] : c.a.shape[c.a.shape.length - 1];
  const [y, bound] = tf.tidy(() => {
    let a = toTensor(c.a),
      b = toTensor(c.b);
    const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    a = tf.broadcastTo(a, [...outBatch, ...a.shape.slice(-2)]);
    b = tf.broadcastTo(b, [...outBatch, ...b.shape.slice(-2)]);
    let y = tf.matMul(a, b, c.transposeA, c.transposeB);
    let bound = tf.matMul(tf.abs(a), tf.abs(b), c.transposeA, c.transposeB);
    if (c.bias) {
      y = tf.add(y, toTensor(c.bias));
      bound = tf.add(bound, tf.abs(toTensor(c.bias)));
    }
    switch (c.activation) {
      case 'relu':
        y = tf.relu(y);
        break;
      case 'relu6':
        y = tf.relu6(y);
        break;
      case 'elu':
        y = tf.elu(y);
        break;
      case 'leakyrelu':
        y = tf.leakyRelu(y, c.alpha ?? 0.2);
        break;
      case 'prelu':
        y = tf.prelu(y, toTensor(c.prelu!));
        break;
      case 'sigmoid':
        y = tf.sigmoid(y);
        break;
    }
    // What the op returns: its output shape comes from a and b (a bias of higher rank with
    // leading 1s does not add dimensions).
    const outShape = [...outBatch, y.shape[y.shape.length - 2], y.shape[y.shape.length - 1]];
    y = tf.reshape(y, outShape);
    return [{data: y.dataSync() as Float32Array | Int32Array, shape: y.shape}, bound.dataSync()];
  });
  const tol = new Float32Array(bound.length);
  for (let i = 0; i < tol.length; i++) tol[i] = 1e-6 * Math.sqrt(k + 1) * bound[i] + 1e-6 * Math.abs(y.data[i]) + 1e-6;
  return {...y, tol};
}

function compare(what: string, got: {data: ArrayLike<number>; shape: number[]}, ref: Reference) {
  assert.equal(got.shape, ref.shape, `${what}: shape`);
  assert.is(got.data.length, ref.data.length, `${what}: size`);
  for (let i = 0; i < ref.data.length; i++) {
    const r = ref.data[i],
      y = got.data[i];
    const ok = Number.isNaN(r) ? Number.isNaN(y) : r === y || Math.abs(r - y) <= ref.tol[i];
    if (!ok) assert.unreachable(`${what}: element ${i} is ${y}, tfjs-backend-cpu says ${r} (tolerance ${ref.tol[i]})`);
  }
}

async function onVariant(variant: Variant) {
  await tf.setBackend('as');
  await setKernelVariant(variant);
  assert.is(backendInfo().variant, variant);
}

function describe(c: Case): string {
  const act =
    c.activation === undefined
      ? 'matMul'
      : `fused ${c.activation}` +
        (c.bias ? ` bias [${c.bias.shape}]` : '') +
        (c.prelu ? ` prelu [${c.prelu.shape}]` : '');
  return `[${c.a.shape}]${c.transposeA ? 'ᵀ' : ''} x [${c.b.shape}]${c.transposeB ? 'ᵀ' : ''} ${act}`;
}

/** Checks every case on every variant against cpu (references computed once). */
async function checkCases(cases: Case[]) {
  const refs: Reference[] = [];
  for (const c of cases) refs.push(await reference(c));
  for (const variant of VARIANTS) {
    await onVariant(variant);
    cases.forEach((c, i) => {
      compare(`${variant} ${describe(c)}`, run(c), refs[i]);
    });
  }
}

function randomData(r: () => number, shape: number[], special = 0): Float32Array {
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = r() * 2 - 1;
  for (let s = 0; s < special && d.length; s++) {
    d[Math.floor(r() * d.length)] = [NaN, Infinity, -Infinity][s % 3];
  }
  return d;
}

function makeCase(
  r: () => number,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  batchA: number[] = [],
  batchB: number[] = [],
  activation?: Activation,
  biasShape?: number[],
  preluShape?: number[],
): Case {
  const aShape = [...batchA, ...(transposeA ? [k, m] : [m, k])];
  const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
  const c: Case = {
    a: {shape: aShape, data: randomData(r, aShape)},
    b: {shape: bShape, data: randomData(r, bShape)},
    transposeA,
    transposeB,
    activation,
  };
  if (activation !== undefined) {
    if (biasShape) c.bias = {shape: biasShape, data: randomData(r, biasShape)};
    if (activation === 'prelu') c.prelu = {shape: preluShape ?? [n], data: randomData(r, preluShape ?? [n])};
    if (activation === 'leakyrelu') c.alpha = r();
  }
  return c;
}

// ---- tests ----

test('variants under test', () => {
  assert.ok(VARIANTS.length >= 1);
  for (const v of VARIANTS)
    assert.ok(v === 'scalar' || (v === 'simd' ? support.simd : support.relaxedSimd), `${v} cannot run here`);
});

test('tfjs-backend-wasm 4.22 bug: transposeB + bias is [11,22,14,25]', async () => {
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const y = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.tensor2d([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        b: tf.tensor2d([
          [1, 0, 0],
          [0, 1, 0],
        ]),
        transposeB: true,
        bias: tf.tensor1d([10, 20]),
      }),
    );
    assert.equal(Array.from(await y.data()), [11, 22, 14, 25], variant);
    y.dispose();
  }
});

test('random differential vs cpu: shapes incl. 1, primes, zero, K > 2000, every transpose pair, batch, bias, activation', async () => {
  const r = rng(12345);
  const dims = [1, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17, 23, 31, 32, 33, 47, 64, 65];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const cases: Case[] = [];
  for (let i = 0; i < 320; i++) {
    let m = pick(dims),
      n = pick(dims),
      k = pick(dims);
    const shape = r();
    if (shape < 0.04)
      k = pick([2049, 2111]); // K > 2000 (several K blocks)
    else if (shape < 0.1)
      k = pick([255, 256, 257, 300, 513]); // around the K block
    else if (shape < 0.14)
      m = pick([127, 128, 129, 200]); // around the M block
    else if (shape < 0.17)
      n = pick([1023, 1024, 1030]); // around the N block
    else if (shape < 0.2) {
      // zero-size
      if ([m, n, k][Math.floor(r() * 3)] === m) m = 0;
      else if (r() < 0.5) n = 0;
      else k = 0;
    }
    if (k > 2000) {
      m = Math.min(m, 33);
      n = Math.min(n, 33);
    }
    if (n > 1000 || m > 100) k = Math.min(k, 64);
    const activation = r() < 0.3 ? undefined : pick(ACTIVATIONS);
    let batchA: number[] = [],
      batchB: number[] = [];
    if (r() < 0.25) {
      const outBatch = r() < 0.5 ? [pick([1, 2, 3])] : [pick([1, 2]), pick([1, 2, 3])];
      const drop = (b: number[]) => b.slice(Math.floor(r() * (b.length + 1))).map(d => (r() < 0.3 ? 1 : d));
      batchA = drop(outBatch);
      batchB = drop(outBatch);
      if (activation !== undefined) {
        // tfjs' fused matMul op flattens each operand's batch before the kernel sees it, which
        // only keeps the meaning when one batch is the whole output batch and the other a suffix.
        batchA = outBatch;
        batchB = outBatch.slice(Math.floor(r() * (outBatch.length + 1)));
        if (r() < 0.5) [batchA, batchB] = [batchB, batchA];
      }
      if (m * n * k > 4000) {
        batchA = batchA.map(() => 1);
        batchB = batchB.map(() => 1);
      }
    }
    const outBatch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
    const outShape = [...outBatch, m, n];
    const biasShapes: (number[] | undefined)[] = [
      undefined,
      [n],
      [n],
      [m, n],
      [1, n],
      [m, 1],
      [1],
      [],
      outShape,
      outBatch.length ? [...outBatch, 1, n] : [1, 1, n],
    ];
    const biasShape = activation === undefined ? undefined : pick(biasShapes);
    const preluShape = pick([[n], [1], [m, n], [m, 1], outShape]);
    cases.push(makeCase(r, m, k, n, r() < 0.5, r() < 0.5, batchA, batchB, activation, biasShape, preluShape));
  }
  // Every transpose pair on a few fixed awkward shapes, plain and fused.
  for (const [m, k, n] of [
    [7, 13, 9],
    [1, 31, 17],
    [17, 31, 1],
    [65, 259, 33],
    [4, 8, 8],
    [6, 1, 10],
  ]) {
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        cases.push(makeCase(r, m, k, n, ta, tb));
        cases.push(makeCase(r, m, k, n, ta, tb, [], [], 'relu', [n]));
      }
  }
  await checkCases(cases);
});

test('every activation with every bias kind (rank 1, rank 2, broadcast, batch), prelu weights broadcast, small-m paths', async () => {
  const r = rng(7);
  const cases: Case[] = [];
  const [m, k, n] = [10, 37, 13];
  for (const activation of ACTIVATIONS) {
    for (const biasShape of [undefined, [n], [m, n], [1, n], [m, 1], [1], [2, m, n], [2, 1, n]]) {
      const preluShape = activation === 'prelu' ? [[n], [m, n], [1], [m, 1], [2, 1, n]][cases.length % 5] : undefined;
      cases.push(
        makeCase(
          r,
          m,
          k,
          n,
          cases.length % 2 === 1,
          cases.length % 3 === 1,
          [2],
          [1],
          activation,
          biasShape,
          preluShape,
        ),
      );
    }
  }
  // m = 1, n = 1 (the matrix-vector paths) and m = 2..4 with broadcast biases and prelu weights.
  for (const activation of ACTIVATIONS) {
    for (const [mm, nn] of [
      [1, 37],
      [1, 3],
      [41, 1],
      [5, 1],
      [2, 37],
      [2, 3],
      [3, 21],
      [4, 9],
    ]) {
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          cases.push(
            makeCase(
              r,
              mm,
              cases.length % 2 ? 29 : 32,
              nn,
              ta,
              tb,
              [],
              [],
              activation,
              [[nn], [mm, nn], [mm, 1], [1]][cases.length % 4],
              [[nn], [mm, nn], [mm, 1], [1]][cases.length % 3],
            ),
          );
        }
    }
  }
  await checkCases(cases);
});

test('activation edge values: sigmoid and elu far out, relu6 at the clip, leakyrelu default alpha', async () => {
  // a = 0 so the output is the bias itself: the activation sees exactly these values.
  const values = [-200, -100, -88, -20, -1, -1e-7, 0, 1e-7, 1, 5.9, 6, 6.1, 20, 88, 89, 100, 200];
  const n = values.length;
  const zeros = new Float32Array(n * n);
  const cases: Case[] = ACTIVATIONS.map(activation => ({
    a: {shape: [n, n], data: zeros},
    b: {shape: [n, n], data: zeros},
    transposeA: false,
    transposeB: false,
    activation,
    bias: {shape: [n, n], data: Float32Array.from({length: n * n}, (_, i) => values[i % n])},
    prelu:
      activation === 'prelu'
        ? {shape: [n], data: Float32Array.from({length: n}, (_, i) => (i % 5) / 4 - 0.5)}
        : undefined,
  }));
  await checkCases(cases);
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const y = tf.tidy(() =>
      tf.fused
        .matMul({
          a: tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]),
          b: tf.tensor2d([0, 1, -3, 2, 2, 1], [3, 2]),
          activation: 'leakyrelu',
        })
        .dataSync(),
    );
    assert.equal(
      Array.from(y).map(v => +v.toFixed(5)),
      [0, 8, -0.6, 20],
      `${variant}: leakyrelu default alpha 0.2`,
    );
  }
});

test('NaN and Inf propagate like cpu, through every activation', async () => {
  const r = rng(99);
  const cases: Case[] = [];
  for (const [m, k, n] of [
    [9, 21, 13],
    [1, 40, 9],
    [12, 40, 1],
    [33, 300, 17],
  ]) {
    for (const activation of [undefined, ...ACTIVATIONS]) {
      const c = makeCase(r, m, k, n, cases.length % 2 === 0, cases.length % 3 === 0, [], [], activation, [n]);
      c.a.data = randomData(r, c.a.shape, 3);
      c.b.data = randomData(r, c.b.shape, 2);
      cases.push(c);
    }
  }
  await checkCases(cases);
});

test('int32 products are exact, with wraparound, every transpose pair and batch', async () => {
  const r = rng(3);
  const cases: Case[] = [];
  for (const [m, k, n, batchA, batchB] of [
    [3, 5, 4, [], []],
    [1, 64, 9, [2], [1]],
    [17, 33, 1, [], [3]],
    [8, 300, 8, [2, 1], [3]],
    [0, 3, 2, [], []],
    [2, 0, 3, [], []],
  ] as [number, number, number, number[], number[]][]) {
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const aShape = [...batchA, ...(ta ? [k, m] : [m, k])],
          bShape = [...batchB, ...(tb ? [n, k] : [k, n])];
        const ints = (shape: number[]) =>
          Int32Array.from({length: sizeOf(shape)}, () => Math.floor((r() * 2 - 1) * (1 << 20)));
        cases.push({
          a: {shape: aShape, data: ints(aShape), dtype: 'int32'},
          b: {shape: bShape, data: ints(bShape), dtype: 'int32'},
          transposeA: ta,
          transposeB: tb,
        });
      }
  }
  const refs: Reference[] = [];
  for (const c of cases) refs.push(await reference(c));
  // The sums do leave the int32 range: element 0 of the K = 300 case, computed exactly.
  const big = cases.findIndex(c => c.a.shape.includes(300) && !c.transposeA && !c.transposeB);
  let exact = 0n;
  for (let p = 0; p < 300; p++) exact += BigInt(cases[big].a.data[p]) * BigInt(cases[big].b.data[p * 8]);
  assert.ok(exact > 2n ** 31n || exact < -(2n ** 31n), 'the test values wrap around');
  assert.is(refs[big].data[0], Number(BigInt.asIntN(32, exact)), 'cpu wraps around');
  for (const variant of VARIANTS) {
    await onVariant(variant);
    cases.forEach((c, i) => {
      const y = tf.tidy(() => {
        const t = tf.matMul(toTensor(c.a), toTensor(c.b), c.transposeA, c.transposeB);
        assert.is(t.dtype, 'int32');
        return {data: t.dataSync() as Int32Array, shape: t.shape};
      });
      assert.equal(y.shape, refs[i].shape);
      assert.equal(Array.from(y.data), Array.from(refs[i].data), `${variant} int32 ${describe(c)}`);
    });
  }
});

test('int32 x float32 upcasts to float32 through tf.matMul', async () => {
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const y = tf.tidy(() =>
      tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([0.5, 1, 1.5, 2], [2, 2])),
    );
    assert.is(y.dtype, 'float32');
    assert.equal(Array.from(await y.data()), [3.5, 5, 7.5, 11]);
    y.dispose();
  }
});

test('tfjs-core spec cases: 2d bias, broadcast bias of another rank, zero-size operands, vectors', async () => {
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]),
      b = tf.tensor2d([0, 1, -3, 2, 2, 1], [3, 2]);
    const check = async (t: tf.Tensor, shape: number[], expected: number[], what: string) => {
      assert.equal(t.shape, shape, `${variant} ${what} shape`);
      const d = Array.from(await t.data());
      expected.forEach((e, i) => {
        assert.ok(Math.abs(d[i] - e) < 1e-3, `${variant} ${what}: ${d} vs ${expected}`);
      });
      t.dispose();
    };
    await check(
      tf.fused.matMul({a, b, bias: tf.tensor2d([1, 1, 1, 1], [2, 2]), activation: 'relu'}),
      [2, 2],
      [1, 9, 0, 21],
      '2d bias relu',
    );
    await check(
      tf.fused.matMul({a, b, bias: tf.tensor2d([1, 1, 1, 1], [2, 2])}),
      [2, 2],
      [1, 9, -2, 21],
      '2d bias only',
    );
    await check(
      tf.fused.matMul({
        a: tf.tensor3d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 2, 3]),
        b: tf.tensor3d([0, 1, -3, 2, 2, 1, 0, 1, -3, 2, 2, 1], [2, 3, 2]),
        bias: tf.tensor2d([1, 2], [1, 2]),
        activation: 'relu',
      }),
      [2, 2, 2],
      [2, 6, 0, 18, 0, 30, 0, 42],
      'broadcast bias of another rank',
    );
    await check(
      tf.fused.matMul({a, b, activation: 'prelu', preluActivationWeights: tf.tensor1d([0.5, 0.5])}),
      [2, 2],
      [0, 8, -1.5, 20],
      'prelu',
    );
    await check(
      tf.fused.matMul({a, b, activation: 'elu', bias: tf.tensor1d([1, 1])}),
      [2, 2],
      [1, 9, -0.8647, 21],
      'elu',
    );
    await check(tf.fused.matMul({a, b, activation: 'sigmoid'}), [2, 2], [0.5, 0.99966455, 0.04742587, 1], 'sigmoid');
    await check(tf.matMul(tf.zeros([0, 3]), tf.ones([3, 2])), [0, 2], [], 'zero rows');
    await check(tf.matMul(tf.ones([2, 0]), tf.ones([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0], 'zero depth');
    await check(
      tf.fused.matMul({a: tf.ones([2, 0]), b: tf.ones([0, 3]), bias: tf.tensor1d([1, -2, 3]), activation: 'relu'}),
      [2, 3],
      [1, 0, 3, 1, 0, 3],
      'zero depth + bias',
    );
    await check(tf.dot(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6])), [], [32], 'dot');
    await check(tf.outerProduct(tf.tensor1d([1, 2]), tf.tensor1d([3, 4, 5])), [2, 3], [3, 4, 5, 6, 8, 10], 'outer');
    const nan = tf.matMul(tf.tensor2d([NaN, 1, 2, 3], [2, 2]), tf.tensor2d([1, 1], [2, 1]));
    const nanData = Array.from(await nan.data());
    assert.ok(Number.isNaN(nanData[0]) && nanData[1] === 5, `${variant} NaN mat x vec: ${nanData}`);
    nan.dispose();
    tf.dispose([a, b]);
  }
});

test('gradients of matMul (every transpose pair, batched) and fused matMul (linear, relu; bias) match cpu', async () => {
  const r = rng(5);
  interface GradCase {
    c: Case;
    dy: Operand;
  }
  const gradCases: GradCase[] = [];
  for (const ta of [false, true])
    for (const tb of [false, true]) {
      for (const [m, k, n, batch] of [
        [5, 7, 3, []],
        [1, 9, 6, []],
        [6, 9, 1, []],
        [33, 20, 17, [2]],
      ] as [number, number, number, number[]][]) {
        for (const activation of [undefined, 'linear', 'relu'] as const) {
          const c = makeCase(r, m, k, n, ta, tb, batch, batch, activation, activation ? [n] : undefined);
          const outShape = [...batch, m, n];
          gradCases.push({c, dy: {shape: outShape, data: randomData(r, outShape)}});
        }
      }
    }
  // A broadcast bias: its gradient is summed over the broadcast dimensions.
  gradCases.push({
    c: makeCase(r, 4, 6, 5, false, false, [], [], 'relu', [1, 1]),
    dy: {shape: [4, 5], data: randomData(r, [4, 5])},
  });
  const grads = (c: Case, dy: Operand) =>
    tf.tidy(() => {
      const a = toTensor(c.a),
        b = toTensor(c.b),
        bias = c.bias && toTensor(c.bias);
      const f = (x: tf.Tensor, y: tf.Tensor, z?: tf.Tensor) =>
        c.activation === undefined
          ? tf.matMul(x, y, c.transposeA, c.transposeB)
          : tf.fused.matMul({
              a: x,
              b: y,
              transposeA: c.transposeA,
              transposeB: c.transposeB,
              bias: z,
              activation: c.activation,
            });
      const gs = bias
        ? tf.grads((x, y, z) => f(x, y, z))([a, b, bias], toTensor(dy))
        : tf.grads((x, y) => f(x, y))([a, b], toTensor(dy));
      return gs.map(g => ({data: g.dataSync() as Float32Array, shape: g.shape}));
    });
  await tf.setBackend('cpu');
  const refs = gradCases.map(({c, dy}) =>
    grads(c, dy).map(g => ({...g, tol: g.data.map(v => 1e-4 * (1 + Math.abs(v)))})),
  );
  for (const variant of VARIANTS) {
    await onVariant(variant);
    gradCases.forEach(({c, dy}, i) => {
      const got = grads(c, dy);
      assert.is(got.length, refs[i].length);
      got.forEach((g, j) => {
        compare(`${variant} gradient ${j} of ${describe(c)}`, g, refs[i][j]);
      });
    });
  }
});

// ---- bad input ----

function numDataIds(): number {
  return (tf.backend() as unknown as {numDataIds(): number}).numDataIds();
}

/** Expects fn to throw an Error matching `pattern`, with no tensor or heap buffer left behind. */
function throwsWithoutLeak(fn: () => unknown, pattern: RegExp, what: string) {
  const tensors = tf.memory().numTensors,
    ids = numDataIds();
  let message = '';
  try {
    fn();
  } catch (e) {
    assert.instance(e, Error, what);
    message = (e as Error).message;
  }
  assert.ok(message, `${what}: did not throw`);
  assert.match(message, pattern, what);
  assert.is(tf.memory().numTensors, tensors, `${what}: tensors leaked`);
  assert.is(numDataIds(), ids, `${what}: heap buffers leaked`);
}

test('bad input throws naming the op and the shapes, and leaks nothing', async () => {
  await onVariant(VARIANTS[VARIANTS.length - 1]);
  // Every input exists before the calls: only what the failing call itself allocates counts.
  const a = tf.ones([2, 3]),
    b = tf.ones([4, 5]),
    a3 = tf.ones([2, 2, 3]),
    b3 = tf.ones([3, 3, 4]),
    a6 = tf.ones([6, 2, 3]);
  const sq = tf.ones([2, 2]),
    ok = tf.ones([3, 2]),
    v3 = tf.ones([3]),
    v5 = tf.ones([5]),
    v2 = tf.ones([2]);
  const bias4d = tf.ones([2, 2, 2, 2]),
    str = tf.tensor2d([
      ['x', 'y'],
      ['z', 'w'],
    ]),
    sqInt = tf.cast(sq, 'int32');
  const boolA = tf.tensor2d([[true, false]], [1, 2], 'bool'),
    boolB = tf.tensor2d([[true], [false]], [2, 1], 'bool');
  const v2Int = tf.cast(v2, 'int32');
  const kernel =
    (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}) =>
    () =>
      tf
        .engine()
        .runKernel(name, inputs as tf.NamedTensorMap, {transposeA: false, transposeB: false, ...attrs} as never);
  // Through the public ops (tfjs-core checks some things first) ...
  throwsWithoutLeak(
    () => tf.matMul(a, b),
    /BatchMatMul: inner dimensions 3 and 4 do not match: a \[2,3\].*b \[4,5\]/,
    'op: inner dims',
  );
  throwsWithoutLeak(
    () => tf.matMul(a3, b3),
    /BatchMatMul: batch dimensions of a \[2,2,3\] and b \[3,3,4\] do not broadcast/,
    'op: batch dims',
  );
  // A batch that divides the other is still no broadcast for BatchMatMul (tfjs-backend-cpu throws too).
  throwsWithoutLeak(
    () => tf.matMul(a6, b3),
    /BatchMatMul: batch dimensions of a \[6,2,3\] and b \[3,3,4\] do not broadcast/,
    'op: batch 6 vs 3',
  );
  throwsWithoutLeak(
    () => tf.fused.matMul({a, b, bias: v3}),
    /fused matMul.*inner shapes.*2,3.*4,5/,
    'op: fused inner dims',
  );
  throwsWithoutLeak(() => tf.fused.matMul({a, b: ok, bias: v3}), /broadcast.*2,2.*3/, 'op: bias');
  throwsWithoutLeak(
    () => tf.fused.matMul({a, b: ok, activation: 'prelu', preluActivationWeights: v3}),
    /_FusedMatMul: prelu weights of shape \[3\] does not broadcast to the output shape \[1,2,2\]/,
    'op: prelu weights',
  );
  throwsWithoutLeak(
    () => tf.fused.matMul({a, b: ok, activation: 'prelu', preluActivationWeights: v2Int}),
    /_FusedMatMul: prelu weights must be float32; got int32 \[2\]/,
    'op: int32 prelu weights (tfjs-backend-wasm 4.22 reads their bits as floats)',
  );
  throwsWithoutLeak(() => tf.matMul(boolA, boolB), /BatchMatMul: unsupported dtype bool \(shape \[1,2\]\)/, 'op: bool');
  // ... and straight to the kernels, which check everything themselves.
  throwsWithoutLeak(
    kernel('BatchMatMul', {a: v3, b: ok}),
    /BatchMatMul: both operands need rank 2 or more; got shapes \[3\] and \[3,2\]/,
    'kernel: rank',
  );
  throwsWithoutLeak(
    kernel('_FusedMatMul', {a, b: ok, bias: v3}, {activation: 'linear'}),
    /_FusedMatMul: bias of shape \[3\] does not broadcast to the output shape \[2,2\]/,
    'kernel: bias',
  );
  throwsWithoutLeak(
    kernel('_FusedMatMul', {a, b: ok, bias: bias4d}, {activation: 'linear'}),
    /_FusedMatMul: bias of shape \[2,2,2,2\] does not broadcast to the output shape \[2,2\]/,
    'kernel: bias rank',
  );
  throwsWithoutLeak(
    kernel('_FusedMatMul', {a, b: ok, preluActivationWeights: v5}, {activation: 'prelu'}),
    /_FusedMatMul: prelu weights of shape \[5\] does not broadcast to the output shape \[2,2\]/,
    'kernel: prelu',
  );
  throwsWithoutLeak(
    kernel('_FusedMatMul', {a, b: ok}, {activation: 'swish'}),
    /_FusedMatMul: unknown activation 'swish'/,
    'kernel: activation',
  );
  throwsWithoutLeak(
    kernel('BatchMatMul', {a: str, b: sq}),
    /BatchMatMul: (unsupported dtype string \(shape \[2,2\]\)|input 'a' is a string tensor of shape \[2,2\])/,
    'kernel: string',
  );
  throwsWithoutLeak(
    kernel('BatchMatMul', {a: sqInt, b: sq}),
    /BatchMatMul: operand dtypes differ \(int32 \[2,2\] and float32 \[2,2\]\)/,
    'kernel: mixed',
  );
  throwsWithoutLeak(
    kernel('_FusedMatMul', {a: sqInt, b: sqInt, bias: v2}, {activation: 'linear'}),
    /_FusedMatMul: a bias or activation needs float32 operands; got int32 \[2,2\] and int32 \[2,2\]/,
    'kernel: int32 fused',
  );
  tf.dispose([a, b, a3, b3, a6, sq, ok, v3, v5, v2, bias4d, str, sqInt, boolA, boolB, v2Int]);
});

// ---- the heap and the GEMM's call shape ----

test('tensors allocated before the heap grows still multiply right', async () => {
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const r = rng(11);
    const backend = tf.backend() as BackendWasm;
    const c = makeCase(r, 37, 300, 29, false, true, [], [], 'relu', [29]);
    const a = toTensor(c.a),
      b = toTensor(c.b),
      bias = toTensor(c.bias!);
    const f = () => tf.tidy(() => tf.fused.matMul({a, b, transposeB: true, bias, activation: 'relu'}).dataSync());
    const before = f();
    const bytes = memoryOf(backend).buffer.byteLength;
    const big = tf.zeros([Math.ceil(bytes / 4) + (1 << 20)]); // more than the whole current heap
    assert.ok(memoryOf(backend).buffer.byteLength > bytes, 'the heap grew');
    const after = f();
    assert.equal(Array.from(after), Array.from(before), variant);
    const ref = await reference(c);
    await tf.setBackend('as');
    compare(`${variant} after growth`, {data: after, shape: [37, 29]}, ref);
    tf.dispose([a, b, bias, big]);
  }
});

test('gemmF32 writes into a column slot of a wider output (ldc > n) and nowhere else', async () => {
  for (const variant of VARIANTS) {
    for (const [m, k, n, ta, tb] of [
      [13, 21, 9, false, false],
      [1, 40, 11, false, true],
      [20, 5, 1, true, false],
      [70, 300, 37, true, true],
    ] as [number, number, number, boolean, boolean][]) {
      const r = rng(m * n);
      const c = makeCase(r, m, k, n, ta, tb, [], [], 'leakyrelu', [n]);
      c.alpha = 0.25;
      const expected = await reference(c); // tfjs-backend-cpu's answer, not our own fused matMul
      await onVariant(variant);
      const backend = tf.backend() as BackendWasm;
      const kernels = kernelsOf(backend);
      const width = n + 7,
        offset = 3;
      const a = toTensor(c.a),
        b = toTensor(c.b),
        bias = toTensor(c.bias!),
        out = tf.fill([m, width], -7);
      withScratch(backend, kernels.gemmScratchBytes(m, n, k), scratch => {
        kernels.gemmF32(
          offsetOf(backend, a),
          offsetOf(backend, b),
          offsetOf(backend, out) + 4 * offset,
          m,
          n,
          k,
          +ta,
          +tb,
          width,
          offsetOf(backend, bias),
          0,
          1,
          4,
          0.25,
          0,
          0,
          0,
          scratch,
        );
      });
      const got = out.dataSync();
      const slot = new Float32Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < width; j++) {
          const y = got[i * width + j];
          if (j < offset || j >= offset + n) assert.is(y, -7, `${variant}: wrote outside its slot at (${i}, ${j})`);
          else slot[i * n + j - offset] = y;
        }
      }
      compare(`${variant} [${m},${k}]x[${k},${n}] into a slot`, {data: slot, shape: [m, n]}, expected);
      tf.dispose([a, b, bias, out]);
    }
  }
});

test('gemmF32 stays inside the scratch space gemmScratchBytes asks for', async () => {
  const GUARD = 4096;
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const backend = tf.backend() as BackendWasm;
    const kernels = kernelsOf(backend);
    // Around every block edge: K 256, M 64 (splat A block), N 1024, the 4x8 tile, and the small-m
    // paths (m = 2 streams B; m <= 4 reads a plain B in place).
    for (const [m, k, n, ta, tb] of [
      [2, 3, 2, false, false],
      [5, 257, 9, true, false],
      [65, 513, 17, false, true],
      [130, 40, 1030, true, true],
      [64, 256, 1024, false, false],
      [3, 1000, 2, true, true],
      [2, 600, 37, true, false],
      [3, 600, 37, false, false],
      [4, 300, 1030, true, false],
      [4, 513, 1024, false, false],
    ] as [number, number, number, boolean, boolean][]) {
      const r = rng(m + n + k);
      const c = makeCase(r, m, k, n, ta, tb);
      const a = toTensor(c.a),
        b = toTensor(c.b),
        out = tf.zeros([m, n]);
      const bytes = kernels.gemmScratchBytes(m, n, k);
      withScratch(backend, bytes + GUARD, scratch => {
        new Uint8Array(memoryOf(backend).buffer, scratch + bytes, GUARD).fill(0xa5);
        kernels.gemmF32(
          offsetOf(backend, a),
          offsetOf(backend, b),
          offsetOf(backend, out),
          m,
          n,
          k,
          +ta,
          +tb,
          n,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          scratch,
        );
        const guard = new Uint8Array(memoryOf(backend).buffer, scratch + bytes, GUARD);
        assert.ok(
          guard.every(x => x === 0xa5),
          `${variant}: [${m},${k}]x[${k},${n}] wrote past its ${bytes} bytes of scratch`,
        );
      });
      const ref = await reference(c);
      await tf.setBackend('as');
      compare(`${variant} scratch case`, {data: out.dataSync(), shape: out.shape}, ref);
      tf.dispose([a, b, out]);
    }
  }
});

test('the shared-memory builds (cross-origin-isolated pages) compute the same products', async () => {
  // Browsers hand a shared memory to the threaded tfjs-backend-wasm; our *-shared builds import
  // one. Run each next to its plain twin on the same inputs (a raw heap, no tfjs).
  for (const variant of VARIANTS) {
    const plainMemory = new WebAssembly.Memory({initial: 256});
    const sharedMemory = new WebAssembly.Memory({initial: 256, maximum: 65536, shared: true});
    const plain = (await WebAssembly.instantiate(await kernelModule(variant, false), {env: {memory: plainMemory}}))
      .exports as unknown as KernelExports;
    const shared = (await WebAssembly.instantiate(await kernelModule(variant, true), {env: {memory: sharedMemory}}))
      .exports as unknown as KernelExports;
    const cases: [number, number, number, boolean, boolean, number][] = [
      [37, 300, 29, false, true, 1],
      [1, 64, 33, false, false, 5],
      [9, 17, 1, true, false, 6],
      [70, 41, 66, true, true, 3],
    ];
    for (const [m, k, n, ta, tb, act] of cases) {
      const A = 1 << 16,
        B = A + 4 * m * k,
        C = B + 4 * k * n,
        bias = C + 4 * m * n,
        prelu = bias + 4 * n,
        S = prelu + 4 * n;
      const outs = [plainMemory, sharedMemory].map((memory, which) => {
        const f = new Float32Array(memory.buffer);
        const rr = rng(m * 1000 + n);
        for (let i = A / 4; i < S / 4; i++) f[i] = rr() * 2 - 1;
        (which ? shared : plain).gemmF32(A, B, C, m, n, k, +ta, +tb, n, bias, 0, 1, act, 0.1, prelu, 0, 1, S);
        return Array.from(new Float32Array(memory.buffer, C, m * n));
      });
      assert.equal(outs[1], outs[0], `${variant}-shared vs ${variant} on [${m},${k}]x[${k},${n}]`);
      assert.ok(
        outs[0].some(x => x !== 0),
        'the product ran',
      );
    }
  }
});

test.run();
