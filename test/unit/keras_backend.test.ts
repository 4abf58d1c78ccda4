// K backend functions (API.md "Lambda and backend functions") and symbolic shape inference:
// each K function on concrete tensors against tfjs/Keras formulas, on symbolic tensors as graph
// nodes with the right static shapes, errors prefixed with the op name. On 'as' and on 'cpu'.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {K, Layer, Model, input, layers, SymbolicTensor, type Shape} from '../../src/keras/index.js';

function close(a: tf.Tensor, b: tf.Tensor | number[], tol = 1e-5, what = ''): void {
  const x = Array.from(a.dataSync());
  const y = b instanceof tf.Tensor ? Array.from(b.dataSync()) : b;
  if (b instanceof tf.Tensor) assert.equal(a.shape, b.shape, `${what} shape`);
  assert.is(x.length, y.length, `${what} size`);
  x.forEach((v, i) => {
    if (!(Math.abs(v - y[i]) <= tol * Math.max(1, Math.abs(y[i]))))
      assert.unreachable(`${what}[${i}]: ${v} vs ${y[i]}`);
  });
}

const rand = (shape: number[], seed = 1) => tf.randomUniform(shape, -1, 1, 'float32', seed);

for (const backend of ['as', 'cpu']) {
  test(`[${backend}] K elementwise, reductions and shapes match tfjs`, async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const x = rand([3, 4]),
        y = rand([3, 4], 2),
        p = tf.abs(x);
      close(K.add(x, y), tf.add(x, y));
      close(K.sub(x, 2), tf.sub(x, 2));
      close(K.mul(x, y), tf.mul(x, y));
      close(K.div(x, 4), tf.div(x, 4));
      close(K.maximum(x, y), tf.maximum(x, y));
      close(K.minimum(x, y), tf.minimum(x, y));
      close(K.pow(p, 3), tf.pow(p, 3));
      close(K.square(x), tf.square(x));
      close(K.sqrt(p), tf.sqrt(p));
      close(K.abs(x), p);
      close(K.exp(x), tf.exp(x));
      close(K.log(p), tf.log(p));
      close(K.sigmoid(x), tf.sigmoid(x));
      close(K.tanh(x), tf.tanh(x));
      close(K.relu(x), tf.relu(x));
      close(K.relu(x, 0.1), tf.leakyRelu(x, 0.1));
      close(K.relu(tf.mul(x, 10), 0, 6), tf.relu6(tf.mul(x, 10)));
      close(K.softmax(x), tf.softmax(x));
      close(K.softmax(x, 0), tf.transpose(tf.softmax(tf.transpose(x))));
      close(K.clip(x, -0.5, 0.5), tf.clipByValue(x, -0.5, 0.5));
      close(K.sum(x), tf.sum(x));
      close(K.sum(x, 1, true), tf.sum(x, 1, true));
      close(K.mean(x, 0), tf.mean(x, 0));
      close(K.max(x, -1), tf.max(x, -1));
      close(K.min(x, [0, 1]), tf.min(x));
      close(K.transpose(x), tf.transpose(x));
      close(K.reshape(x, [2, 6]), tf.reshape(x, [2, 6]));
      close(K.concatenate([x, y]), tf.concat([x, y], -1));
      close(K.concatenate([x, y], 0), tf.concat([x, y], 0));
      close(K.stack([x, y]), tf.stack([x, y]));
      close(K.biasAdd(x, tf.tensor1d([1, 2, 3, 4])), tf.add(x, tf.tensor1d([1, 2, 3, 4])));
      close(K.l2Normalize(x, -1), tf.div(x, tf.norm(x, 'euclidean', -1, true)));
      close(K.shape(x), [3, 4]);
      assert.is(K.shape(x).dtype, 'int32');
      assert.equal(K.intShape(x), [3, 4]);
      assert.is(K.ndim(x), 2);
      assert.is(K.dtype(x), 'float32');
      assert.is(K.epsilon(), 1e-7);
      close(K.zeros([2, 2]), [0, 0, 0, 0]);
      close(K.ones(K.shape(x)), new Array(12).fill(1));
      close(K.constant(3, 'float32', [2]), [3, 3]);
    });
  });

  test(`[${backend}] K.dot is Keras' N-D dot; K.batchDot is Keras' batch_dot`, async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const a = rand([2, 3, 4]),
        b = rand([5, 4, 6], 2),
        m = rand([4, 6], 3);
      // 3-D · 2-D: the last axis of a with the first of m.
      close(K.dot(a, m), tf.reshape(tf.matMul(tf.reshape(a, [6, 4]), m), [2, 3, 6]), 1e-5, 'dot3x2');
      // 3-D · 3-D: result [2,3,5,6], r[i,j,k,l] = sum_c a[i,j,c] b[k,c,l].
      const r = K.dot(a, b);
      assert.equal(r.shape, [2, 3, 5, 6]);
      const [av, bv] = [a.arraySync() as number[][][], b.arraySync() as number[][][]];
      const ref: number[] = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++)
          for (let k = 0; k < 5; k++)
            for (let l = 0; l < 6; l++) {
              let acc = 0;
              for (let c = 0; c < 4; c++) acc += av[i][j][c] * bv[k][c][l];
              ref.push(acc);
            }
      close(r, ref, 1e-5, 'dot3x3');
      close(K.dot(tf.ones([2, 3]), tf.ones([3, 2])), [3, 3, 3, 3]);
      const x = rand([4, 3, 5]),
        y = rand([4, 5, 2], 5);
      close(K.batchDot(x, y), tf.matMul(x, y), 1e-5, 'batchDot default');
      const u = rand([4, 5]),
        v = rand([4, 5], 6);
      close(K.batchDot(u, v, 1), tf.reshape(tf.sum(tf.mul(u, v), 1), [4, 1]), 1e-5, 'batchDot 2-D');
      // axes [1, 2]: contract x's axis 1 (3) with z's axis 2 (3): r[b,i,j] = sum_c x[b,c,i] z[b,j,c].
      const z = rand([4, 2, 3], 7);
      close(
        K.batchDot(x, z, [1, 2]),
        tf.matMul(tf.transpose(x, [0, 2, 1]), tf.transpose(z, [0, 2, 1])),
        1e-5,
        'batchDot axes',
      );
    });
  });

  test(`[${backend}] K.randomBinomial and K.dropout use the backend ops`, async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const m = K.randomBinomial([200, 50], 0.3, 'float32', 7);
      const v = m.dataSync();
      assert.ok(v.every(e => e === 0 || e === 1));
      const frac = Array.from(v).reduce((s, e) => s + e, 0) / v.length;
      assert.ok(Math.abs(frac - 0.3) < 0.02, `P(1) ${frac}`);
      close(K.randomBinomial([200, 50], 0.3, 'float32', 7), m, 0, 'same seed, same mask');
      const d = K.dropout(tf.ones([100, 100]), 0.25, undefined, 3).dataSync();
      assert.ok(d.every(e => e === 0 || Math.abs(e - 4 / 3) < 1e-6));
      const kept = d.filter(e => e !== 0).length / d.length;
      assert.ok(Math.abs(kept - 0.75) < 0.02, `kept ${kept}`);
    });
  });
}

