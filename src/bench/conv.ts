// bench conv: convolutions on one core, in one process, alternating: every selected kernels build
// of 'as' against tfjs-backend-wasm (XNNPACK forward; its own Conv2DBackpropInput loop; it has no
// filter gradient and no depthwise gradients) and tfjs-backend-cpu on the two small MNIST cases.
// Each case runs forward, backprop-input and backprop-filter; the stride-1 input gradient is also
// timed both ways ours can compute it (cols + col2im, and the flipped-filter implicit GEMM), the
// measurement behind src/kernels/utils/conv.ts' choice. Then the pooling gradients against
// tfjs-backend-wasm's. Targets (issue 13): forward >= 1.5x XNNPACK on the 3x3 and 1x1 cases; both
// backprops >= 75% of our forward GFLOP/s; depthwise forward >= XNNPACK. With --threads N, the
// best build also runs on N threads in every direction ('vs 1 thread': its speed-up over the
// same build's one-thread row); XNNPACK stays on its one thread (in Node it has no other).
import * as tf from '@tensorflow/tfjs-core';
import {getThreadsCount, setThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import type {KernelVariant} from '../index.js';
import {type ConvInputGradPath as InputGradPath, setConvInputGradPath} from '../backend/state.js';
import {alternate, type Contender, timingFor} from './alternate.js';
import {
  asContender,
  type BenchOptions,
  type BenchReport,
  type BenchRow,
  compareWithWasm,
  formatMs,
  formatVsWasm,
  VARIANTS,
} from './report.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  /** [KH, KW, Cin, Cout]; depthwise: [KH, KW, C, multiplier]. */
  filter: [number, number, number, number];
  depthwise?: boolean;
  /** tfjs-backend-cpu takes seconds per call on the big cases: only where this is set ('all': its filter gradient too, 2 s a call). */
  cpu?: boolean | 'all';
  /** Our scalar build: only where this is set (seconds per call on the big cases). */
  scalar?: boolean;
}

const CASES: ConvCase[] = [
  {
    name: 'MNIST CNN layer 1 [64,28,28,1] ⊛ 3x3x32',
    x: [64, 28, 28, 1],
    filter: [3, 3, 1, 32],
    cpu: 'all',
    scalar: true,
  },
  {
    name: 'MNIST CNN layer 2 [64,13,13,32] ⊛ 3x3x64',
    x: [64, 13, 13, 32],
    filter: [3, 3, 32, 64],
    cpu: true,
    scalar: true,
  },
  {name: 'ResNet-style 3x3 [8,56,56,64] ⊛ 3x3x64', x: [8, 56, 56, 64], filter: [3, 3, 64, 64]},
  {name: 'pointwise 1x1 [8,56,56,64] ⊛ 1x1x128', x: [8, 56, 56, 64], filter: [1, 1, 64, 128]},
  {name: 'MobileNet depthwise [8,112,112,32] ⊛ 3x3', x: [8, 112, 112, 32], filter: [3, 3, 32, 1], depthwise: true},
];
const QUICK_CASES: ConvCase[] = [
  {name: 'conv [2,8,8,3] ⊛ 3x3x5', x: [2, 8, 8, 3], filter: [3, 3, 3, 5], cpu: 'all', scalar: true},
  {name: 'depthwise [2,8,8,6] ⊛ 3x3', x: [2, 8, 8, 6], filter: [3, 3, 6, 1], depthwise: true, scalar: true},
];

type Direction = 'forward' | 'backprop-input' | 'backprop-filter';
const DIRECTIONS: Direction[] = ['forward', 'backprop-input', 'backprop-filter'];
// 'same' padding, stride 1 (the MNIST CNN uses 'valid'; the work differs by the border only).
const PAD = 'same' as const;
/** 2·N·OH·OW·KH·KW·Cin·Cout, in every direction (depthwise: Cin = C, Cout = the multiplier). */
const flops = (c: ConvCase) => 2 * c.x[0] * c.x[1] * c.x[2] * c.filter[0] * c.filter[1] * c.filter[2] * c.filter[3];

