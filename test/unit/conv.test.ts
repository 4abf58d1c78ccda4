// Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter and the depthwise four on 'as',
// checked against tfjs-backend-cpu on random cases (strides 1-3, dilations 1-2, same / valid /
// explicit / numeric padding, odd sizes, channel counts that are not multiples of 4, batch 1,
// 1x1 and 5x5 filters, NCHW, zero sizes), their gradients through tfjs-core's conv gradients,
// NaN / Inf, and bad input, on every kernels variant this runtime can run (conv_relaxed.test.ts
// reruns this file with --experimental-wasm-relaxed-simd). TFJS_AS_CONV_VARIANTS=a,b restricts them.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo, setKernelVariant} from '../../src/index.js';
import {setConvInputGradPath} from '../../src/kernels/utils/conv.js';

type Variant = 'scalar' | 'simd' | 'relaxed-simd';
const support = backendInfo();
const VARIANTS: Variant[] = process.env.TFJS_AS_CONV_VARIANTS
  ? (process.env.TFJS_AS_CONV_VARIANTS.split(',') as Variant[])
  : ['scalar', ...(support.simd ? ['simd' as const] : []), ...(support.relaxedSimd ? ['relaxed-simd' as const] : [])];
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
type Activation = (typeof ACTIVATIONS)[number];
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

