// bench dropout: our dropout / randomBinomial on 'as' (Philox mask, scale and multiply in one
// AssemblyScript pass), one contender per kernels build, against tf.dropout and randomUniform-based
// Bernoulli tensors on tfjs-backend-wasm and tfjs-backend-cpu, alternating in one process; medians
// per call. Target (issue 4): dropout on [64,500] at least 20x faster than tf.dropout on
// tfjs-backend-wasm. With --threads N, the best build also runs on N threads ('vs 1 thread': its
// speed-up over the same build's one-thread row); tensors under the threshold (philoxParallel)
// stay on one thread, so those rows show the threshold's cost (none) rather than a gain.
import * as tf from '@tensorflow/tfjs-core';
import {dropout, type KernelVariant, randomBinomial} from '../index.js';
import {PHILOX_PARALLEL_MIN_WORK} from '../kernels/utils/parallel.js';
import {alternate, type Contender, timingFor} from './alternate.js';
import {
  asContender,
  type BenchOptions,
  type BenchReport,
  type BenchRow,
  compareWithWasm,
  formatVsWasm,
  VARIANTS,
} from './report.js';

interface DropoutCase {
  work: string;
  shape: number[];
  ours: (x: tf.Tensor) => tf.Tensor;
  peer: (x: tf.Tensor) => tf.Tensor;
}

const CASES: DropoutCase[] = [
  {work: 'dropout(x, 0.5) [64,500]', shape: [64, 500], ours: x => dropout(x, 0.5), peer: x => tf.dropout(x, 0.5)},
  {work: 'dropout(x, 0.2) [256,1024]', shape: [256, 1024], ours: x => dropout(x, 0.2), peer: x => tf.dropout(x, 0.2)},
  {
    work: 'dropout noiseShape [64,1] of [64,500]',
    shape: [64, 500],
    ours: x => dropout(x, 0.5, {noiseShape: [64, 1]}),
    peer: x => tf.dropout(x, 0.5, [64, 1]),
  },
  {
    work: 'randomBinomial [64,500], p=0.5',
    shape: [64, 500],
    ours: x => randomBinomial(x.shape, 0.5),
    peer: x => tf.tidy(() => tf.cast(tf.less(tf.randomUniform(x.shape), 0.5), 'float32')),
  },
  {
    work: 'dropout(x, 0.1) [1024,1024]',
    shape: [1024, 1024],
    ours: x => dropout(x, 0.1),
    peer: x => tf.dropout(x, 0.1),
  },
  {
    work: 'randomBinomial [1024,1024], p=0.5',
    shape: [1024, 1024],
    ours: x => randomBinomial(x.shape, 0.5),
    peer: x => tf.tidy(() => tf.cast(tf.less(tf.randomUniform(x.shape), 0.5), 'float32')),
  },
];

const QUICK_CASES: DropoutCase[] = [
  {work: 'dropout(x, 0.5) [8,16]', shape: [8, 16], ours: x => dropout(x, 0.5), peer: x => tf.dropout(x, 0.5)},
];

export async function run(options: BenchOptions): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  const best = [...VARIANTS].reverse().find(v => options.variants.includes(v))!;
  for (const c of options.quick ? QUICK_CASES : CASES) {
    // Each contender its own input, made on its own backend: a tensor of another backend would be
    // moved between backends inside the timing.
    const contender = (
      name: string,
      backend: Contender['backend'],
      work: (x: tf.Tensor) => tf.Tensor,
      variant?: KernelVariant,
      threads = 1,
    ): Contender => {
      let x: tf.Tensor | undefined;
      return {
        name,
        backend,
        variant,
        threads,
        setup: () => {
          x = tf.randomNormal(c.shape);
        },
        run: () => work(x!),
        teardown: () => x?.dispose(),
      };
    };
    const contenders: Contender[] = [
      ...options.variants.map(variant => contender(asContender(variant), 'as', c.ours, variant)),
      ...(options.threads
        ? [contender(asContender(best, 'as', options.threads), 'as', c.ours, best, options.threads)]
        : []),
      contender('tfjs-backend-wasm', 'wasm', c.peer),
      ...(options.cpu ? [contender('tfjs-backend-cpu', 'cpu', c.peer)] : []),
    ];
    options.log(`dropout: ${c.work}`);
    for (const t of await alternate(contenders, timingFor(options.quick))) {
      rows.push({
        case: c.work,
        contender: t.name,
        backend: t.backend,
        variant: t.variant,
        threads: t.threads,
        median: t.us,
        unit: 'us',
        vsWasm: null,
        samples: t.samples,
      });
    }
  }
  compareWithWasm(rows);
  for (const r of rows) {
    if (!r.threads || r.threads === 1) continue;
    const one = rows.find(o => o.case === r.case && o.contender === asContender(r.variant as KernelVariant));
    if (one) r.vsOneThread = one.median / r.median;
  }
  return {
    name: 'dropout',
    title: 'Dropout and randomBinomial',
    rows,
    table: {
      header: [
        'work',
        'contender',
        'median µs/call',
        'vs tfjs-backend-wasm',
        ...(options.threads ? ['vs 1 thread'] : []),
      ],
      cells: rows.map(r => [
        r.case,
        r.contender,
        r.median.toFixed(1),
        formatVsWasm(r),
        ...(options.threads ? [typeof r.vsOneThread === 'number' ? `${r.vsOneThread.toFixed(2)}x` : ''] : []),
      ]),
    },
    notes: [
      'Peers: tf.dropout (and tf.randomUniform < p for randomBinomial).',
      ...(options.threads
        ? [
            `Threads split tensors whose elements x (draw bits + 4) reach ${PHILOX_PARALLEL_MIN_WORK} (about 840,000 elements at rate 0.5, 210,000 of 16-bit draws); smaller ones run on one thread ` +
              "(their threaded rows measure the same kernel). 'vs 1 thread' = the one-thread median / this row's.",
          ]
        : []),
      "'vs tfjs-backend-wasm' = its time / this one's, in the same process: > 1 means faster.",
    ],
  };
}
