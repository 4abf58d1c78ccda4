// Model.predict's kernel traces (src/keras/kernel_trace.ts): from a signature's third predict on,
// the plan's kernels are replayed without the layers and the engine. A replay gives the layers'
// numbers bit for bit, reads the weights as they are now, leaks nothing, fuses the custom dense
// layer's matMul + bias add, and is not made (or not used) when it could be wrong: a layer that
// reads values, makes tensors from values (randomness), assigns a variable, a held tensor
// disposed, another backend, profiling.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {input, K, Layer, layers, Model, type Shape, type SymbolicTensor} from '../../src/keras/index.js';
import type {KernelTrace} from '../../src/keras/kernel_trace.js';

await tf.setBackend('as');

/** The seed's custom layer: y = x·w + b (K.dot and K.add: a BatchMatMul and an Add). */
class MyDense extends Layer {
  static override className = 'TraceTestDense';
  w!: tf.Variable;
  b!: tf.Variable;
  constructor(readonly units: number) {
    super({});
  }
  override build(inputShape: Shape | Shape[]) {
    const s = inputShape as Shape;
    this.w = K.variable(K.randomNormal([s[s.length - 1]!, this.units], 0, 0.5));
    this.b = K.variable(K.randomNormal([this.units], 0, 0.5));
  }
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return K.add(K.dot(inputs as tf.Tensor, this.w), this.b) as tf.Tensor;
  }
}

/** The seed's MLP shape, smaller: Reshape, Dense relu, MyDense, Dense softmax. */
function seedLike(): Model {
  const x = input({shape: [6, 6]});
  const flat = layers.reshape({targetShape: [36]}).apply(x);
  const d1 = layers.dense({units: 23, activation: 'relu'}).apply(flat);
  const h = new MyDense(17).apply(d1) as SymbolicTensor;
  const out = layers.dense({units: 10, activation: 'softmax'}).apply(h);
  return new Model({inputs: x, outputs: out});
}

