// The seed article's second form: the same dropout written outside any Lambda, with backend
// functions applied straight to the symbolic tensors; each K call becomes a graph node.
//   Keras:  mask = K.random_binomial(K.shape(x), 0.5)
//           x = x * mask * 2
// Run: npm run build && node --import tsx examples/outside_lambda.ts
import * as tf from '@tensorflow/tfjs-core';
import 'tfjs-backend-as';
import {K, Model, input, layers} from 'tfjs-backend-as/keras';
import {quickTrain} from './data/quick_train.js';

await tf.setBackend('as');

const xIn = input({shape: [784]});
let x = layers.dense({units: 500, activation: 'relu'}).apply(xIn);
const shape = K.shape(x);
console.log(`K.shape(x) of ${JSON.stringify(K.intShape(x))} is a static ${JSON.stringify(shape.shape)} tensor`);
const mask = K.randomBinomial(shape, 0.5);
console.log(`K.randomBinomial(K.shape(x), 0.5) has shape ${JSON.stringify(mask.shape)}`);
x = K.mul(K.mul(x, mask), 2);
x = layers.dense({units: 10, activation: 'softmax'}).apply(x);
const model = new Model({inputs: xIn, outputs: x});
model.summary();

await quickTrain(model);