test('K crossentropies follow Keras', async () => {
  await tf.setBackend('as');
  tf.tidy(() => {
    const y = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const p = tf.tensor2d([
      [0.2, 0.7, 0.1],
      [0.5, 0.25, 0.25],
    ]);
    close(K.categoricalCrossentropy(y, p), [-Math.log(0.7), -Math.log(0.5)]);
    const logits = tf.tensor2d([
      [1, 2, 0.5],
      [0, -1, 3],
    ]);
    close(K.categoricalCrossentropy(y, logits, true), K.categoricalCrossentropy(y, tf.softmax(logits)), 1e-5);
    const z = tf.tensor1d([1, 0, 1]),
      q = tf.tensor1d([0.9, 0.2, 0.5]);
    close(K.binaryCrossentropy(z, q), [-Math.log(0.9 + 1e-7), -Math.log(0.8 + 1e-7), -Math.log(0.5 + 1e-7)], 1e-5);
    const lz = tf.tensor1d([2, -1, 0]);
    close(K.binaryCrossentropy(z, lz, true), K.binaryCrossentropy(z, tf.sigmoid(lz)), 1e-5);
  });
});

test('K functions on symbolic tensors add graph nodes with static shapes', async () => {
  await tf.setBackend('as');
  const x = input({shape: [500]});
  const s = K.shape(x);
  assert.ok(s instanceof SymbolicTensor);
  assert.equal(s.shape, [2], 'K.shape of [null,500] is a static [2]');
  assert.is(s.dtype, 'int32');
  const mask = K.randomBinomial(K.shape(x), 0.5);
  assert.equal(mask.shape, [null, 500]);
  const y = K.mul(K.mul(x, mask), 2);
  assert.equal(y.shape, [null, 500]);
  assert.equal(K.intShape(y), [null, 500]);
  assert.equal(K.sum(y, 1).shape, [null]);
  assert.equal(K.mean(y).shape, []);
  assert.equal(K.concatenate([x, y]).shape, [null, 1000]);
  assert.equal(K.dot(x, tf.ones([500, 7])).shape, [null, 7]);
  assert.equal(K.reshape(x, [-1, 20, 25]).shape, [null, 20, 25]);
  assert.equal(K.transpose(K.reshape(x, [-1, 20, 25])).shape, [25, 20, null]);
  assert.equal(K.zeros(K.shape(x)).shape, [null, 500]);
  const model = new Model({inputs: x, outputs: y});
  const out = model.predict(tf.ones([3, 500])) as tf.Tensor;
  const v = out.dataSync();
  assert.ok(
    v.every(e => e === 0 || e === 2),
    'x * mask * 2',
  );
  const frac = v.filter(e => e === 2).length / v.length;
  assert.ok(frac > 0.4 && frac < 0.6, `kept ${frac}`);
  out.dispose();
});

