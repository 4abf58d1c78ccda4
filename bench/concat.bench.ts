// npm run bench -- concat: tf.concat on 'as' (one AssemblyScript call copies all rows) against
// tfjs-backend-wasm (a JavaScript loop of row copies) and tfjs-backend-cpu, and denseConcat
// against two fused matMuls plus concat, alternating in one process; medians per call.
// Targets (issue 4): [4096,100]+[4096,80] on the last axis >= 3x wasm; [64,100]+[64,80] not
// slower; denseConcat >= 1.2x the two fused matMuls + concat on 'as'.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo, denseConcat} from '../src/index.js';
import {alternate, type Contender} from './utils/alternate.js';
import {machineInfo, machineLine, markdownTable, writeResults} from './utils/index.js';

const info = machineInfo();
console.log(`concat benchmark: ${machineLine(info)}`);

interface Row { work: string; contender: string; us: number; ratio: string }
const rows: Row[] = [];

function record(work: string, timings: {name: string, us: number}[]) {
  const ours = timings[0].us;
  for (const t of timings) rows.push({work, contender: t.name, us: t.us, ratio: t === timings[0] ? '1' : (t.us / ours).toFixed(2)});
}

async function concatCase(shapes: number[][], axis: number) {
  let parts: tf.Tensor[] = [];
  const make = () => { parts = shapes.map(s => tf.randomNormal(s)); };
  const free = () => tf.dispose(parts);
  const run = () => tf.concat(parts, axis);
  const timings = await alternate(['as', 'wasm', 'cpu'].map((backend): Contender => ({
    name: backend === 'as' ? 'ours (as)' : `tfjs-backend-${backend}`, backend, setup: make, run, teardown: free,
  })));
  record(`concat ${shapes.map(s => `[${s}]`).join('+')} axis ${axis}`, timings);
}

async function denseConcatCase(batch: number, ins: number[], units: number[], activation: 'relu' | 'linear') {
  let xs: tf.Tensor[] = [], ws: tf.Tensor[] = [], bs: tf.Tensor[] = [];
  const make = () => {
    xs = ins.map(k => tf.randomNormal([batch, k]));
    ws = ins.map((k, i) => tf.randomNormal([k, units[i]]));
    bs = units.map(n => tf.randomNormal([n]));
  };
  const free = () => tf.dispose([...xs, ...ws, ...bs]);
  const separate = () => tf.tidy(() => tf.concat(xs.map((x, i) => tf.fused.matMul({a: x, b: ws[i], bias: bs[i], activation})), -1));
  const timings = await alternate([
    {name: 'ours: denseConcat (as)', backend: 'as', setup: make, run: () => denseConcat(xs, ws, bs, {activation}), teardown: free},
    {name: 'fused matMuls + concat (as)', backend: 'as', setup: make, run: separate, teardown: free},
    {name: 'fused matMuls + concat (tfjs-backend-wasm)', backend: 'wasm', setup: make, run: separate, teardown: free},
  ]);
  record(`denseConcat [${batch},${ins.join('|')}] -> ${units.join('+')} ${activation}`, timings);
}

await tf.setBackend('as');
const variant = backendInfo().variant;
await concatCase([[64, 100], [64, 80]], -1);
await concatCase([[4096, 100], [4096, 80]], -1);
await concatCase([[32, 10, 16], [32, 10, 16], [32, 10, 16]], 2);
await concatCase([[1000, 64], [24, 64]], 0);
await denseConcatCase(64, [100, 80], [64, 32], 'relu');
await denseConcatCase(64, [784, 784], [250, 250], 'linear');

const table = markdownTable(['work', 'contender', 'median µs/call', 'time / ours'],
  rows.map(r => [r.work, r.contender, r.us.toFixed(1), r.ratio]));
const note = `Kernels variant: ${variant}. 'time / ours' > 1 means ours is faster. ` +
  `denseConcat saves the concat copy and one output allocation; at large sizes the two products dominate, so it ` +
  `can only tie with two fused matMuls + concat there.`;
console.log(`${table}\n\n${note}`);
const paths = writeResults('concat', {variant, rows}, `${table}\n\n${note}`, info);
console.log(`wrote ${paths.json} and ${paths.md}`);
