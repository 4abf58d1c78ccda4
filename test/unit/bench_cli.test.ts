// The benchmark CLI as built (dist/cli.js, the package's bin): --help, the usage errors (exit 2,
// naming what is wrong and the valid choices), and quick runs (--quick: tiny shapes, a few short
// rounds) of every benchmark with --json and --results. Missing optional peers are checked on the
// installed tarball (tarball.test.ts). Needs `npm run build` first.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-as-bench-'));
process.on('exit', () => fs.rmSync(tmp, {recursive: true, force: true}));

assert.ok(fs.existsSync(cli), 'dist/cli.js is missing: run `npm run build` first');

function bench(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1'},
  });
  return {status: r.status, stdout: r.stdout, stderr: r.stderr};
}

interface Row {
  case: string;
  contender: string;
  backend: string;
  variant: string | null;
  median: number;
  vsWasm: number | null;
  noWasmKernel?: boolean;
}
interface Document {
  machine: {cpu: string; cores: number; node: string; date: string};
  variants: string[];
  cpu: boolean;
  benchmarks: {name: string; rows: Row[]; table: {header: string[]; cells: string[][]}}[];
  skippedBenchmarks: unknown[];
  failed: unknown[];
}

/** A usage error: exit 2, the message, no stack trace or TypeError. */
function usageError(args: string[], ...expected: RegExp[]) {
  const r = bench(...args);
  assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  for (const e of expected) assert.match(r.stderr, e);
  assert.not.match(r.stderr, /TypeError|ERR_|\n\s+at /);
  assert.match(r.stderr, /tfjs-backend-as bench --help/);
}

test('--help lists every benchmark and option, exit 0', () => {
  for (const args of [['--help'], ['bench', '--help'], ['bench', '-h']]) {
    const r = bench(...args);
    assert.is(r.status, 0, r.stderr);
    for (const word of [
      'matmul',
      'dropout',
      'concat',
      'train',
      'browser',
      '--threads',
      '--variant',
      '--json',
      '--quick',
      '--results',
      'relaxed-simd',
    ]) {
      assert.ok(r.stdout.includes(word), `--help does not mention ${word}`);
    }
    assert.match(r.stdout, /train .*needs @tensorflow\/tfjs-layers, mnist/);
    assert.match(r.stdout, /predict .*onnxruntime-web.*\(needs onnxruntime-web\)/);
  }
});

test('an unknown benchmark names itself and the valid ones, exit 2', () => {
  usageError(
    ['bench', 'matmull'],
    /unknown benchmark 'matmull'/,
    /matmul, conv, dropout, concat, segment, predict, train/,
  );
});

test('an unknown variant names itself and the valid ones, exit 2', () => {
  usageError(['bench', 'matmul', '--variant', 'avx2'], /unknown variant 'avx2'/, /scalar, simd, relaxed-simd/);
  usageError(['bench', '--variant', 'simd,sse'], /unknown variant 'sse'/);
});

test('--threads takes an integer of at least 2 or auto, exit 2 otherwise', () => {
  for (const bad of ['1', '0', 'two', '2.5']) {
    usageError(
      ['bench', 'matmul', '--threads', bad],
      new RegExp(`--threads needs an integer of at least 2 or 'auto', got '${bad}'`),
    );
  }
});

test('an unknown command or option, or a missing value, exit 2', () => {
  usageError([], /missing the command: 'bench'/);
  usageError(['benchmark'], /unknown command 'benchmark'; the command is 'bench'/);
  usageError(['bench', '--fast'], /Unknown option '--fast'/);
  usageError(['bench', '--variant'], /--variant/);
});

