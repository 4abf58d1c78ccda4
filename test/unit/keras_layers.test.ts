// The new built-in layers as a model uses them: Keras' parameter counts in summary() (a CNN, an
// LSTM text classifier, a transformer block), plotModel of nested layers, `training` reaching
// every call (custom layers included), masks through custom layers, BatchNormalization's moving
// statistics and freezing, initial states and attention masks as symbolic inputs, the K
// functions on eager and symbolic tensors, bad input, and no tensor leaked across fit steps.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import '@tensorflow/tfjs-backend-cpu';
import {K, Layer, type Kwargs, type Mask, Model, input, layers, type Shape, utils} from '../../src/keras/index.js';

await tf.setBackend('as');

function summaryOf(m: Model): string {
  const lines: string[] = [];
  m.summary(150, undefined, l => lines.push(l));
  return lines.join('\n');
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.equal(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** A transformer encoder block written as a custom layer from built-in ones. */
class EncoderBlock extends Layer<tf.Tensor, tf.Tensor> {
  attention: layers.MultiHeadAttention;
  norm1 = layers.layerNormalization({epsilon: 1e-6});
  norm2 = layers.layerNormalization({epsilon: 1e-6});
  ff1: Layer;
  ff2: Layer;
  constructor(dim: number, heads: number, hidden: number) {
    super();
    this.attention = layers.multiHeadAttention({numHeads: heads, keyDim: dim / heads});
    this.ff1 = layers.dense({units: hidden, activation: 'relu'});
    this.ff2 = layers.dense({units: dim});
  }
  override call(x: tf.Tensor): tf.Tensor {
    const a = this.attention.apply([x, x]);
    const h = this.norm1.apply(tf.add(x, a)) as tf.Tensor;
    return this.norm2.apply(tf.add(h, this.ff2.apply(this.ff1.apply(h) as tf.Tensor) as tf.Tensor)) as tf.Tensor;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return s as Shape;
  }
}

test("summary() counts Keras' parameters: a CNN, an LSTM text classifier, a transformer block", () => {
  K.clearSession();
  const img = input({shape: [28, 28, 1]});
  let h = layers.conv2d({filters: 32, kernelSize: 3, activation: 'relu'}).apply(img);
  h = layers.maxPooling2d({poolSize: 2}).apply(h);
  h = layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu'}).apply(h);
  h = layers.batchNormalization().apply(h);
  h = layers.globalAveragePooling2d().apply(h);
  const cnn = new Model({inputs: img, outputs: layers.dense({units: 10, activation: 'softmax'}).apply(h)});
  const s = summaryOf(cnn);
  // Keras: 320, 18,496, 256 (128 of them non-trainable), 650.
  assert.match(s, /conv2d \(Conv2D\)\s+\(None, 26, 26, 32\)\s+320\s/);
  assert.match(s, /max_pooling2d \(MaxPooling2D\)\s+\(None, 13, 13, 32\)\s+0\s/);
  assert.match(s, /conv2d_1 \(Conv2D\)\s+\(None, 11, 11, 64\)\s+18496\s/);
  assert.match(s, /batch_normalization \(BatchNormalization\)\s+\(None, 11, 11, 64\)\s+256\s/);
  assert.match(s, /Total params: 19,722\nTrainable params: 19,594\nNon-trainable params: 128/);

  const tokens = input({shape: [20]});
  let e = layers.embedding({inputDim: 1000, outputDim: 16, maskZero: true}).apply(tokens);
  e = layers.lstm({units: 32}).apply(e);
  const text = new Model({inputs: tokens, outputs: layers.dense({units: 1, activation: 'sigmoid'}).apply(e)});
  const t = summaryOf(text);
  assert.match(t, /embedding \(Embedding\)\s+\(None, 20, 16\)\s+16000\s/);
  assert.match(t, /lstm \(LSTM\)\s+\(None, 32\)\s+6272\s/);
  assert.match(t, /Total params: 22,305/);

  const seq = input({shape: [10, 64]});
  const block = new Model({inputs: seq, outputs: new EncoderBlock(64, 4, 128).apply(seq)});
  // MultiHeadAttention 16,640 + 2 LayerNormalization 256 + Dense 8,320 + Dense 8,256.
  assert.match(summaryOf(block), /encoder_block \(EncoderBlock\)\s+\(None, 10, 64\)\s+33472\s/);
  tf.dispose([cnn.weights, text.weights, block.weights]);
});

test('plotModel and summary of Bidirectional, MultiHeadAttention and merges', async () => {
  K.clearSession();
  const x = input({shape: [7, 5]});
  const bi = layers.bidirectional({layer: layers.lstm({units: 4, returnSequences: true})}).apply(x);
  const att = layers.multiHeadAttention({numHeads: 2, keyDim: 4}).apply([bi, bi]);
  const sum = layers.add().apply([bi, att]);
  const m = new Model({inputs: x, outputs: layers.globalMaxPooling1d().apply(sum)});
  const s = summaryOf(m);
  assert.match(s, /bidirectional \(Bidirectional\)\s+\(None, 7, 8\)\s+320\s/); // 2 x 4(5*4+4*4+4)
  const dot = await utils.plotModel(m, {format: 'dot', showShapes: true});
  assert.match(dot, /bidirectional\(lstm\): Bidirectional\(LSTM\)/);
  assert.match(dot, /multi_head_attention: MultiHeadAttention/);
  const svg = await utils.plotModel(m);
  assert.match(svg, /<svg[\s\S]*Bidirectional\(LSTM\)/);
  tf.dispose(m.weights);
});

test('training reaches every call: fit true, predict/evaluate false, apply overrides; custom and nested layers', async () => {
  const seen: (boolean | undefined)[] = [];
  class Spy extends Layer<tf.Tensor, tf.Tensor> {
    inner = layers.gaussianNoise({stddev: 0});
    override call(x: tf.Tensor, kwargs: Kwargs): tf.Tensor {
      seen.push(kwargs.training);
      // A sublayer called without kwargs takes the flag of this call.
      return tf.add(
        this.inner.apply(x) as tf.Tensor,
        K.inTrainPhase(
          () => tf.scalar(0),
          () => tf.scalar(0),
        ) as tf.Tensor,
      );
    }
  }
  class InnerSpy extends Layer<tf.Tensor, tf.Tensor> {
    override call(x: tf.Tensor, kwargs: Kwargs): tf.Tensor {
      seen.push(kwargs.training);
      return tf.clone(x);
    }
  }
  const spy = new Spy();
  (spy as unknown as {inner: Layer}).inner = new InnerSpy();
  const x = input({shape: [3]});
  const m = new Model({inputs: x, outputs: layers.dense({units: 1}).apply(spy.apply(x))});
  m.compile({optimizer: 'sgd', loss: 'mse'});
  const xs = tf.ones([4, 3]),
    ys = tf.ones([4, 1]);
  seen.length = 0;
  await m.fit(xs, ys, {epochs: 1, batchSize: 4, verbose: 0});
  assert.equal(seen, [true, true]);
  seen.length = 0;
  tf.dispose(m.predict(xs));
  tf.dispose(m.evaluate(xs, ys));
  assert.equal(seen, [false, false, false, false]);
  seen.length = 0;
  tf.dispose(m.apply(xs, {training: true}));
  tf.dispose(spy.apply(xs, {training: false}));
  assert.equal(seen, [true, true, false, false]);
  // Dropout inside a model is active under fit only.
  const d = layers.dropout({rate: 0.5});
  const dm = new Model({inputs: x, outputs: d.apply(x)});
  const ones = tf.ones([50, 3]);
  const p = dm.predict(ones) as tf.Tensor;
  assert.is(maxDiff(p, ones), 0);
  const q = dm.apply(ones, {training: true}) as tf.Tensor;
  assert.ok(maxDiff(q, ones) > 0.5);
  tf.dispose([xs, ys, ones, p, q, m.weights]);
});

test('masks: Embedding({maskZero}) through a custom layer with supportsMasking / computeMask to an LSTM', () => {
  const masksSeen: number[][] = [];
  class Scale extends Layer<tf.Tensor, tf.Tensor> {
    constructor() {
      super();
      this.supportsMasking = true; // passes the mask on unchanged
    }
    override call(x: tf.Tensor, kwargs: Kwargs): tf.Tensor {
      const mask = kwargs.mask as tf.Tensor | undefined;
      if (mask) masksSeen.push(Array.from(mask.dataSync()));
      return tf.mul(x, 2);
    }
  }
  class DropFirstStep extends Layer<tf.Tensor, tf.Tensor> {
    override computeMask(_x: tf.Tensor, mask: Mask | undefined): Mask {
      // Also masks step 0 of every sample.
      const m = mask as tf.Tensor;
      return tf.concat([tf.zeros([m.shape[0]!, 1], 'bool'), tf.slice(m, [0, 1], [-1, -1])], 1);
    }
    override call(x: tf.Tensor): tf.Tensor {
      return tf.clone(x);
    }
  }
  const tokens = input({shape: [5], dtype: 'int32'});
  const emb = layers.embedding({inputDim: 9, outputDim: 3, maskZero: true});
  const lstm = layers.lstm({units: 2});
  const out = lstm.apply(new DropFirstStep().apply(new Scale().apply(emb.apply(tokens))));
  const m = new Model({inputs: tokens, outputs: out});
  const ids = tf.tensor2d(
    [
      [4, 2, 7, 0, 0],
      [1, 3, 0, 0, 0],
    ],
    undefined,
    'int32',
  );
  masksSeen.length = 0;
  const y = m.predict(ids) as tf.Tensor;
  assert.is(masksSeen.length, 1);
  assert.equal(masksSeen[0], [1, 1, 1, 0, 0, 1, 1, 0, 0, 0]);
  // The same LSTM on what it should have seen: steps 1..2 of sample 0, step 1 of sample 1.
  const e = tf.mul(emb.apply(ids) as tf.Tensor, 2);
  const ref0 = lstm.apply(tf.slice(e, [0, 1, 0], [1, 2, -1])) as tf.Tensor;
  const ref1 = lstm.apply(tf.slice(e, [1, 1, 0], [1, 1, -1])) as tf.Tensor;
  assert.ok(maxDiff(y, tf.concat([ref0, ref1])) < 1e-6);
  tf.dispose([ids, y, e, ref0, ref1, m.weights]);
});

test('BatchNormalization: moving statistics move in training only, and a frozen one runs in inference mode', () => {
  const bn = layers.batchNormalization({momentum: 0.5});
  const x = tf.tensor2d([
    [1, 10],
    [3, 30],
  ]);
  const y = bn.apply(x) as tf.Tensor; // inference: (x - 0) / sqrt(1 + eps)
  assert.ok(maxDiff(y, tf.div(x, Math.sqrt(1 + 1e-3))) < 1e-5);
  const field = (w: tf.Variable) => w.name.replace(/^.*\//, '').replace(/_\d+$/, '');
  assert.equal(bn.trainableWeights.map(field), ['gamma', 'beta']);
  assert.equal(bn.nonTrainableWeights.map(field), ['moving_mean', 'moving_variance']);
  const t = bn.apply(x, {training: true}) as tf.Tensor;
  assert.ok(
    maxDiff(
      t,
      tf.tensor2d([
        [-1, -1],
        [1, 1],
      ]),
    ) < 1e-3,
  ); // batch statistics
  const [, , mean, variance] = bn.weights;
  assert.ok(maxDiff(mean!, tf.tensor1d([1, 10])) < 1e-5); // 0.5*0 + 0.5*[2,20]
  assert.ok(maxDiff(variance!, tf.tensor1d([1, 50.5])) < 1e-4); // 0.5*1 + 0.5*[1,100]
  bn.trainable = false;
  const f = bn.apply(x, {training: true}) as tf.Tensor;
  assert.ok(maxDiff(mean!, tf.tensor1d([1, 10])) < 1e-5, 'frozen: no update');
  const expected = tf.div(tf.sub(x, tf.tensor1d([1, 10])), tf.sqrt(tf.add(tf.tensor1d([1, 50.5]), 1e-3)));
  assert.ok(maxDiff(f, expected) < 1e-5, 'frozen: moving statistics');
  tf.dispose([x, y, t, f, expected]);
  bn.dispose();
});

test('initial states and attention masks as symbolic inputs; returnState; Bidirectional states', () => {
  const seq = input({shape: [4, 3]});
  const h0 = input({shape: [5]}),
    c0 = input({shape: [5]});
  const [out, h, c] = layers.lstm({units: 5, returnState: true}).apply([seq, h0, c0]);
  assert.equal(
    [out.shape, h.shape, c.shape],
    [
      [null, 5],
      [null, 5],
      [null, 5],
    ],
  );
  const viaKwarg = layers.gru({units: 5}).apply(seq, {initialState: h});
  const m = new Model({inputs: [seq, h0, c0], outputs: [out, viaKwarg]});
  const xs = [tf.randomNormal([2, 4, 3]), tf.randomNormal([2, 5]), tf.randomNormal([2, 5])];
  const [a] = m.predict(xs) as tf.Tensor[];
  const [b] = m.predict([xs[0]!, tf.zeros([2, 5]), tf.zeros([2, 5])]) as tf.Tensor[];
  assert.ok(maxDiff(a!, b!) > 1e-4, 'the initial state changes the output');

  const q = input({shape: [3, 4]}),
    mask = input({shape: [3, 3]});
  const att = layers.multiHeadAttention({numHeads: 1, keyDim: 4});
  const mm = new Model({inputs: [q, mask], outputs: att.apply([q, q], {attentionMask: mask})});
  const qv = tf.randomNormal([1, 3, 4]);
  const causal = tf.linalg.bandPart(tf.ones([1, 3, 3]), -1, 0);
  const p1 = mm.predict([qv, causal]) as tf.Tensor;
  const p2 = att.apply([qv, qv], {useCausalMask: true}) as tf.Tensor;
  assert.ok(maxDiff(p1, p2) < 1e-6, 'an explicit lower-triangular mask is the causal mask');

  const [merged, ...states] = layers
    .bidirectional({layer: layers.gru({units: 2, returnState: true})})
    .apply(seq) as unknown as ReturnType<typeof input>[];
  assert.equal(merged!.shape, [null, 4]);
  assert.is(states.length, 2);
  tf.dispose([...xs, a!, b!, qv, causal, p1, p2, m.weights, mm.weights]);
});

test('K functions run eagerly and on symbolic tensors alike', () => {
  const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
  const k = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
  const sx = input({shape: [6, 6, 3]});
  const eager = K.conv2d(x, k, 1, 'same');
  const graph = new Model({inputs: sx, outputs: K.conv2d(sx, k, 1, 'same')});
  assert.ok(maxDiff(eager, graph.predict(x) as tf.Tensor) < 1e-5);
  assert.equal(K.pool2d(sx, 2, null, 'valid', 'channelsLast', 'avg').shape, [null, 3, 3, 3]);
  assert.equal(K.depthwiseConv2d(sx, tf.ones([3, 3, 3, 2])).shape, [null, 4, 4, 6]);
  assert.equal(K.separableConv2d(sx, tf.ones([3, 3, 3, 1]), tf.ones([1, 1, 3, 5]), 1, 'same').shape, [null, 6, 6, 5]);
  assert.equal(K.conv2dTranspose(sx, tf.ones([3, 3, 2, 3]), null, 2, 'same').shape, [null, 12, 12, 2]);
  assert.equal(K.spatial2dPadding(sx).shape, [null, 8, 8, 3]);
  assert.equal(K.resizeImages(sx, 2, 3).shape, [null, 12, 18, 3]);
  assert.equal(K.permuteDimensions(sx, [0, 3, 1, 2]).shape, [null, 3, 6, 6]);
  assert.equal(K.repeatElements(tf.tensor1d([1, 2]), 2, 0).arraySync(), [1, 1, 2, 2]);
  assert.equal(K.tile(tf.tensor1d([1, 2]), [2]).arraySync(), [1, 2, 1, 2]);
  assert.equal(K.cumsum(tf.tensor1d([1, 2, 3])).arraySync(), [1, 3, 6]);
  assert.equal(K.oneHot(tf.tensor1d([2, 0], 'int32'), 3).arraySync(), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.equal(
    K.gather(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor1d([1], 'int32'),
    ).arraySync(),
    [[3, 4]],
  );
  assert.equal(K.switch(tf.tensor1d([1, 0], 'bool'), tf.tensor1d([5, 5]), tf.tensor1d([7, 7])).arraySync(), [5, 7]);
  assert.equal(
    (
      K.switch(
        true,
        () => tf.scalar(1),
        () => tf.scalar(2),
      ) as tf.Tensor
    ).arraySync(),
    1,
  );
  assert.equal((K.inTrainTestPhase(tf.scalar(1), tf.scalar(2), true) as tf.Tensor).arraySync(), 1);
  assert.equal((K.inTrainTestPhase(tf.scalar(1), tf.scalar(2)) as tf.Tensor).arraySync(), 2);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(K.stopGradient(tf.mul(v, 3)), v)))(tf.ones([2]));
  assert.equal(g.arraySync(), [1, 1]);
  // batchNormalization / normalizeBatchInTraining agree with the layer's formula.
  const [normed, mean, variance] = K.normalizeBatchInTraining(x, null, null, [0, 1, 2]);
  assert.equal(mean!.shape, [3]);
  const again = K.batchNormalization(x, mean!, variance!, null, null);
  assert.ok(maxDiff(normed!, again) < 1e-5);
  // rnn: a running sum, forwards, backwards, and masked; eager and symbolic.
  const step: K.StepFunction = (xt, [s]) => {
    const n = tf.add(s!, xt);
    return [n, [n]];
  };
  const seq = tf.tensor3d([[[1], [2], [3]]]);
  const [last, outs, [state]] = K.rnn(step, seq, [tf.zeros([1, 1])]);
  assert.equal([last.arraySync(), outs.arraySync(), state!.arraySync()], [[[6]], [[[1], [3], [6]]], [[6]]]);
  const [, back] = K.rnn(step, seq, [tf.zeros([1, 1])], {goBackwards: true});
  assert.equal(back.arraySync(), [[[3], [5], [6]]]);
  const [masked] = K.rnn(step, seq, [tf.zeros([1, 1])], {mask: tf.tensor2d([[1, 0, 1]])});
  assert.equal(masked.arraySync(), [[4]]);
  const sseq = input({shape: [3, 1]});
  const [sLast, sOuts, sStates] = K.rnn(step, sseq, [K.zeros([1, 1])]);
  assert.equal(
    [sLast.shape, sOuts.shape, sStates[0]!.shape],
    [
      [null, 1],
      [null, 3, 1],
      [null, 1],
    ],
  );
  tf.dispose([x, k, eager, graph.weights]);
});

test('Conv1D causal padding is left padding; UpSampling2D gradient is the block sums', () => {
  const c = layers.conv1d({filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2});
  const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 4);
  const y = c.apply(x) as tf.Tensor;
  assert.equal(y.shape, [2, 6, 2]);
  const valid = tf.add(
    tf.conv1d(
      tf.pad(x, [
        [0, 0],
        [4, 0],
        [0, 0],
      ]) as tf.Tensor3D,
      c.weights[0] as tf.Tensor3D,
      1,
      'valid',
      'NWC',
      2,
    ),
    c.weights[1]!,
  );
  assert.ok(maxDiff(y, valid) < 1e-5);
  const up = layers.upSampling2d({size: [2, 3]});
  const img = tf.randomUniform([2, 3, 2, 2]);
  const probe = tf.randomUniform([2, 6, 6, 2]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(up.apply(v) as tf.Tensor, probe)))(img);
  assert.ok(maxDiff(g, tf.sum(tf.reshape(probe, [2, 3, 2, 2, 3, 2]), [2, 4])) < 1e-5);
  tf.dispose([x, y, valid, img, probe, g]);
  c.dispose();
});

