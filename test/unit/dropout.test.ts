// dropout and randomBinomial: the Philox generator against Random123's known answers, the same
// bits on every backend and kernel variant (relaxed SIMD in a child process), statistics of the
// mask on 10^6 elements, exact scaling and gradient, bad input, no leaked tensors.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {backendInfo, dropout, randomBinomial, setKernelVariant} from '../../src/index.js';
import {kernelsOf} from '../../src/backend/state.js';
import {memoryOf, withScratch} from '../../src/backend/heap.js';
import {philox4x32, philoxDraws} from '../../src/ops/philox.js';
import {bernoulliThreshold} from '../../src/kernel_names.js';

// Random123 kat_vectors, philox4x32 with 10 rounds: counter, key, output.
const KAT: Array<[number[], number[], number[]]> = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

const VARIANTS = ['scalar', 'simd'] as const;

function bits(t: tf.Tensor): Uint32Array {
  const data = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  return data instanceof Uint8Array
    ? Uint32Array.from(data)
    : new Uint32Array(data.buffer, data.byteOffset, data.length);
}

function input(shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({length: n}, (_, i) => Math.sin(i * 0.7) * 3),
    shape,
  );
}

test('Philox-4x32-10 matches Random123 known answers in TypeScript and in every AS variant', async () => {
  for (const [c, k, want] of KAT) assert.equal(philox4x32(c, k), want);
  await tf.setBackend('as');
  for (const variant of VARIANTS) {
    await setKernelVariant(variant);
    const backend = tf.backend() as BackendWasm;
    for (const [c, k, want] of KAT) {
      const got = withScratch(backend, 16, p => {
        kernelsOf(backend).philox4x32(p, c[0], c[1], c[2], c[3], k[0], k[1]);
        return Array.from(new Uint32Array(memoryOf(backend).buffer, p, 4));
      });
      assert.equal(got, want, variant);
    }
  }
  await setKernelVariant('auto');
});

test('AS draws equal the TypeScript draws for every width, group offset and variant', async () => {
  await tf.setBackend('as');
  for (const variant of VARIANTS) {
    await setKernelVariant(variant);
    const backend = tf.backend() as BackendWasm;
    for (const width of [1, 2, 4, 8, 16]) {
      const group = 512 / width;
      for (const [g, count] of [
        [0, 1],
        [0, 2],
        [5, 3],
        [123457, 2],
      ]) {
        const got = withScratch(backend, 4 * group * count + 128, p => {
          kernelsOf(backend).philoxDraws(g, count, 0x1234567, 0x89abcdef, width, p, p + 4 * group * count);
          return Array.from(new Uint32Array(memoryOf(backend).buffer, p, group * count));
        });
        const want = Array.from(philoxDraws(0x1234567, 0x89abcdef, g * group, group * count, width));
        assert.equal(got, want, `${variant} bits=${width} g=${g}`);
      }
    }
  }
  await setKernelVariant('auto');
});

test('bernoulliThreshold uses the fewest bits that hold p exactly', () => {
  assert.equal(bernoulliThreshold(0.5), {bits: 1, t: 1});
  assert.equal(bernoulliThreshold(0.75), {bits: 2, t: 3});
  assert.equal(bernoulliThreshold(0), {bits: 1, t: 0});
  assert.equal(bernoulliThreshold(1), {bits: 1, t: 2});
  assert.equal(bernoulliThreshold(0.7), {bits: 16, t: Math.round(0.7 * 65536)});
});

// Shapes x noiseShape x rate covering: lengths not multiple of any chunk, broadcast along
// leading, middle and trailing dims, 1-bit (0.5), 2-bit (0.25), 16-bit (0.3) draws.
const CASES: Array<[number[], (number | null)[] | undefined, number]> = [
  [[7, 1001], undefined, 0.5],
  [[7, 1001], undefined, 0.3],
  [[64, 500], undefined, 0.25],
  [[3, 5, 7], [3, 1, 7], 0.5],
  [[3, 5, 7], [1, 5, 1], 0.3],
  [[3, 5, 7], [null, 1, null], 0.1],
  [[1000], [1], 0.5],
  [[2, 3, 130], [3, 130], 0.9],
  [[1], undefined, 0.3],
  [[33, 17], [33, 1], 0.3],
];