function rng(seed: number) {
  return () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
function randomData(r: () => number, shape: number[], special = 0): Float32Array {
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = r() * 2 - 1;
  for (let s = 0; s < special && d.length; s++)
    d[Math.floor(r() * d.length)] = [Number.NaN, Infinity, -Infinity][s % 3];
  return d;
}

interface Operand {
  shape: number[];
  data: Float32Array;
}
interface Case {
  depthwise: boolean;
  x: Operand;
  filter: Operand;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  /** undefined: the plain op; otherwise the fused one. */
  activation?: Activation;
  alpha?: number;
  bias?: Operand;
  prelu?: Operand;
}
const T = (o: Operand) => tf.tensor(o.data, o.shape);

function forward(c: Case): tf.Tensor {
  const x = T(c.x) as tf.Tensor4D,
    filter = T(c.filter) as tf.Tensor4D;
  const pad = c.pad as 'same';
  if (c.activation === undefined) {
    return c.depthwise
      ? tf.depthwiseConv2d(x, filter, c.strides, pad, c.dataFormat, c.dilations)
      : tf.conv2d(x, filter, c.strides, pad, c.dataFormat, c.dilations);
  }
  // The kernels directly: tfjs-core's fused ops reject NCHW with an activation and reshape some biases first.
  const inputs: tf.NamedTensorMap = {x, filter};
  if (c.bias) inputs.bias = T(c.bias);
  if (c.prelu) inputs.preluActivationWeights = T(c.prelu);
  return tf.engine().runKernel(c.depthwise ? 'FusedDepthwiseConv2D' : 'FusedConv2D', inputs, {
    strides: c.strides,
    pad,
    dataFormat: c.dataFormat,
    dilations: c.dilations,
    activation: c.activation,
    leakyreluAlpha: c.alpha ?? 0.2,
  } as never) as tf.Tensor;
}

interface Result {
  data: Float32Array;
  shape: number[];
}
interface Reference extends Result {
  tol: Float32Array;
}
const result = (t: tf.Tensor): Result => ({data: t.dataSync() as Float32Array, shape: t.shape});
/** tf.tidy for plain results (its own type wants tensors). */
const tidy = <R>(fn: () => R): R => tf.tidy(fn as never) as R;

function compare(what: string, got: Result, ref: Reference) {
  assert.equal(got.shape, ref.shape, `${what}: shape`);
  for (let i = 0; i < ref.data.length; i++) {
    const r = ref.data[i],
      y = got.data[i];
    const ok = Number.isNaN(r) ? Number.isNaN(y) : r === y || Math.abs(r - y) <= ref.tol[i];
    if (!ok)
      assert.unreachable(
        `${what}: element ${i} of ${ref.data.length} is ${y}, tfjs-backend-cpu says ${r} (tolerance ${ref.tol[i]})`,
      );
  }
}

/** cpu's answer; the tolerance per element from the same convolution of |x| and |filter| (+|bias|). */
async function reference(c: Case): Promise<Reference> {
  await tf.setBackend('cpu');
  return tidy(() => {
    const y = result(forward(c));
    const abs = {
      ...c,
      x: {...c.x, data: c.x.data.map(Math.abs)},
      filter: {...c.filter, data: c.filter.data.map(Math.abs)},
      activation: c.bias ? ('linear' as const) : undefined,
      bias: c.bias && {...c.bias, data: c.bias.data.map(Math.abs)},
      prelu: undefined,
    };
    const bound = forward(abs).dataSync();
    const k = c.filter.shape[0] * c.filter.shape[1] * (c.depthwise ? 1 : c.filter.shape[2]);
    const tol = new Float32Array(y.data.length);
    for (let i = 0; i < tol.length; i++)
      tol[i] = 2e-6 * Math.sqrt(k + 1) * (Number.isFinite(bound[i]) ? bound[i] : 0) + 1e-6 * Math.abs(y.data[i]) + 1e-6;
    return {...y, tol};
  });
}

async function onVariant(variant: Variant) {
  await tf.setBackend('as');
  await setKernelVariant(variant);
  assert.is(backendInfo().variant, variant);
}

const describe = (c: Case) =>
  `${c.depthwise ? 'depthwise' : 'conv2d'} x [${c.x.shape}] ⊛ [${c.filter.shape}] ${c.dataFormat} s[${c.strides}] ` +
  `d[${c.dilations}] pad ${JSON.stringify(c.pad)}${c.activation ? ` ${c.activation}${c.bias ? ` bias [${c.bias.shape}]` : ''}` : ''}`;

async function checkCases(cases: Case[]) {
  const refs: Reference[] = [];
  for (const c of cases) refs.push(await reference(c));
  for (const variant of VARIANTS) {
    await onVariant(variant);
    cases.forEach((c, i) => {
      const got = tidy(() => result(forward(c)));
      compare(`${variant} ${describe(c)}`, got, refs[i]);
    });
  }
}

/** The output shape (as the user lays it out) of a case, from tfjs' own rule. */
function outShapeOf(c: Case): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    c.x.shape as [number, number, number, number],
    c.filter.shape as [number, number, number, number],
    c.strides,
    c.dilations,
    c.pad as 'same',
    undefined,
    c.depthwise,
    c.dataFormat === 'NHWC' ? 'channelsLast' : 'channelsFirst',
  );
  return info.outShape;
}

