// Layer semantics (API.md "Custom layers"): build once, call kwargs, variable tracking from fields,
// trainable lists and freezing, addWeight initializers, names, multi-input/-output, addLoss, and
// the failure contract (errors name layer and shapes; a failed first use leaves nothing behind).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import {K, Layer, input, layers, regularizers, type Shape, type Kwargs} from '../../src/keras/index.js';
import {MyDense} from './keras_fixtures.js';

await tf.setBackend('as');

const sizes = (vs: tf.Variable[]) => vs.map(v => v.shape.join('x'));

test('default names come from the class name in snake_case, numbered like Keras', () => {
  K.clearSession();
  assert.is(new MyDense().name, 'my_dense');
  assert.is(new MyDense().name, 'my_dense_1');
  assert.is(layers.dense({units: 1}).name, 'dense');
  assert.is(layers.dense({units: 1}).name, 'dense_1');
  class TFThing extends Layer {}
  assert.is(new TFThing().name, 'tf_thing');
  assert.is(new MyDense().name, 'my_dense_2');
  assert.is(layers.dense({units: 1, name: 'mine'}).name, 'mine');
  assert.is(input({shape: [2]}).name, 'input_1');
  assert.is(input({shape: [2]}).name, 'input_2');
});

test('build runs once, on first use, with the input shape; call gets kwargs', () => {
  const seen: {shapes: unknown[]; training: unknown[]} = {shapes: [], training: []};
  class Probe extends Layer {
    override build(shape: Shape) {
      seen.shapes.push(shape);
    }
    override call(x: tf.Tensor, kwargs: Kwargs) {
      seen.training.push(kwargs.training);
      return tf.mul(x, 2);
    }
  }
  const l = new Probe();
  assert.is(l.built, false);
  const y = l.apply(tf.ones([3, 4]), {training: true});
  l.apply(tf.ones([5, 4])).dispose();
  assert.equal(seen.shapes, [[3, 4]]);
  assert.equal(seen.training, [true, undefined]);
  assert.ok(l.built);
  assert.equal(Array.from(y.dataSync()), new Array(12).fill(2));
  y.dispose();
});

test('variables in fields are tracked; variable.trainable decides the list; weights = trainable then non-trainable', () => {
  const l = new MyDense(3);
  l.apply(tf.ones([2, 5])).dispose();
  assert.equal(sizes(l.trainableWeights), ['5x3', '3']);
  assert.equal(sizes(l.nonTrainableWeights), ['3']);
  assert.equal(sizes(l.weights), ['5x3', '3', '3']);
  assert.is(l.weights[2], l.a);
  assert.is(l.countParams(), 21);
  l.dispose();
});

test('variables in arrays, plain objects, the constructor and sublayers are tracked', () => {
  class Holder extends Layer {
    fixed = tf.variable(tf.zeros([2]), false);
    list: tf.Variable[] = [];
    map: Record<string, {v: tf.Variable}> = {};
    inner = layers.dense({units: 4});
    override build() {
      this.list = [K.variable(tf.ones([1])), K.variable(tf.ones([2]))];
      this.map = {x: {v: K.variable(tf.ones([3]))}};
    }
    override call(x: tf.Tensor) {
      return this.inner.apply(x) as tf.Tensor;
    }
  }
  const h = new Holder();
  h.apply(tf.ones([1, 6])).dispose();
  assert.equal(sizes(h.trainableWeights), ['1', '2', '3', '6x4', '4']);
  assert.equal(sizes(h.nonTrainableWeights), ['2']);
  assert.is(h.countParams(), 1 + 2 + 3 + 28 + 2);
  h.trainable = false;
  assert.equal(h.trainableWeights, []);
  assert.is(h.inner.trainable, false, 'freezing reaches sublayers');
  assert.is(h.nonTrainableWeights.length, 6);
  h.trainable = true;
  assert.is(h.trainableWeights.length, 5);
  h.dispose();
});

