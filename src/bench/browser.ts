// bench browser: dense products in Chromium's cross-origin-isolated page, where tfjs-backend-wasm
// runs its threaded build (XNNPACK with a pthread pool) and 'as' its worker pool on the same
// shared heap. Two page loads: one with both on one thread, one with both on N (--threads N;
// default every core, at least 2): tfjs-backend-wasm's count is fixed before it starts
// (setThreadsCount), so each count needs a fresh page. In each page our GEMM and XNNPACK's
// alternate, round by round, as in every other benchmark (alternate.ts, here in the page).
//
// It serves the package's dist/index.js and tfjs' ESM builds from 127.0.0.1 with COOP/COEP (an
// import map resolves the bare names, as in examples/browser/importmap) and drives Chromium with
// playwright-core: Debian's /usr/bin/chromium, or the executable in $CHROMIUM_PATH.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import type {BenchOptions, BenchReport, BenchRow} from './report.js';
import {formatMs} from './report.js';

const require = createRequire(import.meta.url);

interface GemmCase {
  name: string;
  m: number;
  k: number;
  n: number;
  /** + bias [n] + relu, fused. */
  fused?: boolean;
}

const CASES: GemmCase[] = [
  {name: 'fused [64,784]x[784,500] + bias + relu', m: 64, k: 784, n: 500, fused: true},
  {name: '[256,784]x[784,500]', m: 256, k: 784, n: 500},
  {name: '[512,512]x[512,512]', m: 512, k: 512, n: 512},
  {name: '[1024,1024]x[1024,1024]', m: 1024, k: 1024, n: 1024},
];
const QUICK_CASES: GemmCase[] = [{name: '[64,64]x[64,64]', m: 64, k: 64, n: 64}];

const flops = (c: GemmCase) => 2 * c.m * c.n * c.k;

/** What the page reports for one thread count. */
interface PageResult {
  crossOriginIsolated: boolean;
  /** As the page saw it (raised to 2·N for XNNPACK's cap; see run). */
  hardwareConcurrency: number;
  wasmThreads: number;
  asThreads: number;
  variant: string;
  sharedMemory: boolean;
  userAgent: string;
  /** Per case: median µs per call and the per-round samples, ours and XNNPACK's. */
  results: {case: string; as: number[]; wasm: number[]}[];
}

// The page's program, as source text (evaluated in the page, where window.__bench holds the
// modules the import map loaded). Alternates our GEMM and XNNPACK's round by round; each
// contender's batch is sized to ~batchMs on its warm-up.
const PAGE_PROGRAM = `async ({threads, cases, rounds, batchMs}) => {
  const {tf, wasm, as} = window.__bench;
  wasm.setWasmPaths(location.origin + '/wasm/');
  wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  const wasmThreads = wasm.getThreadsCount();
  await tf.setBackend('as');
  await as.setThreads(threads);
  const info = as.backendInfo();
  const results = [];
  for (const c of cases) {
    const contenders = [];
    for (const backend of ['as', 'wasm']) {
      await tf.setBackend(backend);
      const a = tf.randomUniform([c.m, c.k], -1, 1, 'float32', 1);
      const b = tf.randomUniform([c.k, c.n], -1, 1, 'float32', 2);
      const bias = tf.randomUniform([c.n], -1, 1, 'float32', 3);
      const run = () =>
        c.fused ? tf.fused.matMul({a, b, bias, activation: 'relu'}) : tf.matMul(a, b);
      contenders.push({backend, run, tensors: [a, b, bias], iters: 1, samples: []});
    }
    for (const t of contenders) {
      await tf.setBackend(t.backend);
      for (let n = 1; ; n *= 2) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) t.run().dispose();
        const dt = performance.now() - t0;
        if (dt >= batchMs / 4 || n >= 1 << 16) {
          t.iters = Math.max(1, Math.round((n * batchMs) / Math.max(dt, 1e-3)));
          break;
        }
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const t of contenders) {
        await tf.setBackend(t.backend);
        const t0 = performance.now();
        for (let i = 0; i < t.iters; i++) t.run().dispose();
        t.samples.push(((performance.now() - t0) * 1000) / t.iters);
      }
    }
    for (const t of contenders) {
      await tf.setBackend(t.backend);
      tf.dispose(t.tensors);
    }
    results.push({case: c.name, as: contenders[0].samples, wasm: contenders[1].samples});
  }
  return {
    crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, wasmThreads,
    asThreads: info.threads, variant: info.variant, sharedMemory: info.sharedMemory,
    userAgent: navigator.userAgent, results,
  };
}`;

