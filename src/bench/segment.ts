// bench segment: tf.unsortedSegmentSum (tf.gather's gradient: an Embedding layer's weight
// gradient) on 'as' (one AssemblyScript scatter-add pass, assembly/segment.ts), one contender per
// kernels build, against tfjs-backend-cpu, the only other backend with the kernel here (it runs a
// masked sum over every row for each segment); alternating in one process, medians per call.
// tfjs-backend-wasm has no UnsortedSegmentSum: an Embedding model cannot train on it.
import * as tf from '@tensorflow/tfjs-core';
import type {KernelVariant} from '../index.js';
import {alternate, type Contender, timingFor} from './alternate.js';
import {asContender, type BenchOptions, type BenchReport, type BenchRow} from './report.js';

interface SegmentCase {
  work: string;
  rows: number;
  width: number;
  segments: number;
}

const CASES: SegmentCase[] = [
  {work: 'Embedding(1000, 32) gradient, batch 32 x 20 tokens', rows: 640, width: 32, segments: 1000},
  {work: 'Embedding(100, 64) gradient, batch 64 x 50 tokens', rows: 3200, width: 64, segments: 100},
  {work: 'small', rows: 64, width: 8, segments: 10},
];
const QUICK_CASES: SegmentCase[] = [{work: 'quick', rows: 16, width: 4, segments: 5}];

export async function run(options: BenchOptions): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  for (const c of options.quick ? QUICK_CASES : CASES) {
    const label = `${c.work}: [${c.rows},${c.width}] into ${c.segments} segments`;
    // Each contender its own inputs, made on its own backend.
    const contender = (name: string, backend: Contender['backend'], variant?: KernelVariant): Contender => {
      let x: tf.Tensor | undefined, ids: tf.Tensor1D | undefined;
      return {
        name,
        backend,
        variant,
        setup: () => {
          x = tf.randomNormal([c.rows, c.width]);
          ids = tf.randomUniform([c.rows], 0, c.segments, 'int32') as tf.Tensor1D;
        },
        run: () => tf.unsortedSegmentSum(x!, ids!, c.segments),
        teardown: () => tf.dispose([x!, ids!]),
      };
    };
    const contenders: Contender[] = [
      ...options.variants.map(variant => contender(asContender(variant), 'as', variant)),
      ...(options.cpu ? [contender('tfjs-backend-cpu', 'cpu')] : []),
    ];
    options.log(`segment: ${label}`);
    const timings = await alternate(contenders, timingFor(options.quick));
    const cpu = timings.find(t => t.backend === 'cpu');
    for (const t of timings) {
      rows.push({
        case: label,
        contender: t.name,
        backend: t.backend,
        variant: t.variant,
        median: t.us,
        unit: 'us',
        vsWasm: null,
        vsCpu: cpu ? cpu.us / t.us : null,
        samples: t.samples,
      });
    }
  }
  return {
    name: 'segment',
    title: 'UnsortedSegmentSum (an Embedding gradient)',
    rows,
    table: {
      header: ['work', 'contender', 'median µs/call', 'vs tfjs-backend-cpu'],
      cells: rows.map(r => [
        r.case,
        r.contender,
        r.median.toFixed(1),
        r.vsCpu == null ? '' : `${(r.vsCpu as number).toFixed(1)}x`,
      ]),
    },
    notes: [
      'tfjs-backend-wasm has no UnsortedSegmentSum; tfjs-backend-cpu is the only peer (its rows need it installed).',
      "'vs tfjs-backend-cpu' = its time / this one's, in the same process: > 1 means faster.",
    ],
  };
}