/** Whether `backend` has a kernel for this case and direction (tfjs-backend-wasm lacks the gradients but one). */
const hasKernel = (backend: Contender['backend'], c: ConvCase, d: Direction) =>
  backend === 'as' ||
  (backend === 'cpu'
    ? !!c.cpu && (d !== 'backprop-filter' || c.cpu === 'all')
    : d === 'forward' || (!c.depthwise && d === 'backprop-input'));

function work(c: ConvCase, d: Direction, x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D): () => tf.Tensor {
  const attrs = {strides: 1, pad: PAD, dataFormat: 'NHWC', dilations: 1};
  const kernel = (name: string, inputs: tf.NamedTensorMap, extra: object) => () =>
    tf.engine().runKernel(name, inputs, {...attrs, ...extra} as never) as tf.Tensor;
  if (c.depthwise) {
    if (d === 'forward') return () => tf.depthwiseConv2d(x, filter, 1, PAD);
    if (d === 'backprop-input') return kernel('DepthwiseConv2dNativeBackpropInput', {dy, filter}, {inputShape: c.x});
    return kernel('DepthwiseConv2dNativeBackpropFilter', {x, dy}, {filterShape: c.filter});
  }
  if (d === 'forward') return () => tf.conv2d(x, filter, 1, PAD);
  if (d === 'backprop-input') return () => tf.conv2dTranspose(dy, filter, c.x, 1, PAD);
  return kernel('Conv2DBackpropFilter', {x, dy}, {filterShape: c.filter});
}

/** A contender with its own tensors, made on its own backend; `path` forces our input-gradient path. */
function contender(
  c: ConvCase,
  d: Direction,
  name: string,
  backend: Contender['backend'],
  variant?: KernelVariant,
  path: InputGradPath = 'auto',
  threads = 1,
): Contender {
  let t: [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] | undefined;
  let call: () => tf.Tensor = () => {
    throw new Error('not set up');
  };
  const out: [number, number, number, number] = [
    c.x[0],
    c.x[1],
    c.x[2],
    c.depthwise ? c.x[3] * c.filter[3] : c.filter[3],
  ];
  return {
    name,
    backend,
    variant,
    threads,
    setup: () => {
      t = [
        tf.randomUniform(c.x, -1, 1, 'float32', 1),
        tf.randomUniform(c.filter, -1, 1, 'float32', 2),
        tf.randomUniform(out, -1, 1, 'float32', 3),
      ];
      call = work(c, d, ...t);
    },
    run: () => {
      if (path === 'auto') return call();
      setConvInputGradPath(path);
      try {
        return call();
      } finally {
        setConvInputGradPath('auto');
      }
    },
    teardown: () => tf.dispose(t ?? []),
  };
}

/** The pooling gradients of the MNIST CNN (2x2 / 2 'valid') and of MobileNet (3x3 / 2 'same'). */
const POOLS = [
  {shape: [64, 26, 26, 32], k: 2, s: 2, pad: 'valid'},
  {shape: [64, 11, 11, 64], k: 2, s: 2, pad: 'valid'},
  {shape: [8, 112, 112, 32], k: 3, s: 2, pad: 'same'},
] as const;
const QUICK_POOLS = [{shape: [2, 8, 8, 6], k: 2, s: 2, pad: 'valid'}] as const;

