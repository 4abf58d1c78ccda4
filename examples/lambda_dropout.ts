// The seed article's Lambda layer: a dropout written with backend functions, wrapped in Lambda.
//   Keras:  def my_dropout(x):
//               mask = K.random_binomial(K.shape(x), 0.5)
//               return x * mask * 2
//           x = Lambda(my_dropout)(x)
// Run: npm run build && node --import tsx examples/lambda_dropout.ts
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo} from 'tfjs-backend-as';
import {K, Model, input, layers} from 'tfjs-backend-as/keras';
import {quickTrain} from './data/quick_train.js';

await tf.setBackend('as');
console.log(`backend ${tf.getBackend()} (${backendInfo().variant})`);

function myDropout(x: tf.Tensor): tf.Tensor {
  const mask = K.randomBinomial(K.shape(x), 0.5); // our randomBinomial kernel on 'as'
  return K.mul(K.mul(x, mask), 2);
}

const xIn = input({shape: [784]});
let x = layers.dense({units: 500, activation: 'relu'}).apply(xIn);
x = layers.lambda(myDropout).apply(x);
x = layers.dense({units: 10, activation: 'softmax'}).apply(x);
const model = new Model({inputs: xIn, outputs: x});
model.summary();

// What the Lambda does to a tensor: about half the entries become 0, the rest are doubled. Like
// the article's version, it drops in prediction too (a Lambda has no notion of training).
const y = layers.lambda(myDropout).apply(tf.ones([100, 500]));
const values = y.dataSync();
const kept = values.filter(v => v === 2).length / values.length;
console.log(`lambda on ones: only 0 and 2: ${values.every(v => v === 0 || v === 2)}, kept ${(100 * kept).toFixed(1)}%`);
y.dispose();

await quickTrain(model);
