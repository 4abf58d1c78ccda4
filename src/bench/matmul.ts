// bench matmul: dense products on one core, in one process, alternating: every selected kernels
// build of 'as' (scalar, SIMD, relaxed SIMD: the CLI re-spawns Node with
// --experimental-wasm-relaxed-simd where the runtime needs it, so all three run side by side),
// tfjs-backend-wasm (XNNPACK) and tfjs-backend-cpu (small shapes only). GFLOP/s are set against
// the machine's f32x4 ceiling (ceiling.ts); relaxed SIMD rows against the FMA ceiling.
import * as tf from '@tensorflow/tfjs-core';
import {getThreadsCount, setThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import type {KernelVariant} from '../index.js';
import {alternate, type Contender, timingFor} from './alternate.js';
import {measureCeiling} from './ceiling.js';
import {
  asContender,
  type BenchOptions,
  type BenchReport,
  type BenchRow,
  compareWithWasm,
  formatMs,
  formatVsWasm,
} from './report.js';

interface MatMulCase {
  name: string;
  m: number;
  k: number;
  n: number;
  transposeA?: boolean;
  transposeB?: boolean;
  /** + bias [n] + relu, fused. */
  fused?: boolean;
  /** tfjs-backend-cpu takes seconds on the big shapes: it only runs where this is set. */
  cpu?: boolean;
  /** Our scalar build takes seconds on 2048^3: skipped where this is not set. */
  scalar?: boolean;
}

const CASES: MatMulCase[] = [
  {name: 'fused [64,784]x[784,500] + bias + relu', m: 64, k: 784, n: 500, fused: true, cpu: true, scalar: true},
  {name: '[256,784]x[784,500]', m: 256, k: 784, n: 500, scalar: true},
  {name: '[512,512]x[512,512]', m: 512, k: 512, n: 512, scalar: true},
  {name: 'batch-1 [1,784]x[784,500]', m: 1, k: 784, n: 500, cpu: true, scalar: true},
  {name: '[2048,2048]x[2048,2048]', m: 2048, k: 2048, n: 2048},
  {
    name: 'dense 784→500 dW: [64,784]ᵀx[64,500] (transposeA)',
    m: 784,
    k: 64,
    n: 500,
    transposeA: true,
    cpu: true,
    scalar: true,
  },
  {
    name: 'dense 784→500 dX: [64,500]x[784,500]ᵀ (transposeB)',
    m: 64,
    k: 500,
    n: 784,
    transposeB: true,
    cpu: true,
    scalar: true,
  },
];

const QUICK_CASES: MatMulCase[] = [
  {name: 'fused [8,32]x[32,16] + bias + relu', m: 8, k: 32, n: 16, fused: true, cpu: true, scalar: true},
  {name: 'dW: [32,8]ᵀx[32,16] (transposeA)', m: 8, k: 32, n: 16, transposeA: true, cpu: true, scalar: true},
];

const flops = (c: MatMulCase) => 2 * c.m * c.n * c.k;

/** A contender with its own operands, made on its own backend (tensors of another would be moved). */
function contender(
  c: MatMulCase,
  name: string,
  backend: Contender['backend'],
  variant?: KernelVariant,
  threads = 1,
): Contender {
  let a: tf.Tensor2D | undefined, b: tf.Tensor2D | undefined, bias: tf.Tensor1D | undefined;
  return {
    name,
    backend,
    variant,
    threads,
    setup: () => {
      a = tf.randomUniform(c.transposeA ? [c.k, c.m] : [c.m, c.k], -1, 1, 'float32', 1);
      b = tf.randomUniform(c.transposeB ? [c.n, c.k] : [c.k, c.n], -1, 1, 'float32', 2);
      bias = tf.randomUniform([c.n], -1, 1, 'float32', 3);
    },
    // tfjs-backend-wasm and 'as' compute synchronously: the work is done when the call returns.
    run: () =>
      c.fused
        ? tf.fused.matMul({a: a!, b: b!, transposeA: c.transposeA, transposeB: c.transposeB, bias, activation: 'relu'})
        : tf.matMul(a!, b!, c.transposeA, c.transposeB),
    teardown: () => tf.dispose([a!, b!, bias!]),
  };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  // tfjs-backend-wasm on one thread, as ours: its threaded build needs SharedArrayBuffer and
  // workers, and in Node it runs single-threaded anyway (getThreadsCount() below confirms it).
  setThreadsCount(1);
  await tf.setBackend('wasm');
  const wasmThreads = getThreadsCount();
  const [samples, ms] = options.quick ? [1, 5] : [7, 40];
  options.log('matmul: measuring the f32x4 ceiling');
  const ceilingMulAdd = measureCeiling('mul+add', samples, ms);
  const ceilingFma = options.variants.includes('relaxed-simd') ? measureCeiling('relaxed-madd', samples, ms) : null;

  const rows: BenchRow[] = [];
  for (const c of options.quick ? QUICK_CASES : CASES) {
    const contenders: Contender[] = [
      ...options.variants.filter(v => v !== 'scalar' || c.scalar).map(v => contender(c, asContender(v), 'as', v)),
      ...(options.threads
        ? options.variants
            .filter(v => v !== 'scalar')
            .map(v => contender(c, asContender(v, 'as', options.threads!), 'as', v, options.threads!))
        : []),
      contender(c, 'tfjs-backend-wasm', 'wasm'),
      ...(options.cpu && c.cpu ? [contender(c, 'tfjs-backend-cpu', 'cpu')] : []),
    ];
    options.log(`matmul: ${c.name}`);
    // A 2048^3 product takes about half a second: three rounds of one call each.
    const timing = flops(c) > 5e9 ? {rounds: 3, batchMs: 1} : timingFor(options.quick);
    for (const t of await alternate(contenders, timing)) {
      const median = t.us / 1000;
      const gflops = flops(c) / median / 1e6;
      const ceiling = t.variant === 'relaxed-simd' ? ceilingFma! : ceilingMulAdd;
      rows.push({
        case: c.name,
        contender: t.name,
        backend: t.backend,
        variant: t.variant,
        threads: t.threads,
        median,
        unit: 'ms',
        vsWasm: null,
        samples: t.samples.map(us => us / 1000),
        gflops,
        percentOfCeiling: (100 * gflops) / ceiling.gflops,
      });
    }
  }
  compareWithWasm(rows);
  // Threaded rows against the same build on one thread, same case: the speed-up threads give.
  for (const r of rows) {
    if (!r.threads || r.threads === 1) continue;
    const one = rows.find(o => o.case === r.case && o.variant === r.variant && o.threads === 1);
    if (one) r.vsOneThread = one.median / r.median;
  }
  const gf = (x: number) => x.toFixed(1);
  return {
    name: 'matmul',
    title: 'Dense products',
    rows,
    table: {
      header: [
        'case',
        'contender',
        'median ms',
        'GFLOP/s',
        '% of ceiling',
        'vs tfjs-backend-wasm',
        ...(options.threads ? ['vs 1 thread'] : []),
      ],
      cells: rows.map(r => [
        r.case,
        r.contender,
        formatMs(r.median),
        gf(r.gflops as number),
        `${(r.percentOfCeiling as number).toFixed(0)}%${r.variant === 'relaxed-simd' ? ' (FMA)' : ''}`,
        formatVsWasm(r),
        ...(options.threads ? [typeof r.vsOneThread === 'number' ? `${r.vsOneThread.toFixed(2)}x` : ''] : []),
      ]),
    },
    notes: [
      `f32x4 ceiling on one core (independent chains in registers): mul+add ${gf(ceilingMulAdd.gflops)} GFLOP/s` +
        (ceilingFma ? `, relaxed_madd (FMA) ${gf(ceilingFma.gflops)} GFLOP/s` : '') +
        '. "% of ceiling" is against one core\'s mul+add (threaded rows exceed it), relaxed SIMD rows against FMA.',
      `tfjs-backend-wasm threads: ${wasmThreads}. tfjs-backend-cpu runs on the small shapes only (seconds per call on ` +
        'the others); our scalar build is skipped on 2048^3.',
      "'vs tfjs-backend-wasm' = its time / this one's, in the same process: > 1 means faster.",
    ],
    details: {
      cases: options.quick ? QUICK_CASES : CASES,
      ceiling: {mulAdd: ceilingMulAdd, relaxedMadd: ceilingFma},
      wasmThreads,
    },
  };
}
