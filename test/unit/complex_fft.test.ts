// complex64 on 'as' (src/backend/complex.ts) and FFT/IFFT (assembly/fft.ts) against
// tfjs-backend-cpu on every variant: lengths 1, 2, primes, non-multiples of 4, powers of two,
// zero-size batches, a large Bluestein length against a float64 DFT; rfft/irfft/stft; the complex
// forms of add/sub/mul/cast/concat/slice/transpose/reshape; NaN/Inf; gradients through
// real/imag; and the bad input: complex tensors refused by kernels that have no complex form.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {setKernelVariant} from '../../src/index.js';
import {seededRandom, VARIANTS} from './variants.js';

const rand = seededRandom(4242);
const randoms = (n: number) => Array.from({length: n}, () => (rand() - 0.5) * 4);

async function on<T extends tf.TensorContainer>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return tf.tidy(f);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, label: string) {
  assert.is(got.length, want.length, `${label}: length`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!,
      w = want[i]!;
    if (Object.is(g, w)) continue;
    if (Number.isNaN(w) ? !Number.isNaN(g) : !(Math.abs(g - w) <= tol * (1 + Math.abs(w)))) {
      assert.unreachable(`${label}: [${i}] = ${g}, expected ${w}`);
    }
  }
}

/** float64 DFT of one row (the definition), interleaved re, im. */
function dft(re: number[], im: number[], inverse: boolean): number[] {
  const n = re.length,
    out: number[] = [];
  for (let j = 0; j < n; j++) {
    let sr = 0,
      si = 0;
    for (let k = 0; k < n; k++) {
      const a = ((inverse ? 2 : -2) * Math.PI * ((j * k) % n)) / n;
      sr += re[k]! * Math.cos(a) - im[k]! * Math.sin(a);
      si += re[k]! * Math.sin(a) + im[k]! * Math.cos(a);
    }
    out.push(inverse ? sr / n : sr, inverse ? si / n : si);
  }
  return out;
}

const fftData = (re: number[], im: number[], shape: number[], inverse: boolean) => () => {
  const c = tf.complex(tf.tensor(re, shape), tf.tensor(im, shape));
  return Array.from((inverse ? tf.spectral.ifft(c) : tf.spectral.fft(c)).dataSync());
};

for (const variant of VARIANTS) {
  test(`${variant}: fft and ifft of lengths 1..70, a few batches, equal cpu's`, async () => {
    await setKernelVariant(variant);
    for (const n of [1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 17, 31, 32, 33, 64, 70]) {
      for (const batch of [1, 3]) {
        const re = randoms(n * batch),
          im = randoms(n * batch);
        for (const inverse of [false, true]) {
          const want = await on('cpu', fftData(re, im, [batch, n], inverse));
          const got = await on('as', fftData(re, im, [batch, n], inverse));
          close(got, want, 2e-4, `${variant} n=${n} batch=${batch} inverse=${inverse}`);
        }
      }
    }
  });

  test(`${variant}: large lengths (radix-2 4096, Bluestein 1009 and 3000) against a float64 DFT; round trips`, async () => {
    await setKernelVariant(variant);
    for (const n of [4096, 1009, 3000]) {
      const re = randoms(n),
        im = randoms(n);
      const got = await on('as', fftData(re, im, [n], false));
      if (n < 4096) close(got, dft(re, im, false), 1e-4, `n=${n}`);
      const back = await on('as', () => {
        const c = tf.complex(tf.tensor1d(re), tf.tensor1d(im));
        return Array.from(tf.spectral.ifft(tf.spectral.fft(c)).dataSync());
      });
      close(
        back,
        re.flatMap((r, i) => [r, im[i]!]),
        1e-5,
        `round trip n=${n}`,
      );
    }
  });
}

