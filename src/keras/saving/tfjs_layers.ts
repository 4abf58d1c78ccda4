// tfjs-layers' model.json, both ways.
//
// - model.save(handler, {format: 'tfjs-layers'}) writes the artifacts stock tf.loadLayersModel
//   reads: a Keras 2-style topology ({class_name: 'Model', config: {layers, input_layers,
//   output_layers}, keras_version, backend}; layers as {name, class_name, config, inbound_nodes:
//   [[[layer, node, tensor, kwargs]]]}; nested objects as {class_name, config}), made from Keras 3's
//   config (serialize.ts), with weights named '<layer>/<weight>' as tfjs-layers names its variables
//   (it matches them by name). A layer tfjs-layers does not have (custom layers, Lambda, K ops,
//   MultiHeadAttention, ...) or an activation, initializer or regularizer it lacks is an error
//   naming it, before anything is written.
// - loadModel reads such a model.json (and the Python converter's {model_config, training_config}
//   wrapper): its topology becomes Keras 3's form for the one deserializer, a Sequential model a
//   functional one.
import * as tf from '@tensorflow/tfjs-core';
import type {Layer} from '../layer.js';
import type {Model} from '../model.js';
import {type CustomObjects, type KerasLayerJSON, type KerasModelJSON, serializeModel} from './serialize.js';
import {registerFunction} from './registry.js';
import {compiledState} from '../training/compile.js';

/** The version string tfjs-layers 4.x writes; tf.loadLayersModel reads any. */
const KERAS_VERSION = 'tfjs-layers 4.22.0';

/** Layer classes tfjs-layers 4.22 registers (tf.serialization's class map once it is loaded). */
const TFJS_LAYERS = new Set([
  'Activation',
  'Add',
  'AlphaDropout',
  'Average',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'BatchNormalization',
  'Bidirectional',
  'Concatenate',
  'Conv1D',
  'Conv2D',
  'Conv2DTranspose',
  'Conv3D',
  'Cropping2D',
  'Dense',
  'DepthwiseConv2D',
  'Dot',
  'Dropout',
  'ELU',
  'Embedding',
  'Flatten',
  'GRU',
  'GaussianDropout',
  'GaussianNoise',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'InputLayer',
  'LSTM',
  'LayerNormalization',
  'LeakyReLU',
  'Masking',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'Maximum',
  'Minimum',
  'Multiply',
  'PReLU',
  'Permute',
  'ReLU',
  'RepeatVector',
  'Reshape',
  'SeparableConv2D',
  'SimpleRNN',
  'Softmax',
  'SpatialDropout1D',
  'TimeDistributed',
  'UpSampling2D',
  'ZeroPadding2D',
]);

/** Initializer classes tfjs-layers has, by Keras 3's name (Keras 3 spells LeCun 'Lecun'). */
const TFJS_INITIALIZERS: Record<string, string> = {
  Constant: 'Constant',
  GlorotNormal: 'GlorotNormal',
  GlorotUniform: 'GlorotUniform',
  HeNormal: 'HeNormal',
  HeUniform: 'HeUniform',
  Identity: 'Identity',
  LecunNormal: 'LeCunNormal',
  LecunUniform: 'LeCunUniform',
  LeCunNormal: 'LeCunNormal',
  LeCunUniform: 'LeCunUniform',
  Ones: 'Ones',
  Orthogonal: 'Orthogonal',
  RandomNormal: 'RandomNormal',
  RandomUniform: 'RandomUniform',
  TruncatedNormal: 'TruncatedNormal',
  VarianceScaling: 'VarianceScaling',
  Zeros: 'Zeros',
};

/** Activation names tfjs-layers resolves. */
const TFJS_ACTIVATIONS = new Set([
  'elu',
  'hard_sigmoid',
  'linear',
  'relu',
  'relu6',
  'selu',
  'sigmoid',
  'softmax',
  'softplus',
  'softsign',
  'tanh',
  'swish',
  'mish',
  'gelu',
]);

const ACTIVATION_KEYS = new Set(['activation', 'recurrent_activation']);

