// Einsum on 'as' (src/kernels/Einsum.ts: transposes + the batch GEMM) against tfjs-backend-cpu on
// every variant, with random sizes (1, primes, zero-size); tfjs' own errors for bad equations;
// gradients. String tensors and the ragged kernels (tfjs-backend-cpu's shared implementations)
// against tfjs-backend-cpu; kernels without a string form refuse strings by name.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {setKernelVariant} from '../../src/index.js';
import {seededRandom, VARIANTS} from './variants.js';

const rand = seededRandom(99);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

async function on<T extends tf.TensorContainer>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return tf.tidy(f);
}

function close(got: number[], want: number[], label: string) {
  assert.is(got.length, want.length, label);
  got.forEach((g, i) => {
    if (!(Object.is(g, want[i]) || Math.abs(g - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!))))
      assert.unreachable(`${label}: [${i}] = ${g}, cpu ${want[i]}`);
  });
}

// Every shape of equation tfjs accepts: one or two operands, reductions, transposes, outer and
// batch products, contractions over several labels, labels summed out of one operand only.
const EQUATIONS = [
  'i->',
  'i->i',
  'ij->',
  'ij->ji',
  'ij->i',
  'ij->j',
  'ijk->kji',
  ',->',
  'i,->i',
  ',i->',
  'i,i->',
  'i,i->i',
  'i,j->ij',
  'ij,j->i',
  'ij,jk->ik',
  'ij,kj->ik',
  'ji,jk->ki',
  'bij,bjk->bik',
  'bij,bkj->bki',
  'ijk,jkl->il',
  'ij,ij->',
  'ij,ij->ij',
  'ij,jk->',
  'ij,kl->ijkl',
  'abc,cd->abd',
  'ijk,k->ij',
  'ij,k->ijk',
  'aij,ajk->ik',
  'ij,jk->kji',
  'ijkl,lk->ij',
];

/** The definition: for every assignment of the labels, add the product of the operands' elements. */
function referenceEinsum(equation: string, shapes: number[][], values: number[][]): {shape: number[]; data: number[]} {
  const [ins, out] = equation.split('->') as [string, string];
  const terms = ins.split(',');
  const size = new Map<string, number>();
  terms.forEach((t, i) => {
    [...t].forEach((l, a) => {
      size.set(l, shapes[i]![a]!);
    });
  });
  const labels = [...size.keys()];
  const outShape = [...out].map(l => size.get(l)!);
  const data = new Array(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const flat = (term: string, shape: number[], at: Map<string, number>) =>
    [...term].reduce((o, l, a) => o * shape[a]! + at.get(l)!, 0);
  const total = labels.reduce((p, l) => p * size.get(l)!, 1);
  for (let n = 0; n < total; n++) {
    const at = new Map<string, number>();
    let rest = n;
    for (const l of labels) {
      at.set(l, rest % size.get(l)!);
      rest = Math.floor(rest / size.get(l)!);
    }
    data[flat(out, outShape, at)] += terms.reduce((p, t, i) => p * values[i]![flat(t, shapes[i]!, at)]!, 1);
  }
  return {shape: outShape, data};
}

function operandShapes(equation: string, sizes: Map<string, number>): number[][] {
  return equation
    .split('->')[0]!
    .split(',')
    .map(term => term.split('').map(l => sizes.get(l)!));
}

for (const variant of VARIANTS) {
  test(`${variant}: every equation form, random sizes (incl. 1, primes, 0), equals cpu`, async () => {
    await setKernelVariant(variant);
    for (const equation of EQUATIONS) {
      for (let trial = 0; trial < 3; trial++) {
        const sizes = new Map([...'abcdijkl'].map(l => [l, [1, 2, 3, 5, 7, 0, 13][randInt(0, trial === 0 ? 4 : 6)]!]));
        const shapes = operandShapes(equation, sizes);
        const values = shapes.map(s => Array.from({length: s.reduce((a, b) => a * b, 1)}, () => rand() * 2 - 1));
        const f = () => {
          const y = tf.einsum(equation, ...values.map((v, i) => tf.tensor(v, shapes[i])));
          return [...y.shape, -1, ...Array.from(y.dataSync())];
        };
        const label = `${variant} ${equation} ${JSON.stringify(shapes)}`;
        const got = await on('as', f);
        const want = referenceEinsum(equation, shapes, values);
        close(got, [...want.shape, -1, ...want.data], label);
        // tfjs-backend-cpu too, where it is right: it gets the shape of full reductions of two
        // operands ('ij,jk->') wrong, and empty dimensions.
        if (want.data.length > 0 && want.shape.length > 0) close(got, await on('cpu', f), `${label} (cpu)`);
      }
    }
  });
}

test('a large einsum (attention scores, bqd,bkd->bqk) equals cpu', async () => {
  const q = Array.from({length: 4 * 64 * 32}, () => rand() - 0.5),
    k = Array.from({length: 4 * 50 * 32}, () => rand() - 0.5);
  const f = () =>
    Array.from(tf.einsum('bqd,bkd->bqk', tf.tensor3d(q, [4, 64, 32]), tf.tensor3d(k, [4, 50, 32])).dataSync());
  close(await on('as', f), await on('cpu', f), 'attention');
});

test("einsum's gradient (registered by this package: tfjs-core 4.22 has none) equals the gradient of the same product written with matMul/sum", async () => {
  const a = Array.from({length: 24}, () => rand() - 0.5),
    b = Array.from({length: 20}, () => rand() - 0.5);
  // On 'as' only: tfjs-backend-cpu's einsum cannot run the gradient's 'bk,jk->bj' (a broadcasting error).
  for (const backend of ['as']) {
    await tf.setBackend(backend);
    const [viaEinsum, viaOps] = tf.tidy(() => {
      const x = tf.tensor3d(a, [2, 3, 4]),
        y = tf.tensor2d(b, [4, 5]);
      // 'bij,jk->bk': j contracted, i summed out of x alone (its gradient is broadcast back).
      const f1 = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.einsum('bij,jk->bk', p, q)));
      const f2 = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.sum(p, 1), q)));
      return [tf.grads(f1)([x, y]), tf.grads(f2)([x, y])].map(gs => gs.flatMap(g => Array.from(g.dataSync())));
    });
    close(viaEinsum, viaOps, `${backend} grads`);
  }
});

