// An optimizer's class, hyper-parameters and state (slots, iteration count, bias-correction
// accumulators), for model.save({includeOptimizer: true}) and loadModel, so that fit after loading
// continues bit for bit where the saved model stopped.
//
// tfjs' own getWeights/setWeights are not enough for that: Adam's setWeights recomputes its
// accumulators as pow(beta, iterations + 1), which is not the float32 product the steps built up,
// and Adamax has neither. So the state is read from the fields tfjs' classes keep (the same ones
// src/keras/optimizers.ts updates): slot lists of {originalName, variable} indexed by the position
// of each weight in the gradient map, and scalar variables.
//
// The config is Keras 3's serialized optimizer ({module, class_name, config, registered_name}),
// the form compile_config holds in a .keras file.
import * as tf from '@tensorflow/tfjs-core';
import {AdamOptimizer, RMSPropOptimizer, SGDOptimizer} from '../optimizers.js';

export interface KerasOptimizerJSON {
  module: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: string | null;
}

type Slot = {originalName: string; variable: tf.Variable};

interface Kind {
  className: string;
  /** Fields holding slot lists, in the order they are saved. */
  slots: string[];
  /** Fields holding scalar variables. */
  scalars: string[];
  toKeras(c: Record<string, number | boolean>): Record<string, unknown>;
  make(c: Record<string, unknown>): tf.Optimizer;
}

const num = (c: Record<string, unknown>, key: string, fallback?: number): number => {
  const v = c[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`optimizer config: '${key}' must be a finite number, got ${JSON.stringify(c[key])}`);
  return v;
};

/** Keras' SGD: tfjs' MomentumOptimizer when it has momentum, else plain SGD (what compile('sgd') makes). */
const makeSgd = (c: Record<string, unknown>): tf.Optimizer =>
  num(c, 'momentum', 0) !== 0
    ? tf.train.momentum(num(c, 'learning_rate'), num(c, 'momentum'), c.nesterov === true)
    : new SGDOptimizer(num(c, 'learning_rate'));

// Momentum first: tfjs' MomentumOptimizer extends SGDOptimizer.
const KINDS: [abstract new (...args: never[]) => tf.Optimizer, Kind][] = [
  [
    tf.MomentumOptimizer,
    {
      className: 'SGD',
      slots: ['accumulations'],
      scalars: [],
      toKeras: c => ({learning_rate: c.learningRate, momentum: c.momentum, nesterov: c.useNesterov}),
      make: c => makeSgd(c),
    },
  ],
  [
    tf.SGDOptimizer,
    {
      className: 'SGD',
      slots: [],
      scalars: [],
      toKeras: c => ({learning_rate: c.learningRate, momentum: 0, nesterov: false}),
      make: c => makeSgd(c),
    },
  ],
  [
    tf.AdamOptimizer,
    {
      className: 'Adam',
      slots: ['accumulatedFirstMoment', 'accumulatedSecondMoment'],
      scalars: ['accBeta1', 'accBeta2'],
      toKeras: c => ({
        learning_rate: c.learningRate,
        beta_1: c.beta1,
        beta_2: c.beta2,
        epsilon: c.epsilon,
        amsgrad: false,
      }),
      make: c => new AdamOptimizer(num(c, 'learning_rate'), num(c, 'beta_1'), num(c, 'beta_2'), num(c, 'epsilon')),
    },
  ],
  [
    tf.RMSPropOptimizer,
    {
      className: 'RMSprop',
      slots: ['accumulatedMeanSquares', 'accumulatedMoments', 'accumulatedMeanGrads'],
      scalars: [],
      toKeras: c => ({
        learning_rate: c.learningRate,
        rho: c.decay,
        momentum: c.momentum,
        epsilon: c.epsilon,
        centered: c.centered,
      }),
      make: c =>
        new RMSPropOptimizer(
          num(c, 'learning_rate'),
          num(c, 'rho'),
          num(c, 'momentum', 0),
          num(c, 'epsilon'),
          c.centered === true,
        ),
    },
  ],
  [
    tf.AdagradOptimizer,
    {
      className: 'Adagrad',
      slots: ['accumulatedGrads'],
      scalars: [],
      toKeras: c => ({learning_rate: c.learningRate, initial_accumulator_value: c.initialAccumulatorValue}),
      make: c => tf.train.adagrad(num(c, 'learning_rate'), num(c, 'initial_accumulator_value', 0.1)),
    },
  ],
  [
    tf.AdadeltaOptimizer,
    {
      className: 'Adadelta',
      slots: ['accumulatedGrads', 'accumulatedUpdates'],
      scalars: [],
      toKeras: c => ({learning_rate: c.learningRate, rho: c.rho, epsilon: c.epsilon}),
      make: c => tf.train.adadelta(num(c, 'learning_rate'), num(c, 'rho'), num(c, 'epsilon')),
    },
  ],
  [
    tf.AdamaxOptimizer,
    {
      className: 'Adamax',
      slots: ['accumulatedFirstMoment', 'accumulatedWeightedInfNorm'],
      scalars: ['iteration', 'accBeta1'],
      toKeras: c => ({
        learning_rate: c.learningRate,
        beta_1: c.beta1,
        beta_2: c.beta2,
        epsilon: c.epsilon,
        decay: c.decay,
      }),
      make: c =>
        tf.train.adamax(
          num(c, 'learning_rate'),
          num(c, 'beta_1'),
          num(c, 'beta_2'),
          num(c, 'epsilon'),
          num(c, 'decay', 0),
        ),
    },
  ],
];