test('bad input names the layer, the expected and the actual shape, and leaves nothing built', async () => {
  const expectClean = (make: () => Layer, run: (l: Layer) => unknown, pattern: RegExp) => {
    const layer = make();
    const vars = Object.keys(tf.engine().registeredVariables).length;
    const tensors = tf.memory().numTensors;
    assert.throws(() => run(layer), pattern);
    assert.is(layer.built, false, `${layer.name} stays unbuilt`);
    assert.is(Object.keys(tf.engine().registeredVariables).length, vars, `${layer.name}: no variable left`);
    assert.is(tf.memory().numTensors, tensors, `${layer.name}: no tensor left`);
    assert.is(layer.weights.length, 0);
  };
  expectClean(
    () => layers.conv2d({filters: 4, kernelSize: 3}),
    l => l.apply(input({shape: [28, 28]})),
    /Layer 'conv2d(_\d+)?' \(Conv2D\): expected shape \[null,null,null,null\], got \[null,28,28\]/,
  );
  expectClean(
    () => layers.lstm({units: 4}),
    l => l.apply(input({shape: [16]})),
    /Layer 'lstm(_\d+)?' \(LSTM\): expected shape \[null,null,null\], got \[null,16\]/,
  );
  expectClean(
    () => layers.conv2d({filters: 4, kernelSize: 5}),
    l => l.apply(input({shape: [3, 3, 1]})),
    /\(Conv2D\).*kernelSize \[5,5\] is larger than the input .*expected input shape \[null,>=5,>=5,1\], got \[null,3,3,1\]/,
  );
  expectClean(
    () => layers.maxPooling2d({poolSize: 4}),
    l => l.apply(input({shape: [3, 8, 1]})),
    /\(MaxPooling2D\).*poolSize \[4,4\] is larger than the input .*got \[null,3,8,1\]/,
  );
  expectClean(
    () => layers.multiHeadAttention({numHeads: 2, keyDim: 4}),
    l => l.apply([input({shape: [3, 8]}), input({shape: [5, 8]}), input({shape: [4, 8]})]),
    /\(MultiHeadAttention\): key and value must have the same sequence length: expected key shape \[null,5,8\], got \[null,4,8\]/,
  );
  const emb = layers.embedding({inputDim: 10, outputDim: 2});
  tf.dispose(emb.apply(tf.tensor2d([[1, 2]], undefined, 'int32')));
  for (const backend of ['as', 'cpu']) {
    await tf.setBackend(backend);
    const bad = tf.tensor2d([[1, 12]], undefined, 'int32');
    assert.throws(
      () => emb.apply(bad),
      /Layer 'embedding(_\d+)?' \(Embedding\) on input shape \[1,2\]: expected indices in \[0, 10\).*12 is not in \[0, 9\]/,
    );
    bad.dispose();
  }
  await tf.setBackend('as');
  emb.dispose();
});

