// Convolutions, dropout and randomBinomial split across worker threads (src/kernels/utils/conv.ts,
// Dropout.ts, RandomBinomial.ts): bit-identical results for 1, 2 and 3 threads on random and edge
// shapes, every direction (forward, fused bias and activations, input gradient by columns and
// by the flipped filter, filter gradient split by rows and by columns; the depthwise kernels by
// channel ranges), NaN and Inf included;
// dropout masks and binomial tensors identical to one thread's and to the TypeScript generator;
// memory that grows before a threaded convolution. Each test checks that the parts did run on
// the pool (a spy on ThreadPool.run), so that it cannot pass by staying on one thread.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import '../../src/index.js';
import {dropout, randomBinomial, setThreads} from '../../src/index.js';
import {globalState, setConvInputGradPath} from '../../src/backend/state.js';
import type {ThreadPool} from '../../src/backend/threads.js';
import {CONV_PARALLEL_MIN_FLOPS, DEPTHWISE_PARALLEL_MIN_FLOPS} from '../../src/kernels/utils/conv.js';
import {philoxParallel} from '../../src/kernels/utils/parallel.js';
import {bernoulliThreshold} from '../../src/kernel_names.js';
import {dropoutMask} from '../../src/ops/dropout.js';
import {randomBinomialValues} from '../../src/ops/random_binomial.js';
import {seedToKey} from '../../src/ops/philox.js';

await tf.setBackend('as');

let seed = 977;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const values = (n: number) => Float32Array.from({length: n}, () => rand() * 2 - 1);
const bits = (t: tf.Tensor) => {
  const d = t.dataSync();
  return Array.from(d instanceof Uint8Array ? d : new Uint32Array(d.slice().buffer));
};

/** The parts each export was split into on the current pool, recorded by wrapping ThreadPool.run. */
const calls: Record<string, number[][][]> = {};
async function threads(n: number): Promise<void> {
  await setThreads(n);
  const pool = globalState().instances.get(tf.backend() as BackendWasm)!.pool;
  if (!pool) return;
  const run = pool.run.bind(pool) as ThreadPool['run'];
  pool.run = ((name, parts, ...rest) => {
    calls[name] ??= [];
    calls[name].push(parts.map(p => p.slice()));
    return run(name, parts, ...rest);
  }) as ThreadPool['run'];
}
const callCount = (name: string) => calls[name]?.length ?? 0;

type Check = readonly [what: string, fn: () => tf.Tensor];

/** The results of each check on 1, 2 and 3 threads, as bits: asserted equal (one pool per count). */
async function sameOnAllThreads(checks: readonly Check[]): Promise<void> {
  const results: number[][][] = [];
  for (const n of [1, 2, 3]) {
    await threads(n);
    results.push(
      checks.map(([what, fn]) => {
        const tensors = tf.memory().numTensors;
        const out = fn();
        const b = bits(out);
        out.dispose();
        assert.is(tf.memory().numTensors, tensors, `${what}: no tensor left behind`);
        return b;
      }),
    );
  }
  checks.forEach(([what], i) => {
    assert.equal(results[1]![i], results[0]![i], `2 threads vs 1: ${what}`);
    assert.equal(results[2]![i], results[0]![i], `3 threads vs 1: ${what}`);
  });
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
  kh: number;
  kw: number;
  stride: number;
  dilation: number;
  pad: 'same' | 'valid' | number;
}

/** [OH, OW] as tfjs computes them (its numeric pads follow its own rule for even windows). */
const outHW = (c: ConvCase): [number, number] => {
  const info = tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.c],
    [c.kh, c.kw, c.c, c.oc],
    c.stride,
    c.dilation,
    c.pad,
  );
  return [info.outHeight, info.outWidth];
};
const flops = (c: ConvCase) => {
  const [oh, ow] = outHW(c);
  return 2 * c.n * oh * ow * c.oc * c.kh * c.kw * c.c;
};