const KERAS_CLASSES = ['SGD', 'Adam', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax'];

function kindOf(optimizer: tf.Optimizer): Kind {
  // Not instanceof: tfjs' Optimizer defines Symbol.hasInstance as "has minimize and
  // applyGradients", so every optimizer is an instance of every optimizer class.
  for (const [cls, kind] of KINDS) if (Object.prototype.isPrototypeOf.call(cls.prototype, optimizer)) return kind;
  const name = (optimizer.constructor as {className?: string}).className ?? optimizer.constructor.name;
  throw new Error(
    `model.save: cannot save optimizer ${name}: only tfjs-core's SGD, Momentum, Adam, RMSProp, Adagrad, Adadelta ` +
      `and Adamax optimizers (and the names compile() accepts) can be saved; save with includeOptimizer: false`,
  );
}

/** Keras 3's serialized form of an optimizer. */
export function serializeOptimizer(optimizer: tf.Optimizer): KerasOptimizerJSON {
  const kind = kindOf(optimizer);
  const config = optimizer.getConfig() as Record<string, number | boolean>;
  return {
    module: 'keras.optimizers',
    class_name: kind.className,
    config: {name: kind.className.toLowerCase(), ...kind.toKeras(config)},
    registered_name: null,
  };
}

/** An optimizer from Keras 3's serialized form (ours, or a .keras file's compile_config). */
export function deserializeOptimizer(json: unknown, where: string): tf.Optimizer {
  const j = json as KerasOptimizerJSON | string;
  if (typeof j === 'string') return makeByName(j, {}, where);
  if (j == null || typeof j !== 'object' || typeof j.class_name !== 'string')
    throw new Error(`${where}: the optimizer config is not {class_name, config}: ${JSON.stringify(json)}`);
  return makeByName(j.class_name, j.config ?? {}, where);
}

/** Keras 3 optimizer options tfjs' update rules have no equivalent for, with the value that means "off". */
const UNSUPPORTED: Record<string, unknown> = {
  weight_decay: null,
  clipnorm: null,
  clipvalue: null,
  global_clipnorm: null,
  use_ema: false,
  amsgrad: false,
  gradient_accumulation_steps: null,
  loss_scale_factor: null,
};

function makeByName(className: string, config: Record<string, unknown>, where: string): tf.Optimizer {
  const key = className.toLowerCase();
  const kind = KINDS.map(k => k[1]).find(k => k.className.toLowerCase() === key);
  if (!kind) throw new Error(`${where}: unknown optimizer class '${className}'; known: ${KERAS_CLASSES.join(', ')}`);
  for (const [option, off] of Object.entries(UNSUPPORTED)) {
    const value = config[option];
    if (value !== undefined && value !== off && !(off === null && value === 0))
      throw new Error(
        `${where}: optimizer ${className} has ${option} = ${JSON.stringify(value)}, which tfjs' optimizers do not implement`,
      );
  }
  // Keras' own defaults for what a .keras file may leave out.
  const defaults: Record<string, unknown> = {learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, rho: 0.9};
  if (kind.className === 'SGD') defaults.learning_rate = 0.01;
  if (kind.className === 'Adadelta') defaults.rho = 0.95;
  try {
    return kind.make({...defaults, ...config});
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`, {cause: e});
  }
}

/** Where each saved slot belongs: the index of its weight in the model's weight list. */
export interface OptimizerStateJSON {
  iterations: number;
  /** Per slot field, one entry per slot position: the model weight (index and name) and the slot's suffix. */
  slots: Record<string, {weight: number; name: string; suffix: string}[]>;
  scalars: string[];
}

/**
 * The optimizer's state as named tensors (manifest group 'optimizer') plus where each slot
 * belongs. `weights`/`names` are the model's weights in save order and their saved names.
 */
export function optimizerState(
  optimizer: tf.Optimizer,
  weights: tf.Variable[],
  names: string[],
): {state: OptimizerStateJSON; tensors: {name: string; tensor: tf.Tensor; group: 'optimizer'}[]} {
  const kind = kindOf(optimizer);
  const fields = optimizer as unknown as Record<string, unknown>;
  const indexOf = new Map(weights.map((w, i) => [w.name, i]));
  const state: OptimizerStateJSON = {iterations: optimizer.iterations, slots: {}, scalars: []};
  const tensors: {name: string; tensor: tf.Tensor; group: 'optimizer'}[] = [];
  for (const field of kind.slots) {
    const list = (fields[field] as Slot[] | undefined) ?? [];
    state.slots[field] = list.map((slot, i) => {
      const cut = slot.originalName.lastIndexOf('/');
      const variable = slot.originalName.slice(0, cut);
      const weight = indexOf.get(variable);
      if (weight === undefined)
        throw new Error(
          `model.save: optimizer slot ${field}[${i}] ('${slot.originalName}') belongs to variable '${variable}', which is not a weight of this model (an optimizer shared between models cannot be saved with one of them)`,
        );
      const suffix = slot.originalName.slice(cut + 1);
      tensors.push({name: `optimizer/${field}/${names[weight]}`, tensor: slot.variable, group: 'optimizer'});
      return {weight, name: names[weight]!, suffix};
    });
  }
  for (const field of kind.scalars) {
    state.scalars.push(field);
    tensors.push({name: `optimizer/${field}`, tensor: fields[field] as tf.Variable, group: 'optimizer'});
  }
  return {state, tensors};
}

/**
 * Puts saved state into a freshly made optimizer of the same class. `weights` are the loaded
 * model's weights in save order; `trainable` the list fit() differentiates (its order decides
 * each slot's position, as it did when the slots were made). `values` are the decoded tensors
 * by manifest name; this copies them into new variables.
 */
export function restoreOptimizerState(
  optimizer: tf.Optimizer,
  state: OptimizerStateJSON,
  weights: tf.Variable[],
  trainable: tf.Variable[],
  values: Record<string, tf.Tensor>,
  where: string,
): void {
  const kind = kindOf(optimizer);
  const fields = optimizer as unknown as Record<string, unknown>;
  for (const [field, entries] of Object.entries(state.slots)) {
    if (!kind.slots.includes(field))
      throw new Error(`${where}: optimizer state has slots '${field}', which ${kind.className} does not keep`);
    const byVariable = new Map<tf.Variable, {name: string; suffix: string}>();
    for (const e of entries) {
      const w = weights[e.weight];
      if (!w)
        throw new Error(`${where}: optimizer slot for weight ${e.weight} ('${e.name}'): the model has no such weight`);
      byVariable.set(w, e);
    }
    // The positions tfjs gives slots: the key order of the gradient map fit passes to
    // applyGradients, built from `trainable` (integer-like names first, as object keys go).
    const order = Object.keys(
      Object.fromEntries(trainable.filter(v => byVariable.has(v)).map(v => [v.name, v] as const)),
    ).map(name => trainable.find(v => v.name === name)!);
    if (order.length !== entries.length)
      throw new Error(
        `${where}: optimizer state has ${entries.length} ${field} slots, but ${order.length} of them belong to trainable weights of the loaded model`,
      );
    const old = (fields[field] as Slot[] | undefined) ?? [];
    tf.dispose(old.map(s => s.variable));
    fields[field] = order.map(v => {
      const e = byVariable.get(v)!;
      const value = values[`optimizer/${field}/${e.name}`];
      if (!value) throw new Error(`${where}: no saved value for optimizer slot '${field}' of '${e.name}'`);
      if (!tf.util.arraysEqual(value.shape, v.shape))
        throw new Error(
          `${where}: optimizer slot '${field}' of '${e.name}' has shape [${value.shape}], the weight has [${v.shape}]`,
        );
      return {originalName: `${v.name}/${e.suffix}`, variable: tf.variable(value, false)};
    });
  }
  for (const field of state.scalars) {
    if (!kind.scalars.includes(field))
      throw new Error(`${where}: optimizer state has '${field}', which ${kind.className} does not keep`);
    const value = values[`optimizer/${field}`];
    if (!value) throw new Error(`${where}: no saved value for optimizer state '${field}'`);
    (fields[field] as tf.Variable).assign(value);
  }
  if (!Number.isInteger(state.iterations) || state.iterations < 0)
    throw new Error(`${where}: optimizer iterations must be a non-negative integer, got ${state.iterations}`);
  fields.iterations_ = state.iterations;
}

// ---------------------------------------------------------------- tfjs-layers' optimizer files

/** tfjs' slot suffixes (its getWeights names '<variable>/<suffix>') and the fields holding them. */
const TFJS_SLOT_FIELDS: Record<string, Record<string, string>> = {
  Adam: {m: 'accumulatedFirstMoment', v: 'accumulatedSecondMoment'},
  RMSprop: {rms: 'accumulatedMeanSquares', momentum: 'accumulatedMoments', mg: 'accumulatedMeanGrads'},
  SGD: {momentum: 'accumulations'},
  Adagrad: {accumulator: 'accumulatedGrads'},
  Adadelta: {accum_grad: 'accumulatedGrads', accum_var: 'accumulatedUpdates'},
};

/**
 * tfjs-layers' trainingConfig.optimizer_config ({class_name: 'Adam' | 'RMSProp' | 'Momentum' ...,
 * config: tfjs' camelCase getConfig()}) in Keras 3's form.
 */
export function optimizerFromTfjsConfig(json: unknown, where: string): KerasOptimizerJSON {
  const j = json as {class_name?: unknown; config?: unknown};
  const entry = KINDS.find(([cls]) => (cls as unknown as {className: string}).className === j?.class_name);
  if (!entry)
    throw new Error(
      `${where}: tfjs-layers optimizer_config class ${JSON.stringify(j?.class_name)} is not one of ${KINDS.map(([c]) => (c as unknown as {className: string}).className).join(', ')}`,
    );
  const kind = entry[1];
  return {
    module: 'keras.optimizers',
    class_name: kind.className,
    config: kind.toKeras((j.config ?? {}) as Record<string, number | boolean>),
    registered_name: null,
  };
}

/**
 * tfjs-layers' optimizer weights (manifest group 'optimizer': 'iter', then '<variable>/<suffix>'
 * per slot) as our optimizer state, for restoreOptimizerState. `names` are the model's saved weight
 * names, which tfjs-layers' variable names match. Adam's bias-correction accumulators are set the
 * way tfjs' own setWeights sets them, beta^(iterations + 1), so training continues as it would in
 * tfjs-layers after its own load.
 */
export function stateFromTfjsWeights(
  optimizer: tf.Optimizer,
  specs: tf.io.WeightsManifestEntry[],
  values: Record<string, tf.Tensor>,
  names: string[],
  where: string,
): {state: OptimizerStateJSON; values: Record<string, tf.Tensor>; made: tf.Tensor[]} {
  const kind = kindOf(optimizer);
  const bySuffix = TFJS_SLOT_FIELDS[kind.className] ?? {};
  const state: OptimizerStateJSON = {iterations: 0, slots: {}, scalars: []};
  const renamed: Record<string, tf.Tensor> = {};
  const made: tf.Tensor[] = [];
  for (const spec of specs) {
    if (spec.name === 'iter') {
      state.iterations = values.iter!.dataSync()[0]!;
      continue;
    }
    const cut = spec.name.lastIndexOf('/');
    const variable = spec.name.slice(0, cut);
    const suffix = spec.name.slice(cut + 1);
    const field = bySuffix[suffix];
    const weight = names.indexOf(variable);
    if (!field || weight < 0)
      throw new Error(
        `${where}: optimizer weight '${spec.name}' belongs to no ${kind.className} slot of a model weight (${names.join(', ')})`,
      );
    state.slots[field] ??= [];
    state.slots[field].push({weight, name: variable, suffix});
    renamed[`optimizer/${field}/${variable}`] = values[spec.name]!;
  }
  if (kind.className === 'Adam' || kind.className === 'Adamax') {
    const config = optimizer.getConfig() as {beta1: number; beta2: number};
    for (const [field, beta] of [
      ['accBeta1', config.beta1],
      ['accBeta2', config.beta2],
    ] as const) {
      if (!kind.scalars.includes(field)) continue;
      const value = tf.tidy(() => tf.pow(tf.scalar(beta), state.iterations + 1));
      made.push(value);
      renamed[`optimizer/${field}`] = value;
      state.scalars.push(field);
    }
  }
  return {state, values: renamed, made};
}
