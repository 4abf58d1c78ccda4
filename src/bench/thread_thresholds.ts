// The measurement behind PARALLEL_MIN_FLOPS (src/kernels/utils/gemm.ts), CONV_PARALLEL_MIN_FLOPS
// and DEPTHWISE_PARALLEL_MIN_FLOPS (src/kernels/utils/conv.ts) and PHILOX_PARALLEL_MIN_WORK
// (src/kernels/utils/parallel.ts): small products and convolutions (every direction) and Philox
// passes and optimizer updates (PARALLEL_MIN_ELEMENTS, src/kernels/utils/optimizer_update.ts) on
// one thread against two, alternating in one process, with the size
// thresholds turned off so that the two-thread rows do split. Not part of the CLI: a tool for
// whoever retunes the thresholds (run it on a quiet machine; it prints the load average).
//
//   npx tsx src/bench/thread_thresholds.ts gemm
//   npx tsx src/bench/thread_thresholds.ts conv
//   npx tsx src/bench/thread_thresholds.ts depthwise
//   npx tsx src/bench/thread_thresholds.ts philox
//   npx tsx src/bench/thread_thresholds.ts optimizer
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {dropout, randomBinomial, setKernelVariant} from '../index.js';
import {setIgnoreThreadThresholds} from '../backend/state.js';
import {RMSPROP_UPDATE} from '../kernel_names.js';
import {alternate, type Contender} from './alternate.js';

const which = process.argv[2] ?? 'conv';
if (!['gemm', 'conv', 'depthwise', 'philox', 'optimizer'].includes(which))
  throw new Error(`thread_thresholds: expected 'gemm', 'conv', 'depthwise', 'philox' or 'optimizer', got '${which}'`);
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

if (which === 'gemm') {
  // [m,k]·[k,n] with either operand transposed as in a dense layer's gradients: the seed MLP's
  // second layer (forward, input gradient, weight gradient) and products around the threshold.
  const cases: Array<[number, number, number, boolean, boolean]> = [
    [64, 500, 100, false, false],
    [64, 100, 500, false, true],
    [500, 64, 100, true, false],
    [32, 784, 128, false, false],
    [64, 784, 128, false, false],
    [128, 256, 128, false, false],
    [64, 256, 500, false, false],
  ];
  for (const [m, k, n, transA, transB] of cases) {
    const mflop = (2 * m * n * k) / 1e6;
    const setup = () => [
      tf.randomUniform(transA ? [k, m] : [m, k], -1, 1),
      tf.randomUniform(transB ? [n, k] : [k, n], -1, 1),
    ];
    const name = `[${m},${k}]${transA ? 'ᵀ' : ''}·[${k},${n}]${transB ? 'ᵀ' : ''} (${mflop.toFixed(1)} MFLOP)`;
    await compare(name, setup, t => tf.matMul(t[0]!, t[1]!, transA, transB));
  }
} else if (which === 'conv') {
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
} else if (which === 'optimizer') {
  // The fused RMSprop update (tfjs' defaults) over weights of n elements: the seed MLP's
  // [500,100] and [784,500] kernels and larger ones.
  for (const n of [50_000, 392_000, 1 << 20, 1 << 21, 1 << 22]) {
    const setup = () => [0, 1, 2, 3].map(() => tf.randomUniform([n], 0, 1));
    await compare(`RMSprop update, ${n} elements`, setup, t => {
      const [value, gradient, meanSquare, moment] = t;
      const outs = tf.engine().runKernel(
        RMSPROP_UPDATE,
        {value, gradient, meanSquare, moment} as never,
        {
          learningRate: 0.001,
          decay: 0.9,
          momentum: 0,
          epsilon: 1e-7,
        } as never,
      ) as tf.Tensor[];
      tf.dispose(outs.slice(1));
      return outs[0]!;
    });
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