/** A random geometry (primes, 1s, non-multiples of 4), its batch raised until it is split. */
function randomConv(): ConvCase {
  for (;;) {
    const c: ConvCase = {
      n: pick([1, 1, 2, 3]),
      h: pick([1, 5, 7, 13, 28, 31]),
      w: pick([1, 6, 11, 17, 28]),
      c: pick([1, 3, 4, 7, 16, 33]),
      oc: pick([1, 2, 7, 8, 9, 33, 64]),
      kh: pick([1, 2, 3, 5]),
      kw: pick([1, 3, 4]),
      stride: pick([1, 1, 2, 3]),
      dilation: 1,
      pad: pick(['same', 'valid', 0, 1, 2] as const),
    };
    if (c.stride === 1 && rand() < 0.3) c.dilation = 2;
    const padded = (size: number) => size + 2 * (typeof c.pad === 'number' ? c.pad : c.pad === 'same' ? size : 0);
    if ((c.kh - 1) * c.dilation + 1 > padded(c.h) || (c.kw - 1) * c.dilation + 1 > padded(c.w)) continue;
    const [oh, ow] = outHW(c);
    if (oh < 1 || ow < 1) continue;
    while (flops(c) < CONV_PARALLEL_MIN_FLOPS && c.n < 64) c.n *= 2;
    while (flops(c) < CONV_PARALLEL_MIN_FLOPS) c.oc += 16;
    if (flops(c) > 40 * CONV_PARALLEL_MIN_FLOPS) continue; // keep the test quick
    return c;
  }
}

/** Values with a NaN and an Inf in them, sometimes. */
function withSpecials(v: Float32Array): Float32Array {
  if (v.length > 10 && rand() < 0.4) {
    v[Math.floor(rand() * v.length)] = Number.NaN;
    v[Math.floor(rand() * v.length)] = Number.POSITIVE_INFINITY;
  }
  return v;
}

function convTensors(c: ConvCase) {
  const [oh, ow] = outHW(c);
  return {
    x: tf.tensor4d(withSpecials(values(c.n * c.h * c.w * c.c)), [c.n, c.h, c.w, c.c]),
    filter: tf.tensor4d(values(c.kh * c.kw * c.c * c.oc), [c.kh, c.kw, c.c, c.oc]),
    dy: tf.tensor4d(withSpecials(values(c.n * oh * ow * c.oc)), [c.n, oh, ow, c.oc]),
    bias: tf.tensor1d(values(c.oc)),
  };
}

function checkAllDirections(c: ConvCase, t: ReturnType<typeof convTensors>, activation: string): Check[] {
  const attrs = {strides: c.stride, pad: c.pad, dilations: c.dilation, dataFormat: 'NHWC'} as const;
  const what = JSON.stringify(c);
  const run =
    (name: string, inputs: tf.NamedTensorMap, extra: object = {}) =>
    () =>
      tf.engine().runKernel(name, inputs, {...attrs, ...extra} as unknown as tf.NamedAttrMap) as tf.Tensor;
  return [
    [`Conv2D ${what}`, run('Conv2D', {x: t.x, filter: t.filter})],
    [
      `FusedConv2D ${activation} ${what}`,
      run(
        'FusedConv2D',
        {x: t.x, filter: t.filter, bias: t.bias},
        {activation, leakyreluAlpha: 0.3, dilations: c.dilation},
      ),
    ],
    [
      `Conv2DBackpropFilter ${what}`,
      run('Conv2DBackpropFilter', {x: t.x, dy: t.dy}, {filterShape: [c.kh, c.kw, c.c, c.oc]}),
    ],
    // Conv2DBackpropInput has no dilations (tfjs' conv2DBackpropInput); a dilated case is skipped.
    ...(c.dilation === 1
      ? (['cols', 'implicit', 'auto'] as const).map(
          path =>
            [
              `Conv2DBackpropInput (${path}) ${what}`,
              () => {
                setConvInputGradPath(path);
                try {
                  return run('Conv2DBackpropInput', {dy: t.dy, filter: t.filter}, {inputShape: [c.n, c.h, c.w, c.c]})();
                } finally {
                  setConvInputGradPath('auto');
                }
              },
            ] as const,
        )
      : []),
  ];
}

