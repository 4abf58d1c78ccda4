// npm run bench -- matmul
//
// Dense products on one core, in one process, alternating: our scalar and SIMD kernels ('as'),
// tfjs-backend-wasm (XNNPACK) and tfjs-backend-cpu (small shapes only). Relaxed SIMD needs
// --experimental-wasm-relaxed-simd on Node 20, so a child process runs it against SIMD and
// tfjs-backend-wasm in that same child. Each case is timed with tinybench in rounds (every
// contender once per round, so load drift hits all alike); the result is the median over rounds
// of each round's median. The f32x4 ceiling comes from bench/utils/ceiling.ts.
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {getThreadsCount, setThreadsCount} from '@tensorflow/tfjs-backend-wasm';
import {Bench} from 'tinybench';
import {backendInfo, setKernelVariant} from '../src/index.js';
import {machineInfo, machineLine, markdownTable, median, writeResults} from './utils/index.js';
import {measureCeiling} from './utils/ceiling.js';

interface Case {
  name: string;
  m: number; k: number; n: number;
  transposeA?: boolean; transposeB?: boolean;
  /** + bias [n] + relu, fused. */
  fused?: boolean;
  /** tfjs-backend-cpu takes seconds on the big shapes: it only runs where this is set. */
  cpu?: boolean;
  /** Our scalar build takes seconds on 2048^3: skipped there. */
  scalar?: boolean;
}

const CASES: Case[] = [
  {name: 'fused [64,784]x[784,500] + bias + relu', m: 64, k: 784, n: 500, fused: true, cpu: true, scalar: true},
  {name: '[256,784]x[784,500]', m: 256, k: 784, n: 500, scalar: true},
  {name: '[512,512]x[512,512]', m: 512, k: 512, n: 512, scalar: true},
  {name: 'batch-1 [1,784]x[784,500]', m: 1, k: 784, n: 500, cpu: true, scalar: true},
  {name: '[2048,2048]x[2048,2048]', m: 2048, k: 2048, n: 2048},
  {name: 'dense 784→500 dW: [64,784]ᵀx[64,500] (transposeA)', m: 784, k: 64, n: 500, transposeA: true, cpu: true, scalar: true},
  {name: 'dense 784→500 dX: [64,500]x[784,500]ᵀ (transposeB)', m: 64, k: 500, n: 784, transposeB: true, cpu: true, scalar: true},
];

interface Contender { label: string; backend: 'as' | 'wasm' | 'cpu'; variant?: 'scalar' | 'simd' | 'relaxed-simd'; }

interface Row { case: string; contender: string; ms: number; gflops: number; rounds: number[]; }

// MATMUL_BENCH_CASES=0,3 runs only those cases (while working on the script).
const selectedCases = process.env.MATMUL_BENCH_CASES
  ? process.env.MATMUL_BENCH_CASES.split(',').map(i => CASES[+i]) : CASES;

const flops = (c: Case) => 2 * c.m * c.n * c.k;

async function activate(who: Contender) {
  await tf.setBackend(who.backend);
  if (who.variant) await setKernelVariant(who.variant);
}

