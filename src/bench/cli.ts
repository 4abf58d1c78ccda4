#!/usr/bin/env node
// The package's command line (its `bin`, bundled to dist/cli.js by scripts/build.mjs):
//
//   tfjs-backend-as bench [matmul|conv|dropout|concat|segment|train|browser ...] [--variant V ...] [--threads N] [--json] [--quick] [--results DIR]
//
// Runs the kernel benchmarks on the user's machine: each kernels build of 'as' against
// tfjs-backend-wasm (and tfjs-backend-cpu when installed), alternating in one process. `npm run
// bench` in the repository is this with --results bench/results.
//
// This module loads no tfjs package up front: --help and usage errors work without any, and a
// missing package is named instead of surfacing as an unresolved module.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {BENCHMARKS, type Benchmark, CPU_PACKAGE, NOT_IN_THIS_VERSION} from './registry.js';
import {type BenchReport, machineInfo, machineLine, reportMarkdown, VARIANTS} from './report.js';

type Variant = (typeof VARIANTS)[number];

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {}

const EXIT_USAGE = 2;
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';
const require = createRequire(import.meta.url);
const list = (names: readonly string[]) => names.join(', ');

const USAGE = `Usage: tfjs-backend-as bench [${BENCHMARKS.map(b => b.name).join('|')} ...] [options]

Runs tfjs-backend-as's kernel benchmarks on this machine: each kernels build of backend 'as'
(scalar, SIMD, relaxed SIMD) against tfjs-backend-wasm, and tfjs-backend-cpu where it is
installed, in alternating rounds in one process. Prints medians, ratios and the machine.

Benchmarks (default: all${BENCHMARKS.some(b => b.explicitOnly) ? ` but ${list(BENCHMARKS.filter(b => b.explicitOnly).map(b => b.name))}` : ''}):
${BENCHMARKS.map(b => `  ${b.name.padEnd(9)}${b.summary}${b.requires.length ? ` (needs ${list(b.requires)})` : ''}`).join('\n')}

Options:
  --variant V    ${list(VARIANTS)}; repeat it or separate with commas
                 for several (default: every build this runtime can run; relaxed SIMD
                 re-runs Node with ${RELAXED_SIMD_FLAG} where it needs it)
  --threads N    also run 'as' on N threads ('auto': every core) beside its one-thread rows
                 (matmul, conv, dropout, train); without it every 'as' row runs on one thread.
                 browser: the thread count of both backends' second page (default: every core)
  --json         print the results as one JSON document (progress goes to stderr)
  --quick        tiny shapes, a few short rounds: checks that it runs, measures nothing
  --results DIR  also write DIR/<benchmark>.json and DIR/<benchmark>.md
  -h, --help     print this
`;

interface Command {
  benchmarks: Benchmark[];
  /** Named on the command line (else every benchmark was asked for). */
  explicit: boolean;
  variants: Variant[];
  variantsExplicit: boolean;
  /** --threads: the thread count of the extra 'as' rows, or null. */
  threads: number | 'auto' | null;
  json: boolean;
  quick: boolean;
  results?: string;
}

const OPTIONS = {
  variant: {type: 'string', multiple: true},
  threads: {type: 'string'},
  json: {type: 'boolean', default: false},
  quick: {type: 'boolean', default: false},
  results: {type: 'string'},
  help: {type: 'boolean', short: 'h', default: false},
} as const;

function parseFlags(args: string[]) {
  try {
    return parseArgs({args, options: OPTIONS, allowPositionals: true, strict: true});
  } catch (error) {
    // parseArgs throws a TypeError (code ERR_PARSE_ARGS_*) whose message says what is wrong.
    throw new UsageError((error as Error).message);
  }
}