function masks(): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (const [shape, noiseShape, rate] of CASES) {
    tf.tidy(() => {
      out.push(bits(dropout(input(shape), rate, {seed: 77, noiseShape})));
      for (const dtype of ['float32', 'int32', 'bool'] as const)
        out.push(bits(randomBinomial(shape, rate, {seed: 5, dtype})));
    });
  }
  return out;
}

test('same seed, same bits on cpu, wasm and as (scalar and SIMD variants)', async () => {
  await tf.setBackend('cpu');
  const ref = masks();
  const runs: Array<[string, string | null]> = [
    ['wasm', null],
    ['as', 'scalar'],
    ['as', 'simd'],
  ];
  for (const [backend, variant] of runs) {
    await tf.setBackend(backend);
    if (variant) await setKernelVariant(variant as 'scalar');
    const got = masks();
    got.forEach((g, i) => {
      assert.equal(Array.from(g), Array.from(ref[i]), `${backend} ${variant ?? ''} case ${i}`);
    });
  }
  await setKernelVariant('auto');
});

test('the relaxed-SIMD variant gives the same bits (child process with --experimental-wasm-relaxed-simd)', async () => {
  await tf.setBackend('as');
  await setKernelVariant('simd');
  const x = input([9, 777]);
  const want = Array.from(bits(dropout(x, 0.3, {seed: 99}))).concat(
    Array.from(bits(dropout(x, 0.5, {seed: 99, noiseShape: [9, 1]}))),
  );
  x.dispose();
  await setKernelVariant('auto');
  const src = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  const script = `
    import * as tf from '@tensorflow/tfjs-core';
    const {dropout, setKernelVariant, backendInfo} = await import(${JSON.stringify(src)});
    await tf.setBackend('as');
    await setKernelVariant('relaxed-simd');
    const n = 9 * 777;
    const x = tf.tensor(Float32Array.from({length: n}, (_, i) => Math.sin(i * 0.7) * 3), [9, 777]);
    const a = dropout(x, 0.3, {seed: 99}).dataSync(), b = dropout(x, 0.5, {seed: 99, noiseShape: [9, 1]}).dataSync();
    const u = (d) => Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
    process.stdout.write(JSON.stringify({variant: backendInfo().variant, bits: u(a).concat(u(b))}));`;
  const child = spawnSync(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script],
    {encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)), maxBuffer: 1 << 26},
  );
  assert.is(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.slice(child.stdout.indexOf('{"variant"')));
  assert.is(result.variant, 'relaxed-simd');
  assert.ok(
    result.bits.length === want.length && result.bits.every((v: number, i: number) => v === want[i]),
    'relaxed-simd bits differ',
  );
});

test('the same seed repeats the mask; other seeds and unseeded calls do not', async () => {
  await tf.setBackend('as');
  const x = input([50, 100]);
  const a = bits(tf.tidy(() => dropout(x, 0.5, {seed: 1})));
  assert.equal(Array.from(bits(tf.tidy(() => dropout(x, 0.5, {seed: 1})))), Array.from(a));
  assert.not.equal(Array.from(bits(tf.tidy(() => dropout(x, 0.5, {seed: 2})))), Array.from(a));
  assert.not.equal(Array.from(bits(tf.tidy(() => dropout(x, 0.5)))), Array.from(bits(tf.tidy(() => dropout(x, 0.5)))));
  assert.equal(
    Array.from(bits(tf.tidy(() => dropout(x, 0.5, {seed: 'abc'})))),
    Array.from(bits(tf.tidy(() => dropout(x, 0.5, {seed: 'abc'})))),
  );
  // Seeds differing only above bit 32 give different masks (the whole 53-bit integer is the key).
  assert.not.equal(
    Array.from(bits(tf.tidy(() => dropout(x, 0.5, {seed: 2 ** 40 + 1})))),
    Array.from(bits(tf.tidy(() => dropout(x, 0.5, {seed: 1})))),
  );
  x.dispose();
});