test("bad equations throw tfjs' own messages (the same as on cpu), leaking nothing", async () => {
  for (const [equation, n] of [
    ['ij,jk', 2],
    ['ij->i->j', 1],
    ['ii->i', 1],
    ['ij,jk->ik', 1],
    ['i->j', 1],
    ['i,j,k->ijk', 3],
    ['...i->i', 1],
  ] as const) {
    const messageOn = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const ts = Array.from({length: n}, () => tf.ones([2, 2]));
      try {
        tf.einsum(equation, ...ts);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      } finally {
        tf.dispose(ts);
        assert.is(tf.memory().numTensors, before, `${backend} ${equation} leaked`);
      }
    };
    const cpu = await messageOn('cpu');
    assert.is.not(cpu, 'no error', equation);
    assert.is(await messageOn('as'), cpu, equation);
  }
  // Mismatched sizes of one label.
  await tf.setBackend('as');
  const x = tf.ones([2, 3]),
    y = tf.ones([4, 5]);
  assert.throws(() => tf.einsum('ij,jk->ik', x, y), /dimension/i);
  tf.dispose([x, y]);
});

test('string tensors: fill, tile, comparisons, concat, slice, reshape, stack, sparseToDense, regex, toString equal cpu', async () => {
  const f = () => {
    const a = tf.tensor1d(['a', 'bb', 'c', 'dd']),
      b = tf.tensor1d(['a', 'b', 'cc', 'dd']);
    const out = [
      tf.fill([2, 2], 'hi'),
      tf.tile(tf.reshape(a, [2, 2]), [2, 3]),
      tf.concat([a, b]),
      tf.slice(a, [1], [2]),
      tf.squeeze(tf.reshape(a, [1, 4, 1])),
      tf.gatherND(a, tf.tensor2d([[3], [1]], [2, 1], 'int32')),
      tf.stack([a, b]),
      tf.unstack(tf.reshape(a, [2, 2]))[1]!,
      tf.sparseToDense(tf.tensor1d([0, 2], 'int32'), tf.tensor1d(['x', 'y']), [4], tf.scalar('z')),
      tf.string.staticRegexReplace(a, 'b|d', 'X'),
      tf.string.staticRegexReplace(a, 'b|d', 'X', false),
    ];
    const cmp = [
      tf.equal(a, b),
      tf.notEqual(a, b),
      tf.less(a, b),
      tf.lessEqual(a, b),
      tf.greater(a, b),
      tf.greaterEqual(a, b),
      tf.equal(a, tf.scalar('c')),
    ];
    return JSON.stringify([
      ...out.map(t => [t.shape, t.dtype, t.arraySync()]),
      ...cmp.map(t => [t.dtype, Array.from(t.dataSync())]),
      tf.fill([100], 'hi').toString(true),
    ]);
  };
  assert.is(await on('as', f), await on('cpu', f));
});

test('ragged kernels (tfjs-backend-cpu shared implementations) equal cpu, errors included', async () => {
  const f = () => {
    const range = tf.raggedRange(
      tf.tensor1d([0, 5, 8], 'int32'),
      tf.tensor1d([3, 5, 12], 'int32'),
      tf.tensor1d([1, 1, 2], 'int32'),
    );
    const gathered = tf.raggedGather(
      [tf.tensor1d([0, 3, 3, 7, 9], 'int32')],
      tf.tensor1d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
      tf.tensor1d([3, 1, 2, 1, 0], 'int32'),
      1,
    );
    const dense = tf.raggedTensorToTensor(
      tf.tensor1d([4, 4], 'int32'),
      tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      tf.scalar(-1),
      [tf.tensor1d([0, 3, 3, 7, 9], 'int32')],
      ['ROW_SPLITS'],
    );
    return JSON.stringify([
      range.rtNestedSplits.arraySync(),
      range.rtDenseValues.arraySync(),
      gathered.outputNestedSplits.map(t => t.arraySync()),
      gathered.outputDenseValues.arraySync(),
      dense.arraySync(),
    ]);
  };
  assert.is(await on('as', f), await on('cpu', f));
  const bad = async (backend: string) => {
    await tf.setBackend(backend);
    try {
      tf.tidy(() => tf.raggedRange(tf.tensor1d([0], 'int32'), tf.tensor1d([3], 'int32'), tf.tensor1d([0], 'int32')));
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.is(await bad('as'), await bad('cpu'));
});

test('kernels without a string form refuse string tensors by name; nothing leaks', async () => {
  await tf.setBackend('as');
  const before = tf.memory().numTensors;
  const s = tf.tensor1d(['a', 'b']);
  assert.throws(() => tf.tidy(() => tf.stridedSlice(s, [0], [2], [2])), /StridedSlice.*string/);
  assert.throws(() => tf.tidy(() => tf.engine().runKernel('Transpose', {x: s}, {perm: [0]})), /Transpose.*string/);
  s.dispose();
  assert.is(tf.memory().numTensors, before);
});

test.run();