test('freezing: layer.trainable = false moves every weight to nonTrainableWeights', () => {
  const d = layers.dense({units: 2});
  d.apply(tf.ones([1, 3])).dispose();
  d.trainable = false;
  assert.equal(d.trainableWeights, []);
  assert.equal(sizes(d.nonTrainableWeights), ['3x2', '2']);
  assert.is(d.countParams(), 8);
  assert.is(d.getConfig().trainable, false);
  d.dispose();
});

test('constructor config (name, trainable, dtype), layers.Layer, getWeights/setWeights', () => {
  assert.is(layers.Layer, Layer);
  const d = layers.dense({units: 2, trainable: false, name: 'frozen'});
  d.apply(tf.ones([1, 3])).dispose();
  assert.equal(d.trainableWeights, []);
  assert.is(d.nonTrainableWeights.length, 2);
  class Ints extends Layer {
    override build() {
      this.addWeight('k', [2], {initializer: 'ones'});
    }
  }
  const i = new Ints({dtype: 'int32'});
  tf.dispose(i.apply(tf.ones([1, 1])));
  assert.is(i.weights[0].dtype, 'int32');
  const values = d.getWeights();
  d.setWeights([tf.fill([3, 2], 2), tf.fill([2], 1)]);
  assert.equal(Array.from(d.apply(tf.ones([1, 3])).dataSync()), [7, 7]);
  assert.throws(
    () => d.setWeights([tf.ones([2, 2]), tf.ones([2])]),
    /Layer 'frozen' \(Dense\): setWeights: weights\[0\] \(frozen\/kernel\) has shape \[2,2\], expected \[3,2\]/,
  );
  assert.throws(() => d.setWeights([tf.ones([3, 2])]), /setWeights: expected 2 tensors, got 1/);
  const before = tf.memory().numTensors;
  d.setWeights(values);
  assert.is(tf.memory().numTensors, before, 'setWeights leaves no tensor behind');
  tf.dispose([values, d.weights, i.weights]);
});

test('addWeight: initializer names, objects and functions; trainable flag; dtype', () => {
  class W extends Layer {
    override build() {
      this.addWeight('z', [2, 2], {initializer: 'zeros'});
      this.addWeight('o', [3], {initializer: 'ones', trainable: false});
      this.addWeight('f', [2], {initializer: shape => tf.fill(shape, 7)});
      this.addWeight('obj', [2], {initializer: {apply: (shape: number[]) => tf.fill(shape, 5)}});
      this.addWeight('i', [2], {initializer: 'ones', dtype: 'int32'});
      for (const name of [
        'glorotUniform',
        'glorotNormal',
        'heNormal',
        'heUniform',
        'randomNormal',
        'randomUniform',
        'truncatedNormal',
        'glorot_uniform',
      ] as const) {
        this.addWeight(name, [40, 30], {initializer: name});
      }
    }
  }
  const l = new W();
  tf.dispose(l.apply(tf.ones([1, 1])));
  const byName = Object.fromEntries(l.weights.map(w => [w.name.split('/')[1], w]));
  assert.equal(Array.from(byName.z.dataSync()), [0, 0, 0, 0]);
  assert.equal(Array.from(byName.o.dataSync()), [1, 1, 1]);
  assert.is(byName.o.trainable, false);
  assert.equal(Array.from(byName.f.dataSync()), [7, 7]);
  assert.equal(Array.from(byName.obj.dataSync()), [5, 5]);
  assert.is(byName.i.dtype, 'int32');
  assert.ok(byName.z.name.startsWith(`${l.name}/z`), byName.z.name);
  // glorotUniform on [40,30]: limit sqrt(6/70) ~ 0.293; heNormal stddev sqrt(2/40) ~ 0.22.
  const gu = byName.glorotUniform.dataSync();
  assert.ok(Math.max(...gu) <= Math.sqrt(6 / 70) && Math.min(...gu) >= -Math.sqrt(6 / 70));
  assert.ok(Math.max(...gu) > 0.2, 'spread over the range');
  const std = (t: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]));
  assert.ok(Math.abs(std(byName.heNormal) - Math.sqrt(2 / 40)) < 0.03, `heNormal std ${std(byName.heNormal)}`);
  assert.ok(Math.abs(std(byName.randomNormal) - 0.05) < 0.01);
  assert.ok(Math.max(...byName.randomUniform.dataSync()) <= 0.05);
  l.dispose();
  // @ts-expect-error -- an unknown initializer name is a type error too
  assert.throws(() => new W().addWeight('x', [1], {initializer: 'nope'}), /addWeight 'x'.*unknown initializer 'nope'/);
});