function randomCase(r: () => number, depthwise: boolean, fused: boolean): Case {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  for (;;) {
    const n = pick([1, 1, 2, 3]);
    const h = pick([1, 3, 5, 7, 8, 9, 11, 13]),
      w = pick([1, 2, 5, 7, 9, 12]);
    const cin = pick(depthwise ? [1, 3, 5, 6, 8, 17, 20] : [1, 2, 3, 5, 6, 8, 9]);
    const cout = depthwise ? pick([1, 1, 2, 3]) : pick([1, 3, 4, 7, 8, 9, 17]);
    const kh = pick([1, 2, 3, 3, 5]),
      kw = pick([1, 3, 3, 5]);
    const dilate = r() < 0.25;
    const strides: [number, number] = dilate ? [1, 1] : [pick([1, 1, 2, 3]), pick([1, 2, 3])];
    const dilations: [number, number] = dilate ? [pick([1, 2]), 2] : [1, 1];
    const dataFormat = !depthwise && r() < 0.2 ? 'NCHW' : 'NHWC';
    const pt = Math.floor(r() * 3),
      pb = Math.floor(r() * 3),
      pl = Math.floor(r() * 3),
      pr = Math.floor(r() * 3);
    const explicit: Pad =
      dataFormat === 'NHWC'
        ? [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ]
        : [
            [0, 0],
            [0, 0],
            [pt, pb],
            [pl, pr],
          ];
    const pad: Pad = pick(['same', 'same', 'valid', 1, explicit] as Pad[]);
    const xShape = dataFormat === 'NHWC' ? [n, h, w, cin] : [n, cin, h, w];
    const fShape = [kh, kw, cin, cout];
    const c: Case = {
      depthwise,
      x: {shape: xShape, data: randomData(r, xShape)},
      filter: {shape: fShape, data: randomData(r, fShape)},
      strides,
      dilations,
      pad,
      dataFormat,
    };
    let out: number[];
    try {
      out = outShapeOf(c);
    } catch {
      continue;
    }
    const effH = (kh - 1) * dilations[0] + 1,
      effW = (kw - 1) * dilations[1] + 1;
    const pads =
      pad === 'valid'
        ? [0, 0, 0, 0]
        : pad === 'same'
          ? [99, 99, 99, 99]
          : typeof pad === 'number'
            ? [pad, pad, pad, pad]
            : [pt, pb, pl, pr];
    if (effH > h + pads[0] + pads[1] || effW > w + pads[2] + pads[3] || out.some(d => d <= 0)) continue;
    if (fused) {
      c.activation = pick(ACTIVATIONS);
      const oc = dataFormat === 'NHWC' ? out[3] : out[1];
      const [, oh, ow] = dataFormat === 'NHWC' ? out : [out[0], out[2], out[3]];
      const biasShapes: (number[] | undefined)[] = [
        undefined,
        [oc],
        [oc],
        [],
        [1],
        dataFormat === 'NHWC' ? [1, 1, 1, oc] : [1, oc, 1, 1],
        out,
        dataFormat === 'NHWC' ? [1, oh, 1, oc] : [1, oc, oh, 1],
        dataFormat === 'NHWC' ? [oh, ow, 1] : [oh, ow],
      ];
      const biasShape = pick(biasShapes);
      if (biasShape) c.bias = {shape: biasShape, data: randomData(r, biasShape)};
      if (c.activation === 'prelu') {
        const ps = pick([[oc], [1], out, dataFormat === 'NHWC' ? [1, 1, ow, 1] : [1, 1, 1, ow]]);
        c.prelu = {shape: ps, data: randomData(r, ps)};
      }
      if (c.activation === 'leakyrelu') c.alpha = r();
    }
    return c;
  }
}

// ---- tests ----

test('variants under test', () => {
  assert.ok(VARIANTS.length >= 1);
  for (const v of VARIANTS)
    assert.ok(v === 'scalar' || (v === 'simd' ? support.simd : support.relaxedSimd), `${v} cannot run here`);
});

test('conv2d and depthwise forward vs cpu: random strides, dilations, padding, odd sizes, NCHW', async () => {
  const r = rng(2024);
  const cases: Case[] = [];
  for (let i = 0; i < 70; i++) cases.push(randomCase(r, false, false));
  for (let i = 0; i < 50; i++) cases.push(randomCase(r, true, false));
  await checkCases(cases);
});

test('fused conv2d and fused depthwise vs cpu: every activation, bias scalar / rank 1 / rank 4 / odd broadcasts', async () => {
  const r = rng(77);
  const cases: Case[] = [];
  for (let i = 0; i < 60; i++) cases.push(randomCase(r, false, true));
  for (let i = 0; i < 40; i++) cases.push(randomCase(r, true, true));
  await checkCases(cases);
});

