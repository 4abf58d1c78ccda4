// The benchmarks `tfjs-backend-as bench <name>` runs: the CLI's list of subcommands, its help and
// its checks of optional packages all come from here, so a new benchmark is one entry (and one
// module exporting `run(options): Promise<BenchReport>`, like matmul.ts).
import type {BenchOptions, BenchReport} from './report.js';

/** tfjs-backend-cpu: a peer contender of the kernel benchmarks where it is installed. */
export const CPU_PACKAGE = '@tensorflow/tfjs-backend-cpu';

export interface Benchmark {
  name: string;
  /** One line for --help. */
  summary: string;
  /** Optional peer dependencies it cannot run without (the CLI names them when missing). */
  requires: readonly string[];
  /** Runs only when named (`bench browser`), not in a run of every benchmark. */
  explicitOnly?: boolean;
  /** Loaded only when the benchmark runs, so a missing optional peer breaks nothing else. */
  load: () => Promise<{run: (options: BenchOptions) => Promise<BenchReport>}>;
}

export const BENCHMARKS: readonly Benchmark[] = [
  {
    name: 'matmul',
    summary: 'dense products, fused and transposed, in GFLOP/s and % of the f32x4 ceiling',
    requires: [],
    load: () => import('./matmul.js'),
  },
  {
    name: 'conv',
    summary: 'convolutions forward and both gradients, depthwise, pooling gradients, in GFLOP/s',
    requires: [],
    load: () => import('./conv.js'),
  },
  {
    name: 'dropout',
    summary: 'dropout and randomBinomial (Philox mask in one pass) against tf.dropout',
    requires: [],
    load: () => import('./dropout.js'),
  },
  {
    name: 'concat',
    summary: 'concat on several axes, and denseConcat against fused matMuls + concat',
    requires: [],
    load: () => import('./concat.js'),
  },
  {
    name: 'segment',
    summary: 'unsortedSegmentSum (an Embedding gradient) against tfjs-backend-cpu (wasm has none)',
    requires: [],
    load: () => import('./segment.js'),
  },
  {
    name: 'predict',
    summary: "the seed's MLP at inference, batch 1 and 64: Keras predict against onnxruntime-web",
    requires: ['onnxruntime-web'],
    load: () => import('./predict.js'),
  },
  {
    name: 'train',
    summary: "the seed's MNIST MLP and the MNIST CNN: ms per step against tfjs-layers; accuracy",
    requires: ['@tensorflow/tfjs-layers', 'mnist'],
    load: () => import('./train.js'),
  },
  {
    name: 'browser',
    summary:
      "our threaded GEMM against XNNPACK's, same thread count, in Chromium's cross-origin-isolated page " +
      '(Chromium: /usr/bin/chromium or $CHROMIUM_PATH; only when named)',
    requires: ['playwright-core'],
    explicitOnly: true,
    load: () => import('./browser.js'),
  },
];

/**
 * Benchmarks the package will have but this version does not: `bench <name>` says so rather than
 * calling the name unknown. A name moves from here into BENCHMARKS when its module lands.
 */
export const NOT_IN_THIS_VERSION: Readonly<Record<string, string>> = {};
