// npm run bench -- segment: tf.unsortedSegmentSum (tf.gather's gradient, an Embedding layer's
// weight gradient) on 'as' (one AssemblyScript scatter-add pass) against tfjs-backend-cpu, the
// only other backend with the kernel here (it runs one masked sum over all rows per segment),
// alternating in one process; medians per call. tfjs-backend-wasm has no UnsortedSegmentSum.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {backendInfo} from '../src/index.js';
import {alternate, type Contender} from './utils/alternate.js';
import {machineInfo, machineLine, markdownTable, writeResults} from './utils/index.js';

const info = machineInfo();
console.log(`segment benchmark: ${machineLine(info)}`);

interface Row { work: string; contender: string; us: number; ratio: string }
const rows: Row[] = [];

async function segmentCase(label: string, rowsIn: number, width: number, segments: number) {
  let x: tf.Tensor | undefined, ids: tf.Tensor | undefined;
  const make = () => {
    x = tf.randomNormal([rowsIn, width]);
    ids = tf.randomUniform([rowsIn], 0, segments, 'int32');
  };
  const free = () => tf.dispose([x!, ids!]);
  const run = () => tf.unsortedSegmentSum(x!, ids as tf.Tensor1D, segments);
  const timings = await alternate(['as', 'cpu'].map((backend): Contender => ({
    name: backend === 'as' ? 'ours (as)' : `tfjs-backend-${backend}`, backend, setup: make, run, teardown: free,
  })), 7);
  const ours = timings[0]!.us;
  for (const t of timings) {
    rows.push({work: `${label}: [${rowsIn},${width}] into ${segments} segments`, contender: t.name, us: t.us,
      ratio: t === timings[0] ? '1' : (t.us / ours).toFixed(1)});
  }
}

await tf.setBackend('as');
const variant = backendInfo().variant;
// Embedding(1000, 32) over a batch of 32 sequences of 20 tokens: 640 rows.
await segmentCase('Embedding(1000, 32) gradient, batch 32 x 20 tokens', 640, 32, 1000);
await segmentCase('Embedding(100, 64) gradient, batch 64 x 50 tokens', 3200, 64, 100);
await segmentCase('small', 64, 8, 10);

const table = markdownTable(['work', 'contender', 'median µs/call', 'time / ours'],
  rows.map(r => [r.work, r.contender, r.us.toFixed(1), r.ratio]));
const note = `Kernels variant: ${variant}. 'time / ours' > 1 means ours is faster. tfjs-backend-wasm has no ` +
  `UnsortedSegmentSum (an Embedding model cannot train on it).`;
console.log(`${table}\n\n${note}`);
const paths = writeResults('segment', {variant, rows}, `${table}\n\n${note}`, info);
console.log(`wrote ${paths.json} and ${paths.md}`);
