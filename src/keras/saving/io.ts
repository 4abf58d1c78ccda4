// model.save(urlOrHandler, {includeOptimizer?, format?}) and loadModel(urlOrHandler, {customObjects?})
// on tfjs-core's tf.io: file:// (file_handler.ts, in Node), indexeddb://, localstorage://,
// downloads://, http(s):// (load) and any tf.io.IOHandler (tf.io.withSaveHandler, tf.io.fromMemory).
//
// Our format ('keras', the default) is a tf.io ModelArtifacts with format 'layers-model':
// - modelTopology: Keras 3's functional config, exactly what Keras writes as config.json in a
//   .keras archive (serialize.ts), plus Keras' compile_config when the optimizer is included;
// - weights in tfjs' binary layout (tf.io.encodeWeights), named '<layer>/<weight>' in the
//   model's layer order; with includeOptimizer the optimizer's slots and accumulators follow,
//   in manifest group 'optimizer';
// - userDefinedMetadata['tfjs-backend-as']: the format version and the optimizer state's map.
// 'tfjs-layers' writes the model.json stock tf.loadLayersModel reads (tfjs_layers.ts).
//
// loadModel reads all of those, tfjs-layers' model.json, and Keras 3 .keras archives (a path or
// URL ending in .keras, or bytes starting with 'PK'), which keras_archive.ts reads. Everything a
// file can get wrong is checked before a variable exists, or else the half-made model is disposed:
// a failed load leaves tf.memory().numTensors as it was.
import * as tf from '@tensorflow/tfjs-core';
import {unzipSync} from 'fflate';
import type {Layer} from '../layer.js';
import type {Model, ModelArgs} from '../model.js';
import * as losses from '../losses.js';
import * as metrics from '../metrics.js';
import {compileModel, compiledState, type CompileConfig} from '../training/compile.js';
import {checkWeightData, isHandler, loadHandlerFor, matchWeights, saveHandlerFor} from '../training/weights_io.js';
import {isFilePath, isNode, readFileBytes, registerFileRouter, writeFileBytes} from './file_handler.js';
import {
  type KerasOptimizerJSON,
  deserializeOptimizer,
  optimizerFromTfjsConfig,
  optimizerState,
  restoreOptimizerState,
  serializeOptimizer,
  stateFromTfjsWeights,
  type OptimizerStateJSON,
} from './optimizer_state.js';
import {type CustomObjects, type KerasModelJSON, deserializeModel, serializeModel} from './serialize.js';
import {findFunction, registeredFunctionName, withCustomObjects} from './registry.js';
import {fromTfjsLayersTopology, isTfjsLayersTopology, toTfjsLayersArtifacts} from './tfjs_layers.js';
import {loadKerasArchive, writeKerasArchive} from './keras_archive.js';

/** The version of our artifacts' layout; a file from a newer version is refused by name. */
export const FORMAT_VERSION = 1;
/** The key of our metadata in userDefinedMetadata. */
export const METADATA_KEY = 'tfjs-backend-as';
const GENERATED_BY = 'tfjs-backend-as';

export interface SaveOptions {
  /** Also save the compile config and the optimizer's state, so fit continues after loadModel. Default false. */
  includeOptimizer?: boolean;
  /** 'keras' (default): Keras 3's config + tfjs' weights. 'tfjs-layers': the model.json tf.loadLayersModel reads. */
  format?: 'keras' | 'tfjs-layers';
  /** Custom layer classes and functions that count as known for this save (besides the registry). */
  customObjects?: CustomObjects;
}

export interface LoadOptions {
  /** Custom layer classes and functions by name, for this load (Keras' custom_objects). */
  customObjects?: CustomObjects;
  /**
   * Compile the model from the file's compile config, when it has one (Keras' load_model compile).
   * Default true; false loads the architecture and weights only.
   */
  compile?: boolean;
}

/** What loadModel reads: a URL or path, a tf.io handler, or the bytes of a .keras archive. */
export type ModelSource = string | tf.io.IOHandler | Uint8Array | ArrayBuffer;

/** Our entry in userDefinedMetadata. */
interface Metadata {
  formatVersion: number;
  optimizer?: OptimizerStateJSON;
}

