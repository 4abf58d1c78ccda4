// The browser demo: trains the seed's model (Reshape -> Dense 500 relu -> MyDense 100 ->
// Dense 10 softmax) on real MNIST digits with a live loss/accuracy plot, draws the model with
// utils.plotModel, and benchmarks the dense kernels (scalar / SIMD / relaxed SIMD, and
// tfjs-backend-wasm) in this page. URL options: ?epochs=N&train=N (training length),
// ?quick=1 (a shorter benchmark; the browser test uses both).
//
// For tests: <body data-train="running|done|error"> and data-bench="running|done|error".
import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import {backendInfo, setKernelVariant} from 'tfjs-backend-as';
import {K, Layer, Model, input, layers, utils} from 'tfjs-backend-as/keras';
import {drawBarChart, drawTrainingPlot} from './charts.js';

// demo/build.mjs copies tfjs-backend-wasm's .wasm files next to the bundle.
wasm.setWasmPaths(new URL('./', import.meta.url).href);

const params = new URLSearchParams(location.search);
const $ = id => document.getElementById(id);
const body = document.body;

function fail(where, e) {
  console.error(e);
  $('error').textContent += `${where}: ${e?.stack || e}\n`;
}

// ---- the seed's custom layer --------------------------------------------------------------
class MyDense extends Layer {
  constructor(units = 32, config) {
    super(config);
    this.units = units;
  }
  build(inputShape) {
    const fanIn = inputShape[inputShape.length - 1];
    // Trainable kernel and bias; `a` is a non-trainable weight (it shows in the summary).
    this.w = K.variable(K.randomNormal([fanIn, this.units], 0, Math.sqrt(2 / fanIn)));
    this.b = tf.variable(tf.zeros([this.units]), true);
    this.a = tf.variable(tf.zeros([this.units]), false);
  }
  call(inputs) {
    return K.add(K.dot(inputs, this.w), this.b);
  }
}

function buildModel() {
  const inputs = input({shape: [28, 28], name: 'digits'});
  let x = layers.reshape({targetShape: [784]}).apply(inputs);
  x = layers.dense({units: 500, activation: 'relu'}).apply(x);
  x = new MyDense(100, {name: 'my_dense'}).apply(x);
  const outputs = layers.dense({units: 10, activation: 'softmax'}).apply(x);
  return new Model({inputs, outputs, name: 'seed_mlp'});
}