test('--quick --json: every benchmark, every kernels build against tfjs-backend-wasm and cpu', () => {
  // Relaxed SIMD is in the default set: on Node 20 the CLI runs itself again with the flag.
  const r = bench('bench', '--quick', '--json');
  assert.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Document;
  assert.is(doc.machine.node, process.version);
  assert.ok(doc.machine.cores > 0 && doc.machine.cpu.length > 0);
  assert.equal(doc.variants, ['scalar', 'simd', 'relaxed-simd']);
  assert.is(doc.cpu, true);
  assert.equal(doc.failed, []);
  assert.equal(doc.skippedBenchmarks, []);
  assert.equal(
    doc.benchmarks.map(b => b.name),
    ['matmul', 'conv', 'dropout', 'concat', 'segment', 'predict', 'train'],
  );
  for (const b of doc.benchmarks.filter(b => b.name !== 'predict')) {
    // segment: tfjs-backend-wasm has no UnsortedSegmentSum, so no wasm row and no ratio to it.
    const hasWasm = b.name !== 'segment';
    const contenders = new Set(b.rows.map(row => row.variant ?? row.backend));
    assert.equal(
      [...contenders].sort(),
      ['cpu', 'relaxed-simd', 'scalar', 'simd', ...(hasWasm ? ['wasm'] : [])],
      b.name,
    );
    for (const row of b.rows) {
      assert.ok(row.median > 0 && Number.isFinite(row.median), `${b.name} ${row.contender}: median ${row.median}`);
      // Where tfjs-backend-wasm has no such kernel (a convolution's filter gradient) there is nothing to compare.
      if (row.noWasmKernel) assert.is(row.vsWasm, null, `${b.name} ${row.contender}`);
      else if (hasWasm) assert.ok(row.vsWasm! > 0, `${b.name} ${row.contender}: vsWasm ${row.vsWasm}`);
    }
    assert.is(b.table.cells.length, b.rows.length);
  }
});

test('--threads 2: conv, dropout and browser add threaded rows with their speed-up over one thread', () => {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const browser = fs.existsSync(chromium);
  const r = bench(
    'bench',
    'conv',
    'dropout',
    ...(browser ? ['browser'] : []),
    '--quick',
    '--json',
    '--threads',
    '2',
    '--variant',
    'simd',
  );
  assert.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Document;
  assert.equal(doc.failed, []);
  for (const b of doc.benchmarks) {
    const rows = b.rows as (Row & {threads: number | null; vsOneThread?: number})[];
    const threaded = rows.filter(row => row.threads === 2);
    assert.ok(threaded.length > 0, `${b.name}: threaded rows`);
    for (const row of threaded) {
      if (b.name !== 'browser') assert.match(row.contender, /× 2 threads/);
      assert.ok(row.vsOneThread! > 0, `${b.name} ${row.contender}: vsOneThread ${row.vsOneThread}`);
    }
    assert.ok(b.table.header.includes(b.name === 'browser' ? 'vs its 1 thread' : 'vs 1 thread'), b.name);
  }
  if (browser) {
    const rows = doc.benchmarks.find(b => b.name === 'browser')!.rows as (Row & {threads: number})[];
    // Per case: ours and XNNPACK's, on 1 and on 2 threads; ours compared with XNNPACK's at the same count.
    assert.equal(rows.map(row => `${row.backend} ${row.threads}`).sort(), ['as 1', 'as 2', 'wasm 1', 'wasm 2']);
    for (const row of rows) assert.ok(row.vsWasm! > 0);
  } else {
    console.log(`bench browser not run: no chromium at ${chromium}`);
  }
});

interface PredictRow extends Row {
  unit: string;
  vsOnnxruntime: number;
}