/** Times every contender on one case; returns the median ms per call of each. */
async function timeCase(c: Case, contenders: Contender[]): Promise<Row[]> {
  const big = flops(c) > 5e9;
  const rounds = big ? 3 : 7;
  // One input set per backend: running an op on tensors of another backend would copy them.
  const inputs = new Map<string, tf.Tensor[]>();
  for (const who of contenders) {
    if (inputs.has(who.backend)) continue;
    await tf.setBackend(who.backend);
    inputs.set(who.backend, [
      tf.randomUniform(c.transposeA ? [c.k, c.m] : [c.m, c.k], -1, 1, 'float32', 1),
      tf.randomUniform(c.transposeB ? [c.n, c.k] : [c.k, c.n], -1, 1, 'float32', 2),
      tf.randomUniform([c.n], -1, 1, 'float32', 3),
    ]);
  }
  const call = (backend: string) => {
    const [a, b, bias] = inputs.get(backend)!;
    const y = c.fused
      ? tf.fused.matMul({a, b, transposeA: c.transposeA, transposeB: c.transposeB, bias, activation: 'relu'})
      : tf.matMul(a, b, c.transposeA, c.transposeB);
    y.dispose();   // tfjs-backend-wasm and 'as' compute synchronously: the work is done here
  };
  for (const who of contenders) {   // warm-up (compiles, grows the heap once)
    await activate(who);
    call(who.backend);
    call(who.backend);
  }
  const bench = new Bench({time: big ? 0 : 60, iterations: big ? 1 : 3, warmup: false, throws: true});
  for (const who of contenders) bench.add(who.label, () => call(who.backend), {beforeAll: () => activate(who)});
  const perRound: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // tinybench runs a task once: without a reset, every later round would return round 1's result.
    bench.reset();
    const tasks = await bench.run();
    tasks.forEach((task, i) => {
      const result = task.result as {latency?: {p50: number}};
      if (!result.latency) throw new Error(`${c.name}: ${task.name} did not complete: ${JSON.stringify(task.result)}`);
      perRound[i].push(result.latency.p50);
    });
  }
  for (const ts of inputs.values()) tf.dispose(ts);
  return contenders.map((who, i) => {
    const ms = median(perRound[i]);
    return {case: c.name, contender: who.label, ms, gflops: flops(c) / ms / 1e6, rounds: perRound[i]};
  });
}

const gf = (x: number) => x.toFixed(1);
const fmtMs = (ms: number) => ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(3) : ms.toFixed(1);

async function main(relaxedChild: boolean) {
  // tfjs-backend-wasm: one thread (its threaded build needs SharedArrayBuffer + workers; in Node it
  // runs single-threaded anyway, getThreadsCount() below confirms it).
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.setBackend('as');
  const wasmThreads = getThreadsCount();
  const ceilingMulAdd = measureCeiling('mul+add');
  const ceilingRelaxed = relaxedChild ? measureCeiling('relaxed-madd') : undefined;
  const contenders: Contender[] = relaxedChild
    ? [{label: 'as relaxed-simd', backend: 'as', variant: 'relaxed-simd'}, {label: 'as simd', backend: 'as', variant: 'simd'},
      {label: 'tfjs-backend-wasm', backend: 'wasm'}]
    : [{label: 'as scalar', backend: 'as', variant: 'scalar'}, {label: 'as simd', backend: 'as', variant: 'simd'},
      {label: 'tfjs-backend-wasm', backend: 'wasm'}, {label: 'tfjs-backend-cpu', backend: 'cpu'}];
  const rows: Row[] = [];
  for (const c of selectedCases) {
    const who = contenders.filter(x => (x.backend !== 'cpu' || c.cpu) && (x.variant !== 'scalar' || c.scalar));
    const caseRows = await timeCase(c, who);
    rows.push(...caseRows);
    if (!relaxedChild) console.log(`${c.name}: ${caseRows.map(r => `${r.contender} ${fmtMs(r.ms)} ms (${gf(r.gflops)} GFLOP/s)`).join(', ')}`);
  }
  return {rows, ceilingMulAdd, ceilingRelaxed, wasmThreads};
}

