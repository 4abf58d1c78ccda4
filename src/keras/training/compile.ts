// model.compile({optimizer, loss, lossWeights, metrics}): resolves names into functions once, and
// checks the configuration against the model's outputs (Keras' rules):
// - one loss for a multi-output model applies to every output; an array gives one per output; a
//   record keys them by output name (the output layer's name) and outputs it leaves out get no
//   loss (and need no target);
// - the loss of a multi-output model is sum_i lossWeights[i] * mean(loss_i);
// - metrics: a list applies to every output that has a loss; a record keys them by output name;
// - no compiled loss is fine when the model has added losses (addLoss, regularizers, losses
//   added in call()); with none at all compile throws Keras' error.
import * as tf from '@tensorflow/tfjs-core';
import type {Model} from '../model.js';
import * as losses from '../losses.js';
import * as metrics from '../metrics.js';
import * as optimizers from '../optimizers.js';
import {isRecord} from '../common.js';
import type {StepTraces} from './step_trace.js';

export type {LossIdentifier} from '../losses.js';
export type {MetricIdentifier} from '../metrics.js';
type LossIdentifier = losses.LossIdentifier;
type MetricIdentifier = metrics.MetricIdentifier;

export interface CompileConfig {
  /** A name ('sgd' 'adam' 'rmsprop' 'adagrad' 'adadelta' 'adamax', Keras' defaults) or a tf.Optimizer. */
  optimizer: optimizers.OptimizerIdentifier;
  /** A name or `(yTrue, yPred) => Tensor`; or one per output, as an array or a record by output name. */
  loss?: LossIdentifier | (LossIdentifier | null)[] | Record<string, LossIdentifier | null> | null;
  /** Weights of each output's loss in the total (default 1 each). */
  lossWeights?: number[] | Record<string, number>;
  /** Names or functions; a list for every output, or a record by output name. */
  metrics?: MetricIdentifier | MetricIdentifier[] | Record<string, MetricIdentifier | MetricIdentifier[]>;
  /**
   * Keras' run_eagerly: every training step runs the layers' call, the losses and tfjs' gradient
   * tape. Default false: from a batch shape's third step on, fit replays the step's recorded
   * kernels (training/step_trace.ts), as Keras runs a traced train function.
   */
  runEagerly?: boolean;
}

/** One model output as training sees it. */
export interface CompiledOutput {
  name: string;
  /** null: this output has no loss and fit needs no target for it. */
  loss: losses.LossFn | null;
  /** The loss as the user gave it: what decides 'accuracy' and which target shapes fit accepts. */
  lossIdentifier: LossIdentifier | null;
  weight: number;
  metrics: metrics.Metric[];
}

export interface CompiledState {
  optimizer: tf.Optimizer;
  /** Made by compile from a name, so the next compile (or nothing else) disposes its slot variables. */
  ownsOptimizer: boolean;
  outputs: CompiledOutput[];
  /** Log names in the order fit reports them: 'loss', per-output losses, metrics. */
  logNames: string[];
  /** The config compile() was given: what model.save({includeOptimizer}) writes as compile_config. */
  config: CompileConfig;
  /** fit's traced steps (step_trace.ts), kept from one fit call to the next, as Keras keeps its train function until compile. */
  stepTraces?: StepTraces;
}

export const NO_LOSS_ERROR = 'The model cannot be compiled because it has no loss to optimize.';

const compiledModels = new WeakMap<Model, CompiledState>();

/** The compile() state of a model, or undefined when it was never compiled. */
export function compiledState(model: Model): CompiledState | undefined {
  return compiledModels.get(model);
}

/**
 * Forgets a model's compile() and disposes the optimizer compile made from a name (its slot
 * variables and iteration counters); one the user passed in stays theirs (model.dispose()).
 */
export function releaseCompiled(model: Model): void {
  const state = compiledModels.get(model);
  if (!state) return;
  compiledModels.delete(model);
  state.stepTraces?.dispose();
  if (state.ownsOptimizer) state.optimizer.dispose();
}

/** Keras' output names: the output layers' names, deduplicated ('dense', 'dense_1'...). */
export function outputNames(model: Model): string[] {
  const names: string[] = [];
  for (const t of model.outputs) {
    let name = t.sourceLayer.name;
    for (let k = 1; names.includes(name); k++) name = `${t.sourceLayer.name}_${k}`;
    names.push(name);
  }
  return names;
}

/** Spreads a per-output config (single value, array or record) over the outputs. */
function perOutput<T>(
  what: string,
  value: T | T[] | Record<string, T> | undefined,
  names: string[],
  fill: T,
  single: (v: unknown) => boolean,
): T[] {
  if (value === undefined) return names.map(() => fill);
  if (Array.isArray(value) && !single(value)) {
    if (value.length !== names.length) {
      throw new Error(
        `compile: ${what} has ${value.length} entries but the model has ${names.length} output(s) ` +
          `(${names.map(n => `'${n}'`).join(', ')})`,
      );
    }
    return value;
  }
  if (isRecord(value) && !single(value)) {
    const unknown = Object.keys(value).filter(k => !names.includes(k));
    if (unknown.length) {
      throw new Error(
        `compile: ${what} names output${unknown.length > 1 ? 's' : ''} ${unknown.map(k => `'${k}'`).join(', ')}, ` +
          `which the model does not have; its outputs are ${names.map(n => `'${n}'`).join(', ')}`,
      );
    }
    return names.map(n => (n in value ? (value as Record<string, T>)[n]! : fill));
  }
  return names.map(() => value as T);
}

