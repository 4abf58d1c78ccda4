// Layers checked against Keras 3's own numbers (test/fixtures/keras_layers.json, written by
// scripts/fixtures/keras_layers.py on Keras' jax backend): MultiHeadAttention (cross attention
// with a key of its own, an attention mask, the causal mask), GRU with resetAfter, and masks
// through SimpleRNN, LSTM, GRU, Bidirectional, GlobalAveragePooling1D and MultiHeadAttention.
// Same weights; outputs and the gradients of sum(output * probe) to 1e-5. On 'as' and 'cpu'.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import '@tensorflow/tfjs-backend-cpu';
import {type Layer, Model, input, layers} from '../../src/keras/index.js';

interface Weight {
  name: string;
  shape: number[];
  values: unknown;
}
interface Case {
  inputs: Record<string, unknown>;
  kwargs?: Record<string, unknown>;
  weights?: Weight[];
  layers?: {class: string; name: string; weights: Weight[]}[];
  output: unknown;
  outputShape: number[];
  states?: unknown[];
  probe?: unknown;
  grads?: unknown[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cases = JSON.parse(fs.readFileSync(path.join(here, '../fixtures/keras_layers.json'), 'utf8')) as Record<
  string,
  Case
>;

const TOLERANCE = 1e-5;

function close(actual: tf.Tensor, expected: unknown, what: string): void {
  const e = tf.tensor(expected as number[]);
  assert.equal(actual.shape, e.shape, `${what}: shape`);
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, e))).dataSync()[0]!);
  e.dispose();
  assert.ok(d <= TOLERANCE, `${what}: max |ours - Keras| = ${d}`);
}

function setWeights(layer: Layer, weights: Weight[]): void {
  const ours = layer.weights;
  assert.is(ours.length, weights.length, `${layer.name}: weight count`);
  weights.forEach((w, i) => {
    assert.equal(ours[i]!.shape, w.shape, `${layer.name}: weight ${i} (${w.name}) shape`);
  });
  const values = weights.map(w => tf.tensor(w.values as number[], w.shape));
  layer.setWeights(values);
  tf.dispose(values);
}

/** Runs `layer` on the case's inputs with its weights; checks the output and the gradients. */
function check(name: string, layer: Layer, run: (l: Layer) => tf.Tensor | tf.Tensor[]): void {
  const c = cases[name]!;
  tf.dispose(run(layer)); // builds
  setWeights(layer, c.weights!);
  const out = run(layer);
  const outs = Array.isArray(out) ? out : [out];
  close(outs[0]!, c.output, `${name} output`);
  (c.states ?? []).forEach((s, i) => {
    close(outs[i + 1]!, s, `${name} state ${i}`);
  });
  if (c.grads) {
    const probe = tf.tensor(c.probe as number[]);
    const {value, grads} = tf.variableGrads(() => {
      const o = run(layer);
      return tf.sum(tf.mul(Array.isArray(o) ? o[0]! : o, probe)) as tf.Scalar;
    }, layer.trainableWeights);
    layer.trainableWeights.forEach((w, i) => {
      close(grads[w.name]!, c.grads![i], `${name} gradient of ${w.name}`);
    });
    tf.dispose([probe, value, Object.values(grads)]);
  }
  tf.dispose(outs);
  layer.dispose();
}

const t = (v: unknown) => tf.tensor(v as number[]);

