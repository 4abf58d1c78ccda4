// The seed's MNIST MLP, twice: with our Keras API (tfjs-backend-as/keras) and the same model in
// tfjs-layers, so npm start and `bench train` (train.ts) compare like with like:
//
//   input [28,28] -> Reshape([784]) -> Dense 500 relu -> MyDense 100 -> Dense 10 softmax
//
// MyDense is the seed's custom layer: w and b trainable, a non-trainable, y = x·w + b.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {buildOurs, MyDense} from './seed_model.js';

export {buildOurs, MyDense};

export const BATCH_SIZE = 64;

/** The same custom layer in tfjs-layers (addWeight; `a` non-trainable). */
class TflMyDense extends tfl.layers.Layer {
  static className = 'MyDense';
  private w!: tfl.LayerVariable;
  private b!: tfl.LayerVariable;
  constructor(private readonly units: number) {
    super({});
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]) {
    const s = inputShape as tfl.Shape;
    const init = tfl.initializers.randomNormal({mean: 0, stddev: 0.05});
    this.w = this.addWeight('w', [s[s.length - 1]!, this.units], 'float32', init);
    this.b = this.addWeight('b', [this.units], 'float32', init);
    this.addWeight('a', [this.units], 'float32', init, undefined, false);
    this.built = true;
  }
  override computeOutputShape(s: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return [(s as tfl.Shape)[0]!, this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(tf.matMul(Array.isArray(inputs) ? inputs[0]! : inputs, this.w.read()), this.b.read()));
  }
}

/** The same model in tfjs-layers, compiled with rmsprop (Keras' defaults, as ours by name). */
export function buildTfl(): tfl.LayersModel {
  const x = tfl.input({shape: [28, 28]});
  const flat = tfl.layers.reshape({targetShape: [784]}).apply(x) as tfl.SymbolicTensor;
  const d1 = tfl.layers.dense({units: 500, activation: 'relu'}).apply(flat) as tfl.SymbolicTensor;
  const hidden = new TflMyDense(100).apply(d1) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({units: 10, activation: 'softmax'}).apply(hidden) as tfl.SymbolicTensor;
  const m = tfl.model({inputs: x, outputs: out});
  m.compile({optimizer: 'rmsprop', loss: 'categoricalCrossentropy'});
  return m;
}

/**
 * Milliseconds per training step of `fit` over `steps` batches of 64 (shuffle off, silent), the
 * whole fit call timed: what a user waits for, loop overhead included.
 */
export async function msPerStep(
  fit: (x: tf.Tensor, y: tf.Tensor, config: object) => Promise<unknown>,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
): Promise<number> {
  const t0 = performance.now();
  await fit(x, y, {batchSize: BATCH_SIZE, epochs: 1, shuffle: false, verbose: 0});
  return (performance.now() - t0) / steps;
}