test('rfft, irfft (even and odd lengths, rank 3) and stft equal cpu', async () => {
  for (const [shape, len] of [
    [[8], undefined],
    [[3, 7], undefined],
    [[2, 2, 10], undefined],
    [[5], 8],
    [[9], 4],
  ] as const) {
    const x = randoms(shape.reduce((a, b) => a * b, 1));
    const f = () => {
      const t = tf.tensor(x, shape as unknown as number[]);
      const spec = tf.spectral.rfft(t, len);
      return [...Array.from(spec.dataSync()), ...Array.from(tf.spectral.irfft(spec).dataSync())];
    };
    close(await on('as', f), await on('cpu', f), 2e-4, `rfft/irfft [${shape}] fftLength ${len}`);
  }
  const signal = randoms(200);
  const s = () => Array.from(tf.signal.stft(tf.tensor1d(signal), 32, 16).dataSync());
  close(await on('as', s), await on('cpu', s), 2e-4, 'stft');
});

test('complex ops (add, sub, mul with broadcasting, cast, concat, slice, transpose, reshape, abs, clone) equal cpu', async () => {
  // Same shapes: tfjs-backend-cpu's complex broadcasting reads past the smaller operand (NaN).
  const a = randoms(12),
    b = randoms(12),
    c = randoms(12),
    d = randoms(12);
  const f = () => {
    const x = tf.complex(tf.tensor2d(a, [4, 3]), tf.tensor2d(b, [4, 3]));
    const y = tf.complex(tf.tensor2d(c, [4, 3]), tf.tensor2d(d, [4, 3]));
    // tfjs-backend-cpu has no complex slice or transpose: there, they are built from the parts.
    const onParts = (op: (t: tf.Tensor) => tf.Tensor) =>
      tf.getBackend() === 'cpu' ? tf.complex(op(tf.real(x)), op(tf.imag(x))) : op(x);
    const outs = [
      tf.add(x, y),
      tf.sub(x, y),
      tf.mul(x, y),
      tf.concat([x, x], 1),
      onParts(t => tf.slice(t, [1, 1], [2, 2])),
      onParts(t => tf.transpose(t)),
      tf.reshape(x, [2, 6]),
      tf.clone(x),
      tf.cast(tf.tensor1d([1, 2]), 'complex64'),
    ];
    return [
      ...outs.flatMap(o => [...o.shape, ...Array.from(o.dataSync())]),
      ...Array.from(tf.abs(x).dataSync()),
      ...Array.from(tf.cast(x, 'float32').dataSync()),
      ...Array.from(tf.cast(x, 'int32').dataSync()),
      ...Array.from(tf.real(x).dataSync()),
      ...Array.from(tf.imag(x).dataSync()),
      ...Array.from(tf.onesLike(x).dataSync()),
      ...Array.from(tf.zerosLike(x).dataSync()),
    ];
  };
  close(await on('as', f), await on('cpu', f), 1e-6, 'complex ops');
});

test('complex broadcasting: [4,3] op [3] equals the float64 definition', async () => {
  const a = randoms(12),
    b = randoms(12),
    c = randoms(3),
    d = randoms(3);
  const got = await on('as', () => {
    const x = tf.complex(tf.tensor2d(a, [4, 3]), tf.tensor2d(b, [4, 3])),
      y = tf.complex(tf.tensor1d(c), tf.tensor1d(d));
    return [tf.add(x, y), tf.sub(y, x), tf.mul(x, y)].flatMap(t => Array.from(t.dataSync()));
  });
  const want: number[] = [];
  for (const op of ['add', 'sub', 'mul']) {
    for (let i = 0; i < 12; i++) {
      const [ar, ai, br, bi] = [a[i]!, b[i]!, c[i % 3]!, d[i % 3]!];
      if (op === 'add') want.push(ar + br, ai + bi);
      else if (op === 'sub') want.push(br - ar, bi - ai);
      else want.push(ar * br - ai * bi, ar * bi + ai * br);
    }
  }
  close(got, want, 1e-5, 'broadcast');
});

