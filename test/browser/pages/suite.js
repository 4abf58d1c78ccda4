// The in-page browser suite, bundled by test/browser/run.mjs with esbuild (so it also proves
// the package works from an esbuild bundle) and loaded on an ordinary page and on a
// cross-origin-isolated one. The query string picks what runs:
//   ?wasm=<dir>/        where tfjs-backend-wasm's .wasm files are (passed to setWasmPaths)
//   &mode=full          backend 'as' + kernels against JS references + the Keras checks
//   &mode=missing       the .wasm files are not there: the error must say what to do
//   &mode=nosimd        the browser has no WebAssembly SIMD: the scalar variant must run
import * as tf from '@tensorflow/tfjs-core';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as as from 'tfjs-backend-as';
import {assert, assertClose, matMulReference, randomArray, run, test} from './harness.js';
import {kerasChecks} from './keras_checks.js';

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'full';
setWasmPaths(params.get('wasm') ?? '/wasm/');

const isolated = self.crossOriginIsolated === true;

async function matMulCheck(m, k, n, transA, transB, tolerance = 1e-4) {
  const a = randomArray(m * k, m * 31 + k),
    b = randomArray(k * n, n * 17 + k);
  const c = tf.tidy(() =>
    tf.matMul(tf.tensor2d(a, transA ? [k, m] : [m, k]), tf.tensor2d(b, transB ? [n, k] : [k, n]), transA, transB),
  );
  const got = await c.data();
  c.dispose();
  assertClose(
    got,
    matMulReference(a, b, m, n, k, transA, transB),
    tolerance,
    `matMul [${m},${k}]x[${k},${n}] transA=${transA} transB=${transB}`,
  );
}