/** Keep count, lag correlations and the block chi-square of a 0/1 sequence with P(1) = p. */
function checkBernoulli(keep: Uint8Array, p: number, label: string): void {
  const n = keep.length;
  let ones = 0;
  for (let i = 0; i < n; i++) ones += keep[i];
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(
    Math.abs(ones - n * p) < 5 * sigma,
    `${label}: ${ones} ones of ${n}, expected ${n * p} ± 5·${sigma.toFixed(0)}`,
  );
  // Neighbours (and the layout's strides: 4 lanes, 16 per slice, 32..512 per group) are uncorrelated.
  for (const lag of [1, 2, 4, 16, 32, 64, 512]) {
    let s = 0;
    for (let i = 0; i + lag < n; i++) s += (keep[i] - p) * (keep[i + lag] - p);
    const corr = s / ((n - lag) * p * (1 - p));
    assert.ok(Math.abs(corr) < 5 / Math.sqrt(n - lag), `${label}: lag-${lag} correlation ${corr}`);
  }
  // Chi-square of the counts in 1000 blocks of 1000 against Binomial(1000, p): df = 1000.
  const blocks = 1000,
    size = Math.floor(n / blocks);
  let chi2 = 0;
  for (let b = 0; b < blocks; b++) {
    let k = 0;
    for (let i = b * size; i < (b + 1) * size; i++) k += keep[i];
    chi2 += (k - size * p) ** 2 / (size * p * (1 - p));
  }
  assert.ok(
    Math.abs(chi2 - blocks) < 5 * Math.sqrt(2 * blocks),
    `${label}: block chi-square ${chi2.toFixed(1)} for df ${blocks}`,
  );
}

test('dropout masks on 10^6 elements: keep rate within 5 sigma, neighbours independent, blocks chi-square', async () => {
  await tf.setBackend('as');
  const x = tf.ones([1000, 1000]);
  for (const rate of [0.5, 0.3, 0.1]) {
    for (const seed of [1, 12345]) {
      const y = dropout(x, rate, {seed});
      const data = y.dataSync() as Float32Array;
      y.dispose();
      checkBernoulli(
        Uint8Array.from(data, v => (v !== 0 ? 1 : 0)),
        1 - rate,
        `rate ${rate} seed ${seed}`,
      );
    }
  }
  x.dispose();
});

test('randomBinomial: only 0 and 1, at rate p, in each dtype', async () => {
  await tf.setBackend('as');
  for (const p of [0.5, 0.3, 0.01]) {
    const t = randomBinomial([1000, 1000], p, {seed: 3});
    assert.is(t.dtype, 'float32');
    const data = t.dataSync() as Float32Array;
    t.dispose();
    assert.ok(
      data.every(v => v === 0 || v === 1),
      'values other than 0 and 1',
    );
    checkBernoulli(Uint8Array.from(data), p, `randomBinomial p=${p}`);
  }
  for (const dtype of ['int32', 'bool'] as const) {
    const t = randomBinomial([3, 70], 0.5, {seed: 3, dtype});
    assert.is(t.dtype, dtype);
    assert.ok(Array.from(t.dataSync()).every(v => v === 0 || v === 1));
    t.dispose();
  }
  assert.ok(
    randomBinomial([100], 0, {seed: 1})
      .dataSync()
      .every(v => v === 0),
  );
  assert.ok(
    randomBinomial([100], 1, {seed: 1})
      .dataSync()
      .every(v => v === 1),
  );
  assert.equal(randomBinomial([0, 4], 0.5).shape, [0, 4]);
});

test('scaling is exact: kept = x * fround(1 / (1 - rate)) in float32; dropped NaN/Inf stay NaN', async () => {
  await tf.setBackend('as');
  for (const rate of [0.5, 0.3, 0.1]) {
    const scale = Math.fround(1 / Math.fround(1 - rate));
    const xs = Float32Array.from({length: 4099}, (_, i) => Math.sin(i) * 1e3);
    xs[7] = NaN;
    xs[8] = Infinity;
    xs[9] = -Infinity;
    xs[10] = -2;
    const x = tf.tensor(xs);
    const y = dropout(x, rate, {seed: 4}).dataSync();
    const m = randomBinomial([4099], 1 - rate, {seed: 4}).dataSync();
    for (let i = 0; i < xs.length; i++) {
      const want = Math.fround(xs[i] * (m[i] ? scale : 0));
      assert.ok(Object.is(y[i], want), `rate ${rate} element ${i}: ${y[i]} vs ${want}`);
    }
    x.dispose();
  }
  tf.disposeVariables();
});

