// The classic tfjs MNIST CNN in tfjs-layers, for the CNN test (test/unit/cnn_train.test.ts) and
// the CNN row of src/bench/train.ts:
//
//   input [28,28,1] -> conv 3x3x32 relu -> maxPool 2 -> conv 3x3x64 relu -> maxPool 2
//                   -> flatten -> dense 128 relu -> dense 10 softmax
//
// On 'as' its convolutions, their gradients and the pooling gradients run in AssemblyScript; on
// tfjs-backend-wasm it cannot train at all (no Conv2DBackpropFilter kernel).
import * as tfl from '@tensorflow/tfjs-layers';

export const CNN_BATCH_SIZE = 64;

/** Uncompiled; `seed` fixes the initial weights (glorot uniform kernels, zero biases). */
export function buildTflCnn(seed = 1): tfl.LayersModel {
  const init = (i: number) => tfl.initializers.glorotUniform({seed: seed * 10 + i});
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({
      inputShape: [28, 28, 1],
      filters: 32,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: init(1),
    }),
  );
  m.add(tfl.layers.maxPooling2d({poolSize: 2}));
  m.add(tfl.layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2)}));
  m.add(tfl.layers.maxPooling2d({poolSize: 2}));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({units: 128, activation: 'relu', kernelInitializer: init(3)}));
  m.add(tfl.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(4)}));
  return m;
}
