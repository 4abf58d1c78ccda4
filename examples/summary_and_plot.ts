// summary() and plotModel() on the seed article's multi-input model: Keras' table and Keras'
// plot_model drawing (DOT always; SVG through @viz-js/viz, loaded only when asked for).
// Run: npm run build && node --import tsx examples/summary_and_plot.ts [output directory]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import 'tfjs-backend-as';
import {K, Model, input, layers, utils} from 'tfjs-backend-as/keras';

await tf.setBackend('as');

const x1 = input({shape: [784], name: 'image'}),
  x2 = input({shape: [784], name: 'inverted'});
const h1 = layers.dense({units: 500, activation: 'relu'}).apply(x1);
const h2 = layers.dense({units: 500, activation: 'relu'}).apply(x2);
const joined = layers.concatenate().apply([h1, h2]);
const dropped = layers.dropout({rate: 0.5}).apply(joined);
const scaled = K.mul(dropped, 0.5); // a K op on symbolic tensors: a graph node
const out = layers.dense({units: 10, activation: 'softmax'}).apply(scaled);
const model = new Model({inputs: [x1, x2], outputs: out, name: 'two_views'});

const lines: string[] = [];
model.summary(undefined, undefined, line => lines.push(line));
console.log(lines.join('\n'));

const dot = await utils.plotModel(model, {format: 'dot', showShapes: true});
console.log(dot);

const dir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'plot-'));
const file = path.join(dir, 'two_views.svg');
const svg = await utils.plotModel(model, {toFile: file, showShapes: true, rankdir: 'TB'});
console.log(
  `wrote ${file}: ${svg.length} characters of SVG, ${(svg.match(/class="node"/g) ?? []).length} nodes, ${(svg.match(/class="edge"/g) ?? []).length} edges`,
);