test('bigger shapes: several K and M blocks of the GEMM, 16-channel depthwise blocks', async () => {
  const r = rng(5);
  const mk = (
    depthwise: boolean,
    xShape: number[],
    fShape: number[],
    strides: [number, number],
    pad: Pad,
    activation?: Activation,
  ): Case => ({
    depthwise,
    x: {shape: xShape, data: randomData(r, xShape)},
    filter: {shape: fShape, data: randomData(r, fShape)},
    strides,
    dilations: [1, 1],
    pad,
    dataFormat: 'NHWC',
    activation,
    bias: activation
      ? {
          shape: [depthwise ? fShape[2] * fShape[3] : fShape[3]],
          data: randomData(r, [depthwise ? fShape[2] * fShape[3] : fShape[3]]),
        }
      : undefined,
  });
  await checkCases([
    mk(false, [2, 12, 11, 40], [3, 3, 40, 21], [1, 1], 'same', 'relu'), // K = 360: two K blocks
    mk(false, [1, 30, 9, 5], [5, 5, 5, 9], [1, 1], 'same'), // M = 270: several M blocks
    mk(false, [3, 9, 9, 37], [1, 1, 37, 19], [1, 1], 'valid', 'elu'), // pointwise: the plain GEMM
    mk(false, [2, 9, 10, 6], [1, 1, 6, 5], [2, 2], 'valid'), // 1x1 with a stride: implicit path
    mk(true, [2, 7, 6, 36], [3, 3, 36, 1], [1, 1], 'same', 'relu6'), // 16-channel blocks + a 4-channel tail
    mk(true, [1, 9, 9, 4], [5, 5, 4, 3], [2, 2], 'same', 'sigmoid'),
  ]);
});

test('NaN and Inf propagate like cpu', async () => {
  // In x anywhere; in the filter where no tap falls on padding. (The implicit GEMM multiplies a
  // padded tap's 0 by its weight, so an Inf or NaN weight there gives NaN, as zero padding does in
  // TensorFlow; tfjs-backend-cpu skips the tap. The depthwise loops skip it too.)
  const r = rng(9);
  const cases: Case[] = [];
  for (const depthwise of [false, true]) {
    for (let i = 0; i < 8; i++) {
      const c = randomCase(r, depthwise, i % 2 === 1);
      c.x.data = randomData(r, c.x.shape, 3);
      if (depthwise || c.pad === 'valid') c.filter.data = randomData(r, c.filter.shape, 2);
      cases.push(c);
    }
  }
  await checkCases(cases);
});