test('gradient is mask / (1 - rate), exactly, on as and cpu (the mask is regenerated from the seed)', async () => {
  for (const backend of ['as', 'cpu']) {
    await tf.setBackend(backend);
    const x = input([13, 77]);
    for (const noiseShape of [undefined, [13, 1]]) {
      const dy = input([13, 77]);
      const [y, dx] = tf.tidy(() => {
        const f = (v: tf.Tensor) => dropout(v, 0.3, {seed: 8, noiseShape});
        const {value, grad} = tf.valueAndGrad(f)(x, dy);
        return [value, grad];
      });
      const mask = tf.tidy(() => dropout(tf.onesLike(x), 0.3, {seed: 8, noiseShape}));
      const want = tf.tidy(() => tf.mul(dy, mask));
      assert.equal(Array.from(bits(dx)), Array.from(bits(want)), `${backend} dx`);
      assert.equal(Array.from(bits(y)), Array.from(bits(tf.tidy(() => tf.mul(x, mask)))), `${backend} y`);
      tf.dispose([y, dx, mask, want, dy]);
    }
    x.dispose();
  }
});

test('rate 0 returns a copy; a TensorLike input works', async () => {
  await tf.setBackend('as');
  const x = input([4, 4]);
  const y = dropout(x, 0);
  assert.ok(y !== x);
  assert.equal(Array.from(y.dataSync()), Array.from(x.dataSync()));
  const before = tf.memory().numTensors;
  const z = dropout([1, 2, 3, 4], 0.5, {seed: 1});
  assert.is(tf.memory().numTensors, before + 1);
  tf.dispose([x, y, z]);
});

test('bad input throws errors naming dropout / randomBinomial, the argument and the shapes; nothing leaks', async () => {
  await tf.setBackend('as');
  const x = input([4, 5]);
  const before = tf.memory().numTensors;
  const cases: Array<[() => unknown, RegExp]> = [
    [() => dropout(x, 1), /dropout: rate must be a number in \[0, 1\); got 1 \(x of shape \[4,5\]\)/],
    [() => dropout(x, -0.1), /dropout: rate .*got -0.1/],
    [() => dropout(x, NaN), /dropout: rate .*got NaN/],
    [
      () => dropout(x, 0.5, {noiseShape: [2, 5]}),
      /dropout: noiseShape \[2,5\] does not broadcast to x's shape \[4,5\]/,
    ],
    [
      () => dropout(x, 0.5, {noiseShape: [1, 4, 5]}),
      /dropout: noiseShape \[1,4,5\] does not broadcast to x's shape \[4,5\]/,
    ],
    [() => dropout(tf.tensor([1, 2], [2], 'int32'), 0.5), /dropout: x must be float32.*int32 tensor of shape \[2\]/],
    [() => dropout([1, 2, 3], 2), /dropout: rate/],
    [() => randomBinomial([2, 3], 1.5), /randomBinomial: p must be a number in \[0, 1\]; got 1.5 \(shape \[2,3\]\)/],
    [() => randomBinomial([2, -3], 0.5), /randomBinomial: shape must be .*\[2,-3\]/],
    [
      () => randomBinomial([2, 3], 0.5, {dtype: 'string' as 'bool'}),
      /randomBinomial: dtype .*'string' \(shape \[2,3\]\)/,
    ],
  ];
  for (const [f, re] of cases) {
    assert.throws(
      () =>
        tf.tidy(() => {
          f();
        }),
      re,
    );
  }
  assert.is(tf.memory().numTensors, before);
  x.dispose();
});

test('no tensor leaks across dropout, its gradient and randomBinomial', async () => {
  await tf.setBackend('as');
  const x = input([8, 9]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    tf.dispose(dropout(x, 0.4));
    tf.dispose(tf.grad((v: tf.Tensor) => tf.sum(dropout(v, 0.4, {noiseShape: [8, 1]})))(x));
    tf.dispose(randomBinomial([8, 9], 0.4, {dtype: 'bool'}));
  }
  assert.is(tf.memory().numTensors, before);
  assert.ok(backendInfo().kernels.includes('Dropout') && backendInfo().kernels.includes('RandomBinomial'));
  x.dispose();
});

test.run();
