// Embedding with a mask -> LSTM -> Dense on a synthetic task: sequences of tokens 1..9 padded
// with 0 to length 12; the label is whether token 7 occurs. The padding is masked
// (Embedding({maskZero: true})), so the LSTM's answer does not depend on how much padding follows.
// Run: npm run build && node --import tsx examples/text_lstm.ts
import * as tf from '@tensorflow/tfjs-core';
import 'tfjs-backend-as';
import {Model, input, layers} from 'tfjs-backend-as/keras';

await tf.setBackend('as');

const LENGTH = 12;
/** Deterministic pseudo-random sequences (an LCG), half of them containing a 7. */
function dataset(n: number, seed: number): {x: tf.Tensor2D; y: tf.Tensor2D} {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const ids: number[] = [],
    labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(next() * (LENGTH - 3));
    const positive = i % 2 === 0;
    const row = Array.from({length: len}, () => {
      const t = 1 + Math.floor(next() * 8);
      return t >= 7 ? t + 1 : t; // 1..6, 8, 9: no 7 yet
    });
    if (positive) row[Math.floor(next() * len)] = 7;
    ids.push(...row, ...Array.from({length: LENGTH - len}, () => 0));
    labels.push(positive ? 1 : 0);
  }
  return {x: tf.tensor2d(ids, [n, LENGTH]), y: tf.tensor2d(labels, [n, 1])};
}

const tokens = input({shape: [LENGTH]});
let h = layers.embedding({inputDim: 10, outputDim: 8, maskZero: true}).apply(tokens);
h = layers.lstm({units: 16}).apply(h);
const model = new Model({inputs: tokens, outputs: layers.dense({units: 1, activation: 'sigmoid'}).apply(h)});
model.summary();

const train = dataset(600, 1),
  test = dataset(200, 2);
model.compile({optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy']});
const history = await model.fit(train.x, train.y, {epochs: 12, batchSize: 32, seed: 1, verbose: 0});
const [, accuracy] = model.evaluate(test.x, test.y) as tf.Scalar[];
const losses = history.history.loss as number[];
console.log(`loss ${losses[0]!.toFixed(4)} -> ${losses[losses.length - 1]!.toFixed(4)}`);
console.log(`test accuracy ${accuracy!.dataSync()[0]!.toFixed(4)}`);
