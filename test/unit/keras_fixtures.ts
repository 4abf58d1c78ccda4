// Shared by the keras_* tests: the seed article's custom layers and models.
import * as tf from '@tensorflow/tfjs-core';
import {K, Layer, Model, model, input, layers, type Shape} from '../../src/keras/index.js';

/** The seed's MyDense: trainable w and b, a non-trainable vector a. */
export class MyDense extends Layer {
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(readonly units = 32) {
    super();
  }
  override build(inputShape: Shape) {
    this.w = K.variable(K.randomNormal([inputShape[inputShape.length - 1]!, this.units]));
    this.b = tf.variable(K.randomNormal([this.units]), true);
    this.a = tf.variable(K.randomNormal([this.units]), false);
  }
  override call(inputs: tf.Tensor) {
    return K.add(K.dot(inputs, this.w), this.b);
  }
}

/** The seed's two-input layer: K.concatenate of two dense products. */
export class MyLayer extends Layer {
  W1!: tf.Variable;
  b1!: tf.Variable;
  W2!: tf.Variable;
  b2!: tf.Variable;
  constructor(readonly outputDims: [number, number]) {
    super();
  }
  override build([s1, s2]: Shape[]) {
    this.W1 = this.addWeight('W1', [s1[1]!, this.outputDims[0]]);
    this.b1 = this.addWeight('b1', [this.outputDims[0]], {initializer: 'zeros'});
    this.W2 = this.addWeight('W2', [s2[1]!, this.outputDims[1]]);
    this.b2 = this.addWeight('b2', [this.outputDims[1]], {initializer: 'zeros'});
  }
  override call([x1, x2]: tf.Tensor[]) {
    return K.concatenate([K.add(K.dot(x1, this.W1), this.b1), K.add(K.dot(x2, this.W2), this.b2)]);
  }
  override computeOutputShape([s1]: Shape[]): Shape {
    return [s1[0], this.outputDims[0] + this.outputDims[1]];
  }
}

/** Reshape([784]) -> Dense 500 relu -> MyDense 100 -> Dense 10 softmax: 443,710 params. */
export function seedMyDenseModel(): Model {
  const xIn = input({shape: [28, 28]});
  let x = layers.reshape({targetShape: [784]}).apply(xIn);
  x = layers.dense({units: 500, activation: 'relu'}).apply(x);
  x = new MyDense(100).apply(x);
  x = layers.dense({units: 10, activation: 'softmax'}).apply(x);
  return new Model({inputs: xIn, outputs: x});
}

/** Two 784 inputs -> Dense 500 each -> MyLayer([100, 80]) -> Dense 10: 876,990 params. */
export function seedMultiInputModel(): Model {
  const x1 = input({shape: [784]}),
    x2 = input({shape: [784]});
  const h1 = layers.dense({units: 500, activation: 'relu'}).apply(x1);
  const h2 = layers.dense({units: 500, activation: 'relu'}).apply(x2);
  const y = new MyLayer([100, 80]).apply([h1, h2]);
  const out = layers.dense({units: 10, activation: 'softmax'}).apply(y);
  return model({inputs: [x1, x2], outputs: out});
}
