// The seed's MNIST MLP with our Keras API (tfjs-backend-as/keras), apart from its tfjs-layers
// twin (seed_mlp.ts), so that benchmarks of our model alone (bench predict) need no tfjs-layers:
//
//   input [28,28] -> Reshape([784]) -> Dense 500 relu -> MyDense 100 -> Dense 10 softmax
//
// MyDense is the seed's custom layer: w and b trainable, a non-trainable, y = x·w + b.
import * as tf from '@tensorflow/tfjs-core';
import {input, K, Layer, layers, Model, type Shape, type SymbolicTensor} from '../keras/index.js';

/** The seed's `class MyDense(layers.Layer)` with our API (API.md). */
export class MyDense extends Layer {
  static override className = 'MyDense';
  w!: tf.Variable;
  b!: tf.Variable;
  a!: tf.Variable;
  constructor(
    readonly units = 32,
    config: {name?: string} = {},
  ) {
    super(config);
  }
  override build(inputShape: Shape | Shape[]) {
    const s = inputShape as Shape;
    this.w = K.variable(K.randomNormal([s[s.length - 1]!, this.units], 0, 0.05)); // trainable
    this.b = tf.variable(K.randomNormal([this.units], 0, 0.05), true); // trainable
    this.a = tf.variable(K.randomNormal([this.units], 0, 0.05), false); // non-trainable
  }
  override call(inputs: tf.Tensor | tf.Tensor[]) {
    return K.add(K.dot(inputs as tf.Tensor, this.w), this.b) as tf.Tensor;
  }
}

/** Ours, uncompiled; `hidden` is MyDense's output (for addLoss). */
export function buildOurs(): {model: Model; hidden: SymbolicTensor} {
  const x = input({shape: [28, 28], name: 'digits'});
  const flat = layers.reshape({targetShape: [784]}).apply(x);
  const d1 = layers.dense({units: 500, activation: 'relu'}).apply(flat);
  const hidden = new MyDense(100).apply(d1) as SymbolicTensor;
  const out = layers.dense({units: 10, activation: 'softmax'}).apply(hidden);
  return {model: new Model({inputs: x, outputs: out, name: 'seed_mlp'}), hidden};
}
