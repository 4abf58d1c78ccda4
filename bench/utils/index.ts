// Shared helpers for the benchmarks in bench/: the machine a result was measured on, medians,
// and writing bench/results/<name>.json + .md (a Markdown table to paste into the README).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

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
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map(l => +l.toFixed(2)),
  };
}

/** One line naming the machine, for the console and for the head of a results table. */
export function machineLine(info: MachineInfo = machineInfo()): string {
  return `${info.date.slice(0, 10)}, ${info.cpu} (${info.cores} cores), ${info.os}, Node ${info.node}, ` +
    `load average ${info.loadAverage.join(' ')}`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A Markdown table; numbers are printed as given (format them first). */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes bench/results/<name>.json (data + machine) and bench/results/<name>.md; returns the paths. */
export function writeResults(name: string, data: unknown, markdown: string, info: MachineInfo = machineInfo()): {json: string, md: string} {
  fs.mkdirSync(resultsDir, {recursive: true});
  const json = path.join(resultsDir, `${name}.json`);
  const md = path.join(resultsDir, `${name}.md`);
  fs.writeFileSync(json, `${JSON.stringify({machine: info, results: data}, null, 2)}\n`);
  fs.writeFileSync(md, `Measured ${machineLine(info)}.\n\n${markdown}\n`);
  return {json, md};
}