test('addWeight regularizer joins the layer losses', () => {
  class R extends Layer {
    w!: tf.Variable;
    override build() {
      this.w = this.addWeight('w', [2], {initializer: 'ones', regularizer: regularizers.l2(0.5)});
    }
  }
  const l = new R();
  tf.dispose(l.apply(tf.ones([1, 1])));
  const losses = l.losses;
  assert.is(losses.length, 1);
  assert.ok(Math.abs(losses[0].dataSync()[0] - 1) < 1e-6);
  tf.dispose(losses);
  l.dispose();
});

test('multi-input layers get a list of shapes and a list of tensors; multi-output returns lists', () => {
  class Two extends Layer {
    shapes: Shape[] = [];
    override build(s: Shape[]) {
      this.shapes = s;
    }
    override call([a, b]: tf.Tensor[]) {
      return [tf.add(a, b), tf.sub(a, b)];
    }
  }
  const t = new Two();
  const out = t.apply([tf.ones([2, 3]), tf.ones([2, 3])]) as tf.Tensor[];
  assert.equal(t.shapes, [
    [2, 3],
    [2, 3],
  ]);
  assert.is(out.length, 2);
  assert.equal(Array.from(out[1].dataSync()), [0, 0, 0, 0, 0, 0]);
  tf.dispose(out);
  const [s1, s2] = [input({shape: [3]}), input({shape: [3]})];
  const sym = t.apply([s1, s2]);
  assert.ok(Array.isArray(sym) && sym.length === 2);
  assert.equal(
    (sym as {shape: Shape}[]).map(s => s.shape),
    [
      [null, 3],
      [null, 3],
    ],
  );
});

test('getConfig has name, trainable, dtype and the layer options', () => {
  const d = layers.dense({units: 3, activation: 'relu', name: 'd1'});
  assert.equal(d.getConfig(), {
    name: 'd1',
    trainable: true,
    dtype: 'float32',
    units: 3,
    activation: 'relu',
    useBias: true,
    kernelInitializer: {className: 'GlorotUniform', config: {seed: null}},
    biasInitializer: {className: 'Zeros', config: {}},
    kernelRegularizer: null,
    biasRegularizer: null,
    kernelConstraint: null,
    biasConstraint: null,
    quantizationConfig: null,
  });
  assert.equal(new MyDense().getConfig().trainable, true);
  assert.equal(layers.dropout({rate: 0.3}).getConfig().rate, 0.3);
});

test('addLoss inside call collects a loss per forward pass; outside call a Tensor is a constant term', () => {
  class Act extends Layer {
    override call(x: tf.Tensor) {
      this.addLoss(tf.sum(x));
      return tf.relu(x);
    }
  }
  const l = new Act();
  l.apply(tf.tensor2d([[1, 2]])).dispose();
  assert.equal(
    l.losses.map(t => t.dataSync()[0]),
    [3],
  );
  l.apply(tf.tensor2d([[5, 5]])).dispose();
  assert.equal(
    l.losses.map(t => t.dataSync()[0]),
    [10],
    'only the last call',
  );
  const c = tf.scalar(1);
  l.addLoss(c);
  c.dispose();
  l.addLoss(() => tf.scalar(4));
  assert.equal(
    l.losses.map(t => t.dataSync()[0]),
    [10, 1, 4],
  );
});

