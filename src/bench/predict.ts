// bench predict: inference latency of the seed's MNIST MLP (Reshape -> Dense 500 relu -> MyDense
// 100 -> Dense 10 softmax), our Keras `predict` on 'as' (one contender per kernels build, one
// thread) against onnxruntime-web (its wasm backend, one thread) running the same model from
// src/bench/seed_mlp.onnx, with the same weights (seed_weights.ts), at batch 1 and batch 64. Both
// run in this process in alternating rounds; the result is the median per call and the ratio.
// Before timing, the two must agree: the same argmax for every example, probabilities within
// PROBABILITY_TOLERANCE. Target (issue 16): at batch 1, ours at least as fast as onnxruntime-web.
// Needs onnxruntime-web (an optional peer: the registry says so when missing).
import fs from 'node:fs';
import {createRequire} from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo, type KernelVariant} from '../index.js';
import type {Layer, Model} from '../keras/index.js';
import {activate} from './alternate.js';
import {asContender, type BenchOptions, type BenchReport, type BenchRow, formatMs, median} from './report.js';
import {buildOurs} from './seed_model.js';
import {SEED_DIMS, seedWeights} from './seed_weights.js';

const require = createRequire(import.meta.url);

export const ORT_NAME = 'onnxruntime-web (wasm, 1 thread)';
/** Largest difference allowed between the two models' probabilities (float32, different summation orders). */
export const PROBABILITY_TOLERANCE = 1e-5;
const BATCHES = [1, 64] as const;

type OrtModule = typeof import('onnxruntime-web');

interface PredictContender {
  name: string;
  backend: BenchRow['backend'];
  variant?: KernelVariant;
  /** One prediction of the batch; ours return synchronously, onnxruntime-web's run is a promise. */
  run: () => void | Promise<void>;
}

/** The ONNX file: beside this module in src/bench/, and copied next to the CLI's chunks by the build. */
function onnxBytes(): Uint8Array {
  return fs.readFileSync(new URL('./seed_mlp.onnx', import.meta.url));
}

/** MNIST-like inputs: [n, 28, 28] in [0, 1], the same for both models. */
function digits(n: number): Float32Array {
  const data = new Float32Array(n * 28 * 28);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 8) / 2 ** 24;
  }
  return data;
}

/** Our seed model on the current backend, holding the ONNX model's weights. */
function ourModel(): Model {
  const {model} = buildOurs();
  const weighted = model.layers.filter(l => l.getClassName() === 'Dense' || l.getClassName() === 'MyDense');
  const weights = seedWeights();
  if (weighted.length !== weights.length) {
    throw new Error(`bench predict: the seed model has ${weighted.length} dense layers, expected ${weights.length}`);
  }
  weighted.forEach((layer: Layer, i) => {
    const {kernel, bias, shape} = weights[i]!;
    const l = layer as unknown as {kernel?: tf.Variable; bias?: tf.Variable; w?: tf.Variable; b?: tf.Variable};
    tf.tidy(() => {
      (l.kernel ?? l.w)!.assign(tf.tensor2d(kernel, shape));
      (l.bias ?? l.b)!.assign(tf.tensor1d(bias));
    });
  });
  return model;
}

async function loadOrt(): Promise<OrtModule> {
  const ort = (await import('onnxruntime-web')) as OrtModule;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // The runtime's binary from node_modules, read here: nothing is fetched.
  ort.env.wasm.wasmBinary = fs.readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  return ort;
}

/**
 * Times each contender's calls in alternating rounds (each round runs every contender for about
 * `batchMs`), like alternate.ts but awaiting onnxruntime-web's promise; median microseconds per call.
 */