/**
 * tfjs-layers' 'hard_sigmoid' is Keras 2's, clip(0.2 x + 0.5, 0, 1) (its LSTM's and GRU's default
 * recurrent activation); Keras 3's is relu6(x + 3) / 6. A tfjs-layers file's name is mapped to
 * this registered function (tfjs-layers' arithmetic, op for op), and back when writing one.
 */
export const TFJS_HARD_SIGMOID = 'tfjs-layers>hard_sigmoid';
registerFunction(TFJS_HARD_SIGMOID, (x: tf.Tensor) => tf.tidy(() => tf.clipByValue(tf.add(0.5, tf.mul(0.2, x)), 0, 1)));

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isKerasObject(v: unknown): v is {class_name: string; config: unknown; module?: unknown} {
  return isRecord(v) && typeof v.class_name === 'string' && 'config' in v;
}

// ---------------------------------------------------------------- ours -> tfjs-layers

/** One nested value of a layer config in tfjs-layers' form; `where` names the layer for errors. */
function toKeras2Value(key: string, value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map(v => toKeras2Value(key, v, where));
  if (isKerasObject(value)) {
    const cls = value.class_name;
    const config = isRecord(value.config) ? value.config : {};
    if (cls === 'DTypePolicy' || cls === 'FloatDTypePolicy') return config.name ?? 'float32';
    if (key.endsWith('_regularizer')) {
      if (cls === 'L1') return {class_name: 'L1L2', config: {l1: config.l1 ?? 0, l2: 0}};
      if (cls === 'L2') return {class_name: 'L1L2', config: {l1: 0, l2: config.l2 ?? 0}};
      if (cls === 'L1L2') return {class_name: 'L1L2', config: {l1: config.l1 ?? 0, l2: config.l2 ?? 0}};
      throw new Error(
        `model.save(format: 'tfjs-layers'): ${where}: ${key} '${cls}' has no tfjs-layers equivalent (tfjs-layers has L1, L2 and L1L2)`,
      );
    }
    if (key.endsWith('_initializer')) {
      const mapped = TFJS_INITIALIZERS[cls];
      if (!mapped)
        throw new Error(
          `model.save(format: 'tfjs-layers'): ${where}: ${key} '${cls}' is not an initializer tfjs-layers has (${Object.values(TFJS_INITIALIZERS).join(', ')})`,
        );
      return {class_name: mapped, config: toKeras2Config(config, where)};
    }
    if (key.endsWith('_constraint'))
      throw new Error(`model.save(format: 'tfjs-layers'): ${where}: ${key} '${cls}' is not supported`);
    if (key === 'layer' || key === 'backward_layer') {
      // Keras 3 saves Bidirectional's forward layer under its own name ('forward_lstm') and strips
      // the prefix when loading; tfjs-layers prefixes 'forward_' again, so it gets the bare name.
      const inner = layerConfig(cls, config, where);
      if (typeof inner.name === 'string') inner.name = inner.name.replace(/^(forward|backward)_/, '');
      return {class_name: cls, config: inner};
    }
    return {class_name: cls, config: toKeras2Config(config, where)};
  }
  if (isRecord(value)) return toKeras2Config(value, where);
  if (ACTIVATION_KEYS.has(key) && value === TFJS_HARD_SIGMOID) return 'hard_sigmoid';
  if (ACTIVATION_KEYS.has(key) && typeof value === 'string' && !TFJS_ACTIVATIONS.has(value))
    throw new Error(
      `model.save(format: 'tfjs-layers'): ${where}: ${key} '${value}' is not an activation tfjs-layers has (${[...TFJS_ACTIVATIONS].join(', ')})`,
    );
  return value;
}

function toKeras2Config(config: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) out[key] = toKeras2Value(key, value, where);
  return out;
}

