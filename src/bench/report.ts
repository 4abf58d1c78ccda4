// What every benchmark shares: the options the CLI hands it, the report it returns (rows for
// --json, a Markdown table for the console and bench/results/), the machine line, medians.
import os from 'node:os';
import type {KernelVariant} from '../index.js';

/** The kernels builds, in the order they are reported (each is one contender of 'as'). */
export const VARIANTS = ['scalar', 'simd', 'relaxed-simd'] as const satisfies readonly KernelVariant[];
// Fails to compile when src/backend/variants.ts gains a variant this list lacks.
const everyVariantListed: Exclude<KernelVariant, (typeof VARIANTS)[number]> extends never ? true : never = true;
void everyVariantListed;

export interface BenchOptions {
  /** The kernels builds of 'as' to run, each as its own contender; all of them run here. */
  variants: readonly KernelVariant[];
  /** Small shapes and a few short rounds: proves the benchmark runs (tests), measures nothing. */
  quick: boolean;
  /** Whether tfjs-backend-cpu is installed (and loaded): its contenders run only then. */
  cpu: boolean;
  /** Progress, for a human watching (the CLI sends it to stderr, so stdout stays the result). */
  log: (line: string) => void;
  /** --threads: also run 'as' on this many threads (benchmarks that split work); null: one thread only. */
  threads: number | null;
}

/** One contender on one case. */
export interface BenchRow {
  case: string;
  contender: string;
  backend: 'as' | 'wasm' | 'cpu' | 'onnxruntime-web';
  /** The kernels build, for backend 'as'. */
  variant: KernelVariant | null;
  /** Median time per call (per training step for `train`), in `unit`. */
  median: number;
  unit: 'ms' | 'us';
  /** tfjs-backend-wasm's median on the same case divided by this one: > 1 means faster than it. */
  vsWasm: number | null;
  /** One time per alternating round, in `unit`. */
  samples: number[];
  /** GFLOP/s and the like, where the benchmark has them. */
  [extra: string]: unknown;
}

export interface BenchReport {
  /** The registry name (`bench <name>`). */
  name: string;
  title: string;
  rows: BenchRow[];
  /** The table as printed: header and formatted cells. */
  table: {header: string[]; cells: string[][]};
  /** Lines under the table: what was measured, what was left out and why. */
  notes: string[];
  /** Benchmark-specific results for --json (ceilings, accuracies). */
  details?: Record<string, unknown>;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  os: string;
  node: string;
  date: string;
  /** Load average when the run started: other work on the machine skews every number. */
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map(l => +l.toFixed(2)),
  };
}

/** One line naming the machine, for the console and for the head of a results table. */
export function machineLine(info: MachineInfo = machineInfo()): string {
  return (
    `${info.date.slice(0, 10)}, ${info.cpu} (${info.cores} cores), ${info.os}, Node ${info.node}, ` +
    `load average ${info.loadAverage.join(' ')}`
  );
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A Markdown table; cells are printed as given (format them first). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The report as Markdown: the table, then its notes as a list. */
export function reportMarkdown(report: BenchReport): string {
  const table = markdownTable(report.table.header, report.table.cells);
  return report.notes.length ? `${table}\n\n${report.notes.map(n => `- ${n}`).join('\n')}` : table;
}

/** "1.51x" against tfjs-backend-wasm, "1" for its own row, "" when there is no wasm row. */
export function formatVsWasm(row: BenchRow): string {
  if (row.backend === 'wasm' && row.vsWasm === 1) return '1';
  return row.vsWasm == null ? '' : `${row.vsWasm.toFixed(2)}x`;
}

/** Fills in every row's `vsWasm` from the tfjs-backend-wasm row of its case (if there is one). */
export function compareWithWasm(rows: BenchRow[], wasmContender = 'tfjs-backend-wasm'): BenchRow[] {
  for (const row of rows) {
    const wasm = rows.find(r => r.case === row.case && r.contender === wasmContender);
    row.vsWasm = wasm ? wasm.median / row.median : null;
  }
  return rows;
}

/** The contender name of a kernels build of 'as' in every table. */
export const asContender = (variant: KernelVariant, what = 'as', threads = 1) =>
  `${what} ${variant}${threads > 1 ? ` × ${threads} threads` : ''}`;

/** Milliseconds with as many digits as they deserve. */
export const formatMs = (ms: number) => (ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
