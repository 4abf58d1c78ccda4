// The measurement behind CONV_PARALLEL_MIN_FLOPS and DEPTHWISE_PARALLEL_MIN_FLOPS
// (src/kernels/utils/conv.ts) and PHILOX_PARALLEL_MIN_WORK (src/kernels/utils/parallel.ts): small convolutions (every direction)
// and Philox passes on one thread against two, alternating in one process, with the size
// thresholds turned off so that the two-thread rows do split. Not part of the CLI: a tool for
// whoever retunes the thresholds (run it on a quiet machine; it prints the load average).
//
//   npx tsx src/bench/thread_thresholds.ts conv
//   npx tsx src/bench/thread_thresholds.ts depthwise
//   npx tsx src/bench/thread_thresholds.ts philox
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {dropout, randomBinomial, setKernelVariant} from '../index.js';
import {setIgnoreThreadThresholds} from '../backend/state.js';
import {alternate, type Contender} from './alternate.js';

const which = process.argv[2] ?? 'conv';
if (which !== 'conv' && which !== 'depthwise' && which !== 'philox')
  throw new Error(`thread_thresholds: expected 'conv', 'depthwise' or 'philox', got '${which}'`);
await tf.setBackend('as');
await setKernelVariant('simd');
setIgnoreThreadThresholds(true);

function contender(
  name: string,
  threads: number,
  setup: () => tf.Tensor[],
  run: (t: tf.Tensor[]) => tf.Tensor,
): Contender {
  let t: tf.Tensor[] = [];
  return {
    name: `${name} × ${threads}`,
    backend: 'as',
    variant: 'simd',
    threads,
    setup: () => {
      t = setup();
    },
    run: () => run(t),
    teardown: () => tf.dispose(t),
  };
}

async function compare(what: string, setup: () => tf.Tensor[], run: (t: tf.Tensor[]) => tf.Tensor) {
  const [one, two] = await alternate([contender(what, 1, setup, run), contender(what, 2, setup, run)], {
    rounds: 11,
    batchMs: 30,
  });
  console.log(
    `${what}: 1 thread ${one!.us.toFixed(1)} µs, 2 threads ${two!.us.toFixed(1)} µs, ` +
      `${(one!.us / two!.us).toFixed(2)}x (load average ${os.loadavg()[0]!.toFixed(1)})`,
  );
}

if (which === 'conv') {
  const cases: Array<[number[], number[]]> = [
    [
      [2, 13, 13, 32],
      [3, 3, 32, 16],
    ],
    [
      [4, 13, 13, 32],
      [3, 3, 32, 16],
    ],
    [
      [8, 14, 14, 16],
      [3, 3, 16, 16],
    ],
    [
      [16, 28, 28, 1],
      [3, 3, 1, 32],
    ],
    [
      [8, 13, 13, 32],
      [3, 3, 32, 16],
    ],
    [
      [64, 28, 28, 1],
      [3, 3, 1, 32],
    ],
    [
      [16, 13, 13, 32],
      [3, 3, 32, 32],
    ],
  ];
  for (const [xs, fs] of cases) {
    const [n, h, w, c] = xs as [number, number, number, number];
    const [kh, kw, , oc] = fs as [number, number, number, number];
    const mflop = (2 * n * h * w * kh * kw * c * oc) / 1e6;
    const setup = () => [
      tf.randomUniform(xs, -1, 1),
      tf.randomUniform(fs, -1, 1),
      tf.randomUniform([n, h, w, oc], -1, 1),
    ];
    const name = `[${xs}] ⊛ ${kh}x${kw}x${oc} (${mflop.toFixed(1)} MFLOP)`;
    await compare(`${name} forward`, setup, t => tf.conv2d(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, 1, 'same'));
    await compare(`${name} input gradient`, setup, t =>
      tf.conv2dTranspose(t[2] as tf.Tensor4D, t[1] as tf.Tensor4D, [n, h, w, c], 1, 'same'),
    );
    await compare(
      `${name} filter gradient`,
      setup,
      t =>
        tf.engine().runKernel('Conv2DBackpropFilter', {x: t[0]!, dy: t[2]!}, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          dilations: 1,
          filterShape: fs,
        } as never) as tf.Tensor,
    );
  }
} else if (which === 'depthwise') {
  for (const [n, c] of [
    [1, 32],
    [2, 32],
    [4, 32],
    [8, 32],
    [16, 64],
  ] as const) {
    const hw = 28;
    const mflop = (2 * n * hw * hw * 9 * c) / 1e6;
    const setup = () => [
      tf.randomUniform([n, hw, hw, c], -1, 1),
      tf.randomUniform([3, 3, c, 1], -1, 1),
      tf.randomUniform([n, hw, hw, c], -1, 1),
    ];
    const attrs = {strides: 1, pad: 'same', dilations: 1, dataFormat: 'NHWC'};
    const name = `depthwise [${n},${hw},${hw},${c}] ⊛ 3x3 (${mflop.toFixed(2)} MFLOP)`;
    await compare(`${name} forward`, setup, t =>
      tf.depthwiseConv2d(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, 1, 'same'),
    );
    await compare(
      `${name} input gradient`,
      setup,
      t =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', {dy: t[2]!, filter: t[1]!}, {
          ...attrs,
          inputShape: [n, hw, hw, c],
        } as never) as tf.Tensor,
    );
    await compare(
      `${name} filter gradient`,
      setup,
      t =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', {x: t[0]!, dy: t[2]!}, {
          ...attrs,
          filterShape: [3, 3, c, 1],
        } as never) as tf.Tensor,
    );
  }
} else {
  for (const n of [32768, 65536, 131072, 262144, 524288, 1 << 20]) {
    const setup = () => [tf.randomUniform([n], -1, 1)];
    await compare(`dropout rate 0.5 (1-bit draws), ${n} elements`, setup, t => dropout(t[0]!, 0.5, {seed: 1}));
    await compare(`dropout rate 0.1 (16-bit draws), ${n} elements`, setup, t => dropout(t[0]!, 0.1, {seed: 1}));
    await compare(`randomBinomial p 0.5 (1-bit draws), ${n} elements`, setup, () =>
      randomBinomial([n], 0.5, {seed: 1}),
    );
  }
}
