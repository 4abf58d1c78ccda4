// A CNN on MNIST digits with a custom layer inside: LearnableScale multiplies each channel by a
// weight made with addWeight and kept near 1 by an L2 regularizer (its loss joins training's).
// Run: npm run build && node --import tsx examples/cnn_mnist.ts
import * as tf from '@tensorflow/tfjs-core';
import 'tfjs-backend-as';
import {Layer, Model, input, layers, regularizers, type Shape} from 'tfjs-backend-as/keras';
import {quickTrain} from './data/quick_train.js';

await tf.setBackend('as');

/** y = x * scale, one learnable scale per channel (initialized to 1, pulled toward 0 by L2). */
class LearnableScale extends Layer<tf.Tensor, tf.Tensor> {
  scale!: tf.Variable;
  override build(inputShape: Shape) {
    this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1]!], {
      initializer: 'ones',
      regularizer: regularizers.l2(1e-4),
    });
  }
  override call(x: tf.Tensor) {
    return tf.mul(x, this.scale);
  }
  override computeOutputShape(s: Shape | Shape[]) {
    return s as Shape;
  }
}

const image = input({shape: [28, 28, 1]});
let x = layers.conv2d({filters: 16, kernelSize: 3, activation: 'relu'}).apply(image);
x = layers.maxPooling2d({poolSize: 2}).apply(x);
x = new LearnableScale().apply(x);
x = layers.conv2d({filters: 32, kernelSize: 3, activation: 'relu'}).apply(x);
x = layers.batchNormalization().apply(x);
x = layers.maxPooling2d({poolSize: 2}).apply(x);
x = layers.flatten().apply(x);
x = layers.dropout({rate: 0.25}).apply(x);
const model = new Model({inputs: image, outputs: layers.dense({units: 10, activation: 'softmax'}).apply(x)});
model.summary();

const scale = model.getLayer('learnable_scale') as LearnableScale;
const before = scale.scale.dataSync().slice();
await quickTrain(model, {trainSize: 1500, epochs: 2, inputs: xs => tf.reshape(xs, [-1, 28, 28, 1])});
const moved = scale.scale.dataSync().some((v, i) => v !== before[i]);
console.log(`learnable_scale: ${scale.trainableWeights.length} trainable weight, changed by training ${moved}`);