/** The trace of the model's one plan: undefined (not tried yet), null (not replayable) or the trace. */
function traceOf(m: Model): KernelTrace | null | undefined {
  const plans = [...(m as unknown as {predictPlans: Map<string, {trace?: KernelTrace | null}>}).predictPlans.values()];
  assert.is(plans.length, 1, 'one plan');
  return plans[0]!.trace;
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
/** The layers' own numbers: Model.apply (no plan, no trace). */
const applied = (m: Model, x: tf.Tensor) => tf.tidy(() => bits(m.apply(x, {training: false}) as tf.Tensor));
const predicted = (m: Model, x: tf.Tensor) => {
  const y = m.predict(x) as tf.Tensor;
  const b = bits(y);
  y.dispose();
  return b;
};

test('the seed-like model replays five kernels (matMul + bias fused) with the layers numbers bit for bit', () => {
  const model = seedLike();
  for (const n of [1, 5]) {
    const x = tf.randomUniform([n, 6, 6], -1, 1, 'float32', n);
    const reference = applied(model, x);
    assert.equal(predicted(model, x), reference, `batch ${n}: uncached`);
    assert.equal(predicted(model, x), reference, `batch ${n}: traced run`);
    for (let i = 0; i < 3; i++) assert.equal(predicted(model, x), reference, `batch ${n}: replay ${i}`);
    x.dispose();
  }
  const plans = [
    ...(model as unknown as {predictPlans: Map<string, {trace?: KernelTrace | null}>}).predictPlans.values(),
  ];
  for (const plan of plans) {
    assert.ok(plan.trace, 'traced');
    assert.equal(
      plan.trace!.steps.map(s => s.kernelName),
      ['Reshape', '_FusedMatMul', '_FusedMatMul', '_FusedMatMul', 'Softmax'],
    );
  }
  model.dispose();
});

test('a replay reads the weights as they are now (assign, setWeights) and leaks no tensor or heap block', () => {
  const model = seedLike();
  const x = tf.randomUniform([2, 6, 6], -1, 1, 'float32', 7);
  for (let i = 0; i < 3; i++) predicted(model, x);
  assert.ok(traceOf(model), 'traced');
  const my = model.layers.find(l => l instanceof MyDense) as MyDense;
  tf.tidy(() => my.w.assign(tf.mul(my.w, -2)));
  assert.equal(predicted(model, x), applied(model, x), 'after assign');
  model.setWeights(model.getWeights().map(w => tf.tidy(() => tf.add(w, 0.25))));
  assert.equal(predicted(model, x), applied(model, x), 'after setWeights');
  const backend = tf.backend() as unknown as {numDataIds(): number};
  const before = {tensors: tf.memory().numTensors, ids: backend.numDataIds()};
  for (let i = 0; i < 20; i++) tf.dispose(model.predict(x));
  assert.is(tf.memory().numTensors, before.tensors, 'tensors');
  assert.is(backend.numDataIds(), before.ids, 'backend buffers');
  x.dispose();
  model.dispose();
});

/** A model whose middle layer runs `call` (after a Dense), so traces see what it does. */
function around(call: (x: tf.Tensor) => tf.Tensor): Model {
  class Custom extends Layer {
    static override className = 'TraceTestCustom';
    override call(inputs: tf.Tensor | tf.Tensor[]) {
      return call(inputs as tf.Tensor);
    }
  }
  const x = input({shape: [4]});
  const h = layers.dense({units: 4}).apply(x);
  return new Model({inputs: x, outputs: new Custom({}).apply(h) as SymbolicTensor});
}

test('no trace when a layer reads values or makes tensors from values; such layers still run every time', () => {
  const x = tf.tensor2d([[1, 2, 3, 4]]);
  // Reads a value and branches on it.
  const reads = around(h => (tf.sum(h).dataSync()[0]! > 1e9 ? tf.neg(h) : tf.relu(h)));
  for (let i = 0; i < 4; i++) assert.equal(predicted(reads, x), applied(reads, x));
  assert.is(traceOf(reads), null, 'dataSync: not replayable');
  // Random noise made from values: a replay would repeat the first call's noise.
  const noisy = around(h => tf.add(h, tf.randomUniform(h.shape)));
  const outs = new Set<string>();
  for (let i = 0; i < 4; i++) outs.add(predicted(noisy, x).join(','));
  assert.is(traceOf(noisy), null, 'randomUniform: not replayable');
  assert.is(outs.size, 4, 'fresh noise on every predict');
  // State updated in call (Variable.assign is no kernel): every predict must still update it.
  const calls = tf.variable(tf.scalar(0), false);
  const counting = around(h => {
    calls.assign(tf.add(calls, tf.onesLike(calls)));
    return tf.relu(h);
  });
  const built = calls.dataSync()[0]!; // building the graph may call it too
  for (let i = 0; i < 4; i++) predicted(counting, x);
  assert.is(traceOf(counting), null, 'assign: not replayable');
  assert.is(calls.dataSync()[0], built + 4, 'one update per predict');
  tf.dispose([x, calls]);
  reads.dispose();
  noisy.dispose();
  counting.dispose();
});

test('a held constant disposed, another backend, profiling: the replay steps aside', async () => {
  const scale = tf.tensor1d([1, 2, 3, 4]);
  const model = around(h => tf.mul(h, scale));
  const x = tf.tensor2d([[1, -2, 3, -4]]);
  for (let i = 0; i < 3; i++) predicted(model, x);
  assert.ok(traceOf(model), 'a constant made before the run is held');
  const reference = applied(model, x);
  // Profiling sees every kernel: no replay.
  const profile = await tf.profile(() => tf.dispose(model.predict(x)));
  assert.ok(
    profile.kernels.some(k => k.name === 'Multiply'),
    'profiled kernels include the layer op',
  );
  // On 'cpu' the plan runs (the trace belongs to 'as').
  await tf.setBackend('cpu');
  const cx = tf.tensor2d([[1, -2, 3, -4]]);
  const onCpu = predicted(model, cx);
  const float = (b: number[]) => new Float32Array(new Uint32Array(b).buffer);
  const [cpu, ours] = [float(onCpu), float(reference)];
  assert.ok(
    cpu.every((v, i) => Math.abs(v - ours[i]!) < 1e-5),
    'cpu agrees',
  );
  cx.dispose();
  await tf.setBackend('as');
  assert.equal(predicted(model, x), reference, 'back on as');
  // The held constant disposed: the replay does not run on freed memory; the plan runs the layer,
  // and its op fails on the disposed tensor as it does without a trace (tfjs' own error, named by the layer).
  scale.dispose();
  assert.throws(() => model.predict(x), /^Layer 'trace_test_custom_\d+' \(TraceTestCustom\) on input shape \[1,4\]/);
  x.dispose();
  model.dispose();
});

test.run();
