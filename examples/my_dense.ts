// The seed article's custom layer with trainable and non-trainable weights: every tf.Variable the
// layer keeps in its fields is tracked; variable.trainable decides which list it is in.
//   Keras:  class MyDense(Layer):
//               def build(self, input_shape):
//                   self.w = K.variable(K.random_normal((input_shape[-1], self.units)))
//                   self.b = K.variable(K.random_normal((self.units,)))     # trainable
//                   self.a = K.variable(K.random_normal((self.units,)))     # non-trainable
//               def call(self, inputs):
//                   return K.dot(inputs, self.w) + self.b
// Run: npm run build && node --import tsx examples/my_dense.ts
import * as tf from '@tensorflow/tfjs-core';
import 'tfjs-backend-as';
import {K, Layer, Model, input, layers, type Shape} from 'tfjs-backend-as/keras';
import {quickTrain} from './data/quick_train.js';

await tf.setBackend('as');

class MyDense extends Layer {
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(readonly units = 32) {
    super();
  }

  override build(inputShape: Shape) {
    this.w = K.variable(K.mul(K.randomNormal([inputShape[inputShape.length - 1]!, this.units]), 0.05));
    this.b = tf.variable(K.zeros([this.units]), true);
    this.a = tf.variable(K.randomNormal([this.units]), false);
  }

  override call(inputs: tf.Tensor) {
    return K.add(K.dot(inputs, this.w), this.b);
  }
}

const xIn = input({shape: [28, 28]});
let x = layers.reshape({targetShape: [784]}).apply(xIn);
x = layers.dense({units: 500, activation: 'relu'}).apply(x);
const myDense = new MyDense(100);
x = myDense.apply(x);
x = layers.dense({units: 10, activation: 'softmax'}).apply(x);
const model = new Model({inputs: xIn, outputs: x});
model.summary();
console.log(
  `my_dense: ${myDense.trainableWeights.length} trainable weights, ${myDense.nonTrainableWeights.length} non-trainable`,
);

const a0 = myDense.a.dataSync().slice(),
  w0 = myDense.w.dataSync().slice();
await quickTrain(model, {inputs: xs => tf.reshape(xs, [-1, 28, 28])});
const changed = (before: ArrayLike<number>, v: tf.Variable) => v.dataSync().some((e, i) => e !== before[i]);
console.log(`after training: w changed ${changed(w0, myDense.w)}, a changed ${changed(a0, myDense.a)}`);