test('random convolutions are bit-identical on 1, 2 and 3 threads in every direction', async () => {
  const before = {...Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, v.length]))};
  const tensors = [];
  const checks: Check[] = [];
  for (let i = 0; i < 14; i++) {
    const c = randomConv();
    const t = convTensors(c);
    tensors.push(t);
    checks.push(...checkAllDirections(c, t, pick(['relu', 'elu', 'sigmoid', 'leakyrelu', 'relu6'])));
  }
  await sameOnAllThreads(checks);
  for (const t of tensors) tf.dispose(Object.values(t));
  for (const name of ['convForwardRowsF32', 'convFilterGradPartF32', 'convInputGradColsPartF32']) {
    assert.ok(callCount(name) > (before[name] ?? 0), `${name} ran on the pool`);
  }
});

test('edge shapes: batch 1, one channel, a 1x1 filter (gemmF32), large K, halo bands, filter split by columns', async () => {
  const cases: ConvCase[] = [
    // batch 1 image: the input gradient is split into bands of rows with halos (stride 1 and 2).
    {n: 1, h: 67, w: 61, c: 13, oc: 29, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'same'},
    {n: 1, h: 97, w: 89, c: 5, oc: 31, kh: 5, kw: 5, stride: 2, dilation: 1, pad: 1},
    // two images on three threads: bands that cut an image.
    {n: 2, h: 45, w: 45, c: 8, oc: 17, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'valid'},
    // one input channel (an MNIST first layer): 9 taps, the filter gradient splits by columns.
    {n: 64, h: 28, w: 28, c: 1, oc: 32, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'valid'},
    // pointwise: the plain GEMM, split by rows.
    {n: 4, h: 37, w: 29, c: 23, oc: 53, kh: 1, kw: 1, stride: 1, dilation: 1, pad: 'valid'},
    // large K (3x3x300 taps) with few output pixels.
    {n: 1, h: 9, w: 11, c: 300, oc: 67, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'same'},
    // dilation 2.
    {n: 3, h: 23, w: 19, c: 9, oc: 48, kh: 3, kw: 3, stride: 1, dilation: 2, pad: 'same'},
  ];
  const tensors = cases.map(c => {
    assert.ok(flops(c) >= CONV_PARALLEL_MIN_FLOPS, `${JSON.stringify(c)} is split`);
    return convTensors(c);
  });
  await sameOnAllThreads(cases.flatMap((c, i) => checkAllDirections(c, tensors[i]!, 'relu')));
  for (const t of tensors) tf.dispose(Object.values(t));
  const filterParts = calls.convFilterGradPartF32!.flat();
  assert.ok(
    filterParts.some(p => p[8]! > 0),
    'some filter gradient was split by columns',
  );
  assert.ok(
    filterParts.some(p => p[6]! > 0),
    'some filter gradient was split by rows',
  );
  const bandParts = calls.convInputGradColsPartF32!.flat();
  assert.ok(
    bandParts.some(p => p[6]! % 67 !== 0 || p[7]! % 67 !== 0),
    'some input gradient was split into bands of rows',
  );
});

test('NaN and Inf in x, filter and dy propagate the same on every thread count', async () => {
  const c: ConvCase = {n: 2, h: 30, w: 30, c: 8, oc: 24, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'same'};
  const t = convTensors(c);
  const x = values(c.n * c.h * c.w * c.c),
    dy = values(c.n * c.h * c.w * c.oc),
    f = values(9 * c.c * c.oc);
  for (const i of [0, 7, 1000, x.length - 1]) x[i] = Number.NaN;
  x[500] = Number.POSITIVE_INFINITY;
  x[3000] = Number.NEGATIVE_INFINITY;
  dy[17] = Number.NaN;
  dy[4000] = Number.POSITIVE_INFINITY;
  f[5] = Number.POSITIVE_INFINITY;
  const s = {
    x: tf.tensor4d(x, t.x.shape),
    filter: tf.tensor4d(f, t.filter.shape),
    dy: tf.tensor4d(dy, t.dy.shape),
    bias: t.bias,
  };
  await sameOnAllThreads(checkAllDirections(c, s, 'elu'));
  tf.dispose([...Object.values(t), s.x, s.filter, s.dy]);
});