test('zero sizes: batch 0, no output channels, no input channels', async () => {
  for (const variant of VARIANTS) {
    await onVariant(variant);
    const shapeAndValues = (t: tf.Tensor) => ({shape: t.shape, values: Array.from(t.dataSync())});
    tf.tidy(() => {
      assert.equal(
        shapeAndValues(
          tf.conv2d(tf.zeros([0, 5, 5, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, 1, 'same'),
        ),
        {shape: [0, 5, 5, 4], values: []},
      );
      assert.equal(
        tf.conv2d(tf.ones([1, 5, 5, 3]) as tf.Tensor4D, tf.ones([3, 3, 3, 0]) as tf.Tensor4D, 1, 'same').shape,
        [1, 5, 5, 0],
      );
      const noInput = tf.fused.conv2d({
        x: tf.ones([1, 3, 3, 0]) as tf.Tensor4D,
        filter: tf.ones([2, 2, 0, 2]) as tf.Tensor4D,
        strides: 1,
        pad: 'valid',
        bias: tf.tensor1d([1, -2]),
        activation: 'relu',
      });
      assert.equal(
        shapeAndValues(noInput),
        {shape: [1, 2, 2, 2], values: [1, 0, 1, 0, 1, 0, 1, 0]},
        `${variant}: empty window = act(bias)`,
      );
      assert.equal(
        shapeAndValues(
          tf.depthwiseConv2d(tf.zeros([0, 4, 4, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same'),
        ),
        {shape: [0, 4, 4, 2], values: []},
      );
      const dx = tf
        .engine()
        .runKernel('Conv2DBackpropInput', {dy: tf.zeros([1, 4, 4, 0]), filter: tf.zeros([3, 3, 2, 0])}, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          inputShape: [1, 4, 4, 2],
        } as never) as tf.Tensor;
      assert.equal(shapeAndValues(dx), {shape: [1, 4, 4, 2], values: new Array(32).fill(0)});
      const dw = tf
        .engine()
        .runKernel('Conv2DBackpropFilter', {x: tf.zeros([0, 4, 4, 2]), dy: tf.zeros([0, 4, 4, 3])}, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 2, 3],
        } as never) as tf.Tensor;
      assert.equal(shapeAndValues(dw), {shape: [3, 3, 2, 3], values: new Array(54).fill(0)});
    });
  }
});

// ---- gradients ----

interface GradCase {
  c: Case;
  dy: Operand;
}

function grads(g: GradCase): Result[] {
  return tidy(() => {
    const {c} = g;
    const bias = c.bias && T(c.bias);
    const run = (x: tf.Tensor, filter: tf.Tensor, b?: tf.Tensor): tf.Tensor => {
      const pad = c.pad as 'same';
      if (c.activation === undefined) {
        return c.depthwise
          ? tf.depthwiseConv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.strides, pad, 'NHWC', c.dilations)
          : tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.strides, pad, c.dataFormat, c.dilations);
      }
      const config = {
        x: x as tf.Tensor4D,
        filter: filter as tf.Tensor4D,
        strides: c.strides,
        pad,
        dataFormat: c.dataFormat,
        dilations: c.dilations,
        bias: b,
        activation: c.activation,
      };
      return c.depthwise ? tf.fused.depthwiseConv2d(config) : tf.fused.conv2d(config);
    };
    const inputs = [T(c.x), T(c.filter), ...(bias ? [bias] : [])];
    const gs = bias
      ? tf.grads((x, filter, b) => run(x, filter, b))(inputs, T(g.dy))
      : tf.grads((x, filter) => run(x, filter))(inputs, T(g.dy));
    return gs.map(result);
  });
}

function gradCase(r: () => number, depthwise: boolean, fused: boolean): GradCase {
  for (;;) {
    const c = randomCase(r, depthwise, false);
    // tfjs-core's conv2d and depthwise gradients support no dilation (the kernels are checked with it directly).
    if (c.dilations[0] > 1 || c.dilations[1] > 1) continue;
    if (fused) {
      if (c.dataFormat === 'NCHW') continue; // tfjs-core's fused op: NHWC only once gradients are taken
      c.activation = r() < 0.5 ? 'relu' : 'linear';
      const out = outShapeOf(c);
      const oc = c.dataFormat === 'NHWC' ? out[3] : out[1];
      c.bias = {shape: [oc], data: randomData(r, [oc])};
    }
    const out = outShapeOf(c);
    return {c, dy: {shape: out, data: randomData(r, out)}};
  }
}

test('gradients of conv2d, fused conv2d (bias, relu) and depthwise through tfjs-core match cpu', async () => {
  const r = rng(31);
  const cases: GradCase[] = [];
  for (let i = 0; i < 40; i++) cases.push(gradCase(r, false, i % 3 === 2));
  for (let i = 0; i < 30; i++) cases.push(gradCase(r, true, i % 3 === 2));
  await tf.setBackend('cpu');
  const refs = cases.map(g =>
    grads(g).map(res => {
      const max = res.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      return {...res, tol: res.data.map(v => 2e-5 * Math.abs(v) + 2e-5 * max + 1e-6)};
    }),
  );
  for (const variant of VARIANTS) {
    await onVariant(variant);
    for (const path of ['auto', 'implicit', 'cols'] as const) {
      setConvInputGradPath(path);
      cases.forEach((g, i) => {
        const got = grads(g);
        got.forEach((res, j) => {
          compare(
            `${variant} (input gradient: ${path}) gradient ${['x', 'filter', 'bias'][j]} of ${describe(g.c)}`,
            res,
            refs[i][j],
          );
        });
      });
      if (variant !== VARIANTS[VARIANTS.length - 1]) break; // both input-gradient paths on one variant
    }
    setConvInputGradPath('auto');
  }
});

