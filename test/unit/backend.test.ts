import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo, BACKEND_NAME, setKernelVariant} from '../../src/index.js';

test('registers backend as with a priority above wasm', async () => {
  assert.is(BACKEND_NAME, 'as');
  assert.ok(tf.findBackendFactory('as'));
  await tf.setBackend('as');
  assert.is(tf.getBackend(), 'as');
});

test('backendInfo reports variant, support and our kernels', async () => {
  await tf.setBackend('as');
  const info = backendInfo();
  assert.ok(['scalar', 'simd', 'relaxed-simd'].includes(info.variant));
  assert.ok(info.kernels.includes('BatchMatMul'));
  assert.ok(info.kernels.includes('_FusedMatMul'));
  // The TypeScript heap overrides are listed apart: `kernels` is what runs in AssemblyScript.
  assert.equal(info.heapKernels, ['GatherV2', 'Identity', 'Slice']);
  assert.not.ok(info.kernels.some(k => info.heapKernels.includes(k)));
  // The other TypeScript overrides (complex forms, Einsum, string and ragged kernels) apart too.
  for (const k of ['Complex', 'Einsum', 'RaggedGather', 'StaticRegexReplace'])
    assert.ok(info.typescriptKernels.includes(k), k);
  for (const k of ['UnsortedSegmentSum', 'FFT', 'IFFT', 'ComplexAbs', 'ClipByValue'])
    assert.ok(info.kernels.includes(k), k);
  assert.not.ok(info.typescriptKernels.some(k => info.kernels.includes(k) || info.heapKernels.includes(k)));
  // In Node 'as' runs on tfjs-backend-wasm's threaded build, whose heap is shared (threads.test.ts).
  assert.is(info.sharedMemory, true);
});

test('setKernelVariant throws on an unknown name, listing the valid ones', () => {
  assert.throws(
    () => setKernelVariant('fast' as never),
    /unknown variant 'fast'.*'auto', 'scalar', 'simd', 'relaxed-simd'/,
  );
});

test('setKernelVariant rejects a variant the runtime cannot run, saying why', async () => {
  if (backendInfo().relaxedSimd) return;
  try {
    await setKernelVariant('relaxed-simd');
    assert.unreachable('should have rejected');
  } catch (e) {
    assert.match((e as Error).message, /relaxed SIMD does not validate/);
  }
});

test('fused matMul with a transposed operand and bias is right (tfjs-backend-wasm 4.22 is not)', async () => {
  await tf.setBackend('as');
  const a = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    b = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  const y = tf.fused.matMul({a, b, transposeB: true, bias: tf.tensor1d([10, 20])});
  assert.equal(Array.from(await y.data()), [11, 22, 14, 25]);
});

test.run();