registerFileRouter();

// ---------------------------------------------------------------- weights in save order

/** Keras' built-in weight names: a '_<n>' tfjs appended to one of these only made it unique. */
const KERAS_WEIGHT_NAMES = new Set([
  'kernel',
  'bias',
  'recurrent_kernel',
  'depthwise_kernel',
  'pointwise_kernel',
  'gamma',
  'beta',
  'moving_mean',
  'moving_variance',
  'embeddings',
]);

/**
 * The model's weights in save order, layer by layer (Keras' order), with their saved names
 * '<layer>/<weight>': a variable a layer keeps in a field is named by the field (the seed's
 * MyDense: 'my_dense/w'), one made by addWeight by its name without the layer prefix; nested
 * layers keep their own name ('bidirectional/forward_lstm/kernel'), as Keras and tfjs-layers do.
 */
export function savedWeights(model: Model): {weights: tf.Variable[]; names: string[]; layers: Layer[]} {
  const weights: tf.Variable[] = [];
  const names: string[] = [];
  const owners: Layer[] = [];
  const seen = new Set<tf.Variable>();
  const layers = model.drawnGraph().layers;
  for (const layer of layers) {
    const fields = new Map<tf.Variable, string>();
    for (const [key, value] of Object.entries(layer)) if (value instanceof tf.Variable) fields.set(value, key);
    const local: string[] = [];
    layer.weights.forEach((v, i) => {
      if (seen.has(v)) return; // a shared weight belongs to its first layer
      seen.add(v);
      let name: string;
      if (!/^\d+$/.test(v.name)) {
        name = v.name.startsWith(`${layer.name}/`) ? v.name.slice(layer.name.length + 1) : v.name;
        const m = /^(.*\/)?([a-z_]+)_\d+$/.exec(name);
        if (m && KERAS_WEIGHT_NAMES.has(m[2]!)) name = `${m[1] ?? ''}${m[2]}`;
      } else name = fields.get(v) ?? `weight_${i}`;
      if (local.includes(name)) name = `${name}_${i}`;
      local.push(name);
      weights.push(v);
      names.push(`${layer.name}/${name}`);
      owners.push(layer);
    });
  }
  model.weights.forEach((v, i) => {
    if (seen.has(v)) return;
    weights.push(v);
    names.push(`${model.name}/weight_${i}`);
    owners.push(model);
  });
  return {weights, names, layers: owners};
}

// ---------------------------------------------------------------- compile config

/** A loss or metric as a config names it: a built-in by name, a function by its registered name. */
function nameOf(what: string, id: unknown, builtins: Record<string, unknown>): unknown {
  if (id == null || typeof id === 'string') return id ?? null;
  if (typeof id === 'function') {
    for (const [name, fn] of Object.entries(builtins)) if (fn === id) return name;
    const registered = registeredFunctionName(id);
    if (registered) return registered;
    throw new Error(
      `model.save: the ${what} function '${id.name || '(anonymous)'}' is not registered, so a saved model cannot name it: ` +
        `call registerFunction('${id.name || 'myLoss'}', fn) before saving (and pass it again, or in customObjects, when loading), ` +
        `or compile with a built-in name`,
    );
  }
  if (Array.isArray(id)) return id.map(x => nameOf(what, x, builtins));
  if (typeof id === 'object')
    return Object.fromEntries(Object.entries(id).map(([k, v]) => [k, nameOf(what, v, builtins)]));
  throw new Error(`model.save: cannot save the ${what} ${JSON.stringify(id)}`);
}