// ---- pooling gradients (MaxPoolGrad, AvgPoolGrad; the forward pools stay tfjs-backend-wasm's) ----

test('maxPool and avgPool and their gradients match cpu: ties, NaN, -Infinity, strides 1-3, same / valid / numeric / explicit', async () => {
  const r = rng(404);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  interface PoolCase {
    kind: 'max' | 'avg';
    x: Operand;
    dy: Operand;
    k: [number, number];
    s: [number, number];
    pad: Pad;
  }
  const cases: PoolCase[] = [];
  while (cases.length < 60) {
    const shape = [pick([1, 2, 3]), pick([1, 4, 5, 7, 9]), pick([1, 3, 6, 8]), pick([1, 3, 4, 5, 9, 16])];
    const k: [number, number] = [pick([1, 2, 3]), pick([1, 2, 3])],
      s: [number, number] = [pick([1, 2, 3]), pick([1, 2])];
    const pad: Pad = pick([
      'same',
      'valid',
      1,
      [
        [0, 0],
        [1, 0],
        [0, 1],
        [0, 0],
      ],
    ] as Pad[]);
    const data = randomData(r, shape, cases.length % 4 === 3 ? 3 : 0);
    // Ties: small integers repeat within a window (the gradient goes to the first maximum).
    if (cases.length % 2 === 0)
      for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) data[i] = Math.round(data[i] * 2);
    let out: number[];
    try {
      out = tf.backend_util.computePool2DInfo(
        shape as [number, number, number, number],
        k,
        s,
        1,
        pad as 'same',
      ).outShape;
    } catch {
      continue;
    }
    if (out.some(d => d <= 0) || (pad === 'valid' && (k[0] > shape[1] || k[1] > shape[2]))) continue;
    if (typeof pad !== 'string' && (k[0] > shape[1] + 2 || k[1] > shape[2] + 2)) continue;
    cases.push({
      kind: cases.length % 3 === 0 ? 'avg' : 'max',
      x: {shape, data},
      dy: {shape: out, data: randomData(r, out)},
      k,
      s,
      pad,
    });
  }
  // Forward (numeric and explicit pads run in AssemblyScript; 'same' / 'valid' in XNNPACK) and gradient.
  const run = (c: PoolCase) =>
    tidy(() => {
      const f = (x: tf.Tensor) =>
        (c.kind === 'max' ? tf.maxPool : tf.avgPool)(x as tf.Tensor4D, c.k, c.s, c.pad as 'same');
      return [result(f(T(c.x))), result(tf.grad(f)(T(c.x), T(c.dy)))];
    });
  await tf.setBackend('cpu');
  const refs = cases.map(c => run(c).map(g => ({...g, tol: g.data.map(v => 1e-6 * (1 + Math.abs(v)))})));
  for (const variant of VARIANTS) {
    await onVariant(variant);
    // NaN / Inf through XNNPACK's 'same' / 'valid' forward pools (inherited from tfjs-backend-wasm)
    // do not follow cpu (an average over -Inf and NaN gives -Inf): their forward is compared on finite inputs.
    const special = (c: PoolCase) => c.x.data.some(v => !Number.isFinite(v)) && typeof c.pad === 'string';
    cases.forEach((c, i) => {
      run(c).forEach((got, j) => {
        if (j === 0 && special(c)) return;
        compare(
          `${variant} ${c.kind}Pool ${j ? 'gradient' : 'forward'} x [${c.x.shape}] k [${c.k}] s [${c.s}] pad ${JSON.stringify(c.pad)}`,
          got,
          refs[i][j],
        );
      });
    });
  }
});

