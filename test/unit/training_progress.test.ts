// Keras' progress bar text, its terminal / non-terminal / silent modes, and the callbacks
// (History, EarlyStopping, CallbackList) that fit() drives.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/index.js';
import {
  formatBar,
  formatEta,
  formatTimePerUnit,
  formatValue,
  ProgressBar,
  type ProgressOutput,
} from '../../src/keras/training/progress.js';
import {CallbackList, type CallbackModel, EarlyStopping, History, earlyStopping} from '../../src/keras/callbacks.js';

await tf.setBackend('as');

function capture(isTTY: boolean): ProgressOutput & {text: string} {
  const out = {
    isTTY,
    text: '',
    write(s: string) {
      out.text += s;
    },
  };
  return out;
}

test("the bar, ETA, timing and value formats are Keras'", () => {
  assert.is(formatBar(64, 125), ' 64/125 [==============>...............]'); // floor(30 * 64 / 125) = 15 filled
  assert.is(formatBar(125, 125), '125/125 [==============================]');
  assert.is(formatBar(0, 7), '0/7 [..............................]');
  assert.is(formatBar(1, 1000).length, '1000/1000 ['.length + 31);
  assert.is(formatEta(1.7), '1s');
  assert.is(formatEta(65), '1:05');
  assert.is(formatEta(3723), '1:02:03');
  assert.is(formatTimePerUnit(0.016), '16ms/step');
  assert.is(formatTimePerUnit(0.00085), '850us/step');
  assert.is(formatTimePerUnit(2.2), '2s/step');
  assert.is(formatValue(0.23454), '0.2345');
  assert.is(formatValue(0.000123), '1.2300e-04');
  assert.is(formatValue(NaN), 'nan');
});

test('on a terminal: Epoch line, redraws with \\r (throttled), a final line with timing and logs', () => {
  const out = capture(true);
  const bar = new ProgressBar({epochs: 2, steps: 4, verbose: 1, output: out, interval: 0});
  let reads = 0;
  bar.onEpochBegin(0);
  for (let s = 1; s <= 4; s++)
    bar.onBatchEnd(s, () => {
      reads++;
      return {loss: 1 / s};
    });
  bar.onEpochEnd({loss: 0.5, val_loss: 0.25});
  assert.ok(out.text.startsWith('Epoch 1/2\n'), out.text);
  assert.match(out.text, /\r1\/4 \[======>\.{23}\] - ETA: \d+s - loss: 1\.0000/);
  assert.match(out.text, /\r4\/4 \[=+\] - \d+s \d+(us|ms)\/step - loss: 0\.5000 - val_loss: 0\.2500\n$/);
  assert.is(reads, 3, 'the last step is drawn by onEpochEnd with the epoch logs');
  // Throttled: with a long interval only the first step of an epoch redraws and reads.
  const slow = new ProgressBar({epochs: 1, steps: 100, verbose: 1, output: capture(true), interval: 60});
  reads = 0;
  slow.onEpochBegin(0);
  for (let s = 1; s <= 99; s++)
    slow.onBatchEnd(s, () => {
      reads++;
      return {loss: 1};
    });
  assert.is(reads, 1);
});

test('not a terminal: one line per epoch and no reads of running values; verbose=0 prints nothing', () => {
  const out = capture(false);
  const bar = new ProgressBar({epochs: 3, steps: 5, verbose: 1, output: out});
  let reads = 0;
  for (let e = 0; e < 3; e++) {
    bar.onEpochBegin(e);
    for (let s = 1; s <= 5; s++)
      bar.onBatchEnd(s, () => {
        reads++;
        return {};
      });
    bar.onEpochEnd({loss: 0.1 * (e + 1)});
  }
  const lines = out.text.split('\n').filter(Boolean);
  assert.is(lines.length, 3, out.text);
  assert.match(lines[2]!, /^Epoch 3\/3 - 5\/5 - \d+s \d+(us|ms)\/step - loss: 0\.3000$/);
  assert.not.match(out.text, /\r/);
  assert.is(reads, 0);
  const silent = capture(true);
  const quiet = new ProgressBar({epochs: 1, steps: 2, verbose: 0, output: silent});
  quiet.onEpochBegin(0);
  quiet.onBatchEnd(1, () => {
    reads++;
    return {};
  });
  quiet.onEpochEnd({loss: 1});
  assert.is(silent.text, '');
  assert.is(reads, 0);
});

