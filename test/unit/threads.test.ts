// Worker threads on the shared heap (src/backend/threads.ts): products split across 1, 2 and 3
// threads are bit-identical; memory that grows between calls is seen by the workers; a worker
// that dies or fails makes the next call throw, naming it, and later calls run on one thread;
// tf.removeBackend ends the workers; a process that trains exits on its own.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import '../../src/index.js';
import {backendInfo, denseConcat, registerBackendAs, setThreads} from '../../src/index.js';
import {globalState} from '../../src/backend/state.js';
import {PARALLEL_MIN_FLOPS, splitGemm} from '../../src/kernels/utils/gemm.js';
import {splitRows} from '../../src/backend/threads.js';

const here = path.dirname(fileURLToPath(import.meta.url));
await tf.setBackend('as');

let seed = 41;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const values = (n: number) => Float32Array.from({length: n}, () => rand() * 2 - 1);
const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

/** Asserts that `run` gives the same bits on 2 and 3 threads as on 1 (its result is disposed). */
async function assertSameBitsOn123(run: () => tf.Tensor, what = ''): Promise<void> {
  const results: number[][] = [];
  for (const threads of [1, 2, 3]) {
    await setThreads(threads);
    const out = run();
    results.push(bits(out));
    out.dispose();
  }
  assert.equal(results[1], results[0], `2 threads vs 1: ${what}`);
  assert.equal(results[2], results[0], `3 threads vs 1: ${what}`);
}

test('setThreads rejects what is not a positive integer or "auto"', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity, '2', null, {}]) {
    assert.throws(
      () => setThreads(bad as never),
      /^setThreads: expected a positive integer or 'auto', got /,
      String(bad),
    );
  }
});

test('in Node the heap is shared and the threads are the cores (auto); backendInfo reports them', async () => {
  const info = backendInfo();
  assert.is(info.sharedMemory, true, 'tfjs-backend-wasm threaded build');
  assert.is(info.requestedThreads, 'auto');
  for (const n of [1, 3, 2]) {
    await setThreads(n);
    assert.is(backendInfo().threads, n);
    assert.is(backendInfo().threadsNote, undefined);
  }
});

test('splitRows cuts at multiples of the micro-kernel rows, as evenly as that allows', () => {
  assert.equal(splitRows(10, 3, 4), [
    [0, 4],
    [4, 8],
    [8, 10],
  ]);
  assert.equal(splitRows(8, 3, 4), [
    [0, 4],
    [4, 8],
  ]);
  assert.equal(splitRows(100, 2, 4), [
    [0, 52],
    [52, 100],
  ]);
  assert.equal(splitRows(3, 2, 4), [[0, 3]]);
});

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  batch: number;
  bias: boolean;
  activation: string;
}

function randomCase(): Case {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  let m = pick([8, 9, 13, 31, 64, 97, 130, 257]),
    n = pick([2, 7, 8, 63, 129, 500]),
    k = pick([1, 5, 64, 255, 257, 700]);
  // Large enough to be split (the rest would be one thread whatever the count).
  while (2 * m * n * k < PARALLEL_MIN_FLOPS) k = k * 2 + 1;
  if (k > 3000) {
    k = 3000;
    m = Math.max(m, 64);
    n = Math.max(n, 64);
  }
  return {
    m,
    n,
    k,
    transposeA: rand() < 0.5,
    transposeB: rand() < 0.5,
    batch: pick([1, 1, 2]),
    bias: rand() < 0.5,
    activation: pick(['linear', 'relu', 'elu', 'sigmoid', 'leakyrelu', 'relu6']),
  };
}

function runCase(c: Case, a: Float32Array, b: Float32Array, bias: Float32Array): tf.Tensor {
  return tf.tidy(() => {
    const A = tf.tensor(
      a,
      c.batch > 1 ? [c.batch, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])] : c.transposeA ? [c.k, c.m] : [c.m, c.k],
    );
    const B = tf.tensor(
      b,
      c.batch > 1 ? [c.batch, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])] : c.transposeB ? [c.n, c.k] : [c.k, c.n],
    );
    if (!c.bias && c.activation === 'linear') return tf.matMul(A, B, c.transposeA, c.transposeB);
    return tf.fused.matMul({
      a: A,
      b: B,
      transposeA: c.transposeA,
      transposeB: c.transposeB,
      bias: c.bias ? tf.tensor1d(bias) : undefined,
      activation: c.activation as tf.fused.Activation,
    });
  });
}