test('pooling gradients: bad input throws naming the op and shapes, and leaks nothing', async () => {
  await onVariant(VARIANTS[VARIANTS.length - 1]);
  const x = tf.ones([1, 5, 5, 3]),
    dy = tf.ones([1, 2, 2, 3]),
    dyWrong = tf.ones([1, 3, 3, 3]);
  const kernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => () =>
    tf
      .engine()
      .runKernel(name, inputs as tf.NamedTensorMap, {filterSize: 2, strides: 2, pad: 'valid', ...attrs} as never);
  throwsWithoutLeak(
    kernel('MaxPoolGrad', {dy: dyWrong, input: x, output: dyWrong}, {}),
    /MaxPoolGrad: dy has shape \[1,3,3,3\] but x \[1,5,5,3\] pooled gives \[1,2,2,3\]/,
    'dy shape',
  );
  throwsWithoutLeak(
    kernel('AvgPoolGrad', {dy, input: x}, {filterSize: 7}),
    /AvgPoolGrad: the filter window 7x7 .* is larger than the padded input 5x5 \(x \[1,5,5,3\], pad "valid"\)/,
    'window too big',
  );
  throwsWithoutLeak(
    kernel('MaxPoolGrad', {dy, input: x, output: dy}, {dimRoundingMode: 'round', pad: 'same'}),
    /MaxPoolGrad: dimRoundingMode 'round' needs an integer pad, got pad "same" for x \[1,5,5,3\] and filterSize \[2,2\]/,
    'rounding',
  );
  tf.dispose([x, dy, dyWrong]);
});

// ---- bad input ----

function numDataIds(): number {
  return (tf.backend() as unknown as {numDataIds(): number}).numDataIds();
}

function throwsWithoutLeak(fn: () => unknown, pattern: RegExp, what: string) {
  const tensors = tf.memory().numTensors,
    ids = numDataIds();
  let message = '';
  try {
    fn();
  } catch (e) {
    assert.instance(e, Error, what);
    message = (e as Error).message;
  }
  assert.ok(message, `${what}: did not throw`);
  assert.match(message, pattern, what);
  assert.is(tf.memory().numTensors, tensors, `${what}: tensors leaked`);
  assert.is(numDataIds(), ids, `${what}: heap buffers leaked`);
}