async function alternateAsync(
  contenders: PredictContender[],
  {rounds, batchMs, warmMs}: {rounds: number; batchMs: number; warmMs: number},
): Promise<{wall: number[][]; cpu: number[][]}> {
  const iters: number[] = [];
  const calls = async (c: PredictContender, n: number) => {
    for (let i = 0; i < n; i++) {
      const p = c.run();
      if (p) await p;
    }
  };
  // onnxruntime-web is no tfjs backend: its rounds leave tfjs' backend as it is. Ours switch only
  // what differs: tf.setBackend, even to the active backend, sets up every kernel of it again,
  // and that garbage (hundreds of bindings per round) was collected inside the timed calls.
  const enter = async (c: PredictContender) => {
    if (c.backend === 'onnxruntime-web') return;
    if (tf.getBackend() === c.backend && backendInfo().variant === c.variant) return;
    await activate(c);
  };
  for (const c of contenders) {
    await enter(c);
    // Warm up first: a round of a few calls sized from the first ones would time JavaScript not
    // yet optimized (both sides run ~3x slower for their first few hundred calls).
    for (const t0 = performance.now(); performance.now() - t0 < warmMs; ) await calls(c, 10);
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      await calls(c, n);
      const dt = performance.now() - t0;
      if (dt >= batchMs / 4 || n >= 1 << 20) {
        iters.push(Math.max(1, Math.round((n * batchMs) / Math.max(dt, 1e-3))));
        break;
      }
      n *= 2;
    }
  }
  const wall: number[][] = contenders.map(() => []);
  const cpu: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [k, c] of contenders.entries()) {
      await enter(c);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await calls(c, iters[k]!);
      wall[k]!.push(((performance.now() - t0) * 1000) / iters[k]!);
      const used = process.cpuUsage(c0);
      cpu[k]!.push((used.user + used.system) / iters[k]!);
    }
  }
  return {wall, cpu};
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(onnxBytes(), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const maxBatch = Math.max(...BATCHES);
  const data = digits(maxBatch);
  const [inDim, , , outDim] = SEED_DIMS;
  const rows: BenchRow[] = [];
  const agreement: Record<string, {maxAbsDiff: number; sameArgmax: boolean}> = {};

  // One model per kernels build, each made on 'as' with that build active.
  const ours: {variant: KernelVariant; model: Model; inputs: Map<number, tf.Tensor>}[] = [];
  for (const variant of options.variants) {
    await activate({backend: 'as', variant});
    const model = ourModel();
    const inputs = new Map(BATCHES.map(n => [n, tf.tensor3d(data.subarray(0, n * inDim), [n, 28, 28])]));
    ours.push({variant, model, inputs});
  }
  try {
    for (const n of BATCHES) {
      const feed = {x: new ort.Tensor('float32', data.subarray(0, n * inDim), [n, 28, 28])};
      const reference = (await session.run(feed)).probs!.data as Float32Array;
      for (const o of ours) {
        await activate({backend: 'as', variant: o.variant});
        const probs = tf.tidy(() => o.model.predict(o.inputs.get(n)!) as tf.Tensor).dataSync() as Float32Array;
        let maxAbsDiff = 0;
        let sameArgmax = true;
        for (let i = 0; i < n; i++) {
          const row = (a: Float32Array) => Array.from(a.subarray(i * outDim, (i + 1) * outDim));
          const [p, q] = [row(probs), row(reference)];
          if (p.indexOf(Math.max(...p)) !== q.indexOf(Math.max(...q))) sameArgmax = false;
          for (let j = 0; j < outDim; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p[j]! - q[j]!));
        }
        agreement[`batch ${n}, ${o.variant}`] = {maxAbsDiff, sameArgmax};
        if (!sameArgmax || !(maxAbsDiff <= PROBABILITY_TOLERANCE)) {
          throw new Error(
            `bench predict: at batch ${n} our model (${o.variant}) and onnxruntime-web disagree: max |Δp| ` +
              `${maxAbsDiff.toExponential(2)} (tolerance ${PROBABILITY_TOLERANCE}), same argmax: ${sameArgmax}`,
          );
        }
      }

      const contenders: PredictContender[] = [
        ...ours.map(o => ({
          name: asContender(o.variant, 'ours: Keras predict on as'),
          backend: 'as' as const,
          variant: o.variant,
          run: () => {
            (o.model.predict(o.inputs.get(n)!) as tf.Tensor).dispose();
          },
        })),
        {
          name: ORT_NAME,
          backend: 'onnxruntime-web',
          run: async () => {
            const out = await session.run(feed);
            for (const t of Object.values(out)) t.dispose();
          },
        },
      ];
      options.log(`predict: batch ${n}`);
      // Many short rounds (a few calls each), not a few long ones: on a loaded machine a 40 ms
      // round of 50 µs calls is mostly time slices lost to other processes (both contenders
      // measured ~4x slower that way under a load average of 15 on 2 cores, ~1.2x with rounds of 10
      // calls), and the alternation then compares scheduling more than work.
      const timing = options.quick
        ? {rounds: 3, batchMs: 2, warmMs: 5}
        : {rounds: 301, batchMs: n === 1 ? 0.5 : 10, warmMs: 500};
      const {wall: samples, cpu} = await alternateAsync(contenders, timing);
      const medians = samples.map(median);
      const cpuMedians = cpu.map(median);
      const ortUs = medians[medians.length - 1]!;
      const ortCpuUs = cpuMedians[cpuMedians.length - 1]!;
      contenders.forEach((c, k) => {
        rows.push({
          case: `batch ${n}`,
          contender: c.name,
          backend: c.backend,
          variant: c.variant ?? null,
          median: medians[k]!,
          unit: 'us',
          vsWasm: null,
          vsOnnxruntime: ortUs / medians[k]!,
          samples: samples[k]!,
          cpuMedian: cpuMedians[k]!,
          cpuVsOnnxruntime: ortCpuUs / cpuMedians[k]!,
          cpuSamples: cpu[k]!,
        });
      });
    }
  } finally {
    for (const o of ours) {
      await activate({backend: 'as', variant: o.variant});
      o.model.dispose();
      tf.dispose([...o.inputs.values()]);
    }
    await session.release();
  }

  return {
    name: 'predict',
    title: "Inference latency: the seed's MLP, Keras predict against onnxruntime-web",
    rows,
    table: {
      header: [
        'case',
        'contender',
        'median ms per call',
        'vs onnxruntime-web',
        'CPU ms per call',
        'CPU vs onnxruntime-web',
      ],
      cells: rows.map(r => [
        r.case,
        r.contender,
        formatMs(r.median / 1000),
        r.backend === 'onnxruntime-web' ? '1' : `${(r.vsOnnxruntime as number).toFixed(2)}x`,
        formatMs((r.cpuMedian as number) / 1000),
        r.backend === 'onnxruntime-web' ? '1' : `${(r.cpuVsOnnxruntime as number).toFixed(2)}x`,
      ]),
    },
    notes: [
      "The seed's 784-500-100-10 MLP (Reshape, Dense relu, MyDense, Dense softmax) with the same weights on both " +
        'sides (src/bench/seed_mlp.onnx, made by scripts/fixtures/seed_mlp_onnx.py); input [N,28,28].',
      'ours: model.predict(x) on one thread, the output disposed; onnxruntime-web: `await session.run({x})` on ' +
        'its wasm backend (numThreads = 1, graph optimizations on), in the same process, alternating rounds, medians.',
      `The predictions agree before timing: same argmax, max |Δp| ${Math.max(...Object.values(agreement).map(a => a.maxAbsDiff)).toExponential(1)} ` +
        `(tolerance ${PROBABILITY_TOLERANCE}).`,
      "> 1x: faster than onnxruntime-web. CPU: the process's CPU time (process.cpuUsage) per call, " +
        'which a loaded machine stretches less than the wall-clock time.',
      '--threads does not apply: a batch-1 product never splits, and onnxruntime-web runs one thread.',
    ],
    details: {agreement, onnxruntimeWeb: ort.env.versions?.web ?? null},
  };
}
