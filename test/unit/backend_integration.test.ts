// The backend as a whole: heap growth between kernel calls, no leaked tensors, 'wasm' and 'as'
// side by side, one registration however often (and however) the package is imported.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {BACKEND_NAME, denseConcat, dropout, randomBinomial} from '../../src/index.js';

function reference(a: number[][], b: number[][]): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < b[0].length; j++) {
      let s = 0;
      for (let p = 0; p < b.length; p++) s += a[i][p] * b[p][j];
      out.push(s);
    }
  return out;
}
const rand = (m: number, n: number) =>
  Array.from({length: m}, () => Array.from({length: n}, () => Math.round(Math.random() * 20 - 10)));

test('earlier tensors still compute right after the heap grows between kernel calls', async () => {
  await tf.setBackend(BACKEND_NAME);
  const av = rand(7, 13),
    bv = rand(13, 5);
  const a = tf.tensor2d(av),
    b = tf.tensor2d(bv);
  const before = Array.from(await tf.matMul(a, b).data());
  const memory = (tf.backend() as unknown as {wasm: {HEAPU8: Uint8Array}}).wasm;
  const bytesBefore = memory.HEAPU8.buffer.byteLength;
  // More than the whole current heap: emscripten must grow the memory (detaching old views).
  const big = tf.zeros([Math.ceil(bytesBefore / 4) + 1024]);
  assert.ok(memory.HEAPU8.buffer.byteLength > bytesBefore, 'the heap did not grow');
  const after = Array.from(await tf.matMul(a, b).data());
  assert.equal(before, reference(av, bv));
  assert.equal(after, reference(av, bv));
  tf.dispose([a, b, big]);
});

test('tf.memory().numTensors is unchanged after a loop of kernel calls', async () => {
  await tf.setBackend(BACKEND_NAME);
  const a = tf.randomNormal([17, 31]),
    b = tf.randomNormal([31, 9]),
    bias = tf.randomNormal([9]);
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  for (let i = 0; i < 50; i++) {
    tf.tidy(() => {
      tf.matMul(a, b);
      tf.fused.matMul({a, b, bias, activation: 'relu'});
      tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(x, b)))(a);
    });
    tf.matMul(a, b).dispose();
  }
  assert.is(tf.memory().numTensors, tensors);
  assert.is(tf.backend().numDataIds(), dataIds);
  tf.dispose([a, b, bias]);
});

test('a kernel whose scratch allocation fails throws, saying so, and frees its output', async () => {
  await tf.setBackend(BACKEND_NAME);
  const wasm = (tf.backend() as unknown as {wasm: {_malloc(bytes: number): number}}).wasm;
  const a = tf.randomNormal([9, 17]),
    b = tf.randomNormal([17, 11]),
    x = tf.ones([3, 4]),
    y = tf.ones([3, 5]);
  // Each allocates its output, then its scratch space (packing buffers, a table, Philox draws).
  const kernels: Array<[string, () => unknown]> = [
    ['BatchMatMul', () => tf.matMul(a, b)],
    ['Concat', () => tf.concat([x, y], 1)],
    ['Dropout', () => dropout(x, 0.5, {seed: 1})],
    ['RandomBinomial', () => randomBinomial([3, 4], 0.5, {seed: 1})],
    ['DenseConcat', () => denseConcat([a, a], [b, b])],
  ];
  const malloc = wasm._malloc;
  try {
    for (const [name, run] of kernels) {
      const tensors = tf.memory().numTensors,
        dataIds = tf.backend().numDataIds();
      let calls = 0;
      wasm._malloc = bytes => (++calls === 2 ? 0 : malloc.call(wasm, bytes)); // as emscripten's malloc when the heap cannot grow
      assert.throws(run, /out of memory allocating \d+ bytes of scratch space/, name);
      wasm._malloc = malloc;
      assert.is(calls, 2, `${name}: allocates its output, then its scratch space`);
      assert.is(tf.memory().numTensors, tensors, `${name}: tensors leaked`);
      assert.is(tf.backend().numDataIds(), dataIds, `${name}: the output's heap buffer leaked`);
    }
  } finally {
    wasm._malloc = malloc;
  }
  tf.dispose([a, b, x, y]);
});

test("'wasm' and 'as' work side by side and agree", async () => {
  const av = rand(9, 4),
    bv = rand(4, 6);
  const results: Record<string, number[]> = {};
  for (const name of ['wasm', 'as', 'wasm', 'cpu', 'as']) {
    await tf.setBackend(name);
    const y = tf.matMul(tf.tensor2d(av), tf.tensor2d(bv));
    const values = Array.from(await y.data());
    if (results[name]) assert.equal(values, results[name]);
    results[name] = values;
  }
  assert.equal(results.as, reference(av, bv));
  assert.equal(results.wasm, reference(av, bv));
  // A tensor made on one backend is moved, not misread, when the other one runs.
  await tf.setBackend('wasm');
  const onWasm = tf.tensor2d(av);
  await tf.setBackend('as');
  assert.equal(Array.from(await tf.matMul(onWasm, tf.tensor2d(bv)).data()), reference(av, bv));
});

test('the backend is registered once with its kernels (and registering again is a no-op)', async () => {
  const {registerBackendAs} = await import('../../src/index.js');
  const kernelsBefore = tf.getKernelsForBackend('as').length;
  registerBackendAs();
  assert.is(tf.getKernelsForBackend('as').length, kernelsBefore);
  const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map(k => k.kernelName));
  const asKernels = new Set(tf.getKernelsForBackend('as').map(k => k.kernelName));
  for (const name of wasmKernels) assert.ok(asKernels.has(name), `'as' lacks inherited kernel ${name}`);
});

test("after tf.removeBackend('as'), registerBackendAs() brings it back, kernels and all, without warnings", async () => {
  const {registerBackendAs, backendInfo} = await import('../../src/index.js');
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.join(' '));
  };
  try {
    await tf.setBackend('as');
    tf.removeBackend('as');
    assert.is(tf.findBackendFactory('as'), null);
    registerBackendAs();
    assert.ok(await tf.setBackend('as'), 'setBackend(as) after re-registration');
    assert.is(tf.getBackend(), 'as');
    const y = tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([
        [5, 6],
        [7, 8],
      ]),
    );
    assert.equal(Array.from(await y.data()), [19, 22, 43, 50]);
    assert.ok(backendInfo().kernels.includes('BatchMatMul'));
    registerBackendAs(); // while registered: nothing happens
    assert.ok(tf.findBackend('as') != null, 'the running instance is kept');
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings, []);
});

test.run();
