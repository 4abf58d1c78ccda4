// Callbacks for fit(): objects with any of onTrainBegin/End, onEpochBegin/End, onBatchBegin/End
// (sync or async; fit awaits them in order), a History that fit() returns, EarlyStopping and
// TerminateOnNaN.
// Plain objects work as callbacks (tfjs-layers' CustomCallback and Keras' LambdaCallback in one);
// subclasses of Callback also get `model` and `params`.
import type * as tf from '@tensorflow/tfjs-core';

/** Numbers fit() reports: 'loss', 'val_loss', metric names, and per batch 'batch' and 'size'. */
export type Logs = Record<string, number>;

/** What callbacks may use of the model being trained. */
export interface CallbackModel {
  /** Set to true to end fit() after the current batch (EarlyStopping does). */
  stopTraining: boolean;
  getWeights(): tf.Tensor[];
  setWeights(weights: tf.Tensor[]): void;
}

/** What fit() tells callbacks before training (Keras' `callback.params`). */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: number;
  /** The names that appear in epoch logs, e.g. ['loss', 'accuracy', 'val_loss', 'val_accuracy']. */
  metrics: string[];
}

type MaybePromise = void | Promise<void>;

export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): MaybePromise;
  onTrainEnd?(logs?: Logs): MaybePromise;
  onEpochBegin?(epoch: number, logs?: Logs): MaybePromise;
  onEpochEnd?(epoch: number, logs?: Logs): MaybePromise;
  onBatchBegin?(batch: number, logs?: Logs): MaybePromise;
  onBatchEnd?(batch: number, logs?: Logs): MaybePromise;
  setModel?(model: CallbackModel): void;
  setParams?(params: TrainingParams): void;
}

/** Base class: override the hooks you need; `this.model` and `this.params` are set by fit(). */
export class Callback implements CallbackHooks {
  model?: CallbackModel;
  params?: TrainingParams;
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

/**
 * Per-epoch logs of a fit() call. `history.history.loss` (Keras' form) and `history.loss`,
 * `history.val_loss`, `history.accuracy`... (one property per logged name) are the same arrays.
 */
export class History extends Callback {
  /** The epoch indices that completed. */
  epoch: number[] = [];
  /** One array per logged name, one value per epoch. */
  history: Record<string, number[]> = {};
  /**
   * The first batch whose total loss was NaN or ±Infinity, or null when every loss was finite.
   * fit() finds it on the device, without reading each batch's loss back.
   */
  firstNonFinite: {epoch: number; batch: number} | null = null;
  declare readonly loss: number[] | undefined;
  declare readonly val_loss: number[] | undefined;

  constructor() {
    super();
    this.expose('loss');
    this.expose('val_loss');
  }

  onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
    this.firstNonFinite = null;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [name, value] of Object.entries(logs)) {
      if (!(name in this.history)) this.expose(name);
      this.history[name] ??= [];
      this.history[name].push(value);
    }
  }

  /** Makes `this[name]` read `this.history[name]`, unless `name` is already a member. */
  private expose(name: string): void {
    if (name in this && !Object.getOwnPropertyDescriptor(this, name)?.get) return;
    Object.defineProperty(this, name, {get: () => this.history[name], configurable: true, enumerable: false});
  }
}

export interface EarlyStoppingConfig {
  /** The log to watch. Default 'val_loss'. */
  monitor?: string;
  /** An improvement smaller than this does not count. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 'min', 'max', or 'auto' (max for names with 'acc' in them, else min). Default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the monitored value beats this. */
  baseline?: number;
  /** Put back the weights of the best epoch when stopping. Default false. */
  restoreBestWeights?: boolean;
  /** 1 prints a line when training stops. Default 0. */
  verbose?: number;
}