test('bench predict: batch 1 and 64, each build against onnxruntime-web, the agreement checked first', () => {
  const r = bench('bench', 'predict', '--quick', '--json', '--variant', 'scalar,simd');
  assert.is(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Document & {
    benchmarks: {details: {agreement: Record<string, {maxAbsDiff: number; sameArgmax: boolean}>}}[];
  };
  assert.equal(
    doc.benchmarks.map(b => b.name),
    ['predict'],
  );
  const b = doc.benchmarks[0]!;
  const rows = b.rows as PredictRow[];
  assert.equal(
    rows.map(row => `${row.case}: ${row.contender}`),
    ['batch 1', 'batch 64'].flatMap(c => [
      `${c}: ours: Keras predict on as scalar`,
      `${c}: ours: Keras predict on as simd`,
      `${c}: onnxruntime-web (wasm, 1 thread)`,
    ]),
  );
  for (const row of rows) {
    assert.ok(row.median > 0 && Number.isFinite(row.median), `${row.case} ${row.contender}: median ${row.median}`);
    assert.is(row.unit, 'us');
    assert.is(row.vsWasm, null);
    assert.ok(row.vsOnnxruntime > 0, `${row.case} ${row.contender}: vsOnnxruntime ${row.vsOnnxruntime}`);
    assert.is(row.backend, row.contender.startsWith('onnxruntime-web') ? 'onnxruntime-web' : 'as');
  }
  assert.equal(Object.keys(b.details.agreement).sort(), [
    'batch 1, scalar',
    'batch 1, simd',
    'batch 64, scalar',
    'batch 64, simd',
  ]);
  for (const [what, a] of Object.entries(b.details.agreement)) {
    assert.ok(a.sameArgmax && a.maxAbsDiff <= 1e-5, `${what}: ${JSON.stringify(a)}`);
  }
  assert.match(b.table.header.join('|'), /vs onnxruntime-web/);
});

test('bench predict: usage errors name predict among the benchmarks, exit 2', () => {
  usageError(['bench', 'predcit'], /unknown benchmark 'predcit'/, /segment, predict, train/);
  usageError(['bench', 'predict', '--variant', 'wasm'], /unknown variant 'wasm'/);
  usageError(['bench', 'predict', '--threads', '1'], /--threads needs an integer of at least 2/);
});

test('--variant picks the builds (repeated or comma-separated), no re-run without relaxed SIMD', () => {
  for (const args of [
    ['--variant', 'scalar,simd'],
    ['--variant', 'simd', '--variant', 'scalar'],
  ]) {
    const r = bench('bench', 'dropout', '--quick', '--json', ...args);
    assert.is(r.status, 0, r.stderr);
    assert.not.match(r.stderr, /running again/);
    const doc = JSON.parse(r.stdout) as Document;
    assert.equal(doc.variants, ['scalar', 'simd']);
    assert.equal(
      doc.benchmarks[0]!.rows.map(row => row.contender),
      ['as scalar', 'as simd', 'tfjs-backend-wasm', 'tfjs-backend-cpu'],
    );
  }
});

test('the table: the machine line, then a Markdown table per benchmark; --results writes .json and .md', () => {
  const dir = path.join(tmp, 'results');
  const r = bench('bench', 'concat', '--quick', '--variant', 'simd', '--results', dir);
  assert.is(r.status, 0, r.stderr);
  const [heading] = r.stdout.split('\n');
  assert.match(heading!, /^tfjs-backend-as \d+\.\d+\.\d+ bench: \d{4}-\d\d-\d\d, .+ \(\d+ cores\), .*Node v\d+/);
  assert.match(r.stdout, /## Concat and denseConcat \(concat\)/);
  assert.match(r.stdout, /\| work \| contender \| median µs\/call \| vs tfjs-backend-wasm \|/);
  assert.match(r.stdout, /\| concat \[8,10\]\+\[8,6\] axis -1 \| as simd \| [\d.]+ \| [\d.]+x \|/);
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'concat.json'), 'utf8'));
  assert.is(saved.name, 'concat');
  assert.equal(saved.variants, ['simd']);
  const md = fs.readFileSync(path.join(dir, 'concat.md'), 'utf8');
  assert.match(md, /^### Concat and denseConcat — \d{4}-\d\d-\d\d, /);
  assert.match(md, /\| denseConcat \[4,10\]\+\[4,6\] -> 4\+2 relu \| denseConcat: as simd \|/);
});

test.run();