/** Keras 3's compile_config: the optimizer, loss, loss weights and metrics by name. */
function compileConfigJSON(config: CompileConfig, optimizer: tf.Optimizer): Record<string, unknown> {
  return {
    optimizer: serializeOptimizer(optimizer),
    loss: nameOf('loss', config.loss, losses as unknown as Record<string, unknown>),
    loss_weights: config.lossWeights ?? null,
    metrics: nameOf('metric', config.metrics ?? null, metrics as unknown as Record<string, unknown>),
    weighted_metrics: null,
    run_eagerly: config.runEagerly ?? false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** A loss or metric name from a config back into what compile() takes (functions by name). */
function resolveNamed(value: unknown): unknown {
  if (typeof value === 'string') {
    if (losses.canonicalLossName(value)) return value;
    try {
      metrics.resolveMetric(value as metrics.MetricIdentifier);
      return value;
    } catch {
      return findFunction(value) ?? value; // unknown names fail in compile(), naming the output
    }
  }
  if (Array.isArray(value)) return value.map(resolveNamed);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveNamed(v)]));
  return value;
}

/** compile() from Keras 3's compile_config (ours, or a .keras file's); returns the optimizer. */
export function compileFromConfig(model: Model, config: unknown, where: string): tf.Optimizer {
  const c = config as Record<string, unknown>;
  if (c == null || typeof c !== 'object') throw new Error(`${where}: compile_config is not an object`);
  let optimizer: tf.Optimizer | null = null;
  try {
    optimizer = deserializeOptimizer(c.optimizer as KerasOptimizerJSON, 'the optimizer');
    const state = compileModel(model, {
      optimizer,
      loss: resolveNamed(c.loss ?? null) as CompileConfig['loss'],
      lossWeights: (c.loss_weights ?? undefined) as CompileConfig['lossWeights'],
      metrics: (resolveNamed(c.metrics ?? undefined) ?? undefined) as CompileConfig['metrics'],
      ...(c.run_eagerly === true ? {runEagerly: true} : {}),
    });
    // Made here from the file: the model owns it (model.dispose() frees its slots).
    state.ownsOptimizer = true;
    return optimizer;
  } catch (e) {
    optimizer?.dispose();
    throw new Error(
      `${where}: cannot compile the loaded model from its compile_config: ${(e as Error).message} (loadModel(..., {compile: false}) loads it uncompiled)`,
      {cause: e},
    );
  }
}

// ---------------------------------------------------------------- save