/** A layer's config in tfjs-layers' form; refuses a class tfjs-layers lacks, naming the layer. */
function layerConfig(cls: string, config: Record<string, unknown>, where: string): Record<string, unknown> {
  if (!TFJS_LAYERS.has(cls)) {
    const why =
      cls === 'Lambda'
        ? 'a Lambda runs a JavaScript function tfjs-layers cannot load'
        : cls === 'TFOpLambda'
          ? 'K op nodes exist only in this library'
          : 'tfjs-layers has no such layer class';
    throw new Error(
      `model.save(format: 'tfjs-layers'): ${where} is a ${cls}, which tfjs-layers cannot load (${why}); save with format 'keras' instead`,
    );
  }
  if (cls === 'GRU' && config.reset_after === true)
    throw new Error(
      `model.save(format: 'tfjs-layers'): ${where} is a GRU with reset_after (Keras 3's default), which tfjs-layers' GRU does not support; make it with resetAfter: false, or save with format 'keras' instead`,
    );
  const out = toKeras2Config(config, where);
  if (cls === 'InputLayer') {
    if ('batch_shape' in out) {
      out.batch_input_shape = out.batch_shape;
      delete out.batch_shape;
    }
    if (out.dtype == null) out.dtype = 'float32';
  }
  return out;
}

/** Keras 3's `[name, node, tensor]` history from a `__keras_tensor__` argument, with its nesting. */
function historiesOf(arg: unknown): [string, number, number][] {
  if (Array.isArray(arg)) return arg.flatMap(historiesOf);
  if (isRecord(arg) && arg.class_name === '__keras_tensor__' && isRecord(arg.config)) {
    const h = arg.config.keras_history as [string, number, number];
    return [[h[0], h[1], h[2]]];
  }
  return [];
}

function refList(refs: unknown): unknown[] {
  // Keras 3 writes one input as [name, 0, 0] and several as [[name, 0, 0], ...].
  return Array.isArray(refs) && typeof refs[0] === 'string' ? [refs] : (refs as unknown[]);
}

/** Keras 3's functional config (serialize.ts) as tfjs-layers' model topology. */
export function toTfjsLayersTopology(json: KerasModelJSON): Record<string, unknown> {
  const layers = json.config.layers.map((layer: KerasLayerJSON) => {
    const where = `layer '${layer.name}'`;
    const config = layerConfig(layer.class_name, layer.config, where);
    const inbound = layer.inbound_nodes.map(node => {
      const kwargs = isRecord(node.kwargs) ? node.kwargs : {};
      const tensorKwargs = Object.entries(kwargs).filter(([, v]) => historiesOf(v).length > 0);
      if (tensorKwargs.length > 0)
        throw new Error(
          `model.save(format: 'tfjs-layers'): ${where} is called with tensor keyword argument(s) ${tensorKwargs.map(([k]) => k).join(', ')}, which tfjs-layers' model.json cannot express; save with format 'keras' instead`,
        );
      return node.args.flatMap(historiesOf).map(h => [...h, kwargs]);
    });
    return {name: layer.name, class_name: layer.class_name, config, inbound_nodes: inbound};
  });
  return {
    class_name: 'Model',
    config: {
      name: json.config.name,
      layers,
      input_layers: refList(json.config.input_layers),
      output_layers: refList(json.config.output_layers),
    },
    keras_version: KERAS_VERSION,
    backend: 'tensor_flow.js',
  };
}

/** The artifacts model.save(handler, {format: 'tfjs-layers'}) writes. */
export async function toTfjsLayersArtifacts(
  model: Model,
  saved: {weights: tf.Variable[]; names: string[]; layers: Layer[]},
  includeOptimizer: boolean,
  customObjects?: CustomObjects,
): Promise<tf.io.ModelArtifacts> {
  if (model.addedLossTensors().length > 0)
    throw new Error(
      `model.save(format: 'tfjs-layers'): model '${model.name}' has symbolic losses (addLoss), which tfjs-layers' model.json cannot hold; save with format 'keras' instead`,
    );
  const topology = toTfjsLayersTopology(serializeModel(model, {customObjects}));
  const training = includeOptimizer ? trainingConfig(model) : null;
  const {data, specs} = await tf.io.encodeWeights(saved.weights.map((w, i) => ({name: saved.names[i]!, tensor: w})));
  if (!training)
    return {
      modelTopology: topology,
      format: 'layers-model',
      generatedBy: KERAS_VERSION,
      convertedBy: null,
      weightSpecs: specs,
      weightData: data,
    };
  const {tensors, made} = tfjsOptimizerWeights(compiledState(model)!.optimizer, saved);
  try {
    const opt = await tf.io.encodeWeights(tensors, 'optimizer');
    return {
      modelTopology: topology,
      format: 'layers-model',
      generatedBy: KERAS_VERSION,
      convertedBy: null,
      weightSpecs: [...specs, ...opt.specs],
      weightData: tf.io.concatenateArrayBuffers([data, opt.data]),
      trainingConfig: training,
    };
  } finally {
    tf.dispose(made);
  }
}