/** Keras' EarlyStopping: ends fit() when `monitor` has stopped improving for `patience` epochs. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  readonly verbose: number;
  private readonly better: (a: number, b: number) => boolean;
  private readonly mode: 'min' | 'max';
  wait = 0;
  stoppedEpoch = 0;
  best = Infinity;
  private bestWeights: tf.Tensor[] | null = null;

  constructor(config: EarlyStoppingConfig = {}) {
    super();
    this.monitor = config.monitor ?? 'val_loss';
    this.patience = config.patience ?? 0;
    this.baseline = config.baseline;
    this.restoreBestWeights = config.restoreBestWeights ?? false;
    this.verbose = config.verbose ?? 0;
    const mode = config.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) {
      throw new Error(`EarlyStopping: mode must be 'auto', 'min' or 'max', got '${mode}'`);
    }
    this.mode = mode === 'auto' ? (/acc/.test(this.monitor) ? 'max' : 'min') : mode;
    this.better = this.mode === 'max' ? (a, b) => a > b : (a, b) => a < b;
    // Keras: min_delta counts against the direction of improvement.
    this.minDelta = Math.abs(config.minDelta ?? 0) * (this.mode === 'max' ? 1 : -1);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.baseline ?? (this.mode === 'max' ? -Infinity : Infinity);
    this.disposeBest();
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current == null) {
      console.warn(
        `EarlyStopping: the monitored value '${this.monitor}' is not in the logs ` +
          `(available: ${Object.keys(logs).join(', ')}); not stopping.`,
      );
      return;
    }
    if (this.better(current - this.minDelta, this.best)) {
      this.best = current;
      this.wait = 0;
      if (this.restoreBestWeights && this.model) {
        this.disposeBest();
        this.bestWeights = this.model.getWeights();
      }
      return;
    }
    this.wait++;
    if (this.wait >= this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) this.model.setWeights(this.bestWeights);
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    this.disposeBest();
  }

  private disposeBest(): void {
    if (this.bestWeights) for (const w of this.bestWeights) w.dispose();
    this.bestWeights = null;
  }
}

/**
 * Keras' TerminateOnNaN: ends fit() after the first batch whose loss is NaN or ±Infinity, with
 * Keras' message. It reads every batch's loss (a per-batch callback), which costs one small
 * read-back per step; without it fit() still records that batch in `History.firstNonFinite`.
 */
export class TerminateOnNaN extends Callback {
  /** The batch (of its epoch) that stopped training, or null. */
  stoppedAt: {epoch: number; batch: number} | null = null;
  private epoch = 0;

  onTrainBegin(): void {
    this.stoppedAt = null;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss != null && !Number.isFinite(loss) && this.model) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.stoppedAt = {epoch: this.epoch, batch};
      this.model.stopTraining = true;
    }
  }
}

/** `callbacks.terminateOnNaN()`: a new TerminateOnNaN. */
export function terminateOnNaN(): TerminateOnNaN {
  return new TerminateOnNaN();
}

/** `callbacks.earlyStopping({monitor, patience, ...})`, the tfjs-layers spelling. */
export function earlyStopping(config: EarlyStoppingConfig = {}): EarlyStopping {
  return new EarlyStopping(config);
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** Calls every callback's hook in order, awaiting each; skips callbacks without that hook. */
export class CallbackList {
  readonly callbacks: CallbackHooks[];

  constructor(callbacks: CallbackHooks | CallbackHooks[] | null | undefined = []) {
    const list = callbacks == null ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
    list.forEach((c, i) => {
      if (c == null || typeof c !== 'object') {
        throw new Error(
          `fit: callbacks[${i}] must be an object with hooks such as onEpochEnd(epoch, logs), got ${c === null ? 'null' : typeof c}`,
        );
      }
      const hooks = HOOKS.filter(h => (c as Record<string, unknown>)[h] != null);
      for (const h of hooks) {
        if (typeof c[h] !== 'function')
          throw new Error(`fit: callbacks[${i}].${h} must be a function, got ${typeof c[h]}`);
      }
    });
    this.callbacks = list;
  }

  /** True when some callback wants per-batch logs (fit reads the batch loss only then). */
  get wantsBatchLogs(): boolean {
    return this.callbacks.some(c => c.onBatchBegin != null || c.onBatchEnd != null);
  }

  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel?.(model);
  }
  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams?.(params);
  }

  async onTrainBegin(logs?: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onTrainBegin) await c.onTrainBegin(logs);
  }
  async onTrainEnd(logs?: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onTrainEnd) await c.onTrainEnd(logs);
  }
  async onEpochBegin(epoch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onEpochBegin) await c.onEpochBegin(epoch, logs);
  }
  async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onEpochEnd) await c.onEpochEnd(epoch, logs);
  }
  async onBatchBegin(batch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onBatchBegin) await c.onBatchBegin(batch, logs);
  }
  async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) if (c.onBatchEnd) await c.onBatchEnd(batch, logs);
  }
}