function checkSaveOptions(options: SaveOptions): Required<Omit<SaveOptions, 'customObjects'>> {
  if (options == null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(`model.save: options must be {includeOptimizer?, format?}, got ${JSON.stringify(options)}`);
  const unknown = Object.keys(options).filter(k => !['includeOptimizer', 'format', 'customObjects'].includes(k));
  if (unknown.length)
    throw new Error(
      `model.save: unknown option(s) ${unknown.join(', ')}; known: includeOptimizer, format, customObjects`,
    );
  const format = options.format ?? 'keras';
  if (format !== 'keras' && format !== 'tfjs-layers')
    throw new Error(`model.save: format must be 'keras' or 'tfjs-layers', got ${JSON.stringify(options.format)}`);
  const includeOptimizer = options.includeOptimizer ?? false;
  if (typeof includeOptimizer !== 'boolean')
    throw new Error(`model.save: includeOptimizer must be a boolean, got ${JSON.stringify(includeOptimizer)}`);
  return {format, includeOptimizer};
}

// ---------------------------------------------------------------- added losses

/** Our extension of Keras' functional config: the symbolic losses (addLoss), as output references. */
const ADDED_LOSSES = 'added_losses';

type Ref = [string, number, number];

function refs(value: unknown): Ref[] {
  return Array.isArray(value) && typeof value[0] === 'string' ? [value as Ref] : ((value ?? []) as Ref[]);
}

/**
 * The functional Model class itself, from one of its instances (a user's subclass may take other
 * constructor arguments). Not imported: model.ts imports this module for model.save.
 */
function modelClass(model: Model): new (args: ModelArgs) => Model {
  for (let proto = Object.getPrototypeOf(model); proto; proto = Object.getPrototypeOf(proto)) {
    const ctor = proto.constructor as {className?: string};
    if (Object.hasOwn(ctor, 'className') && ctor.className === 'Functional')
      return ctor as unknown as new (
        args: ModelArgs,
      ) => Model;
  }
  throw new Error(`model '${model.name}' is not a functional Model`);
}

/**
 * Keras' functional config of the model, with its symbolic losses (model.addLoss(K.mean(...)) on
 * a hidden output) saved as well: Keras 3 drops them, but the seed's model trains with one. The
 * graph is serialized as if the losses were more outputs (so the layers only they use are saved
 * too), then those references move to config.added_losses.
 */
export function modelTopology(model: Model, customObjects?: CustomObjects): KerasModelJSON {
  const losses = model.addedLossTensors();
  if (losses.length === 0) return serializeModel(model, {customObjects});
  const outputs = model.outputs;
  // One output given as a tensor (not a list): Keras writes its reference bare, predict returns a tensor.
  const single = (model as unknown as {singleOutput: boolean}).singleOutput;
  const Functional = modelClass(model);
  const whole = new Functional({inputs: model.inputs, outputs: [...outputs, ...losses], name: model.name});
  const json = serializeModel(whole, {customObjects});
  const all = refs(json.config.output_layers);
  json.config.output_layers = single ? all[0]! : all.slice(0, outputs.length);
  json.config[ADDED_LOSSES] = all.slice(outputs.length);
  json.config.trainable = model.trainable;
  return json;
}

/** deserializeModel, then the symbolic losses config.added_losses names added again. */
function modelFromTopology(json: KerasModelJSON, customObjects?: CustomObjects): Model {
  const added = json.config[ADDED_LOSSES];
  if (added == null) return deserializeModel(json, {customObjects});
  const outputRefs = refs(json.config.output_layers);
  const single = !Array.isArray((json.config.output_layers as unknown[])[0]);
  const {[ADDED_LOSSES]: _, ...config} = json.config;
  const whole = deserializeModel(
    {...json, config: {...config, output_layers: [...outputRefs, ...refs(added)]}},
    {customObjects},
  );
  try {
    const outs = whole.outputs;
    const k = outputRefs.length;
    const Functional = modelClass(whole);
    const model = new Functional({
      inputs: whole.inputs,
      outputs: single ? outs[0]! : outs.slice(0, k),
      name: whole.name,
    });
    model.addLoss(outs.slice(k));
    if (json.config.trainable === false) model.trainable = false;
    return model;
  } catch (e) {
    whole.dispose();
    throw e;
  }
}

/** Our artifacts for a model (what model.save writes with format 'keras'). */
export async function modelArtifacts(
  model: Model,
  includeOptimizer = false,
  customObjects?: CustomObjects,
): Promise<tf.io.ModelArtifacts> {
  const topology = modelTopology(model, customObjects) as KerasModelJSON & {compile_config?: unknown};
  const {weights, names} = savedWeights(model);
  const metadata: Metadata = {formatVersion: FORMAT_VERSION};
  const encoded = await tf.io.encodeWeights(weights.map((w, i) => ({name: names[i]!, tensor: w})));
  const specs = [...encoded.specs];
  const data: ArrayBuffer[] = [encoded.data];
  if (includeOptimizer) {
    const state = compiledState(model);
    if (!state)
      throw new Error(
        `model.save: includeOptimizer needs a compiled model; model '${model.name}' was never compiled (save without includeOptimizer)`,
      );
    topology.compile_config = compileConfigJSON(state.config, state.optimizer);
    const opt = optimizerState(state.optimizer, weights, names);
    metadata.optimizer = opt.state;
    const encodedOpt = await tf.io.encodeWeights(
      opt.tensors.map(t => ({name: t.name, tensor: t.tensor})),
      'optimizer',
    );
    specs.push(...encodedOpt.specs);
    data.push(encodedOpt.data);
  }
  return {
    modelTopology: topology as unknown as tf.io.ModelArtifacts['modelTopology'],
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data.length === 1 ? data[0]! : tf.io.concatenateArrayBuffers(data),
    userDefinedMetadata: {[METADATA_KEY]: metadata as unknown as object},
  };
}

/** model.save(urlOrHandler, {includeOptimizer?, format?}). */
export async function saveModel(
  model: Model,
  target: string | tf.io.IOHandler,
  options: SaveOptions = {},
): Promise<tf.io.SaveResult> {
  const {format, includeOptimizer} = checkSaveOptions(options);
  model.assertUsable('save');
  // A path ending in .keras (Node): Keras 3's archive, which Python's keras.saving.load_model reads.
  if (typeof target === 'string' && /\.keras$/i.test(target) && isFilePath(target)) {
    if (!isNode()) throw new Error(`model.save: '${target}' is a file path; in a browser use a tf.io scheme`);
    if (format !== 'keras' || includeOptimizer)
      throw new Error(
        `model.save: '${target}' is a .keras archive, which holds the model and its weights only; ` +
          `format '${format}' and includeOptimizer ${includeOptimizer} need a model.json target (file://dir)`,
      );
    const bytes = await writeKerasArchive(model, {customObjects: options.customObjects});
    await writeFileBytes(target, bytes);
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length}};
  }
  // Everything that can fail (unregistered classes, unsupported layers) fails before a byte is written.
  const artifacts =
    format === 'tfjs-layers'
      ? await toTfjsLayersArtifacts(model, savedWeights(model), includeOptimizer, options.customObjects)
      : await modelArtifacts(model, includeOptimizer, options.customObjects);
  const handler = await saveHandlerFor(target, 'model.save');
  return handler.save!(artifacts);
}

