// The seed article's layer with two inputs: build gets a list of shapes, call a list of tensors,
// and K.concatenate joins the two products.
//   Keras:  class MyLayer(Layer):
//               def build(self, input_shape):  # [shape_1, shape_2]
//               def call(self, x):
//                   x1, x2 = x
//                   return K.concatenate([K.dot(x1, self.W1) + self.b1, K.dot(x2, self.W2) + self.b2])
// Run: npm run build && node --import tsx examples/multi_input_layer.ts
import * as tf from '@tensorflow/tfjs-core';
import 'tfjs-backend-as';
import {K, Layer, Model, input, layers, type Shape} from 'tfjs-backend-as/keras';
import {quickTrain} from './data/quick_train.js';

await tf.setBackend('as');

class MyLayer extends Layer {
  W1!: tf.Variable;
  b1!: tf.Variable;
  W2!: tf.Variable;
  b2!: tf.Variable;
  constructor(readonly outputDims: [number, number]) {
    super();
  }

  override build([shape1, shape2]: Shape[]) {
    this.W1 = this.addWeight('W1', [shape1[1]!, this.outputDims[0]], {initializer: 'glorotUniform'});
    this.b1 = this.addWeight('b1', [this.outputDims[0]], {initializer: 'zeros'});
    this.W2 = this.addWeight('W2', [shape2[1]!, this.outputDims[1]], {initializer: 'glorotUniform'});
    this.b2 = this.addWeight('b2', [this.outputDims[1]], {initializer: 'zeros'});
  }

  override call([x1, x2]: tf.Tensor[]) {
    return K.concatenate([K.add(K.dot(x1, this.W1), this.b1), K.add(K.dot(x2, this.W2), this.b2)]);
  }

  override computeOutputShape([shape1]: Shape[]): Shape {
    return [shape1[0], this.outputDims[0] + this.outputDims[1]];
  }
}

const x1 = input({shape: [784]}),
  x2 = input({shape: [784]});
const h1 = layers.dense({units: 500, activation: 'relu'}).apply(x1);
const h2 = layers.dense({units: 500, activation: 'relu'}).apply(x2);
const myLayer = new MyLayer([100, 80]);
const y = myLayer.apply([h1, h2]);
const out = layers.dense({units: 10, activation: 'softmax'}).apply(y);
const model = new Model({inputs: [x1, x2], outputs: out});
model.summary();

// The same two products and the concatenation in one kernel: K.denseConcat (denseConcat on 'as').
const [a, b] = [tf.randomNormal([64, 500]), tf.randomNormal([64, 500])];
const unfused = myLayer.apply([a, b]) as tf.Tensor;
const fused = K.denseConcat([a, b], [myLayer.W1, myLayer.W2], [myLayer.b1, myLayer.b2]);
const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(unfused, fused))).dataSync()[0]);
console.log(
  `K.denseConcat equals the layer's K.concatenate of K.dot products: max difference ${diff.toExponential(2)}`,
);
tf.dispose([a, b, unfused, fused]);

// The two inputs: each digit, and the same digit with its pixels inverted.
await quickTrain(model, {inputs: xs => [xs, tf.sub(1, xs)]});