// ---------------------------------------------------------------- the optimizer, tfjs-layers' way

const SNAKE = (name: string) => name.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);

/** A loss or metric name as tfjs-layers' trainingConfig holds it (snake_case; it converts back). */
function tfjsName(what: string, id: unknown): unknown {
  if (id == null) return null;
  if (typeof id === 'string') return SNAKE(id);
  if (Array.isArray(id)) return id.map(x => tfjsName(what, x));
  if (typeof id === 'function')
    throw new Error(
      `model.save(format: 'tfjs-layers', includeOptimizer): the ${what} is a function ('${id.name || 'anonymous'}'), which tfjs-layers' training config cannot name; compile with a built-in name or save with format 'keras'`,
    );
  if (isRecord(id)) return Object.fromEntries(Object.entries(id).map(([k, v]) => [k, tfjsName(what, v)]));
  return id;
}

/** tfjs-layers' trainingConfig ({loss, metrics, optimizer_config}) for a compiled model. */
function trainingConfig(model: Model): tf.io.TrainingConfig {
  const state = compiledState(model);
  if (!state)
    throw new Error(
      `model.save: includeOptimizer needs a compiled model; model '${model.name}' was never compiled (save without includeOptimizer)`,
    );
  const {loss, lossWeights, metrics} = state.config;
  const weights = lossWeights == null ? [] : Array.isArray(lossWeights) ? lossWeights : Object.values(lossWeights);
  if (weights.some(w => w !== 1))
    throw new Error(
      `model.save(format: 'tfjs-layers', includeOptimizer): tfjs-layers cannot load lossWeights; save with format 'keras' instead`,
    );
  const optimizer = state.optimizer;
  if (Object.prototype.isPrototypeOf.call(tf.AdamaxOptimizer.prototype, optimizer))
    throw new Error(
      `model.save(format: 'tfjs-layers', includeOptimizer): tfjs' Adamax cannot restore its state (its setWeights is not implemented); save with format 'keras' instead`,
    );
  return {
    loss: tfjsName('loss', loss) as tf.io.TrainingConfig['loss'],
    metrics: tfjsName('metric', metrics ?? null) as tf.io.TrainingConfig['metrics'],
    optimizer_config: {
      class_name: optimizer.getClassName(),
      config: optimizer.getConfig() as tf.serialization.ConfigDict,
    },
  } as tf.io.TrainingConfig;
}

/** The fields tfjs' getWeights writes after 'iter', in its order, with their slot suffixes. */
const TFJS_WEIGHT_ORDER: [string, string][] = [
  ['accumulatedFirstMoment', 'm'],
  ['accumulatedSecondMoment', 'v'],
  ['accumulatedMeanSquares', 'rms'],
  ['accumulatedMoments', 'momentum'],
  ['accumulatedMeanGrads', 'mg'],
  ['accumulations', 'momentum'],
  ['accumulatedGrads', 'accumulator'],
  ['accumulatedUpdates', 'accum_var'],
];

/**
 * The optimizer's weights as tfjs' getWeights lists them ('iter', then each slot field's
 * variables, '<weight>/<suffix>'), each field's slots in the model's weight order: tfjs-layers'
 * setWeights assigns them by position, and its gradient map lists the weights in that order.
 */