// ---------------------------------------------------------------- load

function describeSource(source: ModelSource): string {
  if (typeof source === 'string') return `'${source}'`;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return 'the given bytes';
  return 'the handler';
}

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b; // 'PK'
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`loadModel: fetching '${url}' failed: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * A .keras archive through the archive reader, then compiled from its config.json's
 * compile_config as Keras' load_model does (the archive reader restores no optimizer state).
 */
async function compiledArchive(
  bytes: Uint8Array,
  options: LoadOptions,
  where: string,
  fileName?: string,
): Promise<Model> {
  const model = await loadKerasArchive(bytes, {customObjects: options.customObjects, fileName});
  if (options.compile === false) return model;
  try {
    const entry = unzipSync(bytes, {filter: f => f.name === 'config.json'})['config.json'];
    const config = entry ? (JSON.parse(new TextDecoder().decode(entry)) as {compile_config?: unknown}) : {};
    const compileConfig = config.compile_config as Record<string, unknown> | null | undefined;
    if (compileConfig != null && Object.keys(compileConfig).length > 0)
      withCustomObjects(options.customObjects, () => compileFromConfig(model, compileConfig, `loadModel: ${where}`));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * loadModel(urlOrHandler, {customObjects?, compile?}): a model saved by model.save (any format), a
 * tfjs-layers model.json, or a Keras 3 .keras archive. Compiled again (optimizer state included)
 * when the file holds a compile config.
 */
export async function loadModel(source: ModelSource, options: LoadOptions = {}): Promise<Model> {
  if (options == null || typeof options !== 'object' || Array.isArray(options))
    throw new Error(`loadModel: options must be {customObjects?, compile?}, got ${JSON.stringify(options)}`);
  const unknown = Object.keys(options).filter(k => k !== 'customObjects' && k !== 'compile');
  if (unknown.length)
    throw new Error(`loadModel: unknown option(s) ${unknown.join(', ')}; known: customObjects, compile`);
  if (options.compile !== undefined && typeof options.compile !== 'boolean')
    throw new Error(`loadModel: compile must be a boolean, got ${JSON.stringify(options.compile)}`);
  const where = describeSource(source);
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (!isZip(bytes))
      throw new Error(
        `loadModel: ${where} are not a .keras archive (a zip starts with 'PK'); pass a URL, a path or a tf.io handler for model.json files`,
      );
    return compiledArchive(bytes, options, where);
  }
  if (typeof source === 'string' && /\.keras$/i.test(source.replace(/[?#].*$/, ''))) {
    const bytes = isNode() && isFilePath(source) ? await readFileBytes(source) : await fetchBytes(source);
    if (!isZip(bytes)) throw new Error(`loadModel: ${where} is not a .keras archive (it does not start with 'PK')`);
    return compiledArchive(bytes, options, where, source);
  }
  if (typeof source !== 'string' && !isHandler(source))
    throw new Error(
      `loadModel: expected a path, a URL, a tf.io.IOHandler or the bytes of a .keras file, got ${source === null ? 'null' : typeof source}`,
    );
  const handler = await loadHandlerFor(source, 'loadModel');
  const artifacts = await handler.load!();
  return modelFromArtifacts(artifacts, options, where);
}

/** A Model from loaded tf.io artifacts (ours or tfjs-layers'); `where` names the file in errors. */
export async function modelFromArtifacts(
  artifacts: tf.io.ModelArtifacts,
  options: LoadOptions,
  where: string,
): Promise<Model> {
  const fn = 'loadModel';
  const raw = artifacts.modelTopology;
  if (raw == null || raw instanceof ArrayBuffer || typeof raw !== 'object')
    throw new Error(`${fn}: ${where} holds no model topology (a weights-only file? use model.loadWeights)`);
  const meta = (artifacts.userDefinedMetadata?.[METADATA_KEY] ?? null) as Metadata | null;
  if (meta != null) {
    const v = meta.formatVersion;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new Error(`${fn}: ${where} has format version ${JSON.stringify(v)}; expected a positive integer`);
    if (v > FORMAT_VERSION)
      throw new Error(
        `${fn}: ${where} was saved in format version ${v} of tfjs-backend-as, newer than this version reads (${FORMAT_VERSION}): upgrade tfjs-backend-as to load it`,
      );
  }
  let topology = raw as KerasModelJSON & {compile_config?: unknown};
  if ((raw as {format?: unknown}).format === 'tfjs-backend-as-weights')
    throw new Error(`${fn}: ${where} holds only weights (written by saveWeights); load them with model.loadWeights`);
  const tfjsLayers = isTfjsLayersTopology(raw);
  if (tfjsLayers) {
    topology = fromTfjsLayersTopology(raw, where) as typeof topology;
    // tfjs-layers' model.save({includeOptimizer}) writes trainingConfig; ours, Keras' compile_config.
    const training = artifacts.trainingConfig as
      | {loss?: unknown; metrics?: unknown; loss_weights?: unknown; optimizer_config?: unknown}
      | undefined;
    if (training?.optimizer_config != null)
      topology.compile_config = {
        optimizer: optimizerFromTfjsConfig(training.optimizer_config, `${fn}: ${where}`),
        loss: training.loss ?? null,
        loss_weights: training.loss_weights ?? null,
        metrics: training.metrics ?? null,
      };
  }
  // Checked before anything is made: a truncated or inconsistent weights file.
  const {specs, data} = checkWeightData(artifacts, fn, where);
  const isOptimizerSpec = (s: tf.io.WeightsManifestEntry) => s.group === 'optimizer' || s.name.startsWith('optimizer/');
  const modelSpecs = specs.filter(s => !isOptimizerSpec(s));
  let model: Model;
  try {
    model = modelFromTopology(topology, options.customObjects);
  } catch (e) {
    throw new Error(`${fn}: ${where}: ${(e as Error).message}`, {cause: e});
  }
  try {
    const {weights, names} = savedWeights(model);
    const ordered = matchWeights(modelSpecs, weights, names, fn, where);
    const values = tf.io.decodeWeights(data, specs);
    try {
      weights.forEach((w, i) => {
        w.assign(values[ordered[i]!.name]!);
      });
      if (topology.compile_config != null && options.compile !== false) {
        const optimizer = withCustomObjects(options.customObjects, () =>
          compileFromConfig(model, topology.compile_config, `${fn}: ${where}`),
        );
        if (meta?.optimizer) {
          restoreOptimizerState(optimizer, meta.optimizer, weights, model.trainableWeights, values, `${fn}: ${where}`);
        } else if (tfjsLayers && specs.some(isOptimizerSpec)) {
          const fromTfjs = stateFromTfjsWeights(
            optimizer,
            specs.filter(isOptimizerSpec),
            values,
            names,
            `${fn}: ${where}`,
          );
          try {
            restoreOptimizerState(
              optimizer,
              fromTfjs.state,
              weights,
              model.trainableWeights,
              fromTfjs.values,
              `${fn}: ${where}`,
            );
          } finally {
            tf.dispose(fromTfjs.made);
          }
        }
      }
    } finally {
      tf.dispose(Object.values(values));
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
