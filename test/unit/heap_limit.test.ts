// The heap at its limit, for real: it is filled with tensors until the 4 GiB wasm32 heap refuses
// one more; every refusal is a RangeError naming the op, earlier tensors keep their values, and
// small ops still run. Sizes of 2^31 and 2^32 elements and bytes go through the size checks
// without being allocated. (Own process: the heap stays grown to 4 GiB afterwards.)
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {dropout, randomBinomial} from '../../src/index.js';
import {checkAllocationSize, HEAP_LIMIT_BYTES} from '../../src/backend/allocation.js';

await tf.setBackend('as');
const backend = tf.backend() as BackendWasm;
/** The heap's current size in bytes. */
const heapBytes = () => (backend.wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length;

test('sizes around 2^31 and 2^32 elements and bytes: allowed up to the heap limit, refused past it', () => {
  const ok = (shape: number[], dtype: tf.DataType, bytes: number) =>
    assert.is(checkAllocationSize('Op', shape, dtype), bytes);
  const refused = (shape: number[], dtype: tf.DataType) =>
    assert.throws(
      () => checkAllocationSize('Op', shape, dtype),
      (e: Error) =>
        e instanceof RangeError &&
        e.message.startsWith(`Op: cannot allocate [${shape}] ${dtype}`) &&
        e.message.includes(`${HEAP_LIMIT_BYTES} bytes`),
    );
  ok([2 ** 31 - 1], 'bool', 2 ** 31 - 1);
  ok([2 ** 31], 'bool', 2 ** 31); // past i32: fine for the heap
  ok([2 ** 31 + 1], 'bool', 2 ** 31 + 1);
  ok([HEAP_LIMIT_BYTES], 'bool', HEAP_LIMIT_BYTES);
  refused([HEAP_LIMIT_BYTES + 1], 'bool');
  refused([2 ** 32], 'bool');
  ok([2 ** 29], 'float32', 2 ** 31);
  ok([HEAP_LIMIT_BYTES / 4], 'int32', HEAP_LIMIT_BYTES);
  refused([2 ** 30], 'float32'); // 2^32 bytes: would wrap to 0 in malloc's u32
  refused([2 ** 31], 'float32'); // 2^33 bytes: would wrap to 0 as well
  refused([65536, 65536], 'int32');
  refused([1e6, 1e6], 'float32');
  refused([2 ** 52, 4], 'float32'); // not even a safe integer product
  ok([0, 2 ** 40], 'float32', 0); // no elements: nothing to allocate
  for (const bad of [[-1], [1.5], [NaN], [Infinity]]) {
    assert.throws(() => checkAllocationSize('Op', bad, 'float32'), /every dimension must be a non-negative integer/);
  }
});

test('ops whose output cannot exist throw before allocating or writing anything', () => {
  const before = {tensors: tf.memory().numTensors, ids: backend.numDataIds()};
  const heapBefore = heapBytes();
  assert.throws(() => randomBinomial([1e6, 1e6], 0.5), /^RandomBinomial: cannot allocate \[1000000,1000000\] float32/);
  assert.throws(
    () => randomBinomial([2 ** 32], 0.5, {dtype: 'bool'}),
    /^RandomBinomial: cannot allocate \[4294967296\] bool/,
  );
  assert.throws(
    () => tf.tidy(() => tf.matMul(tf.ones([32768, 1]), tf.ones([1, 32768]))),
    /^BatchMatMul: cannot allocate \[32768,32768\] float32/,
  );
  assert.throws(() => tf.zeros([2 ** 30]), /cannot allocate \[1073741824\] float32/);
  assert.throws(
    () => tf.tidy(() => tf.tile(tf.ones([2 ** 15]), [2 ** 15])),
    /^Tile: cannot allocate \[1073741824\] float32/,
  );
  assert.throws(() => tf.tidy(() => tf.tile(dropout(tf.ones([2 ** 15, 1]), 0.5), [1, 2 ** 15])));
  assert.is(tf.memory().numTensors, before.tensors);
  assert.is(backend.numDataIds(), before.ids);
  assert.is(heapBytes(), heapBefore, 'the heap did not grow');
});

test('a heap filled to its limit refuses the next tensor with a clear error; every earlier tensor keeps its values', () => {
  const canary = tf.tensor1d([10, 20, 30, 40]);
  const chunks: tf.Tensor[] = [];
  const chunk = 256 * 2 ** 20; // 256M elements of bool: 256 MiB each
  let refusal: Error | null = null;
  try {
    for (let i = 0; i < 20 && !refusal; i++) {
      try {
        // Fill and Cast (tfjs-backend-wasm's kernels) write every byte: the pages are really there.
        // The int32 of 1 GiB lives only for a moment: the bool is what stays.
        chunks.push(tf.tidy(() => tf.cast(tf.fill([chunk], i % 2 === 0 ? 1 : 0, 'int32'), 'bool')));
      } catch (e) {
        refusal = e as Error;
      }
    }
    assert.ok(refusal, 'the heap never filled');
    if (!(refusal instanceof RangeError)) throw refusal;
    assert.instance(refusal, RangeError);
    assert.match(
      refusal!.message,
      /^(Fill|Cast): out of memory: cannot allocate the output \[268435456\] (int32 \(1073741824|bool \(268435456) bytes/,
    );
    assert.match(refusal!.message, /of its limit of 4294901760 bytes/);
    const filled = heapBytes();
    assert.ok(filled > 3 * 2 ** 30, `the heap grew to ${filled} bytes`);
    // Every tensor is intact: the canary and the first and last byte of each chunk.
    assert.equal(Array.from(canary.dataSync()), [10, 20, 30, 40]);
    chunks.forEach((c, i) => {
      const edge = tf.tidy(() =>
        Array.from(tf.concat([tf.slice(c, [0], [1]), tf.slice(c, [chunk - 1], [1])]).dataSync()),
      );
      assert.equal(edge, i % 2 === 0 ? [1, 1] : [0, 0], `chunk ${i}`);
    });
    // Small ops still run in what is left, and a larger one is refused again.
    const y = tf.tidy(() =>
      Array.from(
        tf
          .matMul(
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
            tf.tensor2d([
              [5, 6],
              [7, 8],
            ]),
          )
          .dataSync(),
      ),
    );
    assert.equal(y, [19, 22, 43, 50]);
    // All of them again in one tensor: more than is left.
    assert.throws(
      () => tf.concat(chunks),
      (e: Error) =>
        e instanceof RangeError &&
        new RegExp(`^Concat: out of memory: cannot allocate the output \\[${chunks.length * chunk}\\] bool`).test(
          e.message,
        ),
    );
  } finally {
    tf.dispose(chunks);
  }
  // Freed: the space is usable again.
  const again = tf.fill([chunk], 3, 'int32');
  assert.equal(Array.from(tf.slice(again, [chunk - 2], [2]).dataSync()), [3, 3]);
  tf.dispose([again, canary]);
});

test.run();