function tfjsOptimizerWeights(
  optimizer: tf.Optimizer,
  saved: {weights: tf.Variable[]; names: string[]},
): {tensors: {name: string; tensor: tf.Tensor}[]; made: tf.Tensor[]} {
  const fields = optimizer as unknown as Record<string, {originalName: string; variable: tf.Variable}[] | undefined>;
  const iter = tf.scalar(optimizer.iterations, 'int32');
  const tensors: {name: string; tensor: tf.Tensor}[] = [{name: 'iter', tensor: iter}];
  const indexOf = new Map(saved.weights.map((w, i) => [w.name, i]));
  const adadelta = Object.prototype.isPrototypeOf.call(tf.AdadeltaOptimizer.prototype, optimizer);
  for (const [field, suffix] of TFJS_WEIGHT_ORDER) {
    const slots = fields[field];
    if (!Array.isArray(slots) || slots.length === 0) continue;
    const entries = slots.map(slot => {
      const variable = slot.originalName.slice(0, slot.originalName.lastIndexOf('/'));
      const index = indexOf.get(variable);
      if (index === undefined)
        throw new Error(
          `model.save: optimizer slot '${slot.originalName}' belongs to no weight of model (an optimizer shared between models cannot be saved with one of them)`,
        );
      return {index, tensor: slot.variable};
    });
    entries.sort((a, b) => a.index - b.index);
    // Adadelta's accumulatedGrads are 'accum_grad' (Adagrad's are 'accumulator').
    const name = adadelta && field === 'accumulatedGrads' ? 'accum_grad' : suffix;
    for (const e of entries) tensors.push({name: `${saved.names[e.index]}/${name}`, tensor: e.tensor});
  }
  return {tensors, made: [iter]};
}

// ---------------------------------------------------------------- tfjs-layers -> ours

/** Whether a model topology is tfjs-layers' (Keras 2-style) rather than Keras 3's. */
export function isTfjsLayersTopology(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  if (isRecord(raw.model_config)) return true;
  if (typeof raw.keras_version === 'string') return true;
  return !('module' in raw) && (raw.class_name === 'Sequential' || raw.class_name === 'Model');
}

/** A nested value of a tfjs-layers config in Keras 3's form. */
function toKeras3Value(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toKeras3Value);
  if (isKerasObject(value)) {
    const config = isRecord(value.config) ? toKeras3Config(value.config) : value.config;
    return {module: null, class_name: value.class_name, config, registered_name: null};
  }
  if (isRecord(value)) return toKeras3Config(value);
  return value;
}

function toKeras3Config(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    // tfjs-layers writes null for LSTM options it does not use; Keras' defaults apply.
    if (value === null && (key === 'implementation' || key === 'unit_forget_bias')) continue;
    out[key] = ACTIVATION_KEYS.has(key) && value === 'hard_sigmoid' ? TFJS_HARD_SIGMOID : toKeras3Value(value);
  }
  return out;
}

function tensorRef(ref: unknown, where: string): Record<string, unknown> {
  if (!Array.isArray(ref) || typeof ref[0] !== 'string')
    throw new Error(
      `${where}: an inbound node entry must be [layer, node, tensor, kwargs?], got ${JSON.stringify(ref)}`,
    );
  return {
    class_name: '__keras_tensor__',
    config: {shape: null, dtype: 'float32', keras_history: [ref[0], ref[1] ?? 0, ref[2] ?? 0]},
  };
}

function keras3Layer(
  layer: Record<string, unknown>,
  inbound: Record<string, unknown>[],
  where: string,
): Record<string, unknown> {
  const cls = layer.class_name;
  if (typeof cls !== 'string')
    throw new Error(`${where}: a layer has no class_name: ${JSON.stringify(layer).slice(0, 200)}`);
  const config = isRecord(layer.config) ? toKeras3Config(layer.config) : {};
  const name = (layer.name ?? config.name) as string;
  if (typeof name !== 'string') throw new Error(`${where}: a ${cls} layer has no name`);
  config.name = name;
  if (cls === 'InputLayer' && 'batch_input_shape' in config) {
    config.batch_shape = config.batch_input_shape;
    delete config.batch_input_shape;
  }
  return {module: null, class_name: cls, config, registered_name: null, name, inbound_nodes: inbound};
}