test('a layer applied to the wrong shape throws naming the layer, the expected and the actual shape', () => {
  const d = layers.dense({units: 10, name: 'dense_784'});
  d.apply(input({shape: [784]}));
  assert.throws(
    () => d.apply(input({shape: [783]})),
    /Layer 'dense_784' \(Dense\): expected shape \[null,784\], got \[null,783\]/,
  );
  assert.throws(
    () => d.apply(tf.zeros([2, 783])),
    /Layer 'dense_784' \(Dense\): expected shape \[null,784\], got \[2,783\]/,
  );
  // A custom layer without an input spec: the error comes from the op, wrapped with layer and shapes.
  const m = new MyDense(4);
  m.apply(input({shape: [6]}));
  assert.throws(
    () => m.apply(input({shape: [5]})),
    /Layer 'my_dense(_\d+)?' \(MyDense\) on input shape \[null,5\] \(built for input shape \[null,6\]\): K\.dot: .*/,
  );
  tf.dispose([d.weights, m.weights]);
});

test('a build that throws leaves the layer unbuilt, with no variable or tensor left', () => {
  class BadBuild extends Layer {
    w: tf.Variable | null = null;
    override build() {
      this.w = this.addWeight('w', [3, 3]);
      tf.variable(tf.ones([4])); // not even kept in a field
      tf.ones([100]); // a stray tensor
      throw new Error('no good');
    }
  }
  const before = tf.memory().numTensors;
  const varsBefore = Object.keys(tf.engine().registeredVariables).length;
  const l = new BadBuild();
  assert.throws(
    () => l.apply(tf.ones([1, 3])),
    /Layer 'bad_build(_\d+)?' \(BadBuild\): build\(\[1,3\]\) failed: no good/,
  );
  assert.is(l.built, false);
  assert.is(l.w, null);
  assert.equal(l.weights, []);
  assert.is(Object.keys(tf.engine().registeredVariables).length, varsBefore);
  assert.is(tf.memory().numTensors, before + 1, 'only the input tensor remains');
});

test('a first call that throws leaves the layer unbuilt too (eager and symbolic)', () => {
  class BadCall extends Layer {
    w!: tf.Variable;
    override build(s: Shape) {
      this.w = K.variable(tf.ones([s[1]!, 2]));
    }
    override call(x: tf.Tensor): tf.Tensor {
      tf.mul(x, 3);
      throw new Error('call failed');
    }
  }
  const x = tf.ones([2, 3]);
  const before = tf.memory().numTensors;
  const l = new BadCall();
  assert.throws(() => l.apply(x), /Layer 'bad_call(_\d+)?' \(BadCall\) on input shape \[2,3\]: call failed/);
  assert.is(l.built, false);
  assert.equal(l.weights, []);
  assert.is(tf.memory().numTensors, before);
  assert.throws(() => l.apply(input({shape: [3]})), /call failed/);
  assert.is(l.built, false);
  assert.is(tf.memory().numTensors, before);
  x.dispose();
});

test('a failed first use also rolls back the sublayers it built', () => {
  class Outer extends Layer {
    inner = layers.dense({units: 3, kernelRegularizer: 'l2'});
    override call(x: tf.Tensor): tf.Tensor {
      this.inner.apply(x);
      throw new Error('outer failed');
    }
  }
  const varsBefore = Object.keys(tf.engine().registeredVariables).length;
  const o = new Outer();
  const x = tf.ones([2, 4]);
  assert.throws(() => o.apply(x), /outer failed/);
  assert.is(o.inner.built, false);
  assert.equal(o.inner.weights, []);
  assert.equal(o.inner.callableLosses(), []);
  assert.is(Object.keys(tf.engine().registeredVariables).length, varsBefore);
  assert.throws(() => o.apply(input({shape: [4]})), /outer failed/);
  assert.is(o.inner.built, false);
  assert.is(o.inner.inboundNodes.length, 0);
  x.dispose();
});

test('eager apply leaks nothing but its output; inputs mixing symbolic and concrete are refused', () => {
  const d = layers.dense({units: 5, activation: 'softmax'});
  const x = tf.ones([4, 3]);
  d.apply(x).dispose();
  const before = tf.memory().numTensors;
  const y = d.apply(x);
  assert.is(tf.memory().numTensors, before + 1);
  y.dispose();
  assert.throws(
    () => layers.concatenate().apply([input({shape: [3]}), x] as never),
    /mix SymbolicTensors and concrete Tensors/,
  );
  x.dispose();
});

test.run();
