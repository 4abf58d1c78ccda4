// npm run bench [-- name ...]: runs bench/<name>.ts for each name (all when none is given).
// Each benchmark prints its table and writes bench/results/<name>.json and .md.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs.readdirSync(here).filter(f => f.endsWith('.bench.ts')).map(f => f.replace('.bench.ts', '')).sort();
const names = process.argv.slice(2).length ? process.argv.slice(2) : available;
const unknown = names.filter(n => !available.includes(n));
if (unknown.length) {
  console.error(`bench: unknown benchmark(s) ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
fs.mkdirSync(path.join(here, 'results'), {recursive: true});
for (const name of names) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.bench.ts`)], {stdio: 'inherit'});
  if (r.status !== 0) process.exit(r.status ?? 1);
}
