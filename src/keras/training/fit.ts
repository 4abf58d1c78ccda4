// model.fit / model.evaluate: Keras' training loop on tfjs-core.
//
// One step = one tf.variableGrads over the model's forward pass (Model.runGraph with
// training=true) and the total loss, then optimizer.applyGradients — all inside one tf.tidy.
// Gradients are computed before anything is applied, so an exception in a user's loss, layer or
// metric ends fit with that error and the weights stay as the last completed step left them.
//
// The step reads nothing back from the device: the logged values (loss, per-output losses,
// metrics) are stacked into one small tensor and summed, weighted by batch size, into an
// on-device accumulator. It is read once per epoch, when the progress bar redraws (a terminal,
// at most every 50 ms), and per batch only when a callback has onBatchBegin/onBatchEnd.
import * as tf from '@tensorflow/tfjs-core';
import type {Model} from '../model.js';
import {CallbackList, History, type CallbackHooks, type CallbackModel, type Logs} from '../callbacks.js';
import {compiledState, NO_LOSS_ERROR, type CompiledState} from './compile.js';
import {type Data, sampleCount, sliceRows, standardizeInputs, standardizeTargets, takeBatch} from './data.js';
import {defaultOutput, ProgressBar} from './progress.js';
import {seededRandom, shuffleInPlace} from './random.js';
import {StepTraces} from './step_trace.js';