const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tfjs-backend-as bench browser</title>
<link rel="icon" href="data:,">
<script type="importmap">
{"imports": {
  "@tensorflow/tfjs-core": "/tfjs-core.js",
  "@tensorflow/tfjs-backend-wasm": "/tfjs-backend-wasm.js",
  "tfjs-backend-as": "/tfjs-backend-as.js",
  "fs": "data:text/javascript,export default {}",
  "path": "data:text/javascript,export default {}",
  "os": "data:text/javascript,export default {}",
  "perf_hooks": "data:text/javascript,export default {}"
}}
</script></head><body>
<script type="module">
import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as as from 'tfjs-backend-as';
window.__bench = {tf, wasm, as};
</script></body></html>`;

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** The chromium executable: $CHROMIUM_PATH when set, else Debian's; null when there is none. */
function findChromium(): string | null {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find(c => fs.existsSync(c)) ?? null;
}

/** Serves the page and the modules it imports, cross-origin isolated (COOP/COEP), on 127.0.0.1. */
async function serve(): Promise<{origin: string; close: () => Promise<void>}> {
  const wasmDist = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const files: Record<string, string> = {
    '/tfjs-core.js': path.join(packageDir('@tensorflow/tfjs-core'), 'dist/tf-core.fesm.js'),
    '/tfjs-backend-wasm.js': path.join(wasmDist, 'tf-backend-wasm.fesm.js'),
    '/tfjs-backend-as.js': path.join(packageDir('tfjs-backend-as'), 'dist/index.js'),
  };
  for (const [url, file] of Object.entries(files)) {
    if (!fs.existsSync(file)) throw new Error(`bench browser: ${file} (served as ${url}) is missing`);
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (url === '/') {
      res.writeHead(200, {...headers, 'Content-Type': 'text/html; charset=utf-8'});
      res.end(PAGE_HTML);
      return;
    }
    // tfjs-backend-wasm's .wasm and worker files, by base name only (nothing else is reachable).
    const wasmFile = url.startsWith('/wasm/') ? path.join(wasmDist, path.basename(url)) : null;
    const file = files[url] ?? (wasmFile && fs.existsSync(wasmFile) ? wasmFile : null);
    if (!file) {
      res.writeHead(404, {...headers, 'Content-Type': 'text/plain'});
      res.end(`not found: ${url}`);
      return;
    }
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript; charset=utf-8';
    res.writeHead(200, {...headers, 'Content-Type': type});
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address() as {port: number};
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error(
      `bench browser needs Chromium: none at ${process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH}` : '/usr/bin/chromium'} ` +
        '(install it, e.g. apt-get install chromium, or set CHROMIUM_PATH to its executable)',
    );
  }
  const {chromium} = (await import('playwright-core')) as typeof import('playwright-core');
  const threads = options.threads ?? Math.max(2, os.availableParallelism());
  const cases = options.quick ? QUICK_CASES : CASES;
  const [rounds, batchMs] = options.quick ? [3, 2] : [9, 40];
  const server = await serve();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    timeout: 30_000,
  });
  const pages: Record<number, PageResult> = {};
  try {
    for (const count of [1, threads]) {
      options.log(`browser: ${count} thread${count > 1 ? 's' : ''} (a fresh page)`);
      const context = await browser.newContext();
      const page = await context.newPage();
      // tfjs-backend-wasm caps XNNPACK's pool at navigator.hardwareConcurrency / 2 threads
      // (its backend.cc: num_cores = emscripten_num_logical_cores() / 2), so one on a 2-core
      // machine whatever setThreadsCount says: the page reports at least 2·N cores so that it
      // can run the N threads asked for. ('as' takes setThreads' count as given.)
      await page.addInitScript(
        `if (navigator.hardwareConcurrency < ${2 * count}) Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {get: () => ${2 * count}});`,
      );
      const errors: string[] = [];
      page.on('pageerror', e => errors.push(e.message));
      try {
        await page.goto(`${server.origin}/`);
        await page.waitForFunction(() => (window as {__bench?: unknown}).__bench, undefined, {timeout: 60_000});
        pages[count] = (await page.evaluate(
          `(${PAGE_PROGRAM})(${JSON.stringify({threads: count, cases, rounds, batchMs})})`,
        )) as PageResult;
      } catch (e) {
        throw new Error(
          `bench browser: the page on ${count} threads failed: ${(e as Error).message} ${errors.join('; ')}`,
        );
      } finally {
        await context.close();
      }
      const p = pages[count]!;
      if (!p.crossOriginIsolated || !p.sharedMemory) {
        throw new Error(
          `bench browser: the page is not cross-origin isolated with a shared heap (${JSON.stringify(p)})`,
        );
      }
      if (p.asThreads !== count || p.wasmThreads !== count) {
        throw new Error(
          `bench browser: asked for ${count} threads, 'as' has ${p.asThreads} and tfjs-backend-wasm ${p.wasmThreads}`,
        );
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }

  const rows: BenchRow[] = [];
  for (const c of cases) {
    for (const count of [1, threads]) {
      const p = pages[count]!;
      const r = p.results.find(x => x.case === c.name)!;
      const ours = median(r.as) / 1000,
        xnn = median(r.wasm) / 1000;
      const suffix = count > 1 ? ` × ${count} threads` : ', 1 thread';
      rows.push(
        {
          case: c.name,
          contender: `as ${p.variant}${suffix}`,
          backend: 'as',
          variant: p.variant as BenchRow['variant'],
          threads: count,
          median: ours,
          unit: 'ms',
          vsWasm: xnn / ours,
          samples: r.as.map(us => us / 1000),
          gflops: flops(c) / ours / 1e6,
        },
        {
          case: c.name,
          contender: `tfjs-backend-wasm (XNNPACK)${suffix}`,
          backend: 'wasm',
          variant: null,
          threads: count,
          median: xnn,
          unit: 'ms',
          vsWasm: 1,
          samples: r.wasm.map(us => us / 1000),
          gflops: flops(c) / xnn / 1e6,
        },
      );
    }
  }
  for (const r of rows) {
    if (r.threads === 1) continue;
    const one = rows.find(o => o.case === r.case && o.backend === r.backend && o.threads === 1);
    if (one) r.vsOneThread = one.median / r.median;
  }
  const page = pages[threads]!;
  return {
    name: 'browser',
    title: "Dense products in Chromium's cross-origin-isolated page",
    rows,
    table: {
      header: ['case', 'contender', 'median ms', 'GFLOP/s', 'vs XNNPACK (same threads)', 'vs its 1 thread'],
      cells: rows.map(r => [
        r.case,
        r.contender,
        formatMs(r.median),
        (r.gflops as number).toFixed(1),
        r.backend === 'wasm' ? '1' : `${(r.vsWasm as number).toFixed(2)}x`,
        typeof r.vsOneThread === 'number' ? `${r.vsOneThread.toFixed(2)}x` : '',
      ]),
    },
    notes: [
      `${page.userAgent}; cross-origin isolated, shared heap; ${os.availableParallelism()} cores in Node.`,
      'tfjs-backend-wasm caps XNNPACK at navigator.hardwareConcurrency / 2 threads whatever setThreadsCount asks ' +
        `(one on a 2-core machine): the pages report at least 2·N cores (${page.hardwareConcurrency} in the ` +
        `${threads}-thread page) so that both backends run the same N.`,
      `Two page loads: both backends on 1 thread, then both on ${threads} (tfjs-backend-wasm's setThreadsCount before ` +
        "it starts, 'as' setThreads). In each page the two alternate round by round; medians of " +
        `${rounds} rounds of ~${batchMs} ms. 'vs XNNPACK' = its median / ours in the same page (> 1: ours faster); ` +
        "'vs its 1 thread' compares the two pages.",
      'Only the products are timed (tf.matMul / tf.fused.matMul on 2-D tensors); no tensor is read back.',
    ],
    details: {threads, pages},
  };
}