test('fit on Conv2D/BatchNormalization and on Embedding/Bidirectional LSTM: no tensor leaks across steps', async () => {
  const counts: number[] = [];
  const countEachBatch = {
    onBatchEnd: () => {
      counts.push(tf.memory().numTensors);
    },
  };
  const img = input({shape: [8, 8, 1]});
  let h = layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu'}).apply(img);
  h = layers.batchNormalization().apply(h);
  h = layers.maxPooling2d().apply(h);
  h = layers.flatten().apply(h);
  const cnn = new Model({inputs: img, outputs: layers.dense({units: 2, activation: 'softmax'}).apply(h)});
  cnn.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
  const xs = tf.randomNormal([16, 8, 8, 1]),
    ys = tf.oneHot(
      tf.tensor1d(
        Array.from({length: 16}, (_, i) => i % 2),
        'int32',
      ),
      2,
    );
  await cnn.fit(xs, ys, {epochs: 2, batchSize: 4, verbose: 0, callbacks: countEachBatch});
  assert.ok(
    counts.slice(1).every(n => n === counts[1]),
    `CNN tensors per step: ${counts}`,
  );

  counts.length = 0;
  const tokens = input({shape: [6]});
  let e = layers.embedding({inputDim: 12, outputDim: 4, maskZero: true}).apply(tokens);
  e = layers.bidirectional({layer: layers.lstm({units: 3, returnSequences: true, dropout: 0.1})}).apply(e);
  e = layers.gru({units: 3}).apply(e);
  const rnn = new Model({inputs: tokens, outputs: layers.dense({units: 1, activation: 'sigmoid'}).apply(e)});
  rnn.compile({optimizer: 'adam', loss: 'binaryCrossentropy'});
  const ids = tf.tensor2d(
    Array.from({length: 48}, (_, i) => (i % 6 < 4 ? 1 + (i % 11) : 0)),
    [8, 6],
  );
  const labels = tf.tensor2d(
    Array.from({length: 8}, (_, i) => i % 2),
    [8, 1],
  );
  await rnn.fit(ids, labels, {epochs: 2, batchSize: 2, verbose: 0, callbacks: countEachBatch});
  assert.ok(
    counts.slice(1).every(n => n === counts[1]),
    `RNN tensors per step: ${counts}`,
  );
  tf.dispose([xs, ys, ids, labels]);
  cnn.dispose();
  rnn.dispose();
});

test.run();