test('NCHW and a broadcast bias: the transposes around a threaded convolution', async () => {
  const x = tf.tensor4d(values(2 * 9 * 31 * 29), [2, 9, 31, 29]),
    filter = tf.tensor4d(values(3 * 3 * 9 * 40), [3, 3, 9, 40]),
    bias = tf.tensor4d(values(29 * 40), [1, 29, 1, 40]),
    bias1d = tf.tensor1d(values(40));
  const y = tf.tensor4d(values(2 * 29 * 31 * 9), [2, 29, 31, 9]);
  await sameOnAllThreads([
    [
      'FusedConv2D NCHW',
      () => tf.fused.conv2d({x, filter, strides: 1, pad: 'same', dataFormat: 'NCHW', bias: bias1d, activation: 'relu'}),
    ],
    [
      'FusedConv2D bias [1, OH, 1, OC]',
      () =>
        tf.engine().runKernel('FusedConv2D', {x: y, filter, bias}, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          dilations: 1,
          activation: 'linear',
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ],
  ]);
  tf.dispose([x, filter, bias, bias1d, y]);
});

test('memory that grows before a threaded convolution is seen by the workers', async () => {
  await threads(2);
  const heap = () => ((tf.backend() as BackendWasm).wasm as unknown as {HEAPU8: Uint8Array}).HEAPU8.length;
  const before = heap();
  const filler = tf.fill([64 * 2 ** 20], 1); // 256 MiB: the heap grows
  assert.ok(heap() > before + 2 ** 27, `grew from ${before} to ${heap()}`);
  const c: ConvCase = {n: 4, h: 32, w: 32, c: 16, oc: 32, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'same'};
  const t = convTensors(c);
  const runs = callCount('convForwardRowsF32');
  const threaded = bits(tf.conv2d(t.x, t.filter, 1, 'same'));
  assert.is(callCount('convForwardRowsF32'), runs + 1, 'the convolution ran on the pool');
  await threads(1);
  assert.equal(bits(tf.conv2d(t.x, t.filter, 1, 'same')), threaded);
  tf.dispose([filler, ...Object.values(t)]);
});

/** A depthwise case: c input channels times mult, the output channels split in ranges of 16. */
interface DepthwiseCase {
  n: number;
  h: number;
  w: number;
  c: number;
  mult: number;
  kh: number;
  kw: number;
  stride: number;
  dilation: number;
  pad: 'same' | 'valid';
}

function depthwiseChecks(c: DepthwiseCase, activation: string): {checks: Check[]; tensors: tf.Tensor[]} {
  const info = tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.c],
    [c.kh, c.kw, c.c, c.mult],
    c.stride,
    c.dilation,
    c.pad,
    undefined,
    true,
  );
  const oc = c.c * c.mult;
  const x = tf.tensor4d(withSpecials(values(c.n * c.h * c.w * c.c)), [c.n, c.h, c.w, c.c]);
  const filter = tf.tensor4d(withSpecials(values(c.kh * c.kw * oc)), [c.kh, c.kw, c.c, c.mult]);
  const dy = tf.tensor4d(withSpecials(values(c.n * info.outHeight * info.outWidth * oc)), [
    c.n,
    info.outHeight,
    info.outWidth,
    oc,
  ]);
  const bias = tf.tensor1d(values(oc));
  const attrs = {strides: c.stride, pad: c.pad, dilations: c.dilation, dataFormat: 'NHWC'};
  const run =
    (name: string, inputs: tf.NamedTensorMap, extra: object = {}) =>
    () =>
      tf.engine().runKernel(name, inputs, {...attrs, ...extra} as unknown as tf.NamedAttrMap) as tf.Tensor;
  const what = JSON.stringify(c);
  return {
    tensors: [x, filter, dy, bias],
    checks: [
      [`DepthwiseConv2dNative ${what}`, run('DepthwiseConv2dNative', {x, filter})],
      [
        `FusedDepthwiseConv2D ${activation} ${what}`,
        run('FusedDepthwiseConv2D', {x, filter, bias}, {activation, leakyreluAlpha: 0.3}),
      ],
      [
        `DepthwiseConv2dNativeBackpropInput ${what}`,
        run('DepthwiseConv2dNativeBackpropInput', {dy, filter}, {inputShape: [c.n, c.h, c.w, c.c]}),
      ],
      [
        `DepthwiseConv2dNativeBackpropFilter ${what}`,
        run('DepthwiseConv2dNativeBackpropFilter', {x, dy}, {filterShape: [c.kh, c.kw, c.c, c.mult]}),
      ],
    ],
  };
}