test('NaN and Inf stay in their element (tfjs-backend-cpu spreads them when it broadcasts complex operands)', async () => {
  const v = await on('as', () => {
    const x = tf.complex([NaN, 1, 2], [0, Infinity, 1]);
    return [
      ...Array.from(tf.add(x, tf.complex([1, 1, 1], [1, 1, 1])).dataSync()),
      ...Array.from(tf.mul(x, tf.complex([2], [0])).dataSync()),
    ];
  });
  // IEEE: NaN * 0 and Inf * 0 are NaN, so a NaN or Inf part reaches both parts of a product.
  close(v, [NaN, 1, 2, Infinity, 3, 2, NaN, NaN, NaN, Infinity, 4, 2], 1e-6, 'nan');
});

test('|z| does not overflow or underflow in float32 squares', async () => {
  const v = await on('as', () => Array.from(tf.abs(tf.complex([3e30, 3e-30, 0], [4e30, 4e-30, 0])).dataSync()));
  close(v, [5e30, 5e-30, 0], 1e-6, 'abs');
});

test("gradients through real/imag of an fft equal cpu's", async () => {
  const x = randoms(12);
  const g = () => {
    const grad = tf.grad((t: tf.Tensor) => {
      const spec = tf.spectral.rfft(t);
      return tf.add(tf.sum(tf.square(tf.real(spec))), tf.sum(tf.imag(spec)));
    });
    return Array.from(grad(tf.tensor1d(x)).dataSync());
  };
  let cpuGrad: number[] | undefined;
  try {
    cpuGrad = await on('cpu', g);
  } catch {
    // tfjs-core has no FFT gradient: then 'as' must throw too (not return something else).
  }
  if (cpuGrad) close(await on('as', g), cpuGrad, 1e-4, 'grad');
  else assert.throws(() => tf.tidy(g));
});

test('bad input: kernels without a complex form refuse complex tensors, naming kernel and dtype; nothing leaks', async () => {
  await tf.setBackend('as');
  const before = tf.memory().numTensors;
  const x = tf.complex([1, 2, 3], [4, 5, 6]);
  for (const [kernel, f] of [
    ['Exp', () => tf.exp(x)],
    ['Relu', () => tf.relu(x)],
    ['Sum', () => tf.sum(x)],
    ['BatchMatMul', () => tf.matMul(tf.reshape(x, [1, 3]), tf.reshape(x, [3, 1]))],
    ['UnsortedSegmentSum', () => tf.unsortedSegmentSum(x, tf.tensor1d([0, 1, 0], 'int32'), 2)],
    ['GatherV2', () => tf.gather(x, tf.tensor1d([0], 'int32'))],
  ] as const) {
    assert.throws(() => tf.tidy(f as () => tf.Tensor), new RegExp(`${kernel}.*complex64`), kernel);
  }
  assert.throws(() => tf.tidy(() => tf.spectral.fft(tf.tensor1d([1, 2]) as never)), /complex64/);
  x.dispose();
  assert.is(tf.memory().numTensors, before);
  // Disposing a complex tensor frees its parts (the fft's output parts, and its input's references).
  const backend = tf.backend() as unknown as {
    dataIdMap: {
      has(id: object): boolean;
      get(id: object): {complexTensorInfos: {real: tf.TensorInfo; imag: tf.TensorInfo}};
    };
  };
  const re = tf.ones([5, 7]),
    im = tf.zeros([5, 7]);
  const input = tf.complex(re, im);
  const spectrum = tf.spectral.fft(input);
  const parts = [input, spectrum].flatMap(t => Object.values(backend.dataIdMap.get(t.dataId).complexTensorInfos));
  tf.dispose([re, im, input, spectrum]);
  assert.is(tf.memory().numTensors, before);
  assert.ok(
    parts.every(p => !backend.dataIdMap.has(p.dataId)),
    'a part outlived its complex tensor',
  );
});

test('a complex tensor moves between cpu and as with its values', async () => {
  await tf.setBackend('cpu');
  const x = tf.complex([1, 2], [3, 4]);
  await tf.setBackend('as');
  const y = tf.add(x, x);
  assert.equal(Array.from(y.dataSync()), [2, 6, 4, 8]);
  tf.dispose([x, y]);
});

test.run();
