// bench concat: tf.concat on 'as' (one AssemblyScript call copies all rows), one contender per
// kernels build, against tfjs-backend-wasm (a JavaScript loop of row copies) and tfjs-backend-cpu;
// and denseConcat against two fused matMuls plus concat; alternating in one process, medians per
// call. Targets (issue 4): [4096,100]+[4096,80] on the last axis >= 3x wasm; [64,100]+[64,80] not
// slower; denseConcat >= 1.2x the two fused matMuls + concat on 'as'.
import * as tf from '@tensorflow/tfjs-core';
import {denseConcat, type KernelVariant} from '../index.js';
import {alternate, type Contender, timingFor} from './alternate.js';
import {
  asContender,
  type BenchOptions,
  type BenchReport,
  type BenchRow,
  compareWithWasm,
  formatVsWasm,
} from './report.js';

interface ConcatCase {
  shapes: number[][];
  axis: number;
}
interface DenseConcatCase {
  batch: number;
  ins: number[];
  units: number[];
  activation: 'relu' | 'linear';
}

const CONCAT_CASES: ConcatCase[] = [
  {
    shapes: [
      [64, 100],
      [64, 80],
    ],
    axis: -1,
  },
  {
    shapes: [
      [4096, 100],
      [4096, 80],
    ],
    axis: -1,
  },
  {
    shapes: [
      [32, 10, 16],
      [32, 10, 16],
      [32, 10, 16],
    ],
    axis: 2,
  },
  {
    shapes: [
      [1000, 64],
      [24, 64],
    ],
    axis: 0,
  },
];
const DENSE_CONCAT_CASES: DenseConcatCase[] = [
  {batch: 64, ins: [100, 80], units: [64, 32], activation: 'relu'},
  {batch: 64, ins: [784, 784], units: [250, 250], activation: 'linear'},
];
const QUICK_CONCAT_CASES: ConcatCase[] = [
  {
    shapes: [
      [8, 10],
      [8, 6],
    ],
    axis: -1,
  },
];
const QUICK_DENSE_CONCAT_CASES: DenseConcatCase[] = [{batch: 4, ins: [10, 6], units: [4, 2], activation: 'relu'}];

/**
 * A contender with its own inputs, made on its own backend (a tensor of another backend would be
 * moved between backends inside the timing).
 */
function contender<T extends tf.Tensor[]>(
  name: string,
  backend: Contender['backend'],
  variant: KernelVariant | undefined,
  make: () => T,
  work: (inputs: T) => tf.Tensor,
): Contender {
  let inputs: T | undefined;
  return {
    name,
    backend,
    variant,
    setup: () => {
      inputs = make();
    },
    run: () => work(inputs!),
    teardown: () => tf.dispose(inputs),
  };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  const timing = timingFor(options.quick);
  const record = async (work: string, contenders: Contender[]) => {
    options.log(`concat: ${work}`);
    for (const t of await alternate(contenders, timing)) {
      rows.push({
        case: work,
        contender: t.name,
        backend: t.backend,
        variant: t.variant,
        median: t.us,
        unit: 'us',
        vsWasm: null,
        samples: t.samples,
      });
    }
  };

  for (const {shapes, axis} of options.quick ? QUICK_CONCAT_CASES : CONCAT_CASES) {
    const make = () => shapes.map(s => tf.randomNormal(s));
    const work = (parts: tf.Tensor[]) => tf.concat(parts, axis);
    await record(`concat ${shapes.map(s => `[${s}]`).join('+')} axis ${axis}`, [
      ...options.variants.map(v => contender(asContender(v), 'as', v, make, work)),
      contender('tfjs-backend-wasm', 'wasm', undefined, make, work),
      ...(options.cpu ? [contender('tfjs-backend-cpu', 'cpu', undefined, make, work)] : []),
    ]);
  }

  const separate = 'fused matMuls + concat';
  for (const {batch, ins, units, activation} of options.quick ? QUICK_DENSE_CONCAT_CASES : DENSE_CONCAT_CASES) {
    // [xs..., kernels..., biases...], one of each per part.
    const make = () => [
      ...ins.map(k => tf.randomNormal([batch, k])),
      ...ins.map((k, i) => tf.randomNormal([k, units[i]!])),
      ...units.map(n => tf.randomNormal([n])),
    ];
    const split = (t: tf.Tensor[]) => [0, 1, 2].map(i => t.slice(i * ins.length, (i + 1) * ins.length));
    const fused = (t: tf.Tensor[]) => {
      const [xs, ws, bs] = split(t) as [tf.Tensor2D[], tf.Tensor2D[], tf.Tensor[]];
      return denseConcat(xs, ws, bs, {activation});
    };
    const separately = (t: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs, ws, bs] = split(t) as [tf.Tensor2D[], tf.Tensor2D[], tf.Tensor[]];
        return tf.concat(
          xs.map((x, i) => tf.fused.matMul({a: x, b: ws[i]!, bias: bs[i], activation})),
          -1,
        );
      });
    await record(`denseConcat ${ins.map(k => `[${batch},${k}]`).join('+')} -> ${units.join('+')} ${activation}`, [
      ...options.variants.flatMap(v => [
        contender(asContender(v, 'denseConcat: as'), 'as', v, make, fused),
        contender(asContender(v, `${separate}: as`), 'as', v, make, separately),
      ]),
      contender(`${separate}: tfjs-backend-wasm`, 'wasm', undefined, make, separately),
    ]);
  }

  const isDenseConcat = (r: BenchRow) => r.case.startsWith('denseConcat');
  compareWithWasm(rows.filter(r => !isDenseConcat(r)));
  compareWithWasm(rows.filter(isDenseConcat), `${separate}: tfjs-backend-wasm`);
  return {
    name: 'concat',
    title: 'Concat and denseConcat',
    rows,
    table: {
      header: ['work', 'contender', 'median µs/call', 'vs tfjs-backend-wasm'],
      cells: rows.map(r => [r.case, r.contender, r.median.toFixed(1), formatVsWasm(r)]),
    },
    notes: [
      "'vs tfjs-backend-wasm' = its time / this one's, in the same process: > 1 means faster " +
        '(for denseConcat: against fused matMuls + concat on tfjs-backend-wasm).',
      'denseConcat saves the concat copy and one output allocation; at large sizes the two products dominate, so it ' +
        'can only tie with two fused matMuls + concat there.',
    ],
  };
}