/** compile(): resolves and checks everything; replaces any previous compile of this model. */
export function compileModel(model: Model, config: CompileConfig): CompiledState {
  if (config == null || typeof config !== 'object') {
    throw new Error(
      `compile: expected a config {optimizer, loss?, lossWeights?, metrics?}, got ${config === null ? 'null' : typeof config}`,
    );
  }
  if (config.optimizer == null) {
    throw new Error(
      `compile: an optimizer is required: a name (${optimizers
        .optimizerNames()
        .map(n => `'${n}'`)
        .join(', ')}) or a tf.Optimizer`,
    );
  }
  if (config.runEagerly !== undefined && typeof config.runEagerly !== 'boolean') {
    throw new Error(`compile: runEagerly must be true or false, got ${JSON.stringify(config.runEagerly)}`);
  }
  const names = outputNames(model);
  const lossIds = perOutput<LossIdentifier | null>('loss', config.loss ?? undefined, names, null, () => false);
  const weights = perOutput<number>('lossWeights', config.lossWeights, names, 1, () => false);
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w))
      throw new Error(
        `compile: lossWeights for output '${names[i]}' must be a finite number, got ${JSON.stringify(w)}`,
      );
  });
  // A list of metrics applies to every output (Keras 2); only a record spreads them per output.
  const metricIds = perOutput<MetricIdentifier | MetricIdentifier[]>('metrics', config.metrics, names, [], v =>
    Array.isArray(v),
  );
  const outputs: CompiledOutput[] = names.map((name, i) => {
    const id = lossIds[i] ?? null;
    let loss: losses.LossFn | null = null;
    try {
      loss = id == null ? null : losses.get(id);
    } catch (e) {
      throw new Error(`compile: loss for output '${name}': ${(e as Error).message}`, {cause: e});
    }
    const ids = metricIds[i]!;
    const list = Array.isArray(ids) ? ids : [ids];
    if (loss == null && list.length > 0 && isRecord(config.metrics)) {
      throw new Error(
        `compile: metrics are given for output '${name}', which has no loss (so fit takes no target for it)`,
      );
    }
    const resolved =
      loss == null
        ? []
        : list.map(m => {
            try {
              return metrics.resolveMetric(m, id ?? undefined, model.outputs[i]!.shape);
            } catch (e) {
              throw new Error(`compile: metric for output '${name}': ${(e as Error).message}`, {cause: e});
            }
          });
    return {name, loss, lossIdentifier: id, weight: weights[i]!, metrics: resolved};
  });
  const withLoss = outputs.filter(o => o.loss);
  if (withLoss.length === 0 && !hasAddedLosses(model)) throw new Error(NO_LOSS_ERROR);
  const multi = model.outputs.length > 1;
  const logNames = ['loss'];
  if (multi) for (const o of withLoss) logNames.push(`${o.name}_loss`);
  for (const o of outputs) for (const m of o.metrics) logNames.push(multi ? `${o.name}_${m.name}` : m.name);
  const duplicate = logNames.find((n, i) => logNames.indexOf(n) !== i);
  if (duplicate)
    throw new Error(
      `compile: two metrics would both be logged as '${duplicate}'; give function metrics distinct names`,
    );
  // Made last, once everything is checked: a compile that throws leaves no optimizer behind.
  const optimizer = optimizers.get(config.optimizer);
  const state: CompiledState = {optimizer, ownsOptimizer: optimizer !== config.optimizer, outputs, logNames, config};
  // Recompiling (Keras' way after freezing a layer) starts a fresh optimizer; the old one's
  // slots would otherwise stay registered for good.
  const previous = compiledModels.get(model);
  if (previous?.ownsOptimizer && previous.optimizer !== optimizer) previous.optimizer.dispose();
  previous?.stepTraces?.dispose();
  compiledModels.set(model, state);
  return state;
}

/**
 * Whether training has a loss without a compiled one: addLoss (symbolic or function), weight
 * regularizers, or losses a layer adds inside call() — the last only show in a forward pass,
 * so that case runs one on a batch of one zero sample.
 */
function hasAddedLosses(model: Model): boolean {
  if (model.symbolicLosses.length > 0 || model.callableLosses().length > 0) return true;
  if (model.layers.some(l => l.symbolicLosses.length > 0)) return true;
  return tf.tidy(() => {
    const xs = model.inputs.map(t =>
      tf.zeros(
        t.shape.map(d => d ?? 1),
        t.dtype,
      ),
    );
    return model.runGraph(xs, {training: true}).losses.length > 0;
  });
}