/** The command line, checked; null for --help. Throws UsageError. */
function parseCommand(args: string[]): Command | null {
  const {values, positionals} = parseFlags(args);
  if (values.help) return null;
  const [command, ...names] = positionals;
  if (command === undefined) throw new UsageError("missing the command: 'bench'");
  if (command !== 'bench') throw new UsageError(`unknown command '${command}'; the command is 'bench'`);

  const available = BENCHMARKS.map(b => b.name);
  for (const name of names) {
    const why = NOT_IN_THIS_VERSION[name];
    if (why) {
      throw new UsageError(
        `benchmark '${name}' is not available in this version: ${why}; available: ${list(available)}`,
      );
    }
    if (!available.includes(name)) {
      throw new UsageError(`unknown benchmark '${name}'; choose from ${list(available)}`);
    }
  }
  const variants = (values.variant ?? []).flatMap(v => v.split(',')).map(v => v.trim());
  for (const v of variants) {
    if (!(VARIANTS as readonly string[]).includes(v)) {
      throw new UsageError(`unknown variant '${v}'; choose from ${list(VARIANTS)}`);
    }
  }
  if (values.results === '') throw new UsageError('--results needs a directory');
  let threads: number | 'auto' | null = null;
  if (values.threads !== undefined) {
    threads = values.threads === 'auto' ? 'auto' : Number(values.threads);
    if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 2)) {
      throw new UsageError(`--threads needs an integer of at least 2 or 'auto', got '${values.threads}'`);
    }
  }
  return {
    // Registry order, each once, whatever the order on the command line.
    benchmarks: names.length ? BENCHMARKS.filter(b => names.includes(b.name)) : BENCHMARKS.filter(b => !b.explicitOnly),
    explicit: names.length > 0,
    variants: variants.length ? VARIANTS.filter(v => variants.includes(v)) : [...VARIANTS],
    variantsExplicit: variants.length > 0,
    threads,
    json: values.json,
    quick: values.quick,
    results: values.results,
  };
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Whether this Node accepts the relaxed SIMD flag (it is gone from runtimes that ship the feature). */
function acceptsRelaxedSimdFlag(): boolean {
  return spawnSync(process.execPath, [RELAXED_SIMD_FLAG, '-e', ''], {stdio: 'ignore'}).status === 0;
}

/** Runs this same command in a Node started with the relaxed SIMD flag; returns its exit code. */
function rerunWithRelaxedSimd(): number {
  const args = [RELAXED_SIMD_FLAG, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, {stdio: 'inherit'});
  if (child.error) throw child.error;
  return child.status ?? 1;
}

/** The first lines of an error's stack, each cut short (tfjs-backend-wasm's glue is one huge line). */
function describe(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return text
    .split('\n')
    .slice(0, 6)
    .map(line => (line.length > 300 ? `${line.slice(0, 300)}…` : line))
    .join('\n');
}

