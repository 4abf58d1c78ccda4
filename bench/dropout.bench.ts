// npm run bench -- dropout: our dropout / randomBinomial on 'as' (Philox mask, scale and multiply
// in one AssemblyScript pass) against tf.dropout and randomUniform-based Bernoulli tensors on
// tfjs-backend-wasm and tfjs-backend-cpu, alternating in one process; medians per call.
// Target (issue 4): dropout on [64,500] at least 20x faster than tf.dropout on tfjs-backend-wasm.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo, dropout, randomBinomial} from '../src/index.js';
import {alternate, type Contender} from './utils/alternate.js';
import {machineInfo, machineLine, markdownTable, writeResults} from './utils/index.js';

const info = machineInfo();
console.log(`dropout benchmark: ${machineLine(info)}`);

interface Row { work: string; contender: string; us: number; ratio: string }
const rows: Row[] = [];

async function compare(work: string, shape: number[], ours: (x: tf.Tensor) => tf.Tensor, peer: (x: tf.Tensor) => tf.Tensor) {
  let x: tf.Tensor;
  const make = () => { x = tf.randomNormal(shape); };
  const free = () => x.dispose();
  const contenders: Contender[] = [
    {name: 'ours (as)', backend: 'as', setup: make, run: () => ours(x), teardown: free},
    {name: 'tfjs-backend-wasm', backend: 'wasm', setup: make, run: () => peer(x), teardown: free},
    {name: 'tfjs-backend-cpu', backend: 'cpu', setup: make, run: () => peer(x), teardown: free},
  ];
  const timings = await alternate(contenders);
  const oursUs = timings[0].us;
  for (const t of timings) {
    rows.push({work, contender: t.name, us: t.us, ratio: t === timings[0] ? '1' : (t.us / oursUs).toFixed(1)});
  }
}

await tf.setBackend('as');
const variant = backendInfo().variant;
await compare('dropout(x, 0.5) [64,500]', [64, 500], x => dropout(x, 0.5), x => tf.dropout(x, 0.5));
await compare('dropout(x, 0.2) [256,1024]', [256, 1024], x => dropout(x, 0.2), x => tf.dropout(x, 0.2));
await compare('dropout noiseShape [64,1] of [64,500]', [64, 500], x => dropout(x, 0.5, {noiseShape: [64, 1]}),
  x => tf.dropout(x, 0.5, [64, 1]));
await compare('randomBinomial [64,500], p=0.5', [64, 500], x => randomBinomial(x.shape, 0.5),
  x => tf.tidy(() => tf.cast(tf.less(tf.randomUniform(x.shape), 0.5), 'float32')));

const header = ['work', 'contender', 'median µs/call', 'time / ours'];
const table = markdownTable(header, rows.map(r => [r.work, r.contender, r.us.toFixed(1), r.ratio]));
const note = `Kernels variant: ${variant}. Peers: tf.dropout (and tf.randomUniform < p for randomBinomial). ` +
  `'time / ours' > 1 means ours is faster.`;
console.log(`${table}\n\n${note}`);
const paths = writeResults('dropout', {variant, rows}, `${table}\n\n${note}`, info);
console.log(`wrote ${paths.json} and ${paths.md}`);