test('depthwise convolutions split (forward by output pixels, gradients by channels): bit-identical on 1, 2 and 3 threads', async () => {
  // Where each part export takes its pixel or channel range.
  const rangeAt: Record<string, number> = {
    depthwisePartF32: 13,
    depthwiseInputGradPartF32: 5,
    depthwiseFilterGradPartF32: 5,
  };
  const runs = Object.fromEntries(Object.keys(rangeAt).map(k => [k, callCount(k)]));
  // Channel counts around the 16-channel ranges (17, 33, 67: a scalar tail in the last range),
  // multipliers 1 (the 16-channel path) and 2, 3 (lane gathers), strides, dilation, batch 1.
  const cases: DepthwiseCase[] = [
    {n: 8, h: 28, w: 28, c: 33, mult: 1, kh: 3, kw: 3, stride: 1, dilation: 1, pad: 'same'},
    {n: 1, h: 61, w: 61, c: 67, mult: 1, kh: 5, kw: 5, stride: 2, dilation: 1, pad: 'same'},
    {n: 8, h: 31, w: 29, c: 17, mult: 2, kh: 3, kw: 3, stride: 1, dilation: 2, pad: 'valid'},
    {n: 6, h: 40, w: 23, c: 16, mult: 3, kh: 3, kw: 2, stride: 1, dilation: 1, pad: 'same'},
    {n: 5, h: 64, w: 64, c: 40, mult: 1, kh: 3, kw: 3, stride: 2, dilation: 1, pad: 'valid'},
  ];
  const all: Check[] = [];
  const tensors: tf.Tensor[] = [];
  const outPixels = new Set<number>();
  for (const [i, c] of cases.entries()) {
    const pixels = tf.backend_util
      .computeConv2DInfo([c.n, c.h, c.w, c.c], [c.kh, c.kw, c.c, c.mult], c.stride, c.dilation, c.pad, undefined, true)
      .outShape.slice(0, 3)
      .reduce((a, b) => a * b, 1);
    outPixels.add(pixels);
    assert.ok(2 * pixels * c.c * c.mult * c.kh * c.kw >= DEPTHWISE_PARALLEL_MIN_FLOPS, `${JSON.stringify(c)} is split`);
    const {checks, tensors: ts} = depthwiseChecks(c, ['relu', 'elu', 'sigmoid', 'leakyrelu', 'relu6'][i]!);
    all.push(...checks);
    tensors.push(...ts);
  }
  await sameOnAllThreads(all);
  tf.dispose(tensors);
  for (const name of Object.keys(runs)) {
    assert.ok(callCount(name) > runs[name]!, `${name} ran on the pool`);
    // The ranges are contiguous from 0. Channel ranges start at multiples of 16 channels (so each
    // channel takes the vector or scalar path it takes on one thread); pixel ranges cover every
    // output pixel of the call.
    const pixelSplit = name === 'depthwisePartF32';
    for (const parts of calls[name]!.slice(runs[name])) {
      const ranges = parts.map(p => p.slice(rangeAt[name], rangeAt[name]! + 2));
      assert.ok(
        ranges.every(
          ([start, end], k) =>
            (pixelSplit || start! % 16 === 0) && end! > start! && start === (k === 0 ? 0 : ranges[k - 1]![1]),
        ),
        `${name} ranges ${JSON.stringify(ranges)}`,
      );
      if (pixelSplit) assert.ok(outPixels.has(ranges[ranges.length - 1]![1]!), `${name} covers every pixel`);
    }
  }
});