if (process.argv.includes('--relaxed-child')) {
  if (!backendInfo().relaxedSimd) {
    console.log(JSON.stringify({unavailable: 'relaxed SIMD does not validate in this runtime'}));
  } else {
    console.log(JSON.stringify(await main(true)));
  }
} else {
  const info = machineInfo();
  console.log(`matmul benchmark: ${machineLine(info)}`);
  console.log('(absolute numbers move with other load on the machine, see the load average; ratios from alternating runs are steadier)');
  const main_ = await main(false);
  console.log('relaxed SIMD: child process with --experimental-wasm-relaxed-simd ...');
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', fileURLToPath(import.meta.url), '--relaxed-child'],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
  if (child.status !== 0) {
    throw new Error(`matmul bench: the relaxed-SIMD child failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}); its stderr is above`);
  }
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  const relaxed = JSON.parse(lastLine) as Awaited<ReturnType<typeof main>> | {unavailable: string};
  const mulAdd = main_.ceilingMulAdd.gflops;
  const fma = 'rows' in relaxed ? relaxed.ceilingRelaxed!.gflops : undefined;

  const table: (string | number)[][] = [];
  const json: unknown[] = [];
  for (const c of selectedCases) {
    const wasm = main_.rows.find(r => r.case === c.name && r.contender === 'tfjs-backend-wasm')!;
    for (const r of main_.rows.filter(x => x.case === c.name)) {
      const pct = 100 * r.gflops / mulAdd;
      const speedup = wasm.ms / r.ms;
      table.push([c.name, r.contender, fmtMs(r.ms), gf(r.gflops), `${pct.toFixed(0)}%`, r.contender === wasm.contender ? '1' : `${speedup.toFixed(2)}x`, '']);
      json.push({...r, process: 'main', percentOfCeiling: pct, vsWasm: speedup});
    }
    if ('rows' in relaxed) {
      const rel = relaxed.rows.find(r => r.case === c.name && r.contender === 'as relaxed-simd')!;
      const simd = relaxed.rows.find(r => r.case === c.name && r.contender === 'as simd')!;
      const w = relaxed.rows.find(r => r.case === c.name && r.contender === 'tfjs-backend-wasm')!;
      const pct = 100 * rel.gflops / fma!;
      table.push([c.name, 'as relaxed-simd (child)', fmtMs(rel.ms), gf(rel.gflops), `${pct.toFixed(0)}% (FMA)`, `${(w.ms / rel.ms).toFixed(2)}x`,
        `${(simd.ms / rel.ms).toFixed(2)}x SIMD`]);
      json.push({...rel, process: 'relaxed child', percentOfCeiling: pct, vsWasm: w.ms / rel.ms, vsSimdSameProcess: simd.ms / rel.ms,
        simdInChild: simd, wasmInChild: w});
    }
  }
  const notes = [
    `f32x4 ceiling on one core (bench/utils/ceiling.ts, independent chains in registers): mul+add ${gf(mulAdd)} GFLOP/s` +
      (fma ? `, relaxed_madd (FMA) ${gf(fma)} GFLOP/s` : '') + '. "% of ceiling" is against mul+add, relaxed rows against FMA.',
    `tfjs-backend-wasm threads: ${main_.wasmThreads}. tfjs-backend-cpu runs on the small shapes only (seconds per call on the others); ` +
      `our scalar build is skipped on 2048^3.`,
    'Ratio = tfjs-backend-wasm ms / our ms in the same process (the relaxed rows: against tfjs-backend-wasm in the child).',
    ...('unavailable' in relaxed ? [`relaxed SIMD: ${relaxed.unavailable}`] : []),
  ];
  const markdown = markdownTable(['case', 'contender', 'median ms', 'GFLOP/s', '% of ceiling', 'vs tfjs-backend-wasm', 'relaxed vs SIMD'], table) +
    '\n\n' + notes.map(n => `- ${n}`).join('\n');
  console.log(`\n${markdown}`);
  const paths = writeResults('matmul', {
    cases: CASES, ceiling: {mulAdd: main_.ceilingMulAdd, relaxedMadd: 'rows' in relaxed ? relaxed.ceilingRelaxed : null},
    wasmThreads: main_.wasmThreads, rows: json, relaxed: 'unavailable' in relaxed ? relaxed.unavailable : 'measured in a child process',
  }, markdown, info);
  console.log(`\nwrote ${paths.json} and ${paths.md}`);
}