async function main(args: string[]): Promise<number> {
  const command = parseCommand(args);
  if (!command) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);

  if (!isInstalled('@tensorflow/tfjs-core')) {
    log(
      'tfjs-backend-as bench: @tensorflow/tfjs-core (a peer dependency) is not installed: npm install @tensorflow/tfjs-core',
    );
    return 1;
  }
  const skippedBenchmarks = command.benchmarks
    .map(b => ({benchmark: b.name, missing: b.requires.filter(p => !isInstalled(p))}))
    .filter(s => s.missing.length > 0);
  for (const {benchmark, missing} of skippedBenchmarks) {
    log(
      `tfjs-backend-as bench: '${benchmark}' needs ${list(missing)}, not installed here (optional peer ` +
        `dependencies of tfjs-backend-as): npm install --save-dev ${missing.join(' ')}`,
    );
  }
  const benchmarks = command.benchmarks.filter(b => !skippedBenchmarks.some(s => s.benchmark === b.name));
  if (benchmarks.length === 0) return 1;

  const as = await import('../index.js');
  const support = as.backendInfo();
  if (
    command.variants.includes('relaxed-simd') &&
    !support.relaxedSimd &&
    !process.execArgv.includes(RELAXED_SIMD_FLAG)
  ) {
    if (acceptsRelaxedSimdFlag()) {
      log(
        `tfjs-backend-as bench: relaxed SIMD needs ${RELAXED_SIMD_FLAG} in Node ${process.version}: running again with it`,
      );
      return rerunWithRelaxedSimd();
    }
  }
  // For a build that cannot run, setKernelVariant rejects (switching nothing) with the reason.
  const unavailable: {variant: Variant; reason: string}[] = [];
  for (const variant of command.variants) {
    const runs = variant === 'scalar' || (variant === 'simd' ? support.simd : support.relaxedSimd);
    if (!runs) {
      const reason = await as.setKernelVariant(variant).then(
        () => 'unknown',
        (e: Error) => e.message,
      );
      unavailable.push({variant, reason});
    }
  }
  if (command.variantsExplicit && unavailable.length) {
    for (const {reason} of unavailable) log(`tfjs-backend-as bench: ${reason}`);
    return 1;
  }
  const variants = command.variants.filter(v => !unavailable.some(u => u.variant === v));

  const cpu = isInstalled(CPU_PACKAGE);
  if (cpu) await import('@tensorflow/tfjs-backend-cpu');
  const machine = machineInfo();
  const threads = command.threads === 'auto' ? machine.cores : command.threads;
  const manifest = require('tfjs-backend-as/package.json') as {version: string};
  const notes = [
    `kernels builds: ${list(variants)}` +
      (process.execArgv.includes(RELAXED_SIMD_FLAG) ? ` (Node started with ${RELAXED_SIMD_FLAG})` : '') +
      (unavailable.length ? `; not run: ${unavailable.map(u => `${u.variant} (${u.reason})`).join('; ')}` : ''),
    ...(cpu
      ? []
      : [`${CPU_PACKAGE} is not installed: its rows are left out (npm install --save-dev ${CPU_PACKAGE} adds them)`]),
    threads
      ? `'as' rows run on one thread, and the '× ${threads} threads' rows on ${threads} (setThreads)`
      : "'as' rows run on one thread (setThreads(1)); --threads N adds rows on N threads",
    ...(command.quick
      ? ['--quick: tiny shapes and a few short rounds, to check that the benchmarks run; the numbers mean little']
      : []),
  ];
  const heading = `tfjs-backend-as ${manifest.version} bench: ${machineLine(machine)}`;
  if (!command.json) console.log(`${heading}\n${notes.join('\n')}`);
  else log(heading);

  const reports: BenchReport[] = [];
  const failed: {benchmark: string; error: string}[] = [];
  for (const benchmark of benchmarks) {
    log(`${benchmark.name}: running${command.quick ? ' (quick)' : ''}`);
    let report: BenchReport;
    try {
      const {run} = await benchmark.load();
      report = await run({variants, quick: command.quick, cpu, log, threads: threads ?? null});
    } catch (error) {
      log(`tfjs-backend-as bench: '${benchmark.name}' failed: ${describe(error)}`);
      failed.push({benchmark: benchmark.name, error: error instanceof Error ? error.message : String(error)});
      continue;
    }
    reports.push(report);
    const markdown = reportMarkdown(report);
    if (!command.json) console.log(`\n## ${report.title} (${report.name})\n\n${markdown}`);
    if (command.results) {
      fs.mkdirSync(command.results, {recursive: true});
      const file = path.join(command.results, report.name);
      const data = {version: manifest.version, machine, variants, quick: command.quick, ...report};
      fs.writeFileSync(`${file}.json`, `${JSON.stringify(data, null, 2)}\n`);
      const runNotes = notes.map(n => `- ${n}`).join('\n');
      fs.writeFileSync(`${file}.md`, `### ${report.title} — ${machineLine(machine)}\n\n${markdown}\n${runNotes}\n`);
      log(`wrote ${file}.json and ${file}.md`);
    }
  }
  if (command.json) {
    const document = {
      version: manifest.version,
      machine,
      quick: command.quick,
      variants,
      skippedVariants: unavailable,
      cpu,
      notes,
      benchmarks: reports,
      skippedBenchmarks,
      failed,
    };
    console.log(JSON.stringify(document, null, 2));
  }
  // Running every benchmark skips the ones whose packages are missing; naming one that cannot run fails.
  return failed.length || (command.explicit && skippedBenchmarks.length) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  error => {
    if (error instanceof UsageError) {
      process.stderr.write(
        `tfjs-backend-as bench: ${error.message}\nRun 'tfjs-backend-as bench --help' for the usage.\n`,
      );
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`tfjs-backend-as bench: ${describe(error)}\n`);
      process.exitCode = 1;
    }
  },
);