/** Keras 2 lists every input/output reference; Keras 3 writes one as a bare reference (one tensor, not a list). */
function single(refs: unknown): [string, number, number] | [string, number, number][] {
  const list = refList(refs) as [string, number, number][];
  return list.length === 1 ? list[0]! : list;
}

/**
 * tfjs-layers' topology (or the converter's {model_config}) as Keras 3's functional config, for
 * deserializeModel. `where` names the file in errors.
 */
export function fromTfjsLayersTopology(raw: unknown, where: string): KerasModelJSON {
  let top = raw as Record<string, unknown>;
  if (isRecord(top.model_config)) top = top.model_config;
  const cls = top.class_name;
  const where2 = `loadModel: ${where}`;
  if (cls === 'Sequential') {
    const cfg = top.config;
    const list = (Array.isArray(cfg) ? cfg : isRecord(cfg) ? cfg.layers : null) as Record<string, unknown>[] | null;
    const modelName = isRecord(cfg) && typeof cfg.name === 'string' ? cfg.name : 'sequential';
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${where2}: the Sequential model has no layers`);
    const layers: Record<string, unknown>[] = [];
    let rest = list;
    let previous: string;
    if (list[0]!.class_name === 'InputLayer') {
      layers.push(keras3Layer(list[0]!, [], where2));
      previous = layers[0]!.name as string;
      rest = list.slice(1);
    } else {
      const first = (list[0]!.config ?? {}) as Record<string, unknown>;
      const shape = first.batch_input_shape ?? (Array.isArray(first.input_shape) ? [null, ...first.input_shape] : null);
      if (!Array.isArray(shape))
        throw new Error(
          `${where2}: the Sequential model's first layer has no batch_input_shape, so its input is unknown`,
        );
      previous = `${modelName}_input`;
      layers.push({
        module: null,
        class_name: 'InputLayer',
        config: {batch_shape: shape, dtype: first.dtype ?? 'float32', name: previous},
        registered_name: null,
        name: previous,
        inbound_nodes: [],
      });
    }
    for (const layer of rest) {
      const k3 = keras3Layer(layer, [{args: [tensorRef([previous, 0, 0], where2)], kwargs: {}}], where2);
      const config = k3.config as Record<string, unknown>;
      delete config.batch_input_shape;
      delete config.input_shape;
      layers.push(k3);
      previous = k3.name as string;
    }
    return {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: modelName,
        trainable: true,
        layers: layers as unknown as KerasLayerJSON[],
        input_layers: [layers[0]!.name as string, 0, 0],
        output_layers: [previous, 0, 0],
      },
      registered_name: null,
    };
  }
  if (cls !== 'Model' && cls !== 'Functional')
    throw new Error(
      `${where2}: a tfjs-layers topology of class '${String(cls)}'; expected 'Model', 'Functional' or 'Sequential'`,
    );
  const cfg = top.config as Record<string, unknown>;
  if (!isRecord(cfg) || !Array.isArray(cfg.layers)) throw new Error(`${where2}: the model config has no layers list`);
  const layers = (cfg.layers as Record<string, unknown>[]).map(layer => {
    const nodes = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
    const inbound = nodes.map(node => {
      if (!Array.isArray(node))
        throw new Error(
          `${where2}: layer '${String(layer.name)}': an inbound node must be a list, got ${JSON.stringify(node)}`,
        );
      const args = node.map(ref => tensorRef(ref, `${where2}: layer '${String(layer.name)}'`));
      const kwargs = Array.isArray(node[0]) && isRecord(node[0][3]) ? node[0][3] : {};
      return {args: args.length === 1 ? [args[0]] : [args], kwargs};
    });
    return keras3Layer(layer, inbound, where2);
  });
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: String(cfg.name ?? 'model'),
      trainable: true,
      layers: layers as unknown as KerasLayerJSON[],
      input_layers: single(cfg.input_layers),
      output_layers: single(cfg.output_layers),
    },
    registered_name: null,
  };
}