test('shape inference: computeOutputShape when given, else traced; null exactly where the batch size flows', async () => {
  await tf.setBackend('as');
  let traced = 0;
  class Pairs extends Layer {
    override call(x: tf.Tensor) {
      traced++;
      return tf.reshape(x, [-1, 2]);
    } // [b,6] -> [3b,2]
  }
  const x = input({shape: [6]});
  const y = new Pairs().apply(x);
  assert.equal(y.shape, [null, 2]);
  assert.is(traced, 2, 'traced with two batch sizes');
  class Fixed extends Layer {
    override call(x: tf.Tensor) {
      return tf.sum(x, 0);
    } // batch reduced away
  }
  assert.equal(new Fixed().apply(x).shape, [6]);
  class Declared extends Layer {
    override call(x: tf.Tensor) {
      traced++;
      return tf.tile(x, [1, 2]);
    }
    override computeOutputShape(s: Shape) {
      return [s[0], s[1]! * 2];
    }
  }
  traced = 0;
  assert.equal(new Declared().apply(x).shape, [null, 12]);
  assert.is(traced, 0, 'computeOutputShape replaces tracing');
  const fixedBatch = input({shape: [4], batchSize: 8});
  assert.equal(layers.dense({units: 3}).apply(fixedBatch).shape, [8, 3]);
  assert.equal(new Pairs().apply(fixedBatch).shape, [16, 2]);
  const seq = input({shape: [null, 5]});
  assert.equal(layers.dense({units: 3}).apply(seq).shape, [null, null, 3]);
});

test('K functions mixing incompatible shapes throw as tfjs does, naming the op', async () => {
  await tf.setBackend('as');
  const a = tf.ones([2, 3]),
    b = tf.ones([2, 4]);
  assert.throws(() => K.add(a, b), /^K\.add: Operands could not be broadcast together with shapes 2,3 and 2,4/);
  assert.throws(() => K.dot(a, b), /^K\.dot: .*inner (shapes \(3\) and \(2\)|dimensions 3 and 2)/i);
  assert.throws(() => K.concatenate([a, tf.ones([3, 3])], -1), /^K\.concatenate: /);
  assert.throws(() => K.biasAdd(a, tf.ones([4])), /^K\.biasAdd: the bias must be 1-D with 3 elements/);
  const x = input({shape: [3]}),
    y = input({shape: [4]});
  assert.throws(() => K.add(x, y), /K\.add: Operands could not be broadcast together with shapes 2,3 and 2,4/);
  assert.throws(() => K.dot(x, tf.ones([4, 2])), /Layer 'k\.dot(_\d+)?' \(TFOpLambda\).*K\.dot: /);
  tf.dispose([a, b]);
});

test('symbolic K ops capture constants and leak nothing per run', async () => {
  await tf.setBackend('as');
  const x = input({shape: [4]});
  const w = tf.tidy(() => tf.ones([4, 2]));
  const y = K.softmax(K.biasAdd(K.dot(x, w), tf.tensor1d([0, 1])));
  const m = new Model({inputs: x, outputs: y});
  const xs = tf.ones([5, 4]);
  tf.dispose(m.predict(xs));
  const before = tf.memory().numTensors;
  const out = m.predict(xs) as tf.Tensor;
  assert.is(tf.memory().numTensors, before + 1);
  close(
    out,
    tf.tidy(() => tf.softmax(tf.add(tf.matMul(xs, w), tf.tensor1d([0, 1])))),
  );
  tf.dispose([out, xs]);
});

test.run();
