// Shared by the examples: train a compiled-on-the-spot model briefly on real MNIST digits and
// print its test accuracy, so each example shows that its construct trains, not only builds.
import * as tf from '@tensorflow/tfjs-core';
import type {Model} from 'tfjs-backend-as/keras';
import {loadMnist, toTensors} from '../../src/bench/mnist.js';

export interface QuickTrainOptions {
  trainSize?: number;
  epochs?: number;
  /** Maps the [n, 784] images to the model's input(s); default: the images as the one input. */
  inputs?: (xs: tf.Tensor2D) => tf.Tensor | tf.Tensor[];
}

/** Compiles with Adam + categorical crossentropy, fits, and prints and returns the test accuracy. */
export async function quickTrain(
  model: Model,
  {trainSize = 2000, epochs = 2, inputs = xs => xs}: QuickTrainOptions = {},
): Promise<number> {
  const {train, test} = loadMnist({trainSize, testSize: 1000, seed: 1});
  const tr = toTensors(train),
    te = toTensors(test);
  const [xTrain, xTest] = [inputs(tr.xs), inputs(te.xs)];
  model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const history = await model.fit(xTrain, tr.ys, {batchSize: 64, epochs, seed: 1, verbose: 0});
  const evaluated = model.evaluate(xTest, te.ys) as tf.Scalar[];
  const accuracy = evaluated[1].dataSync()[0];
  const losses = history.history.loss as number[];
  console.log(
    `trained ${epochs} epochs on ${trainSize} digits: loss ${losses.map(l => l.toFixed(4)).join(' -> ')}, test accuracy ${accuracy.toFixed(4)}`,
  );
  tf.dispose([tr, te, xTrain, xTest, evaluated]);
  return accuracy;
}