test('random products (transposes, batches, bias, activations) are bit-identical on 1, 2 and 3 threads', async () => {
  for (let i = 0; i < 24; i++) {
    const c = randomCase();
    const a = values(c.batch * c.m * c.k),
      b = values(c.batch * c.k * c.n),
      bias = values(c.n);
    await assertSameBitsOn123(() => runCase(c, a, b, bias), JSON.stringify(c));
  }
  // NaN and Inf propagate the same way.
  const a = values(128 * 96),
    b = values(96 * 80);
  a[5] = Number.NaN;
  a[200] = Infinity;
  const outs: number[][] = [];
  for (const threads of [1, 3]) {
    await setThreads(threads);
    const out = tf.matMul(tf.tensor2d(a, [128, 96]), tf.tensor2d(b, [96, 80]));
    outs.push(bits(out));
    out.dispose();
  }
  assert.equal(outs[1], outs[0]);
});

/** The micro-kernel's tile, 4 rows x 8 columns, as splitGemm asks the kernels module for it. */
const TILE = {gemmRowBlock: () => 4, gemmColBlock: () => 8};

test('a short, wide product is cut by columns (multiples of 8), a tall one by rows (multiples of 4)', () => {
  // The seed's first layer: by rows, each thread would pack all of the [784,500] weight.
  assert.equal(splitGemm(64, 500, 2, TILE), {
    byColumns: true,
    parts: [
      [0, 256],
      [256, 500],
    ],
  });
  // Its weight gradient, [784,64]x[64,500]: rows.
  assert.equal(splitGemm(784, 500, 2, TILE), {
    byColumns: false,
    parts: [
      [0, 392],
      [392, 784],
    ],
  });
  assert.equal(splitGemm(64, 256, 3, TILE).byColumns, false); // 4m = n: rows
});

test('short, wide products (cut by columns) are bit-identical on 1, 2 and 3 threads, NaN and Inf included', async () => {
  // [m, k, n]: n not a multiple of 8, n past one 1024-column block, k past one 256 block, m not a
  // multiple of 4; both transposes, bias and activation (the fused tail at every column).
  const cases: [number, number, number][] = [
    [64, 784, 500],
    [8, 300, 2101],
    [13, 600, 777],
    [30, 1200, 129],
  ];
  for (const [m, k, n] of cases) {
    assert.ok(2 * m * n * k >= PARALLEL_MIN_FLOPS); // large enough to be split
    assert.ok(splitGemm(m, n, 2, TILE).byColumns);
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, true],
    ] as const) {
      const c: Case = {m, n, k, transposeA, transposeB, batch: 1, bias: true, activation: 'elu'};
      const a = values(m * k),
        b = values(k * n),
        bias = values(n);
      a[3] = Number.NaN;
      b[k * n - 1] = -Infinity;
      await assertSameBitsOn123(() => runCase(c, a, b, bias), JSON.stringify(c));
    }
  }
  // A column slot of a wider output (denseConcat's ldc): each block cut by its own columns.
  const x = tf.tensor2d(values(32 * 400), [32, 400]);
  const w1 = tf.tensor2d(values(400 * 500), [400, 500]),
    w2 = tf.tensor2d(values(400 * 403), [400, 403]);
  assert.ok(2 * 32 * 403 * 400 >= PARALLEL_MIN_FLOPS);
  await assertSameBitsOn123(() => denseConcat([x, x], [w1, w2], [null, null], {activation: 'relu'}), 'denseConcat');
  tf.dispose([x, w1, w2]);
});

test('denseConcat splits each block across threads, bit-identically', async () => {
  const x1 = tf.tensor2d(values(256 * 300), [256, 300]),
    x2 = tf.tensor2d(values(256 * 200), [256, 200]);
  const w1 = tf.tensor2d(values(300 * 128), [300, 128]),
    w2 = tf.tensor2d(values(200 * 64), [200, 64]);
  const b1 = tf.tensor1d(values(128));
  await assertSameBitsOn123(() => denseConcat([x1, x2], [w1, w2], [b1, null], {activation: 'relu'}), 'denseConcat');
  tf.dispose([x1, x2, w1, w2, b1]);
});

test('the pool reports how late each worker started each split call, once', async () => {
  await setThreads(3);
  const pool = globalState().instances.get(tf.backend() as BackendWasm)!.pool!;
  pool.takeStartDelays();
  const a = tf.randomUniform([256, 300]),
    b = tf.randomUniform([300, 256]);
  for (let i = 0; i < 4; i++) tf.matMul(a, b).dispose(); // 39 MFLOP: split three ways
  const delays = pool.takeStartDelays();
  assert.is(delays.length, 4 * 2, 'one per worker per call');
  for (const ms of delays) assert.ok(Number.isFinite(ms) && ms > -1 && ms < 60_000, `delay ${ms} ms`);
  assert.equal(pool.takeStartDelays(), []);
  tf.dispose([a, b]);
});