export interface FitConfig {
  /** Samples per gradient step. Default 32. */
  batchSize?: number;
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** The epoch to start counting from (resuming; with `seed`, epoch e shuffles as it would have in one fit). Default 0. */
  initialEpoch?: number;
  /** Shuffle the training samples before every epoch. Default true. */
  shuffle?: boolean;
  /** Seed for the shuffle: the same seed gives the same batch order. Default: random. */
  seed?: number;
  /** Keep this fraction (0 < f < 1) of the samples, the last ones, for validation (ignored when validationData is given, as in Keras). */
  validationSplit?: number;
  /** [xVal, yVal] (or [xVal] for a model without a compiled loss): evaluated after every epoch. */
  validationData?: [Data, Data?] | {x: Data; y?: Data};
  /** 0 silent, 1 progress bar (one line per epoch when not on a terminal), 2 one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  callbacks?: CallbackHooks | CallbackHooks[];
}

export interface EvaluateConfig {
  batchSize?: number;
  verbose?: number;
}

/** What fit needs besides the Model class itself: a place for Keras' `model.stopTraining`. */
type TrainingModel = Model & {stopTraining?: boolean};

const FIT_KEYS = new Set([
  'batchSize',
  'epochs',
  'initialEpoch',
  'shuffle',
  'seed',
  'validationSplit',
  'validationData',
  'verbose',
  'callbacks',
]);

/** fit(x, config): a config given in y's place (a model trained on added losses only). */
function looksLikeConfig(y: unknown): y is FitConfig {
  if (typeof y !== 'object' || y === null || Array.isArray(y) || y instanceof tf.Tensor || ArrayBuffer.isView(y))
    return false;
  const keys = Object.keys(y);
  return keys.length > 0 && keys.every(k => FIT_KEYS.has(k));
}

function checkInt(fn: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function requireCompiled(model: Model, fn: string): CompiledState {
  const state = compiledState(model);
  if (!state) {
    throw new Error(
      `${fn}: model '${model.name}' must be compiled first: call model.compile({optimizer, loss}) before ${fn}()`,
    );
  }
  return state;
}

/** Mean of a loss/metric value as a float32 scalar; anything that is not a Tensor is named. */
function reduceToScalar(value: unknown, what: string): tf.Scalar {
  if (!(value instanceof tf.Tensor)) {
    throw new Error(
      `${what} returned ${value === null ? 'null' : typeof value}, expected a Tensor (per sample or a scalar)`,
    );
  }
  const v = value.dtype === 'float32' ? value : tf.cast(value, 'float32');
  return (v.rank === 0 ? v : tf.mean(v)) as tf.Scalar;
}

/**
 * The forward pass and every logged value for one batch: [total, per-output losses (multi-output
 * models), metrics...] in `state.logNames` order; `total` is what gradients are taken of.
 */
function forward(
  model: Model,
  state: CompiledState,
  xs: tf.Tensor[],
  ys: (tf.Tensor | null)[],
  training: boolean,
): {total: tf.Scalar; logged: tf.Tensor1D} {
  const {outputs, losses: added} = model.runGraph(xs, {training});
  const terms: tf.Tensor[] = [];
  const perOutput: tf.Tensor[] = [];
  const metricValues: tf.Tensor[] = [];
  state.outputs.forEach((o, i) => {
    if (!o.loss) return;
    const l = reduceToScalar(o.loss(ys[i]!, outputs[i]!), `the loss of output '${o.name}'`);
    perOutput.push(l);
    terms.push(o.weight === 1 ? l : tf.mul(l, o.weight));
  });
  state.outputs.forEach((o, i) => {
    for (const m of o.metrics)
      metricValues.push(reduceToScalar(m.fn(ys[i]!, outputs[i]!), `metric '${m.name}' of output '${o.name}'`));
  });
  added.forEach((a, k) => {
    terms.push(reduceToScalar(a, `added loss ${k}`));
  });
  if (terms.length === 0) throw new Error(NO_LOSS_ERROR);
  const total = (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
  const multi = state.outputs.length > 1;
  const values = [total, ...(multi ? perOutput : []), ...metricValues];
  // One value (a loss, no metrics): a reshape, not a Pack kernel.
  const logged = (values.length === 1 ? tf.reshape(total, [1]) : tf.stack(values)) as tf.Tensor1D;
  return {total, logged};
}

/**
 * A failed forward pass inside tf.variableGrads leaves the engine's gradient tape holding the
 * tensors it saved for the backward pass; release them so an error does not leak memory.
 */
function releaseTape(): void {
  const state = (tf.engine() as unknown as {state: {gradientDepth: number; activeTape: {saved?: tf.Tensor[]}[] | null}})
    .state;
  if (state.gradientDepth === 0 && state.activeTape) {
    for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
    state.activeTape = null;
  }
}

/**
 * One gradient step. Returns the new accumulator (old + batchSize * logged values) and, when
 * asked, this batch's values (a kept tensor the caller disposes).
 */
function trainStep(
  model: Model,
  state: CompiledState,
  vars: tf.Variable[],
  xs: tf.Tensor[],
  ys: (tf.Tensor | null)[],
  size: number,
  acc: tf.Tensor1D | null,
  keepBatch: boolean,
  nonFinite: NonFiniteTracker,
  traces: StepTraces,
): {acc: tf.Tensor1D; batch: tf.Tensor1D | null} {
  let logged: tf.Tensor1D | null = null;
  try {
    return tidy(() => {
      const lossFn = () => {
        const r = forward(model, state, xs, ys, true);
        logged = tf.keep(r.logged);
        return r.total;
      };
      if (vars.length > 0) {
        // Replayed from the third step of a signature on (step_trace.ts), else tf.variableGrads.
        const batch = [...xs, ...ys.filter((t): t is tf.Tensor => t != null)];
        const step = traces.run(batch, () => {
          const {value, grads} = tf.variableGrads(lossFn, vars);
          return {total: value, logged: logged!, grads};
        });
        logged = step.logged;
        nonFinite.update(step.total); // outside the gradient scope: the tracker's ops are not taped
        state.optimizer.applyGradients(step.grads);
      } else {
        nonFinite.update(lossFn()); // everything frozen: report the loss, change nothing
      }
      const weighted = tf.mul(logged!, size) as tf.Tensor1D;
      const next = acc ? (tf.add(acc, weighted) as tf.Tensor1D) : weighted;
      if (!keepBatch) return {acc: next, batch: null};
      return {acc: next, batch: tf.clone(logged!)};
    });
  } catch (e) {
    releaseTape();
    throw e;
  } finally {
    (logged as tf.Tensor | null)?.dispose();
  }
}

/**
 * The first step of an epoch whose total loss is NaN or ±Infinity, found on the device without
 * read-back and with one kernel on most steps: each step's total (a scalar the step computed
 * anyway) is appended to a vector of this stretch's totals (one Concat; the old vector is
 * disposed, so the tensor count stays flat from step to step), and every FOLD_STEPS steps (and
 * at the epoch's end) the vector is folded into a running minimum of
 * `where(isFinite(total), Infinity, step)` in one short burst of kernels. The epoch end reads
 * it once, with the epoch's logs.
 */
class NonFiniteTracker {
  private static readonly FOLD_STEPS = 64;
  /** The first bad step so far (Infinity when none): created with `totals`, so the count is flat. */
  private first: tf.Scalar | null = null;
  /** The totals of the steps since the last fold, the first of them step `base`. */
  private totals: tf.Tensor1D | null = null;
  private base = 0;

  /** Call inside the step's tidy with the step's total loss. */
  update(total: tf.Scalar): void {
    if (this.totals && this.totals.size >= NonFiniteTracker.FOLD_STEPS) this.fold();
    this.first ??= tf.keep(tf.scalar(Infinity));
    const one = tf.reshape(total, [1]) as tf.Tensor1D;
    const previous = this.totals;
    this.totals = tf.keep(previous ? (tf.concat([previous, one]) as tf.Tensor1D) : one);
    previous?.dispose();
  }

  private fold(): void {
    const totals = this.totals;
    if (!totals || !this.first) return;
    const first = this.first;
    const next = tf.tidy(() => {
      const steps = tf.range(this.base, this.base + totals.size, 1, 'float32');
      const bad = tf.min(tf.where(tf.isFinite(totals), tf.fill([totals.size], Infinity), steps));
      return tf.minimum(first, bad) as tf.Scalar;
    });
    this.base += totals.size;
    totals.dispose();
    this.totals = null;
    first.dispose();
    this.first = tf.keep(next); // fold may run inside the step's tidy
  }

  /** The epoch's first non-finite step, or null; resets for the next epoch. */
  takeFirst(): number | null {
    this.fold();
    const value = this.first ? this.first.dataSync()[0]! : Infinity;
    this.dispose();
    return Number.isFinite(value) ? value : null;
  }

  dispose(): void {
    this.totals?.dispose();
    this.totals = null;
    this.first?.dispose();
    this.first = null;
    this.base = 0;
  }
}

/** tf.tidy for results holding nulls (tfjs' TensorContainer type has no null; tidy handles it). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** Logs from summed values: each divided by `count` (the samples summed over). */
function toLogs(names: string[], values: ArrayLike<number>, count = 1): Logs {
  const logs: Logs = {};
  names.forEach((n, i) => {
    logs[n] = values[i]! / count;
  });
  return logs;
}

/** Values summed over `n` samples, evaluated in batches with training=false. */
function evaluateSums(
  model: Model,
  state: CompiledState,
  xs: tf.Tensor[],
  ys: (tf.Tensor | null)[],
  batchSize: number,
): {sums: Float32Array; n: number} {
  const n = xs[0]!.shape[0]!;
  let acc: tf.Tensor1D | null = null;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const next: tf.Tensor1D = tidy(() => {
        const all = takeBatch([...xs, ...ys], null, start, size, n);
        const {logged} = forward(model, state, all.slice(0, xs.length) as tf.Tensor[], all.slice(xs.length), false);
        const weighted = tf.mul(logged, size) as tf.Tensor1D;
        return acc ? (tf.add(acc, weighted) as tf.Tensor1D) : weighted;
      });
      acc?.dispose();
      acc = next;
    }
    return {sums: acc ? (acc.dataSync() as Float32Array) : new Float32Array(state.logNames.length).fill(NaN), n};
  } finally {
    (acc as tf.Tensor | null)?.dispose();
  }
}

/** model.evaluate(x, y?, {batchSize}): the loss, or [loss, ...per-output losses, ...metrics]. */
export function evaluateModel(model: Model, x: Data, y?: Data, config: EvaluateConfig = {}): tf.Scalar | tf.Scalar[] {
  const fn = 'evaluate';
  const state = requireCompiled(model, fn);
  const batchSize = checkInt(fn, 'batchSize', config.batchSize ?? 32, 1);
  const inputs = standardizeInputs(model, x, fn);
  let targets: ReturnType<typeof standardizeTargets> | null = null;
  try {
    targets = standardizeTargets(model, state, y, fn);
    const present = targets.tensors.filter((t): t is tf.Tensor => t != null);
    const n = sampleCount(fn, [...inputs.tensors, ...present], [...inputs.labels, ...present.map((_, i) => `y ${i}`)]);
    if (n === 0) throw new Error(`${fn}: no samples to evaluate (x has 0 rows)`);
    const {sums} = evaluateSums(model, state, inputs.tensors, targets.tensors, batchSize);
    const values = Array.from(sums, v => tf.scalar(v / n));
    return values.length === 1 ? values[0]! : values;
  } finally {
    tf.dispose(inputs.owned);
    if (targets) tf.dispose(targets.owned);
  }
}

/** model.fit(x, y?, config): Keras' training loop; resolves to the History. */
export async function fitModel(
  model: TrainingModel,
  x: Data,
  y?: Data | FitConfig,
  config: FitConfig = {},
): Promise<History> {
  const fn = 'fit';
  if (looksLikeConfig(y)) {
    config = y;
    y = undefined;
  }
  const state = requireCompiled(model, fn);
  const batchSize = checkInt(fn, 'batchSize', config.batchSize ?? 32, 1);
  const epochs = checkInt(fn, 'epochs', config.epochs ?? 1, 0);
  const initialEpoch = checkInt(fn, 'initialEpoch', config.initialEpoch ?? 0, 0);
  const verbose = config.verbose ?? 1;
  if (![0, 1, 2].includes(verbose)) throw new Error(`fit: verbose must be 0, 1 or 2, got ${JSON.stringify(verbose)}`);
  const split = config.validationSplit;
  if (split !== undefined && !(typeof split === 'number' && split > 0 && split < 1)) {
    throw new Error(`fit: validationSplit must be a number in (0, 1), got ${JSON.stringify(split)}`);
  }
  const history = new History();
  const callbacks = new CallbackList([history, ...new CallbackList(config.callbacks).callbacks]);

  const owned: tf.Tensor[] = [];
  const disposeLater = <T extends {owned: tf.Tensor[]}>(s: T) => {
    owned.push(...s.owned);
    return s;
  };
  let acc: tf.Tensor1D | null = null;
  let indices: tf.Tensor1D | null = null;
  const nonFinite = new NonFiniteTracker();
  state.stepTraces ??= new StepTraces();
  const traces = state.stepTraces;
  try {
    // ---- data, checked before anything runs
    const inputs = disposeLater(standardizeInputs(model, x, fn)).tensors;
    const targets = disposeLater(standardizeTargets(model, state, y as Data, fn)).tensors;
    const labels = [...model.inputs.map(t => `x '${t.name}'`), ...state.outputs.map(o => `y '${o.name}'`)];
    const all = [...inputs, ...targets];
    const present = all.map((t, i) => [t, labels[i]!] as const).filter(([t]) => t != null) as [tf.Tensor, string][];
    let n = sampleCount(
      fn,
      present.map(p => p[0]),
      present.map(p => p[1]),
    );
    let train = all;
    let val: (tf.Tensor | null)[] | null = null;
    if (split !== undefined && config.validationData === undefined) {
      // Keras: validationData wins
      const at = Math.floor(n * (1 - split));
      if (at === 0 || at === n)
        throw new Error(
          `fit: validationSplit ${split} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples`,
        );
      train = sliceRows(all, 0, at);
      val = sliceRows(all, at, n);
      for (const t of [...train, ...val]) if (t) owned.push(t);
      n = at;
    } else if (config.validationData !== undefined) {
      const vd = config.validationData;
      const [vx, vy] = Array.isArray(vd)
        ? vd
        : vd && typeof vd === 'object' && 'x' in vd
          ? [vd.x, vd.y]
          : [undefined, undefined];
      if (vx === undefined) throw new Error('fit: validationData must be [xVal, yVal] (or {x, y})');
      const vIn = disposeLater(standardizeInputs(model, vx, fn, 'validationData x')).tensors;
      const vOut = disposeLater(standardizeTargets(model, state, vy, fn, 'validationData y')).tensors;
      val = [...vIn, ...vOut];
      const vPresent = val.map((t, i) => [t, `validationData ${labels[i]}`] as const).filter(([t]) => t != null) as [
        tf.Tensor,
        string,
      ][];
      sampleCount(
        fn,
        vPresent.map(p => p[0]),
        vPresent.map(p => p[1]),
      );
    }
    if (n === 0) throw new Error('fit: no samples to train on (x has 0 rows)');
    const nx = inputs.length;
    const steps = Math.ceil(n / batchSize);
    const valNames = val ? state.logNames.map(k => `val_${k}`) : [];
    const shuffle = config.shuffle ?? true;
    if (config.seed !== undefined && !Number.isInteger(config.seed))
      throw new Error(`fit: seed must be an integer, got ${JSON.stringify(config.seed)}`);
    const random = config.seed !== undefined ? seededRandom(config.seed) : Math.random;
    const order = new Int32Array(n).map((_, i) => i);
    // Resuming (initialEpoch > 0, e.g. after loadModel) with a seed replays the skipped epochs'
    // shuffles, so epoch e sees the same batches as in one uninterrupted fit with that seed.
    if (shuffle && config.seed !== undefined) for (let e = 0; e < initialEpoch; e++) shuffleInPlace(order, random);

    // ---- the loop
    // Weights that train: fixed for the whole fit (freezing a layer needs a new fit, as in Keras).
    const vars = model.trainableWeights;
    traces.beginFit(vars, !state.config.runEagerly);
    // verbose 2 is Keras' one line per epoch, terminal or not.
    const progress = new ProgressBar({
      epochs,
      steps,
      verbose,
      output: verbose === 2 ? {...defaultOutput(), isTTY: false} : undefined,
    });
    const wantsBatch = callbacks.wantsBatchLogs;
    model.stopTraining = false;
    callbacks.setModel(model as unknown as CallbackModel);
    callbacks.setParams({epochs, steps, samples: n, batchSize, verbose, metrics: [...state.logNames, ...valNames]});
    await callbacks.onTrainBegin();
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      await callbacks.onEpochBegin(epoch);
      progress.onEpochBegin(epoch);
      if (shuffle) {
        shuffleInPlace(order, random);
        indices = tf.tensor1d(order, 'int32');
      }
      let seen = 0;
      let step = 0;
      for (; step < steps && !model.stopTraining; step++) {
        const start = step * batchSize;
        const size = Math.min(batchSize, n - start);
        if (wantsBatch) await callbacks.onBatchBegin(step, {batch: step, size});
        const batch = tidy(() => takeBatch(train, indices, start, size, n));
        let result: ReturnType<typeof trainStep>;
        try {
          result = trainStep(
            model,
            state,
            vars,
            batch.slice(0, nx) as tf.Tensor[],
            batch.slice(nx),
            size,
            acc,
            wantsBatch,
            nonFinite,
            traces,
          );
        } finally {
          // The batch's own tensors (gathered or sliced), never the data itself (a whole-data batch).
          tf.dispose(batch.filter((t, i): t is tf.Tensor => t != null && t !== train[i]));
        }
        acc?.dispose();
        acc = result.acc;
        seen += size;
        const seenNow = seen,
          accNow = acc;
        progress.onBatchEnd(step + 1, () => toLogs(state.logNames, accNow.dataSync(), seenNow));
        if (result.batch) {
          const logs = {batch: step, size, ...toLogs(state.logNames, result.batch.dataSync())};
          result.batch.dispose();
          await callbacks.onBatchEnd(step, logs);
        }
      }
      indices?.dispose();
      indices = null;
      const badStep = nonFinite.takeFirst();
      if (badStep != null && history.firstNonFinite == null) history.firstNonFinite = {epoch, batch: badStep};
      const logs: Logs = acc ? toLogs(state.logNames, acc.dataSync(), seen) : {};
      acc?.dispose();
      acc = null;
      if (val) {
        const {sums, n: nv} = evaluateSums(model, state, val.slice(0, nx) as tf.Tensor[], val.slice(nx), batchSize);
        Object.assign(logs, toLogs(valNames, sums, nv));
      }
      progress.onEpochEnd(logs, step);
      await callbacks.onEpochEnd(epoch, logs);
    }
    await callbacks.onTrainEnd();
    return history;
  } finally {
    (acc as tf.Tensor | null)?.dispose();
    (indices as tf.Tensor | null)?.dispose();
    nonFinite.dispose();
    tf.dispose(owned);
  }
}