for (const backend of ['as', 'cpu']) {
  test(`[${backend}] MultiHeadAttention equals Keras 3: key of its own, attention mask, causal mask`, async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    {
      const c = cases.mha_cross_key!;
      const [q, v, k] = [t(c.inputs.query), t(c.inputs.value), t(c.inputs.key)];
      check('mha_cross_key', layers.multiHeadAttention({numHeads: 2, keyDim: 3}), l => l.apply([q, v, k]));
      tf.dispose([q, v, k]);
    }
    {
      const c = cases.mha_attention_mask!;
      const [q, v, m] = [t(c.inputs.query), t(c.inputs.value), t(c.inputs.attentionMask)];
      check('mha_attention_mask', layers.multiHeadAttention({numHeads: 3, keyDim: 2}), l =>
        l.apply([q, v], {attentionMask: m}),
      );
      tf.dispose([q, v, m]);
    }
    {
      const c = cases.mha_causal!;
      const x = t(c.inputs.query);
      check('mha_causal', layers.multiHeadAttention({numHeads: 2, keyDim: 4, outputShape: 6}), l =>
        l.apply([x, x], {useCausalMask: true}),
      );
      x.dispose();
    }
    assert.is(tf.memory().numTensors, before, 'no tensor left behind');
  });

  test(`[${backend}] GRU with resetAfter (Keras 3's default) equals Keras 3, forwards and backwards`, async () => {
    await tf.setBackend(backend);
    const x1 = t(cases.gru_reset_after_sequences!.inputs.x);
    check('gru_reset_after_sequences', layers.gru({units: 4, returnSequences: true}), l => l.apply(x1));
    const x2 = t(cases.gru_reset_after_backwards_state!.inputs.x);
    check('gru_reset_after_backwards_state', layers.gru({units: 3, goBackwards: true, returnState: true}), l =>
      l.apply(x2),
    );
    tf.dispose([x1, x2]);
  });

  test(`[${backend}] masks through SimpleRNN, LSTM, GRU and Bidirectional equal Keras 3`, async () => {
    await tf.setBackend(backend);
    const c = cases.masked_lstm_last!;
    const x = t(c.inputs.x),
      mask = t(c.inputs.mask);
    const run = (l: Layer) => l.apply(x, {mask});
    check('masked_lstm_last', layers.lstm({units: 4}), run);
    check('masked_simple_rnn_sequences', layers.simpleRNN({units: 3, returnSequences: true}), run);
    check('masked_gru_backwards', layers.gru({units: 4, goBackwards: true, returnSequences: true}), run);
    check(
      'masked_bidirectional_lstm_sequences',
      layers.bidirectional({layer: layers.lstm({units: 3, returnSequences: true})}),
      run,
    );
    check(
      'masked_bidirectional_gru_last_sum',
      layers.bidirectional({layer: layers.gru({units: 3}), mergeMode: 'sum'}),
      run,
    );
    tf.dispose([x, mask]);
  });

  test(`[${backend}] Embedding({maskZero}) masks reach LSTM, GlobalAveragePooling1D and MultiHeadAttention in a model`, async () => {
    await tf.setBackend(backend);
    const builds: Record<string, (tokens: ReturnType<typeof input>) => ReturnType<typeof input>> = {
      embedding_mask_lstm: tk =>
        layers.lstm({units: 4}).apply(layers.embedding({inputDim: 10, outputDim: 3, maskZero: true}).apply(tk)),
      embedding_mask_pooling: tk =>
        layers.globalAveragePooling1d().apply(layers.embedding({inputDim: 10, outputDim: 3, maskZero: true}).apply(tk)),
      embedding_mask_attention: tk => {
        const e = layers.embedding({inputDim: 10, outputDim: 4, maskZero: true}).apply(tk);
        return layers.multiHeadAttention({numHeads: 2, keyDim: 2}).apply([e, e]);
      },
    };
    for (const [name, build] of Object.entries(builds)) {
      const c = cases[name]!;
      const tokens = input({shape: [6], dtype: 'int32'});
      const m = new Model({inputs: tokens, outputs: build(tokens)});
      const ours = m.layers.slice(1);
      assert.equal(
        ours.map(l => l.getClassName()),
        c.layers!.map(l => l.class),
        name,
      );
      ours.forEach((l, i) => {
        setWeights(l, c.layers![i]!.weights);
      });
      const x = tf.tensor(c.inputs.tokens as number[][], undefined, 'int32');
      const y = m.predict(x) as tf.Tensor;
      close(y, c.output, name);
      tf.dispose([x, y]);
      m.dispose();
    }
  });
}

test.run();