test('memory that grows between calls is seen by the workers: operands at new high addresses', async () => {
  await setThreads(2);
  const heap = () => ((tf.backend() as BackendWasm).wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length;
  const before = heap();
  const filler = tf.fill([64 * 2 ** 20], 1); // 256 MiB: the heap grows
  assert.ok(heap() > before + 2 ** 27, `grew from ${before} to ${heap()}`);
  const a = values(300 * 200),
    b = values(200 * 150);
  const threaded = bits(tf.matMul(tf.tensor2d(a, [300, 200]), tf.tensor2d(b, [200, 150])));
  await setThreads(1);
  const single = bits(tf.matMul(tf.tensor2d(a, [300, 200]), tf.tensor2d(b, [200, 150])));
  assert.equal(threaded, single);
  filler.dispose();
});

test('a worker that dies makes the next call throw, naming it; later calls run on one thread, correctly', async () => {
  await setThreads(3);
  const pool = globalState().instances.get(tf.backend() as BackendWasm)!.pool!;
  // Large enough to be split (PARALLEL_MIN_FLOPS).
  const a = tf.tensor2d(values(256 * 160), [256, 160]),
    b = tf.tensor2d(values(160 * 256), [160, 256]);
  assert.ok(2 * 256 * 256 * 160 >= PARALLEL_MIN_FLOPS);
  await setThreads(1);
  const want = bits(tf.matMul(a, b));
  await setThreads(3);
  const live = globalState().instances.get(tf.backend() as BackendWasm)!.pool!;
  assert.is.not(live, pool);
  live.killWorkerForTesting(2);
  // Its death arrives as an event: let it.
  for (let i = 0; i < 100 && !live.failed; i++) await new Promise(r => setTimeout(r, 10));
  const tensors = tf.memory().numTensors;
  let message = '';
  try {
    tf.matMul(a, b);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(
    message,
    /^tfjs-backend-as: worker thread 2 of 2 stopped \(it exited with code 1\); this call failed, and every later call runs on one thread$/,
  );
  assert.is(tf.memory().numTensors, tensors, 'the failed call left nothing');
  assert.equal(bits(tf.matMul(a, b)), want, 'one thread, right values');
  assert.is(backendInfo().threads, 1);
  assert.match(backendInfo().threadsNote ?? '', /worker thread 2 stopped/);
  // setThreads starts a new pool.
  await setThreads(2);
  assert.is(backendInfo().threads, 2);
  assert.equal(bits(tf.matMul(a, b)), want);
  tf.dispose([a, b]);
});

test('tf.removeBackend ends the workers; registering again starts new ones', async () => {
  await setThreads(2);
  const old = globalState().instances.get(tf.backend() as BackendWasm)!.pool!;
  tf.removeBackend('as');
  assert.is(old.size, 1);
  registerBackendAs();
  await tf.setBackend('as');
  assert.is(backendInfo().threads, 2);
  const fresh = globalState().instances.get(tf.backend() as BackendWasm)!.pool!;
  assert.is.not(fresh, old);
});

test('a script that trains on several threads exits on its own', () => {
  const script = path.join(here, '../fixtures/threads_exit.ts');
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], {encoding: 'utf8', timeout: 60_000});
  assert.is(r.status, 0, `exit status ${r.status} signal ${r.signal}: ${(r.stderr ?? '').slice(-600)}`);
  assert.match(r.stdout, /threads 2, loss \d/);
  assert.ok(Date.now() - started < 60_000);
});

test('started with V8 flags (which Node refuses in a worker), the script still trains on two threads and exits', () => {
  // --experimental-wasm-relaxed-simd is how Node 20 gets relaxed SIMD; --max-old-space-size is a
  // common one. Inherited by the workers, either made every worker fail: one thread, no shared heap.
  const script = path.join(here, '../fixtures/threads_exit.ts');
  const flags = ['--experimental-wasm-relaxed-simd', '--max-old-space-size=4096'];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', script], {encoding: 'utf8', timeout: 60_000});
  assert.is(r.status, 0, `exit status ${r.status} signal ${r.signal}: ${(r.stderr ?? '').slice(-600)}`);
  assert.match(r.stdout, /threads 2, loss \d/);
});

test.run();
