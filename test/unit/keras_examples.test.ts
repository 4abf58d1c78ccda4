// Runs every example of examples/ (the seed article's constructs) as a user would, importing the
// package by name (dist/, so `npm run build` first), and checks what each one prints.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function run(name: string, ...args: string[]): string {
  if (!fs.existsSync(path.join(root, 'dist/keras.js')))
    throw new Error('dist/keras.js is missing: run `npm run build` first');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'examples', `${name}.ts`), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) assert.unreachable(`examples/${name}.ts exited with ${r.status}:\n${output.slice(-3000)}`);
  return r.stdout;
}

function accuracy(out: string): number {
  const m = out.match(/test accuracy (\d\.\d+)/);
  assert.ok(m, `no test accuracy in:\n${out}`);
  return Number(m![1]);
}

test('examples/lambda_dropout.ts: Lambda of K.randomBinomial dropout builds, drops half, trains', () => {
  const out = run('lambda_dropout');
  assert.match(out, /lambda \(Lambda\)\s+\(None, 500\)\s+0\s+dense\[0\]\[0\]/);
  assert.match(out, /Total params: 397,510/);
  const kept = Number(out.match(/only 0 and 2: true, kept (\d+\.\d)%/)?.[1]);
  assert.ok(kept > 47 && kept < 53, `kept ${kept}% of\n${out}`);
  assert.ok(accuracy(out) > 0.75, out);
});

test('examples/outside_lambda.ts: K ops on symbolic tensors build the same model', () => {
  const out = run('outside_lambda');
  assert.match(out, /K\.shape\(x\) of \[null,500\] is a static \[2\] tensor/);
  assert.match(out, /K\.randomBinomial\(K\.shape\(x\), 0\.5\) has shape \[null,500\]/);
  assert.match(out, /k\.random_binomial \(TFOpLambda\)\s+\(None, 500\)/);
  assert.match(out, /Total params: 397,510/);
  assert.ok(accuracy(out) > 0.75, out);
});

test('examples/my_dense.ts: 443,710 params, 100 of them non-trainable and left alone by training', () => {
  const out = run('my_dense');
  assert.match(out, /my_dense \(MyDense\)\s+\(None, 100\)\s+50200\s+dense\[0\]\[0\]/);
  assert.match(out, /Total params: 443,710\nTrainable params: 443,610\nNon-trainable params: 100\n/);
  assert.match(out, /my_dense: 2 trainable weights, 1 non-trainable/);
  assert.match(out, /after training: w changed true, a changed false/);
  assert.ok(accuracy(out) > 0.75, out);
});

test('examples/multi_input_layer.ts: two inputs, MyLayer([100, 80]) with K.concatenate, 876,990 params', () => {
  const out = run('multi_input_layer');
  assert.match(out, /dense \(Dense\)\s+\(None, 500\)\s+392500\s+input_1\[0\]\[0\]/);
  assert.match(out, /dense_1 \(Dense\)\s+\(None, 500\)\s+392500\s+input_2\[0\]\[0\]/);
  assert.match(out, /my_layer \(MyLayer\)\s+\(None, 180\)\s+90180\s+dense\[0\]\[0\]\s*\n\s+dense_1\[0\]\[0\]/);
  assert.match(out, /dense_2 \(Dense\)\s+\(None, 10\)\s+1810\s+my_layer\[0\]\[0\]/);
  assert.match(out, /Total params: 876,990/);
  const diff = Number(out.match(/max difference (\S+)/)?.[1]);
  assert.ok(diff < 1e-4, `denseConcat vs concatenate: ${diff}`);
  assert.ok(accuracy(out) > 0.75, out);
});

test('examples/summary_and_plot.ts: the summary, the DOT and an SVG file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keras-example-'));
  try {
    const out = run('summary_and_plot', dir);
    assert.match(out, /^Model: "two_views"/);
    assert.match(out, /Total params: 795,010/);
    assert.match(
      out,
      /n4 \[label="concatenate: Concatenate\\n\|\{input:\|output:\}\|\{\{\[\(None, 500\), \(None, 500\)\]\}\|\{\(None, 1000\)\}\}"\];/,
    );
    assert.match(
      out,
      /n6 \[label="k\.mul: TFOpLambda\\n\|\{input:\|output:\}\|\{\{\(None, 1000\)\}\|\{\(None, 1000\)\}\}"\];/,
    );
    assert.match(out, /8 nodes, 7 edges/);
    const svg = fs.readFileSync(path.join(dir, 'two_views.svg'), 'utf8');
    assert.match(svg, /^<\?xml[\s\S]*<svg[\s\S]*concatenate: Concatenate[\s\S]*<\/svg>\s*$/);
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
});

test('examples/cnn_mnist.ts: Conv2D 320 params, a custom addWeight layer with a regularizer, trains', () => {
  const out = run('cnn_mnist');
  assert.match(out, /conv2d \(Conv2D\)\s+\(None, 26, 26, 16\)\s+160\s/);
  assert.match(out, /learnable_scale \(LearnableScale\S*\s+\(None, 13, 13, 16\)\s+16\s/);
  assert.match(out, /Total params: 12,954\nTrainable params: 12,890\nNon-trainable params: 64/);
  assert.match(out, /learnable_scale: 1 trainable weight, changed by training true/);
  assert.ok(accuracy(out) > 0.6, out);
});

test('examples/text_lstm.ts: Embedding with a mask -> LSTM -> Dense learns the task (accuracy >= 0.9)', () => {
  const out = run('text_lstm');
  assert.match(out, /lstm \(LSTM\)\s+\(None, 16\)\s+1600\s/);
  assert.ok(accuracy(out) >= 0.9, out);
});

test('examples/transformer_block.ts: a custom encoder block (MultiHeadAttention, LayerNormalization, Dense: 2,224 params) learns the task', () => {
  const out = run('transformer_block');
  assert.match(out, /transformer_block \(TransformerB\S*\s+\(None, 8, 16\)\s+2224\s/);
  assert.ok(accuracy(out) >= 0.9, out);
});

test.run();