if (mode === 'missing') {
  test('without the .wasm files, setBackend fails with a message naming the file and setWasmPaths', async () => {
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => {
      warnings.push(args.join(' '));
      warn.apply(console, args);
    };
    let ok;
    try {
      ok = await tf.setBackend('as');
    } finally {
      console.warn = warn;
    }
    assert(ok === false, `setBackend('as') resolved ${ok}, expected false`);
    const text = warnings.join('\n');
    const file = isolated ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm';
    assert(text.includes(`could not load its binary '${file}'`), `no warning names '${file}': ${text}`);
    assert(text.includes('setWasmPaths('), `no warning mentions setWasmPaths: ${text}`);
  });
} else if (mode === 'nosimd') {
  test('a browser without SIMD validates neither probe', async () => {
    const info = as.backendInfo();
    assert(
      info.simd === false && info.relaxedSimd === false,
      `backendInfo() says simd=${info.simd} relaxedSimd=${info.relaxedSimd}`,
    );
    // Not just our probe: tfjs-backend-wasm's own detection agrees (it loads its plain build).
    assert((await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === false, 'tfjs-backend-wasm still detects SIMD');
  });
  test("'as' runs the scalar variant and says so in backendInfo()", async () => {
    assert(await tf.setBackend('as'), "setBackend('as') failed");
    assert(as.backendInfo().variant === 'scalar', `variant is ${as.backendInfo().variant}`);
    // tfjs-backend-wasm has no threaded build without SIMD: ordinary memory even when isolated.
    assert(as.backendInfo().sharedMemory === false, `sharedMemory is ${as.backendInfo().sharedMemory}`);
  });
  test('the scalar variant computes matMul right', async () => {
    await matMulCheck(37, 53, 29, false, false);
    await matMulCheck(16, 33, 8, true, true);
  });
  for (const variant of ['simd', 'relaxed-simd']) {
    test(`setKernelVariant('${variant}') rejects with the reason`, async () => {
      let error;
      try {
        await as.setKernelVariant(variant);
      } catch (e) {
        error = e;
      }
      assert(error instanceof Error, `setKernelVariant('${variant}') did not reject`);
      assert(
        /cannot run the '.*' variant: WebAssembly (relaxed )?SIMD does not validate/.test(error.message),
        `message: ${error.message}`,
      );
      assert(as.backendInfo().variant === 'scalar', `variant changed to ${as.backendInfo().variant}`);
    });
  }
} else {
  let tensorsBefore = 0;
  test("'as' is registered above 'wasm' and becomes the default backend", async () => {
    await tf.ready();
    assert(tf.getBackend() === 'as', `tf.ready() picked '${tf.getBackend()}'`);
    assert(await tf.setBackend('as'), "setBackend('as') failed");
    tensorsBefore = tf.memory().numTensors;
  });
  test('backendInfo(): relaxed SIMD variant, and a shared memory exactly when the page is cross-origin isolated', () => {
    const info = as.backendInfo();
    assert(info.simd && info.relaxedSimd, `Chromium should validate SIMD and relaxed SIMD: ${JSON.stringify(info)}`);
    assert(info.variant === 'relaxed-simd', `variant is ${info.variant}`);
    assert(
      info.sharedMemory === isolated,
      `sharedMemory ${info.sharedMemory} on a page with crossOriginIsolated=${isolated}`,
    );
    for (const k of ['BatchMatMul', '_FusedMatMul', 'Concat'])
      assert(info.kernels.includes(k), `kernels lacks ${k}: ${info.kernels}`);
  });
  test('the heap is the memory kind the page allows', () => {
    const backend = tf.backend();
    const buffer = backend.wasm.HEAPU8.buffer;
    const shared = typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
    assert(
      shared === isolated,
      `tfjs-backend-wasm heap is ${buffer.constructor.name} on a page with crossOriginIsolated=${isolated}`,
    );
  });
  test('matMul against a JS reference (odd sizes, transposes, batch 1, large K)', async () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [37, 53, 29],
      [64, 100, 10],
      [1, 784, 500],
      [5, 2003, 3],
    ]) {
      await matMulCheck(m, k, n, false, false, k > 1000 ? 3e-4 : 1e-4);
    }
    await matMulCheck(64, 45, 31, true, false);
    await matMulCheck(31, 45, 64, false, true);
    await matMulCheck(17, 19, 23, true, true);
  });
  test('fused matMul + bias + relu against a JS reference (transposeB)', async () => {
    const [m, k, n] = [13, 27, 11];
    const a = randomArray(m * k, 3),
      b = randomArray(n * k, 4),
      bias = randomArray(n, 5);
    const y = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.tensor2d(a, [m, k]),
        b: tf.tensor2d(b, [n, k]),
        transposeB: true,
        bias: tf.tensor1d(bias),
        activation: 'relu',
      }),
    );
    const got = await y.data();
    y.dispose();
    const expected = matMulReference(a, b, m, n, k, false, true).map((v, i) => Math.max(0, v + bias[i % n]));
    assertClose(got, expected, 1e-4, 'fused matMul');
  });
  test('every kernel variant gives the same matMul; setKernelVariant switches on the live backend', async () => {
    try {
      for (const variant of ['scalar', 'simd', 'relaxed-simd']) {
        await as.setKernelVariant(variant);
        assert(
          as.backendInfo().variant === variant,
          `variant is ${as.backendInfo().variant} after setKernelVariant('${variant}')`,
        );
        await matMulCheck(33, 70, 21, false, true);
      }
    } finally {
      await as.setKernelVariant('auto');
    }
    assert(as.backendInfo().variant === 'relaxed-simd', `'auto' gave ${as.backendInfo().variant}`);
  });
  test('threads: on every core in an isolated page (one otherwise), and bit-identical to one thread', async () => {
    const info = as.backendInfo();
    const cores = navigator.hardwareConcurrency || 1;
    const expected = isolated ? Math.max(1, cores) : 1;
    assert(
      info.threads === expected,
      `threads ${info.threads} (isolated=${isolated}, cores ${cores}): ${info.threadsNote}`,
    );
    if (!isolated) assert(/not cross-origin isolated/.test(info.threadsNote ?? ''), `threadsNote: ${info.threadsNote}`);
    const [m, k, n] = [256, 300, 200];
    const a = randomArray(m * k, 11),
      b = randomArray(k * n, 12);
    const product = async () => {
      const y = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
      const bits = new Uint32Array((await y.data()).slice().buffer);
      y.dispose();
      return bits;
    };
    const threaded = await product();
    try {
      await as.setThreads(1);
      assert(as.backendInfo().threads === 1, `setThreads(1) gave ${as.backendInfo().threads}`);
      const single = await product();
      assert(
        threaded.every((v, i) => v === single[i]),
        'threaded and single-threaded products differ',
      );
    } finally {
      await as.setThreads('auto');
    }
    assert(as.backendInfo().threads === expected, `'auto' gave ${as.backendInfo().threads}`);
    assertClose(
      new Float32Array(threaded.buffer),
      matMulReference(a, b, m, n, k, false, false),
      1e-4,
      'threaded matMul',
    );
  });
  test('concat against a JS reference (axis 0, 1, last of rank 3)', async () => {
    const a = randomArray(6 * 5, 1),
      b = randomArray(6 * 3, 2);
    const c1 = tf.tidy(() => tf.concat([tf.tensor2d(a, [6, 5]), tf.tensor2d(b, [6, 3])], 1));
    const expected1 = [];
    for (let i = 0; i < 6; i++) expected1.push(...a.slice(i * 5, i * 5 + 5), ...b.slice(i * 3, i * 3 + 3));
    assertClose(await c1.data(), expected1, 0, 'concat axis 1');
    const c0 = tf.tidy(() => tf.concat([tf.tensor2d(a, [6, 5]), tf.tensor2d(a, [6, 5])], 0));
    assertClose(await c0.data(), [...a, ...a], 0, 'concat axis 0');
    const x = randomArray(2 * 3 * 4, 3),
      y = randomArray(2 * 3 * 1, 4);
    const c2 = tf.tidy(() => tf.concat([tf.tensor3d(x, [2, 3, 4]), tf.tensor3d(y, [2, 3, 1])], -1));
    const expected2 = [];
    for (let i = 0; i < 6; i++) expected2.push(...x.slice(i * 4, i * 4 + 4), y[i]);
    assertClose(await c2.data(), expected2, 0, 'concat axis -1');
    tf.dispose([c0, c1, c2]);
  });
  test('the package exports dropout, randomBinomial and denseConcat', () => {
    for (const name of ['dropout', 'randomBinomial', 'denseConcat']) {
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the check is that these names exist
      assert(typeof as[name] === 'function', `tfjs-backend-as has no export '${name}'`);
    }
  });
  test('dropout: an inverted Bernoulli mask, the same for a seed on every variant and as the JS reference, with its gradient', async () => {
    const n = 20000,
      rate = 0.3;
    const x = tf.tensor1d(randomArray(n, 9).map(v => v + 2)); // no zeros in x: a zero output means dropped
    try {
      await dropoutCheck(x, n, rate);
    } finally {
      x.dispose();
    }
  });
  async function dropoutCheck(x, n, rate) {
    const xs = await x.data();
    const masks = [];
    try {
      for (const variant of ['scalar', 'relaxed-simd']) {
        await as.setKernelVariant(variant);
        const y = as.dropout(x, rate, {seed: 1234});
        const ys = await y.data();
        y.dispose();
        let kept = 0;
        const mask = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          if (ys[i] !== 0) {
            kept++;
            mask[i] = 1;
            assert(
              Math.abs(ys[i] - xs[i] / (1 - rate)) <= 1e-5 * Math.abs(ys[i]),
              `kept element ${i} is ${ys[i]}, expected ${xs[i] / (1 - rate)}`,
            );
          }
        }
        // Binomial(20000, 0.7): standard deviation about 65; allow 6 of them.
        assert(
          Math.abs(kept - n * (1 - rate)) < 6 * Math.sqrt(n * rate * (1 - rate)),
          `${variant}: kept ${kept} of ${n} at rate ${rate}`,
        );
        masks.push(mask);
      }
    } finally {
      await as.setKernelVariant('auto');
    }
    assert(
      masks[0].every((v, i) => v === masks[1][i]),
      'seed 1234 gave a different mask on the scalar and relaxed-SIMD variants',
    );
    // The JS reference: on 'wasm' the op draws the same Philox mask in TypeScript (src/ops/philox.ts).
    await tf.setBackend('wasm');
    try {
      const reference = tf.tidy(() => as.dropout(tf.tensor1d(xs), rate, {seed: 1234}));
      const rs = await reference.data();
      reference.dispose();
      for (let i = 0; i < n; i++) {
        assert(
          (rs[i] !== 0) === (masks[1][i] === 1),
          `element ${i}: kept on 'as' ${masks[1][i] === 1}, by the TypeScript Philox on 'wasm' ${rs[i] !== 0}`,
        );
      }
    } finally {
      await tf.setBackend('as');
    }
    const other = as.dropout(x, rate, {seed: 1235});
    const os = await other.data();
    other.dispose();
    assert(
      os.some((v, i) => (v !== 0) !== (masks[1][i] === 1)),
      'seeds 1234 and 1235 gave the same mask',
    );
    const g = tf.grad(t => tf.sum(as.dropout(t, rate, {seed: 1234})))(x);
    const gs = await g.data();
    g.dispose();
    for (let i = 0; i < n; i++) {
      const expected = masks[1][i] ? 1 / (1 - rate) : 0;
      assert(Math.abs(gs[i] - expected) < 1e-5, `gradient element ${i} is ${gs[i]}, expected ${expected}`);
    }
  }
  test('randomBinomial: 0/1 values with P(1) = p', async () => {
    const n = 20000,
      p = 0.25;
    const t = as.randomBinomial([100, n / 100], p, {seed: 42});
    assert(t.shape.join() === `100,${n / 100}`, `shape ${t.shape}`);
    const v = await t.data();
    t.dispose();
    let ones = 0;
    for (const x of v) {
      assert(x === 0 || x === 1, `value ${x}`);
      ones += x;
    }
    assert(Math.abs(ones - n * p) < 6 * Math.sqrt(n * p * (1 - p)), `${ones} ones of ${n} at p=${p}`);
  });
  test('denseConcat against a JS reference (relu, one bias null)', async () => {
    const m = 9,
      ks = [7, 12],
      ns = [5, 3];
    const xs = ks.map((k, i) => randomArray(m * k, 10 + i));
    const ws = ks.map((k, i) => randomArray(k * ns[i], 20 + i));
    const b0 = randomArray(ns[0], 30);
    const y = tf.tidy(() =>
      as.denseConcat(
        xs.map((x, i) => tf.tensor2d(x, [m, ks[i]])),
        ws.map((w, i) => tf.tensor2d(w, [ks[i], ns[i]])),
        [tf.tensor1d(b0), null],
        {activation: 'relu'},
      ),
    );
    assert(y.shape.join() === `${m},${ns[0] + ns[1]}`, `shape ${y.shape}`);
    const got = await y.data();
    y.dispose();
    const parts = ws.map((w, i) => matMulReference(xs[i], w, m, ns[i], ks[i]));
    const expected = [];
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < ns[0]; j++) expected.push(Math.max(0, parts[0][r * ns[0] + j] + b0[j]));
      for (let j = 0; j < ns[1]; j++) expected.push(Math.max(0, parts[1][r * ns[1] + j]));
    }
    assertClose(got, expected, 1e-4, 'denseConcat');
  });
  test('tf.browser.draw (the Draw kernel: tfjs-backend-wasm has none) puts the image on a canvas, as cpu would', async () => {
    const canvas = document.createElement('canvas');
    // A 2x3 RGB float image and a 2x2 grayscale int32 one.
    const rgb = tf.tensor3d([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0.5, 0.5, 0.5], [2, 3, 3]);
    await tf.browser.draw(rgb, canvas);
    assert(canvas.width === 3 && canvas.height === 2, `canvas is ${canvas.width}x${canvas.height}`);
    const pixels = Array.from(canvas.getContext('2d').getImageData(0, 0, 3, 2).data);
    const want = [0, 0, 0, 255, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 128, 128, 128, 255];
    assert(
      pixels.every((v, i) => Math.abs(v - want[i]) <= 1),
      `pixels ${pixels}`,
    );
    const gray = tf.tensor2d([0, 64, 128, 255], [2, 2], 'int32');
    await tf.browser.draw(gray, canvas, {imageOptions: {alpha: 0.5}});
    const g = Array.from(canvas.getContext('2d').getImageData(0, 0, 2, 2).data);
    assert(g[4] === 64 && g[5] === 64 && g[8] === 128 && g[15] === 128, `gray pixels ${g}`);
    let message = '';
    const bad = tf.tensor2d([2, 0], [1, 2]);
    try {
      await tf.browser.draw(bad, canvas);
    } catch (e) {
      message = e.message;
    }
    assert(/range \[0 - 1\]/.test(message), `out-of-range float image: '${message}'`);
    tf.dispose([rgb, gray, bad]);
  });
  test('no tensor leaked by the checks above', () => {
    assert(tf.memory().numTensors === tensorsBefore, `${tf.memory().numTensors} tensors, ${tensorsBefore} before`);
  });
  kerasChecks(test);
}

window.__suite = run();