class FakeModel implements CallbackModel {
  stopTraining = false;
  weights: tf.Variable[] = [tf.variable(tf.scalar(0))];
  getWeights() {
    return this.weights.map(w => tf.clone(w));
  }
  setWeights(ws: tf.Tensor[]) {
    ws.forEach((w, i) => {
      this.weights[i]!.assign(w);
    });
  }
}

async function runEpochs(list: CallbackList, model: FakeModel, valLosses: number[]): Promise<number> {
  list.setModel(model);
  await list.onTrainBegin();
  let epochs = 0;
  for (let e = 0; e < valLosses.length && !model.stopTraining; e++) {
    await list.onEpochBegin(e);
    tf.tidy(() => model.weights[0]!.assign(tf.scalar(e)));
    await list.onEpochEnd(e, {loss: 1, val_loss: valLosses[e]!});
    epochs++;
  }
  await list.onTrainEnd();
  return epochs;
}

test('History: history.history.loss and history.loss are the same per-epoch arrays', async () => {
  const h = new History();
  const epochs = await runEpochs(new CallbackList([h]), new FakeModel(), [3, 2, 1]);
  assert.is(epochs, 3);
  assert.equal(h.epoch, [0, 1, 2]);
  assert.equal(h.history.val_loss, [3, 2, 1]);
  assert.is(h.val_loss, h.history.val_loss);
  assert.equal(h.loss, [1, 1, 1]);
});

test('EarlyStopping: patience, minDelta, mode, restoreBestWeights (no leaked copies)', async () => {
  let model = new FakeModel();
  const es = new EarlyStopping({patience: 1});
  assert.is(
    await runEpochs(new CallbackList([es]), model, [5, 4, 4.5, 4.6, 1]),
    3,
    'patience 1: stops after the first epoch without improvement',
  );
  assert.is(es.stoppedEpoch, 2);
  model = new FakeModel();
  assert.is(
    await runEpochs(new CallbackList([earlyStopping({patience: 0, minDelta: 0.5})]), model, [5, 4.8, 1]),
    2,
    'an improvement under minDelta does not count',
  );
  model = new FakeModel();
  assert.is(
    await runEpochs(new CallbackList([earlyStopping({mode: 'max'})]), model, [1, 2, 3]),
    3,
    'mode max: rising is improving',
  );
  model = new FakeModel();
  assert.is(await runEpochs(new CallbackList([earlyStopping()]), model, [1, 2, 3]), 2, 'mode auto on a loss is min');
  model = new FakeModel();
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (m: string) => warnings.push(m);
  try {
    assert.is(
      await runEpochs(new CallbackList([earlyStopping({monitor: 'val_acc'})]), model, [1, 2, 3]),
      3,
      'absent value: never stops',
    );
  } finally {
    console.warn = warn;
  }
  assert.match(warnings[0]!, /'val_acc' is not in the logs \(available: loss, val_loss\)/);
  model = new FakeModel();
  const restore = earlyStopping({patience: 1, restoreBestWeights: true});
  const before = tf.memory().numTensors;
  await runEpochs(new CallbackList([restore]), model, [5, 1, 3, 4, 0]);
  assert.is(model.weights[0]!.dataSync()[0], 1, 'weights of the best epoch (1) are back');
  assert.is(tf.memory().numTensors, before, 'the kept copies are disposed');
  assert.throws(() => earlyStopping({mode: 'up' as never}), /mode must be 'auto', 'min' or 'max', got 'up'/);
});

test('CallbackList: order, async hooks awaited, plain objects, bad callbacks named', async () => {
  const calls: string[] = [];
  const list = new CallbackList([
    {
      async onEpochEnd(e) {
        await new Promise(r => setTimeout(r, 5));
        calls.push(`a${e}`);
      },
    },
    {
      onEpochEnd(e) {
        calls.push(`b${e}`);
      },
      onBatchEnd() {},
    },
  ]);
  assert.ok(list.wantsBatchLogs);
  assert.not.ok(new CallbackList([{onEpochEnd() {}}]).wantsBatchLogs);
  await list.onEpochEnd(0, {});
  await list.onEpochEnd(1, {});
  assert.equal(calls, ['a0', 'b0', 'a1', 'b1']);
  assert.throws(() => new CallbackList([null as never]), /callbacks\[0\] must be an object/);
  assert.throws(
    () => new CallbackList([{onEpochEnd: 3} as never]),
    /callbacks\[0\]\.onEpochEnd must be a function, got number/,
  );
});

test.run();