// ---- data ----------------------------------------------------------------------------------
async function loadDigits() {
  const response = await fetch(new URL('./mnist.bin', import.meta.url));
  if (!response.ok) throw new Error(`mnist.bin: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const count = new DataView(bytes.buffer).getUint32(0, true);
  const labels = bytes.subarray(4, 4 + count);
  const pixels = bytes.subarray(4 + count);
  // A seeded shuffle, then a 90/10 train/test split.
  const order = Array.from({length: count}, (_, i) => i);
  let s = 12345;
  for (let i = count - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const take = idx => {
    const images = new Float32Array(idx.length * 784);
    const oneHot = new Float32Array(idx.length * 10);
    idx.forEach((k, i) => {
      for (let p = 0; p < 784; p++) images[i * 784 + p] = pixels[k * 784 + p] / 255;
      oneHot[i * 10 + labels[k]] = 1;
    });
    return {images, oneHot, count: idx.length};
  };
  const testCount = Math.round(count / 10);
  return {train: take(order.slice(testCount)), test: take(order.slice(0, testCount)), count};
}

// ---- training ------------------------------------------------------------------------------
let data, model;

async function train() {
  const epochs = Math.max(1, +$('epochs').value || 1);
  const trainCount = Math.min(+(params.get('train') ?? data.train.count), data.train.count);
  const batchSize = 64;
  const stepsPerEpoch = Math.ceil(trainCount / batchSize);
  const totalSteps = epochs * stepsPerEpoch;
  const points = [],
    epochMarks = [];
  let step = 0;
  const [xs, ys] = [
    tf.tensor3d(data.train.images.subarray(0, trainCount * 784), [trainCount, 28, 28]),
    tf.tensor2d(data.train.oneHot.subarray(0, trainCount * 10), [trainCount, 10]),
  ];
  const [testX, testY] = [
    tf.tensor3d(data.test.images, [data.test.count, 28, 28]),
    tf.tensor2d(data.test.oneHot, [data.test.count, 10]),
  ];
  const started = performance.now();
  let lastDraw = 0;
  const draw = () => drawTrainingPlot($('plot'), points, epochMarks, totalSteps);
  try {
    // A new model per click: free the previous one's weights and optimizer slots first.
    if (model) {
      model.optimizer?.dispose();
      model.dispose();
    }
    model = buildModel();
    model.compile({optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    await showModel(model);
    await model.fit(xs, ys, {
      epochs,
      batchSize,
      shuffle: true,
      verbose: 0,
      seed: 1,
      callbacks: [
        {
          onBatchEnd: async (_batch, logs) => {
            step++;
            points.push({step, loss: logs.loss, accuracy: logs.accuracy ?? logs.acc ?? 0});
            const now = performance.now();
            const msPerStep = (now - started) / step;
            $('train-status').textContent =
              `step ${step}/${totalSteps} · loss ${logs.loss.toFixed(4)} · ${msPerStep.toFixed(1)} ms/step`;
            if (now - lastDraw > 100) {
              // redraw at most 10 times a second, and let the page paint
              lastDraw = now;
              draw();
              await tf.nextFrame();
            }
          },
          onEpochEnd: async _epoch => {
            const testAccuracy = tf.tidy(() => {
              const predicted = tf.argMax(model.predict(testX, {batchSize: 256}), 1);
              return tf.mean(tf.cast(tf.equal(predicted, tf.argMax(testY, 1)), 'float32')).dataSync()[0];
            });
            epochMarks.push({step, testAccuracy});
            draw();
            await tf.nextFrame();
          },
        },
      ],
    });
    draw();
    const seconds = (performance.now() - started) / 1000;
    const last = epochMarks[epochMarks.length - 1];
    $('train-status').textContent =
      `done: ${epochs} epoch(s), ${totalSteps} steps of ${batchSize} in ${seconds.toFixed(1)} s ` +
      `(${((seconds * 1000) / totalSteps).toFixed(1)} ms/step) · test accuracy ${last.testAccuracy.toFixed(3)} on ${data.test.count} digits`;
  } finally {
    tf.dispose([xs, ys, testX, testY]);
  }
}

async function showModel(m) {
  const lines = [];
  m.summary(undefined, undefined, line => lines.push(line));
  $('summary').textContent = lines.join('\n');
  const svg = await utils.plotModel(m, {showShapes: true, showLayerNames: true});
  $('model-drawing').innerHTML = svg;
}

// ---- SIMD benchmark -----------------------------------------------------------------------
const CONFIGS = [
  {label: "'as' scalar", backend: 'as', variant: 'scalar'},
  {label: "'as' SIMD", backend: 'as', variant: 'simd'},
  {label: "'as' relaxed SIMD", backend: 'as', variant: 'relaxed-simd'},
  {label: 'tfjs-backend-wasm', backend: 'wasm'},
];
// The two products that dominate training the seed's first layer (batch 64).
const OPS = [
  {
    group: 'dense forward [64,784]·[784,500]+bias, relu',
    flops: 2 * 64 * 784 * 500,
    make: () => ({a: tf.randomNormal([64, 784]), b: tf.randomNormal([784, 500]), bias: tf.randomNormal([500])}),
    run: t => tf.fused.matMul({a: t.a, b: t.b, bias: t.bias, activation: 'relu'}),
  },
  {
    group: 'weight gradient [64,784]ᵀ·[64,500]',
    flops: 2 * 64 * 784 * 500,
    make: () => ({a: tf.randomNormal([64, 784]), g: tf.randomNormal([64, 500])}),
    run: t => tf.matMul(t.a, t.g, true, false),
  },
];

/** Milliseconds per call: `reps` calls timed together (each result read back), after a warm-up. */
function timeOp(op, reps) {
  const t = op.make();
  try {
    op.run(t).dispose();
    const started = performance.now();
    for (let i = 0; i < reps; i++) {
      const y = op.run(t);
      y.dataSync();
      y.dispose();
    }
    return (performance.now() - started) / reps;
  } finally {
    tf.dispose(Object.values(t));
  }
}

async function benchmark() {
  const quick = params.has('quick');
  const rounds = quick ? 3 : 7,
    reps = quick ? 3 : 10;
  const available = CONFIGS.filter(
    c =>
      c.backend !== 'as' ||
      c.variant === 'scalar' ||
      (c.variant === 'simd' ? backendInfo().simd : backendInfo().relaxedSimd),
  );
  const samples = new Map(); // `${group}|${label}` -> ms[]
  try {
    // Rounds alternate the configurations so that whatever else the machine does hits them alike.
    for (let round = 0; round < rounds; round++) {
      for (const config of available) {
        await tf.setBackend(config.backend);
        if (config.variant) await setKernelVariant(config.variant);
        for (const op of OPS) {
          const key = `${op.group}|${config.label}`;
          samples.set(key, [...(samples.get(key) ?? []), timeOp(op, reps)]);
        }
        $('bench-status').textContent = `round ${round + 1}/${rounds}: ${config.label}`;
        await tf.nextFrame();
      }
    }
  } finally {
    await setKernelVariant('auto');
    await tf.setBackend('as');
  }
  const median = v => [...v].sort((a, b) => a - b)[v.length >> 1];
  const rows = [];
  for (const op of OPS) {
    for (const config of available) {
      const ms = median(samples.get(`${op.group}|${config.label}`));
      rows.push({group: op.group, label: config.label, ms, value: op.flops / ms / 1e6});
    }
  }
  drawBarChart($('chart'), rows, ['#95a5a6', '#5dade2', '#1f618d', '#e67e22']);
  const wasmThreads = typeof wasm.getThreadsCount === 'function' ? wasm.getThreadsCount() : 1;
  const reference = op => rows.find(r => r.group === op && r.label === 'tfjs-backend-wasm').ms;
  $('bench-table').innerHTML =
    `<table><tr><th>operation</th><th>configuration</th><th>median ms</th><th>GFLOP/s</th><th>vs tfjs-backend-wasm</th></tr>` +
    rows
      .map(
        r =>
          `<tr><td>${r.group}</td><td>${r.label}</td><td>${r.ms.toFixed(3)}</td><td>${r.value.toFixed(1)}</td>` +
          `<td>${(reference(r.group) / r.ms).toFixed(2)}×</td></tr>`,
      )
      .join('') +
    `</table>` +
    `<p>Median of ${rounds} alternating rounds of ${reps} calls each, in this page. tfjs-backend-wasm (XNNPACK) ` +
    `reports ${wasmThreads} thread(s)${self.crossOriginIsolated ? ' (its threaded build: this page is cross-origin isolated)' : ''}; ` +
    `'as' runs on one thread. Other tabs and programs share the CPU.</p>`;
  $('bench-status').textContent = 'done';
}

// ---- page ----------------------------------------------------------------------------------
async function guarded(flag, button, fn) {
  $('train').disabled = $('bench').disabled = true;
  body.dataset[flag] = 'running';
  try {
    await fn();
    body.dataset[flag] = 'done';
  } catch (e) {
    body.dataset[flag] = 'error';
    fail(button, e);
  } finally {
    $('train').disabled = $('bench').disabled = false;
  }
}

async function main() {
  if (params.has('epochs')) $('epochs').value = params.get('epochs');
  if (!(await tf.setBackend('as'))) throw new Error("tf.setBackend('as') failed: see the console");
  const info = backendInfo();
  data = await loadDigits();
  $('info').textContent =
    `backend '${tf.getBackend()}' · kernels variant ${info.variant} (SIMD ${info.simd}, relaxed SIMD ${info.relaxedSimd}) · ` +
    `${info.sharedMemory ? 'shared' : 'ordinary'} WebAssembly.Memory · crossOriginIsolated ${self.crossOriginIsolated} · ` +
    `AssemblyScript kernels: ${info.kernels.join(', ')}\n${data.count} MNIST digits: ${data.train.count} to train on, ${data.test.count} to test`;
  $('train').onclick = () => guarded('train', 'training', train);
  $('bench').onclick = () => guarded('bench', 'benchmark', benchmark);
  $('train').disabled = $('bench').disabled = false;
  // The model drawing is there before any training; the plot shows its empty axes.
  drawTrainingPlot($('plot'), [], [], 1);
  const preview = buildModel();
  await showModel(preview);
  preview.dispose();
  body.dataset.ready = 'true';
}

main().catch(e => {
  body.dataset.ready = 'error';
  fail('loading', e);
});
