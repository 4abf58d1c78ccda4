// Real tfjs-layers models on 'as', trained for two epochs from the same initial weights as on
// 'cpu' (the reference backend), comparing the loss histories: an Embedding model (its weight
// gradient is UnsortedSegmentSum), LSTM and GRU over [20,16] sequences, BatchNormalization inside
// an MLP, a custom layer that calls tf.einsum, and a small CNN (conv, pooling and their
// gradients). Small data, so the suite stays fast.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import '../../src/index.js';

/** A layer whose call is tf.einsum: a bilinear form x W over the last axis, per time step. */
class EinsumDense extends tfl.layers.Layer {
  static className = 'EinsumDense';
  private kernel!: tfl.LayerVariable;
  constructor(private readonly units: number) {
    super({});
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    this.kernel = this.addWeight(
      'kernel',
      [shape[shape.length - 1]!, this.units],
      'float32',
      tfl.initializers.glorotUniform({seed: 3}),
    );
    this.built = true;
  }
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    return [...shape.slice(0, -1), this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.einsum('btd,du->btu', x, this.kernel.read());
  }
}
tf.serialization.registerClass(EinsumDense);

interface Case {
  name: string;
  build: () => tfl.LayersModel;
  data: () => {x: tf.Tensor; y: tf.Tensor};
  loss: string;
  /** Loss histories on 'as' and 'cpu' agree within this (relative). */
  tolerance: number;
}

const N = 64;

const CASES: Case[] = [
  {
    name: 'Embedding(1000, 32) -> GlobalAveragePooling1D -> Dense',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.embedding({inputDim: 1000, outputDim: 32, inputLength: 20}),
          tfl.layers.globalAveragePooling1d(),
          tfl.layers.dense({units: 4, activation: 'softmax'}),
        ],
      }),
    data: () => {
      const x = tf.floor(tf.randomUniform([N, 20], 0, 1000, 'float32', 1));
      const y = tf.oneHot(tf.cast(tf.floor(tf.div(tf.mean(x, 1), 250)), 'int32'), 4);
      return {x, y: tf.cast(y, 'float32')};
    },
    loss: 'categoricalCrossentropy',
    tolerance: 1e-4,
  },
  ...(['lstm', 'gru'] as const).map(
    (kind): Case => ({
      name: `${kind.toUpperCase()}(32) over [20,16] sequences -> Dense`,
      build: () =>
        tfl.sequential({
          layers: [
            // glorotUniform: the default orthogonal initializer calls chained tensor methods, which
            // tfjs-core's Node bundle registers only with its chained_ops module.
            tfl.layers[kind]({units: 32, inputShape: [20, 16], recurrentInitializer: 'glorotUniform'}),
            tfl.layers.dense({units: 1}),
          ],
        }),
      data: () => {
        const x = tf.randomNormal([N, 20, 16], 0, 1, 'float32', 2);
        return {x, y: tf.sum(tf.mean(x, 1), 1, true)};
      },
      loss: 'meanSquaredError',
      tolerance: 1e-3,
    }),
  ),
  {
    name: 'MLP with BatchNormalization',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.dense({units: 32, inputShape: [10], activation: 'relu'}),
          tfl.layers.batchNormalization(),
          tfl.layers.dense({units: 16, activation: 'relu'}),
          tfl.layers.batchNormalization(),
          tfl.layers.dense({units: 3, activation: 'softmax'}),
        ],
      }),
    data: () => {
      const x = tf.randomNormal([N, 10], 0, 1, 'float32', 4);
      const y = tf.oneHot(tf.argMax(tf.matMul(x, tf.randomNormal([10, 3], 0, 1, 'float32', 5)), 1), 3);
      return {x, y: tf.cast(y, 'float32')};
    },
    loss: 'categoricalCrossentropy',
    tolerance: 1e-4,
  },
  {
    name: 'a custom layer calling tf.einsum, then Flatten -> Dense',
    build: () => {
      const inp = tfl.input({shape: [5, 8]});
      const h = new EinsumDense(6).apply(inp) as tfl.SymbolicTensor;
      const out = tfl.layers.dense({units: 1}).apply(tfl.layers.flatten().apply(h)) as tfl.SymbolicTensor;
      return tfl.model({inputs: inp, outputs: out});
    },
    data: () => {
      const x = tf.randomNormal([N, 5, 8], 0, 1, 'float32', 6);
      return {x, y: tf.reshape(tf.sum(x, [1, 2]), [N, 1])};
    },
    loss: 'meanSquaredError',
    tolerance: 1e-4,
  },
];

CASES.push({
  name: 'CNN: conv 3x3x8 relu -> maxPool 2 -> conv 3x3x16 relu -> maxPool 2 -> flatten -> dense softmax',
  build: () =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({inputShape: [14, 14, 1], filters: 8, kernelSize: 3, activation: 'relu'}),
        tfl.layers.maxPooling2d({poolSize: 2}),
        tfl.layers.conv2d({filters: 16, kernelSize: 3, activation: 'relu'}),
        tfl.layers.maxPooling2d({poolSize: 2}),
        tfl.layers.flatten(),
        tfl.layers.dense({units: 3, activation: 'softmax'}),
      ],
    }),
  data: () => {
    const x = tf.randomUniform([N, 14, 14, 1], 0, 1, 'float32', 7);
    // The class is where the image is brightest: left, middle or right third.
    const thirds = tf.stack(
      [0, 1, 2].map(i => tf.sum(tf.slice(x, [0, 0, i * 4, 0], [N, 14, 6, 1]), [1, 2, 3])),
      1,
    );
    return {x, y: tf.cast(tf.oneHot(tf.argMax(thirds, 1), 3), 'float32')};
  },
  loss: 'categoricalCrossentropy',
  tolerance: 1e-4,
});

async function train(backend: string, c: Case, weights: Float32Array[] | null) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const model = c.build();
  if (weights) {
    const ts = model.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape));
    model.setWeights(ts);
    tf.dispose(ts);
  }
  const initial = model.getWeights().map(w => w.dataSync() as Float32Array);
  const {x, y} = c.data();
  model.compile({optimizer: 'adam', loss: c.loss});
  const history = await model.fit(x, y, {epochs: 2, batchSize: 16, shuffle: false, verbose: 0});
  tf.dispose([x, y]);
  model.dispose();
  return {initial, loss: history.history.loss as number[], leaked: tf.memory().numTensors - before};
}

for (const c of CASES) {
  test(`${c.name}: two epochs on 'as' give cpu's losses`, async () => {
    const onCpu = await train('cpu', c, null);
    const onAs = await train('as', c, onCpu.initial);
    assert.is(onAs.loss.length, 2);
    onAs.loss.forEach((l, i) => {
      const want = onCpu.loss[i]!;
      assert.ok(Number.isFinite(l), `epoch ${i}: loss ${l}`);
      assert.ok(Math.abs(l - want) <= c.tolerance * Math.max(1, Math.abs(want)), `epoch ${i}: as ${l}, cpu ${want}`);
    });
    assert.ok(onAs.loss[1]! < onAs.loss[0]!, `it trains: ${onAs.loss}`);
    // tfjs-layers keeps a few tensors per model (its optimizer's slots): no more on 'as' than on cpu.
    assert.ok(onAs.leaked <= onCpu.leaked, `'as' kept ${onAs.leaked} tensors, cpu ${onCpu.leaked}`);
  });
}

test.run();