test('bad input throws naming the op and the shapes, and leaks nothing', async () => {
  await onVariant(VARIANTS[VARIANTS.length - 1]);
  const x = tf.ones([1, 5, 5, 3]),
    f = tf.ones([3, 3, 4, 2]),
    big = tf.ones([7, 7, 3, 2]),
    ok = tf.ones([3, 3, 3, 2]);
  const dwF = tf.ones([3, 3, 4, 1]),
    dy = tf.ones([1, 5, 5, 2]),
    xi = tf.cast(x, 'int32'),
    b3 = tf.ones([3]);
  const base = {strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1};
  const kernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => () =>
    tf.engine().runKernel(name, inputs as tf.NamedTensorMap, {...base, ...attrs} as never);
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: f}, {}),
    /Conv2D: x has 3 input channels \(NHWC\) but the filter expects 4: x \[1,5,5,3\] and filter \[3,3,4,2\]/,
    'channels',
  );
  throwsWithoutLeak(
    kernel('DepthwiseConv2dNative', {x, filter: dwF}, {}),
    /DepthwiseConv2dNative: x has 3 input channels.*filter \[3,3,4,1\]/,
    'depthwise channels',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: big}, {pad: 'valid'}),
    /Conv2D: the filter window 7x7 \(filter \[7,7,3,2\], dilations \[1,1\]\) is larger than the padded input 5x5 \(x \[1,5,5,3\], pad "valid"\)/,
    'filter too big',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: ok}, {pad: 'valid', dilations: 3}),
    /Conv2D: the filter window 7x7.*larger than the padded input 5x5/,
    'dilated filter too big',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: ok}, {strides: 2, dilations: 2}),
    /Conv2D: strides \[2,2\] and dilations \[2,2\] are both greater than 1 for x \[1,5,5,3\] and filter \[3,3,3,2\]/,
    'strides and dilations',
  );
  throwsWithoutLeak(
    kernel('DepthwiseConv2dNative', {x, filter: tf.ones([3, 3, 3, 1])}, {strides: [1, 2], dilations: [2, 1]}),
    /DepthwiseConv2dNative: strides \[1,2\] and dilations \[2,1\] are both greater than 1/,
    'depthwise strides and dilations',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: ok}, {pad: 'same', dimRoundingMode: 'ceil'}),
    /Conv2D: dimRoundingMode 'ceil' needs an integer pad, got pad "same" for x \[1,5,5,3\] and filter \[3,3,3,2\]/,
    'dimRoundingMode + same',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: ok}, {pad: 0.5, dimRoundingMode: 'floor'}),
    /Conv2D: dimRoundingMode 'floor' needs an integer pad, got pad 0.5/,
    'fractional pad',
  );
  throwsWithoutLeak(
    kernel('Conv2DBackpropInput', {dy, filter: f}, {inputShape: [1, 5, 5, 3]}),
    /Conv2DBackpropInput: x has 3 input channels \(NHWC\) but the filter expects 4: inputShape \[1,5,5,3\], filter \[3,3,4,2\] and dy \[1,5,5,2\]/,
    'backprop input channels',
  );
  throwsWithoutLeak(
    kernel('Conv2DBackpropInput', {dy: tf.ones([1, 4, 5, 2]), filter: ok}, {inputShape: [1, 5, 5, 3]}),
    /Conv2DBackpropInput: dy has shape \[1,4,5,2\] but inputShape \[1,5,5,3\] with filter \[3,3,3,2\] gives \[1,5,5,2\]/,
    'dy shape',
  );
  throwsWithoutLeak(
    kernel('Conv2DBackpropFilter', {x, dy: tf.ones([1, 5, 5, 4])}, {filterShape: [3, 3, 3, 2]}),
    /Conv2DBackpropFilter: dy has shape \[1,5,5,4\] but x \[1,5,5,3\] with filterShape \[3,3,3,2\] gives \[1,5,5,2\]/,
    'filter grad dy shape',
  );
  throwsWithoutLeak(
    kernel('DepthwiseConv2dNativeBackpropFilter', {x, dy}, {filterShape: [3, 3, 3, 1]}),
    /DepthwiseConv2dNativeBackpropFilter: dy has shape \[1,5,5,2\] but x \[1,5,5,3\] with filterShape \[3,3,3,1\] gives \[1,5,5,3\]/,
    'depthwise filter grad',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x: xi, filter: ok}, {}),
    /Conv2D: x must be float32; got int32 \[1,5,5,3\]/,
    'dtype',
  );
  throwsWithoutLeak(
    kernel('FusedConv2D', {x, filter: ok, bias: b3}, {activation: 'relu'}),
    /FusedConv2D: bias of shape \[3\] does not broadcast to the output shape \[1,5,5,2\]/,
    'bias',
  );
  throwsWithoutLeak(
    kernel('FusedConv2D', {x, filter: ok}, {activation: 'swish'}),
    /FusedConv2D: unknown activation 'swish'/,
    'activation',
  );
  throwsWithoutLeak(
    kernel('FusedDepthwiseConv2D', {x, filter: tf.ones([3, 3, 3, 1])}, {activation: 'prelu'}),
    /FusedDepthwiseConv2D: activation 'prelu' needs preluActivationWeights/,
    'prelu weights',
  );
  throwsWithoutLeak(
    kernel('Conv2D', {x, filter: ok}, {dataFormat: 'NWHC'}),
    /Conv2D: unknown dataFormat 'NWHC'/,
    'dataFormat',
  );
  // Through tfjs-core's ops: it checks some of these first, and its message names the op too.
  throwsWithoutLeak(() => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), /conv2d|Conv2D/, 'op: channels');
  tf.dispose([x, f, big, ok, dwF, dy, xi, b3]);
});

test.run();