test('depthwise gradients of 16 channels, and any depthwise call below the threshold, stay on one thread; a large 16-channel forward pass splits by pixels', async () => {
  await threads(2);
  const names = ['depthwisePartF32', 'depthwiseInputGradPartF32', 'depthwiseFilterGradPartF32'];
  const counts = () => names.map(callCount);
  const gradsOf = (x: tf.Tensor4D, filter: tf.Tensor4D) =>
    tf.dispose(
      tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'))([
        x,
        filter,
      ]),
    );
  const before = counts();
  const x = tf.randomUniform([64, 32, 32, 16]) as tf.Tensor4D;
  const filter = tf.randomUniform([3, 3, 16, 1]) as tf.Tensor4D;
  gradsOf(x, filter); // 19 MFLOP each way, but one 16-channel range
  const large = counts();
  assert.equal(
    large.map((n, i) => n - before[i]!),
    [1, 0, 0],
  );
  const small = tf.randomUniform([1, 8, 8, 64]) as tf.Tensor4D;
  const smallFilter = tf.randomUniform([3, 3, 64, 1]) as tf.Tensor4D;
  gradsOf(small, smallFilter); // 0.07 MFLOP
  assert.equal(counts(), large);
  tf.dispose([x, filter, small, smallFilter]);
});

test('dropout masks are the same on 1, 2 and 3 threads and equal the TypeScript generator', async () => {
  const shapes: Array<[number[], (number | null)[] | undefined]> = [
    [[1031, 827], undefined], // not a multiple of the Philox chunk
    [[1 << 20], undefined],
    [
      [53, 300, 53],
      [53, 1, 53],
    ], // broadcast middle dim
    [
      [53, 300, 53],
      [1, 300, 1],
    ], // broadcast last dim
    [
      [800, 33, 33],
      [800, 1, 1],
    ],
  ];
  const runs = callCount('dropoutPartF32');
  const checks: Check[] = [];
  const xs: tf.Tensor[] = [];
  for (const [shape, noiseShape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(withSpecials(values(size)), shape);
    xs.push(x);
    for (const rate of [0.5, 0.1, 0.3, 0.75]) {
      assert.ok(philoxParallel(size, bernoulliThreshold(1 - rate).bits), `${shape} at rate ${rate} is split`);
      const s = 1234 + Math.floor(rate * 100);
      checks.push([`dropout ${shape} ${noiseShape} ${rate}`, () => dropout(x, rate, {seed: s, noiseShape})]);
      // Against x times the TypeScript mask (broadcast).
      checks.push([
        `dropout ${shape} ${noiseShape} ${rate} against the TypeScript mask`,
        () => {
          const got = dropout(x, rate, {seed: s, noiseShape});
          const [seed0, seed1] = seedToKey('dropout', s);
          const full = shape.map((d, i) => (noiseShape ? (noiseShape[i] ?? d) : d));
          const mask = dropoutMask({rate, noiseShape: full, seed0, seed1});
          const want = tf.tidy(() => tf.mul(x, tf.tensor(mask, full)));
          assert.equal(bits(got), bits(want), `dropout ${shape} ${noiseShape} ${rate}`);
          want.dispose();
          return got;
        },
      ]);
    }
  }
  await sameOnAllThreads(checks);
  tf.dispose(xs);
  assert.ok(callCount('dropoutPartF32') > runs, 'dropout ran on the pool');
});

test('randomBinomial is the same on 1, 2 and 3 threads and equals the TypeScript generator', async () => {
  const runs = callCount('randomBinomialPart');
  const checks: Check[] = (
    [
      [[1000, 997], 0.5, 'float32'],
      [[1 << 18], 0.3, 'int32'],
      [[299993], 0.9, 'bool'],
    ] as const
  ).map(([shape, p, dtype]) => [
    `randomBinomial ${shape} ${p} ${dtype}`,
    () => {
      assert.ok(
        philoxParallel(
          shape.reduce((a: number, b: number) => a * b, 1),
          bernoulliThreshold(p).bits,
        ),
      );
      const got = randomBinomial([...shape], p, {seed: 99, dtype});
      const [seed0, seed1] = seedToKey('randomBinomial', 99);
      const want = randomBinomialValues({shape: [...shape], p, dtype, seed0, seed1});
      assert.equal(Array.from(got.dataSync()), Array.from(want, Number), `${shape} ${p} ${dtype}`);
      return got;
    },
  ]);
  await sameOnAllThreads(checks);
  assert.ok(callCount('randomBinomialPart') > runs, 'randomBinomial ran on the pool');
});

test.run();