function poolContender(
  p: (typeof POOLS)[number] | (typeof QUICK_POOLS)[number],
  kind: 'max' | 'avg',
  name: string,
  backend: Contender['backend'],
  variant?: KernelVariant,
): Contender {
  let x: tf.Tensor4D | undefined, dy: tf.Tensor | undefined;
  const attrs = {filterSize: p.k, strides: p.s, pad: p.pad} as never;
  return {
    name,
    backend,
    variant,
    setup: () => {
      x = tf.randomUniform([...p.shape], -1, 1, 'float32', 4);
      dy = tf.tidy(() => tf.onesLike((kind === 'max' ? tf.maxPool : tf.avgPool)(x!, p.k, p.s, p.pad)));
    },
    run: () =>
      (kind === 'max'
        ? tf.engine().runKernel('MaxPoolGrad', {dy: dy!, input: x!, output: dy!}, attrs)
        : tf.engine().runKernel('AvgPoolGrad', {dy: dy!, input: x!}, attrs)) as tf.Tensor,
    teardown: () => tf.dispose([x!, dy!]),
  };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  setThreadsCount(1);
  await tf.setBackend('wasm');
  const wasmThreads = getThreadsCount();
  const rows: BenchRow[] = [];
  // The best selected build also times both input-gradient paths (the choice the kernel makes).
  const best = [...VARIANTS].reverse().find(v => options.variants.includes(v))!;
  for (const c of options.quick ? QUICK_CASES : CASES) {
    // Every direction of a case in one alternation: '% of our forward' compares calls made
    // side by side, not minutes apart under another load.
    const contenders: (Contender & {direction: Direction})[] = [];
    for (const d of DIRECTIONS) {
      const add = (x: Contender) => contenders.push({...x, direction: d});
      for (const v of options.variants.filter(v => v !== 'scalar' || c.scalar))
        add(contender(c, d, asContender(v), 'as', v));
      if (!c.depthwise && d === 'backprop-input') {
        for (const path of ['cols', 'implicit'] as const) {
          add(
            contender(
              c,
              d,
              `${asContender(best)}, ${path === 'cols' ? 'cols + col2im' : 'flipped-filter implicit GEMM'}`,
              'as',
              best,
              path,
            ),
          );
        }
      }
      if (options.threads && !(options.quick && c.depthwise))
        add(contender(c, d, asContender(best, 'as', options.threads), 'as', best, 'auto', options.threads));
      if (hasKernel('wasm', c, d)) add(contender(c, d, 'tfjs-backend-wasm', 'wasm'));
      if (options.cpu && hasKernel('cpu', c, d)) add(contender(c, d, 'tfjs-backend-cpu', 'cpu'));
    }
    options.log(`conv: ${c.name}`);
    const slow = flops(c) > 1e9 || (c.cpu === 'all' && options.cpu);
    const timing = options.quick ? timingFor(true) : slow ? {rounds: 5, batchMs: 40} : {rounds: 9, batchMs: 40};
    const timings = await alternate(contenders, timing);
    timings.forEach((t, i) => {
      const d = contenders[i]!.direction;
      const median = t.us / 1000;
      rows.push({
        case: `${c.name} ${d}`,
        contender: t.name,
        backend: t.backend,
        variant: t.variant,
        threads: t.threads,
        median,
        unit: 'ms',
        vsWasm: null,
        samples: t.samples.map(us => us / 1000),
        gflops: flops(c) / median / 1e6,
        direction: d,
        convCase: c.name,
        // tfjs-backend-wasm has no kernel to compare with: vsWasm stays null.
        noWasmKernel: !hasKernel('wasm', c, d),
      });
    });
  }
  for (const p of options.quick ? QUICK_POOLS : POOLS) {
    for (const kind of ['max', 'avg'] as const) {
      const name = `${kind}Pool ${p.k}x${p.k}/${p.s} ${p.pad} [${p.shape}] gradient`;
      options.log(`conv: ${name}`);
      const contenders = [
        ...options.variants.map(v => poolContender(p, kind, asContender(v), 'as', v)),
        poolContender(p, kind, 'tfjs-backend-wasm', 'wasm'),
      ];
      for (const t of await alternate(contenders, timingFor(options.quick))) {
        rows.push({
          case: name,
          contender: t.name,
          backend: t.backend,
          variant: t.variant,
          median: t.us / 1000,
          unit: 'ms',
          vsWasm: null,
          samples: t.samples.map(us => us / 1000),
        });
      }
    }
  }
  compareWithWasm(rows);
  // Threaded rows against the same build's one-thread row (the one the kernel picks), same case.
  for (const r of rows) {
    if (!r.threads || r.threads === 1) continue;
    const one = rows.find(o => o.case === r.case && o.contender === asContender(r.variant as KernelVariant));
    if (one) r.vsOneThread = one.median / r.median;
  }

  // Against our own forward (same build, same case), and the verdicts on the targets.
  const forwardOf = (r: BenchRow) =>
    rows.find(
      f =>
        f.convCase === r.convCase &&
        f.direction === 'forward' &&
        f.variant === r.variant &&
        f.contender === asContender(r.variant as KernelVariant, 'as', (r.threads as number | null) ?? 1),
    );
  const verdicts: string[] = [];
  if (!options.quick) {
    for (const c of CASES) {
      const of = (d: Direction) => rows.find(r => r.case === `${c.name} ${d}` && r.contender === asContender(best))!;
      const fwd = of('forward');
      const target = c.depthwise ? 1 : c.name.startsWith('MNIST') ? null : 1.5;
      verdicts.push(
        `${c.name}, ${best}: forward ${fwd.vsWasm!.toFixed(2)}x XNNPACK` +
          (target ? ` (target >= ${target}: ${fwd.vsWasm! >= target ? 'met' : 'missed'})` : ''),
      );
      for (const d of ['backprop-input', 'backprop-filter'] as const) {
        const pct = (100 * (of(d).gflops as number)) / (fwd.gflops as number);
        verdicts.push(
          `${c.name}, ${best}: ${d} ${pct.toFixed(0)}% of our forward GFLOP/s (target >= 75%: ${pct >= 75 ? 'met' : 'missed'})`,
        );
      }
    }
  }
  return {
    name: 'conv',
    title: 'Convolutions',
    rows,
    table: {
      header: [
        'case',
        'contender',
        'median ms',
        'GFLOP/s',
        'vs tfjs-backend-wasm',
        '% of our forward',
        ...(options.threads ? ['vs 1 thread'] : []),
      ],
      cells: rows.map(r => {
        const fwd = r.backend === 'as' && r.direction ? forwardOf(r) : undefined;
        return [
          r.case,
          r.contender,
          formatMs(r.median),
          r.gflops == null ? '' : (r.gflops as number).toFixed(1),
          r.noWasmKernel ? 'no such kernel' : formatVsWasm(r),
          fwd ? `${((100 * (r.gflops as number)) / (fwd.gflops as number)).toFixed(0)}%` : '',
          ...(options.threads ? [typeof r.vsOneThread === 'number' ? `${r.vsOneThread.toFixed(2)}x` : ''] : []),
        ];
      }),
    },
    notes: [
      `'same' padding, stride 1; GFLOP/s counts 2·N·OH·OW·KH·KW·Cin·Cout (depthwise: ·C·multiplier) in every direction. ` +
        `tfjs-backend-wasm threads: ${wasmThreads}.` +
        (options.threads
          ? ` The '× ${options.threads} threads' rows: ${asContender(best)} on ${options.threads} threads ` +
            "(depthwise runs on one thread whatever the count); 'vs 1 thread' = its one-thread median / this row's."
          : ''),
      "'vs tfjs-backend-wasm' = its median / this row's in the same process (> 1: faster). tfjs-backend-wasm has no " +
        'Conv2DBackpropFilter and no depthwise gradients; tfjs-backend-cpu runs on the MNIST cases only (its filter ' +
        'gradient, 2 s a call, on layer 1 only); our scalar build on the MNIST cases only.',
      `The two '${asContender(best)}, ...' backprop-input rows time both input-gradient paths; '${asContender(best)}' is the one the kernel picks.`,
      "Pooling: the forward MaxPool / AvgPool of 'as' are tfjs-backend-wasm's XNNPACK kernels for 'same' / 'valid' " +
        '(ours measured 0.5-1.0x of them, assembly/pool.ts); only the gradients are compared.',
      ...verdicts,
    ],
    details: {wasmThreads, best},
  };
}
