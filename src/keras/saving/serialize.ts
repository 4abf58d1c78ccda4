// Models and layers to and from Keras 3's JSON: exactly what Keras 3 writes as `config.json`
// inside a `.keras` archive (snake_case keys, `{module, class_name, config, registered_name}`
// objects, inbound nodes whose arguments are `__keras_tensor__` references). One deserializer
// serves our own saves and Keras' files.
//
// A layer's getConfig() is camelCase with `{className, config}` for nested objects, as
// tfjs-layers writes it; this file converts keys and objects both ways, resolves class and
// function names through the registry (registry.ts) and rebuilds the graph node by node.
import * as tf from '@tensorflow/tfjs-core';
import type {Shape} from '../common.js';
import {Layer, disposeHeld} from '../layer.js';
import {InputLayer} from '../input_layer.js';
import type {Model, ModelArgs} from '../model.js';
import {TFOpLambda} from '../op_layer.js';
import {type Node, type SymbolicTensor, isSymbolic} from '../symbolic.js';
import * as layerModule from '../layers/index.js';
import * as K from '../backend.js';
import {INITIALIZER_CLASS_NAMES} from '../initializers.js';
import {REGULARIZER_CLASS_NAMES} from '../regularizers.js';
import {
  type CustomObjects,
  type LayerClass,
  classNameOf,
  customLayerNames,
  findFunction,
  findLayerClass,
  registeredFunctionName,
  registeredLayerName,
  withCustomObjects,
} from './registry.js';

export type {CustomObjects, LayerClass} from './registry.js';

/** Keras 3's form of any serialized object: a layer, an initializer, a regularizer, a function. */
export interface KerasObjectJSON {
  module: string | null;
  class_name: string;
  config: unknown;
  registered_name: string | null;
}

/** A reference to a tensor in an inbound node: [layer name, node index, tensor index]. */
export type KerasHistory = [string, number, number];

export interface KerasTensorJSON {
  class_name: '__keras_tensor__';
  config: {shape: Shape; dtype: string; keras_history: KerasHistory};
}

/** One application of a layer: its positional arguments and keyword arguments. */
export interface KerasNodeJSON {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** A layer inside a functional config. */
export interface KerasLayerJSON extends KerasObjectJSON {
  config: Record<string, unknown>;
  build_config?: Record<string, unknown>;
  /** The same number on each appearance of one layer in several models of the config (Keras'). */
  shared_object_id?: number;
  name: string;
  inbound_nodes: KerasNodeJSON[];
}

/** Keras 3's functional model config: `model.to_json()`, and `config.json` in a `.keras` file. */
export interface KerasModelJSON extends KerasObjectJSON {
  class_name: string;
  config: {
    name: string;
    trainable: boolean;
    layers: KerasLayerJSON[];
    input_layers: KerasHistory | KerasHistory[];
    output_layers: KerasHistory | KerasHistory[];
    [key: string]: unknown;
  };
  build_config?: Record<string, unknown>;
  compile_config?: unknown;
}

export interface DeserializeOptions {
  /** Custom layer classes and functions by name, for this load only (Keras' custom_objects). */
  customObjects?: CustomObjects;
}

export interface SerializeOptions {
  /** Custom layer classes and functions that count as known for this save (besides the registry). */
  customObjects?: CustomObjects;
}

// The Model class, handed over by model.ts when it loads (model.ts imports this file's users,
// so importing it back here would be a cycle).
let ModelClass: (new (args: ModelArgs) => Model) | null = null;

/** Called once by model.ts: the class deserializeModel makes and serializeLayer recognizes. */
export function registerModelClass(cls: new (args: ModelArgs) => Model): void {
  ModelClass = cls;
}

function isModel(layer: unknown): layer is Model {
  return ModelClass != null && layer instanceof ModelClass;
}

function newModel(args: ModelArgs): Model {
  if (!ModelClass) throw new Error('deserializeModel: the Model class is not loaded (import tfjs-backend-as/keras)');
  return new ModelClass(args);
}

const LAYERS_MODULE = 'keras.layers';
const FUNCTIONAL_MODULE = 'keras.src.models.functional';
const OP_LAYER = 'TFOpLambda';

// ---------------------------------------------------------------- built-in classes

let builtins: Map<string, LayerClass> | null = null;

/** The built-in layer classes by class name (made on first use: layer modules import this one's users). */
function builtinLayers(): Map<string, LayerClass> {
  if (!builtins) {
    builtins = new Map();
    for (const value of Object.values(layerModule)) {
      if (typeof value === 'function' && value.prototype instanceof Layer && Object.hasOwn(value, 'className')) {
        const cls = value as unknown as LayerClass;
        builtins.set(classNameOf(cls), cls);
      }
    }
  }
  return builtins;
}

/** The names a config may use for a layer class: the built-ins and the custom ones known now. */
export function knownLayerNames(): string[] {
  return [...builtinLayers().keys(), 'Functional', 'Sequential', OP_LAYER, ...customLayerNames()].sort();
}

function isBuiltin(layer: Layer): boolean {
  return builtinLayers().get(layer.getClassName()) === layer.constructor;
}

// ---------------------------------------------------------------- keys and values

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** 'useBias' -> 'use_bias'. */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
}

/** 'use_bias' -> 'useBias'. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// Values spelled differently: tfjs-layers' camelCase enums and Keras' snake_case ones.
const VALUE_KEYS = new Set(['dataFormat']);
const TO_KERAS_VALUE: Record<string, string> = {channelsLast: 'channels_last', channelsFirst: 'channels_first'};
const FROM_KERAS_VALUE: Record<string, string> = {channels_last: 'channelsLast', channels_first: 'channelsFirst'};

// Keys whose values are the user's own records (a Lambda's keyword arguments): kept as they are.
const OPAQUE_KEYS = new Set(['arguments']);

function isCamelObject(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return (
    typeof v.className === 'string' &&
    'config' in v &&
    keys.every(k => k === 'className' || k === 'config' || k === 'module' || k === 'registeredName')
  );
}

function isKerasObject(v: unknown): v is KerasObjectJSON {
  return isPlainObject(v) && typeof v.class_name === 'string' && 'config' in v;
}

function dtypePolicy(name: string): KerasObjectJSON {
  return {module: 'keras', class_name: 'DTypePolicy', config: {name}, registered_name: null};
}

/** The name a function is known by for this save: registered, or in the customObjects in scope. */
function functionName(fn: unknown, scope: CustomObjects | undefined): string | null {
  const registered = registeredFunctionName(fn);
  if (registered) return registered;
  for (const [k, v] of Object.entries(scope ?? {})) if (v === fn) return k;
  return null;
}

interface SaveContext {
  where: string;
  scope: CustomObjects | undefined;
}

/** A `{className, config}` from getConfig as Keras' `{module, class_name, config, registered_name}`. */
function toKerasObject(v: Record<string, unknown>, ctx: SaveContext, path: string): KerasObjectJSON {
  const className = v.className as string;
  if (INITIALIZER_CLASS_NAMES.has(className))
    return {
      module: 'keras.initializers',
      class_name: className,
      config: toKeras(v.config, ctx, path),
      registered_name: null,
    };
  if (REGULARIZER_CLASS_NAMES.has(className))
    return {
      module: 'keras.regularizers',
      class_name: className,
      config: toKeras(v.config, ctx, path),
      registered_name: null,
    };
  const builtin = builtinLayers().get(className);
  if (builtin) {
    return {
      module: LAYERS_MODULE,
      class_name: className,
      config: layerConfigToKeras(className, v.config, ctx, path),
      registered_name: null,
    };
  }
  const fn = findFunction(className);
  if (fn)
    return {
      module: null,
      class_name: className,
      config: toKeras(v.config, ctx, path),
      registered_name: registeredFunctionName(fn) ?? className,
    };
  const cls = findLayerClass(className, v.registeredName as string | undefined);
  if (cls)
    return {
      module: null,
      class_name: className,
      config: layerConfigToKeras(className, v.config, ctx, path),
      registered_name: registeredLayerName(cls) ?? className,
    };
  throw new Error(
    `${ctx.where}: config '${path}' names '${className}', which is neither built in nor registered: registerFunction('${className}', fn) or registerLayer(${className}) before saving`,
  );
}

/** getConfig() values to Keras' JSON: snake_case keys, Keras objects, functions by name. */
function toKeras(value: unknown, ctx: SaveContext, path: string): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function') {
    const name = functionName(value, ctx.scope);
    if (name == null) {
      const fnName = (value as {name?: string}).name || 'anonymous';
      throw new Error(
        `${ctx.where}: config '${path}' is the function ${fnName}, which is not registered, so it cannot be saved: ` +
          `call registerFunction('${fnName === 'anonymous' ? 'myFunction' : fnName}', fn) before saving and before loading, or pass it in customObjects`,
      );
    }
    return path.endsWith('function')
      ? {module: 'builtins', class_name: 'function', config: name, registered_name: 'function'}
      : name;
  }
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) throw new Error(`${ctx.where}: config '${path}' is a disposed tensor`);
    return {class_name: '__tensor__', config: {value: value.arraySync(), dtype: value.dtype}};
  }
  if (isSymbolic(value))
    throw new Error(`${ctx.where}: config '${path}' is a SymbolicTensor, which a config cannot hold`);
  if (Array.isArray(value)) return value.map((v, i) => toKeras(v, ctx, `${path}[${i}]`));
  if (isPlainObject(value)) {
    if (isCamelObject(value)) return toKerasObject(value, ctx, path);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = toSnake(k);
      const p = path ? `${path}.${k}` : k;
      if (OPAQUE_KEYS.has(k)) out[key] = v;
      else if (VALUE_KEYS.has(k) && typeof v === 'string') out[key] = TO_KERAS_VALUE[v] ?? v;
      else out[key] = toKeras(v, ctx, p);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new Error(`${ctx.where}: config '${path}' is ${value}, which JSON cannot hold`);
  if (value !== null && typeof value === 'object')
    throw new Error(
      `${ctx.where}: config '${path}' is a ${(value as object).constructor?.name ?? 'object'}, which JSON cannot hold; getConfig() must return plain values`,
    );
  return value;
}

// Layers whose config Keras writes with a plain dtype string rather than a DTypePolicy.
const PLAIN_DTYPE = new Set(['InputLayer', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D']);

/** A layer's getConfig() as Keras writes it: the dtype as a DTypePolicy (InputLayer keeps a string). */
function layerConfigToKeras(className: string, config: unknown, ctx: SaveContext, path = ''): Record<string, unknown> {
  if (!isPlainObject(config))
    throw new Error(
      `${ctx.where}: getConfig() must return a plain object, got ${config === null ? 'null' : typeof config}`,
    );
  const out = toKeras(config, ctx, path) as Record<string, unknown>;
  if (!PLAIN_DTYPE.has(className) && typeof out.dtype === 'string') out.dtype = dtypePolicy(out.dtype);
  return out;
}

interface LoadContext {
  where: string;
}

/** Keras' JSON to getConfig() form: camelCase keys, `{className, config}`, functions resolved. */
function fromKeras(value: unknown, ctx: LoadContext, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => fromKeras(v, ctx, `${path}[${i}]`));
  if (isKerasObject(value)) {
    const className = value.class_name;
    if (className.endsWith('DTypePolicy')) return dtypeFromPolicy(value, ctx);
    if (className === 'function' || className === '__function__') {
      const name = String(value.config);
      const fn = findFunction(name);
      if (!fn)
        throw new Error(
          `${ctx.where}: config '${path}' names the function '${name}', which is not registered: call registerFunction('${name.replace(/^.*>/, '')}', fn) or pass customObjects: {'${name.replace(/^.*>/, '')}': fn}`,
        );
      return fn;
    }
    if (className === '__lambda__')
      throw new Error(
        `${ctx.where}: config '${path}' is Python bytecode (a Keras lambda), which cannot run in JavaScript: ` +
          'save the Lambda with a named, registered function, or rebuild the layer in code',
      );
    if (className === '__tensor__') return value;
    const out: Record<string, unknown> = {className, config: fromKeras(value.config, ctx, `${path}.config`)};
    if (value.registered_name && value.registered_name !== className) out.registeredName = value.registered_name;
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = toCamel(k);
      const p = path ? `${path}.${k}` : k;
      if (OPAQUE_KEYS.has(key)) out[key] = v;
      else if (VALUE_KEYS.has(key) && typeof v === 'string') out[key] = FROM_KERAS_VALUE[v] ?? v;
      else out[key] = fromKeras(v, ctx, p);
    }
    return out;
  }
  return value;
}

const DTYPES = new Set(['float32', 'int32', 'bool', 'complex64', 'string']);

function dtypeFromPolicy(policy: KerasObjectJSON, ctx: LoadContext): string {
  const name = isPlainObject(policy.config) ? String(policy.config.name) : String(policy.config);
  if (DTYPES.has(name)) return name;
  throw new Error(
    `${ctx.where}: dtype policy '${name}' is not supported (tfjs computes in float32, int32 and bool); expected 'float32'`,
  );
}

// ---------------------------------------------------------------- single layers

function unregisteredMessage(layer: Layer): string {
  const cls = layer.getClassName();
  return (
    `Cannot save ${layer.describe()}: its class ${cls} is not registered, so a loader could not find it. ` +
    `Either call registerLayer(${cls}) before saving and loading (Keras' register_keras_serializable), ` +
    `or give the class as customObjects: {${cls}} when saving and to loadModel/deserializeModel when loading`
  );
}

// Layers that appear in more than one model of the save (a layer used inside a nested model
// and outside it): Keras marks each appearance with the same shared_object_id, and a load makes
// one layer of them. Set for the duration of a save and of a load.
let sharedIds: Map<Layer, number> | null = null;
let sharedLayers: Map<unknown, Layer> | null = null;

/** Runs a save with shared_object_ids for the layers `model` and its nested models share. */
function withSharedIds<T>(root: Layer, fn: () => T): T {
  if (sharedIds) return fn();
  const counts = new Map<Layer, number>();
  const walk = (m: Model) => {
    for (const layer of m.layers) {
      counts.set(layer, (counts.get(layer) ?? 0) + 1);
      if (isModel(layer) && counts.get(layer) === 1) walk(layer);
    }
  };
  if (isModel(root)) walk(root);
  let next = 1;
  sharedIds = new Map([...counts].filter(([, n]) => n > 1).map(([layer]) => [layer, next++]));
  try {
    return fn();
  } finally {
    sharedIds = null;
  }
}

/** The Keras object for one layer (no graph): `{module, class_name, config, registered_name}`. */
function layerObject(layer: Layer, scope: CustomObjects | undefined): KerasObjectJSON {
  if (isModel(layer)) return functionalObject(layer, scope);
  const className = layer.getClassName();
  const ctx: SaveContext = {where: `Cannot save ${layer.describe()}`, scope};
  let module: string | null = LAYERS_MODULE;
  let registered: string | null = null;
  if (!(layer instanceof TFOpLambda) && !isBuiltin(layer)) {
    const ctor = layer.constructor as LayerClass;
    registered = registeredLayerName(ctor);
    if (!registered) {
      const given = findLayerClass(className);
      if (given !== ctor) throw new Error(unregisteredMessage(layer));
      registered = className;
    }
    module = null;
  }
  let config: Record<string, unknown>;
  try {
    config = layer.getConfig();
  } catch (e) {
    throw new Error(`${ctx.where}: getConfig() failed: ${e instanceof Error ? e.message : String(e)}`, {cause: e});
  }
  return {
    module,
    class_name: className,
    config: layerConfigToKeras(className, config, ctx),
    registered_name: registered,
  };
}

/** One layer as Keras' JSON (a Model gives its functional config). Throws for an unregistered custom class. */
export function serializeLayer(layer: Layer, opts: SerializeOptions = {}): KerasObjectJSON {
  return withCustomObjects(opts.customObjects, () =>
    withSharedIds(layer, () => layerObject(layer, opts.customObjects)),
  );
}

/** A layer from Keras' JSON (`{class_name, config, ...}`): built-in, registered, or in customObjects. */
export function deserializeLayer(json: KerasObjectJSON, opts: DeserializeOptions = {}): Layer {
  return withCustomObjects(opts.customObjects, () => guarded(() => layerFromJSON(json, 'layer')));
}

function layerClassFor(json: KerasObjectJSON, where: string): LayerClass {
  const className = json.class_name;
  const custom = findLayerClass(className, json.registered_name);
  if (custom) return custom;
  const builtin = builtinLayers().get(className);
  if (builtin) return builtin;
  throw new Error(
    `${where}: unknown layer class '${className}'${json.registered_name && json.registered_name !== className ? ` (registered as '${json.registered_name}')` : ''}. ` +
      `Known layer classes: ${knownLayerNames().join(', ')}. ` +
      `A custom layer needs registerLayer(${className.replace(/^.*>/, '')}) or customObjects: {${className.replace(/^.*>/, '')}}`,
  );
}

function layerFromJSON(json: KerasObjectJSON, what: string): Layer {
  if (!isKerasObject(json))
    throw new Error(
      `${what}: expected a Keras layer object {class_name, config}, got ${JSON.stringify(json)?.slice(0, 120)}`,
    );
  // The same layer in two models of the file (Keras' shared_object_id): made once.
  const sharedId = (json as {shared_object_id?: unknown}).shared_object_id;
  const shared = sharedId == null ? undefined : sharedLayers?.get(sharedId);
  if (shared) return shared;
  const made = layerFromJSONOnce(json);
  if (sharedId != null) sharedLayers?.set(sharedId, made);
  return made;
}

function layerFromJSONOnce(json: KerasObjectJSON): Layer {
  if (json.class_name === 'Functional' || json.class_name === 'Model' || json.class_name === 'Sequential')
    return modelFromJSON(json as KerasModelJSON);
  const config = json.config;
  const name = isPlainObject(config) && typeof config.name === 'string' ? config.name : undefined;
  const where = `Layer '${name ?? (json as Partial<KerasLayerJSON>).name ?? '?'}' (${json.class_name})`;
  if (!isPlainObject(config)) throw new Error(`${where}: config must be an object, got ${JSON.stringify(config)}`);
  const cls = layerClassFor(json, where);
  const camel = fromKeras(config, {where}, '') as Record<string, unknown>;
  if (cls === (InputLayer as unknown as LayerClass) && camel.batchInputShape && !camel.batchShape) {
    camel.batchShape = camel.batchInputShape;
    delete camel.batchInputShape;
  }
  let layer: Layer;
  try {
    const from = (cls as {fromConfig?: (c: Record<string, unknown>) => Layer}).fromConfig;
    layer = from ? from.call(cls, camel) : new (cls as unknown as new (c: Record<string, unknown>) => Layer)(camel);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.startsWith(where) ? message : `${where}: fromConfig failed: ${message}`, {cause: e});
  }
  if (!(layer instanceof Layer)) throw new Error(`${where}: fromConfig must return a Layer, got ${typeof layer}`);
  // Inbound nodes refer to layers by name: a fromConfig that drops it must not rename the layer.
  if (name && layer.name !== name) layer.name = name;
  return track(layer);
}

// ---------------------------------------------------------------- models

function history(t: SymbolicTensor, nodeIndex: Map<Node, number>): KerasHistory {
  return [t.sourceLayer.name, nodeIndex.get(t.node) ?? t.node.index, t.tensorIndex];
}

function kerasTensor(t: SymbolicTensor, nodeIndex: Map<Node, number>): KerasTensorJSON {
  return {
    class_name: '__keras_tensor__',
    config: {shape: [...t.shape], dtype: t.dtype, keras_history: history(t, nodeIndex)},
  };
}

/** A node's arguments in Keras' form: tensors as __keras_tensor__, keys snake_case. */
function nodeJSON(node: Node, nodeIndex: Map<Node, number>, ctx: SaveContext): KerasNodeJSON {
  const ref = (t: SymbolicTensor) => kerasTensor(t, nodeIndex);
  if (node.layer instanceof TFOpLambda) {
    // Keras 3's op nodes: the op's own arguments, symbolic ones as tensors, the rest as values.
    const args = node.layer.callArguments((i: number) => ref(node.inputs[i]!));
    return {args: toKeras(args, ctx, 'args') as unknown[], kwargs: {}};
  }
  const callInputs = node.inputs.slice(0, node.callInputCount);
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.kwargs)) {
    if (v === undefined) continue;
    kwargs[toSnake(k)] = toKeras(v, ctx, `kwargs.${k}`);
  }
  // Slots number the keyword tensors, which follow the call inputs in node.inputs.
  const kwargTensor = (i: number) => ref(node.inputs[node.callInputCount + i]!);
  for (const [k, at] of Object.entries(node.kwargSlots)) {
    kwargs[toSnake(k)] = Array.isArray(at) ? at.map(kwargTensor) : kwargTensor(at);
  }
  let args: unknown[];
  if (positionalInputs(node.layer) && node.inputIsList) {
    // MultiHeadAttention: Keras calls it (query, value, key=...), not with a list.
    args = callInputs.slice(0, 2).map(ref);
    if (callInputs[2]) kwargs.key = ref(callInputs[2]);
  } else args = node.inputIsList ? [callInputs.map(ref)] : [ref(callInputs[0]!)];
  return {args, kwargs};
}

function positionalInputs(layer: Layer): boolean {
  return (layer.constructor as {positionalInputs?: boolean}).positionalInputs === true;
}

function functionalObject(model: Model, scope: CustomObjects | undefined): KerasModelJSON {
  const modelNodes = new Set(model.nodes);
  for (const t of model.inputs) modelNodes.add(t.node);
  // Node indices count this model's nodes of each layer only (Keras' node_conversion_map): a
  // layer also applied outside the model keeps its numbering inside it.
  const nodeIndex = new Map<Node, number>();
  const entries: KerasLayerJSON[] = [];
  for (const layer of model.layers) {
    const nodes = layer.inboundNodes.filter(n => modelNodes.has(n));
    nodes.forEach((n, i) => {
      nodeIndex.set(n, i);
    });
  }
  for (const layer of model.layers) {
    const nodes = layer.inboundNodes.filter(n => modelNodes.has(n));
    const obj = layerObject(layer, scope);
    const ctx: SaveContext = {where: `Cannot save ${layer.describe()}`, scope};
    const entry: KerasLayerJSON = {
      module: obj.module,
      class_name: obj.class_name,
      config: obj.config as Record<string, unknown>,
      registered_name: obj.registered_name,
    } as KerasLayerJSON;
    const sharedId = sharedIds?.get(layer);
    if (sharedId != null) entry.shared_object_id = sharedId;
    if (!(layer instanceof InputLayer) && !(layer instanceof TFOpLambda) && !isModel(layer) && nodes[0]) {
      const first = nodes[0];
      const shapes = first.inputs.slice(0, first.callInputCount).map(t => [...t.shape]);
      entry.build_config = {input_shape: first.inputIsList ? shapes : shapes[0]};
    }
    if (isModel(layer)) {
      entry.build_config = (obj as KerasModelJSON).build_config ?? {input_shape: null};
    }
    entry.name = layer.name;
    entry.inbound_nodes = layer instanceof InputLayer ? [] : nodes.map(n => nodeJSON(n, nodeIndex, ctx));
    entries.push(entry);
  }
  const refs = (ts: SymbolicTensor[], flat: boolean): KerasHistory | KerasHistory[] => {
    const hs = ts.map(t => history(t, nodeIndex));
    return flat && hs.length === 1 ? hs[0]! : hs;
  };
  const singleOutput = (model as unknown as {singleOutput: boolean}).singleOutput;
  return {
    module: FUNCTIONAL_MODULE,
    class_name: 'Functional',
    config: {
      name: model.name,
      trainable: model.trainable,
      layers: entries,
      input_layers: refs(model.inputs, true),
      output_layers: refs(model.outputs, singleOutput),
    },
    registered_name: 'Functional',
    build_config: {input_shape: null},
  };
}

/**
 * The model as Keras 3's functional config (what Keras writes as config.json in a .keras file):
 * every layer with its config and inbound nodes, the input and output layers. Throws, naming the
 * layer, for a custom layer class or function that is not registered.
 */
export function serializeModel(model: Model, opts: SerializeOptions = {}): KerasModelJSON {
  if (!isModel(model))
    throw new Error(`serializeModel: expected a Model, got ${model === null ? 'null' : typeof model}`);
  return withCustomObjects(opts.customObjects, () =>
    withSharedIds(model, () => functionalObject(model, opts.customObjects)),
  );
}

class NotReady {
  constructor(readonly ref: KerasHistory) {}
}

function isKerasTensorJSON(v: unknown): v is KerasTensorJSON {
  return isPlainObject(v) && v.class_name === '__keras_tensor__' && isPlainObject(v.config);
}

/** Keras 2's inbound node `[[name, node, tensor, kwargs], ...]` in Keras 3's form. */
function keras2Node(node: unknown[], where: string): KerasNodeJSON {
  const refs = node.map(r => {
    if (!Array.isArray(r) || typeof r[0] !== 'string')
      throw new Error(
        `${where}: an inbound node entry must be [layerName, nodeIndex, tensorIndex, kwargs?], got ${JSON.stringify(r)}`,
      );
    return r;
  });
  const tensors = refs.map(r => ({
    class_name: '__keras_tensor__',
    config: {shape: [], dtype: 'float32', keras_history: [r[0], r[1], r[2]]},
  }));
  const kwargs = (isPlainObject(refs[0]?.[3]) ? refs[0]![3] : {}) as Record<string, unknown>;
  return {args: tensors.length === 1 ? [tensors[0]] : [tensors], kwargs};
}

function isHistory(v: unknown): v is KerasHistory {
  return Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number';
}

function modelFromJSON(json: KerasModelJSON): Model {
  const config = json.config;
  const where = `Model '${isPlainObject(config) && typeof config.name === 'string' ? config.name : '?'}' (${json.class_name})`;
  if (!isPlainObject(config) || !Array.isArray(config.layers))
    throw new Error(`${where}: config.layers must be a list of layers, got ${JSON.stringify(config)?.slice(0, 120)}`);
  if (json.class_name === 'Sequential') return sequentialFromJSON(json, where);
  const layers = new Map<string, Layer>();
  const ops = new Map<string, KerasLayerJSON>();
  // outputs.get(layerName)[savedNodeIndex] = that node's output tensors
  const outputs = new Map<string, SymbolicTensor[][]>();
  const pending: {name: string; nodes: KerasNodeJSON[]; next: number}[] = [];
  // Keras 2's configs list inputs and outputs as lists even for one, and its models then take
  // and give one tensor: such a list of one is read as Keras 3's single form.
  let keras2 = false;
  config.layers.forEach((entry, i) => {
    if (!isPlainObject(entry))
      throw new Error(`${where}: layers[${i}] must be an object, got ${JSON.stringify(entry)?.slice(0, 80)}`);
    const name = typeof entry.name === 'string' ? entry.name : (entry.config as {name?: string})?.name;
    if (typeof name !== 'string') throw new Error(`${where}: layers[${i}] has no name`);
    if (layers.has(name) || ops.has(name)) throw new Error(`${where}: two layers are named '${name}'`);
    const rawNodes = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [];
    if (rawNodes.some(n => Array.isArray(n))) keras2 = true;
    const nodes = rawNodes.map(n =>
      Array.isArray(n) ? keras2Node(n, `${where}, layer '${name}'`) : (n as KerasNodeJSON),
    );
    outputs.set(name, []);
    if (entry.class_name === OP_LAYER || isKeras3Op(entry)) ops.set(name, entry);
    else {
      const layer = layerFromJSON(entry, `${where}: layers[${i}]`);
      layers.set(name, layer);
      if (layer instanceof InputLayer) outputs.get(name)!.push(layer.inboundNodes[0]!.outputs);
    }
    if (nodes.length > 0) pending.push({name, nodes, next: 0});
  });

  const lookup = (ref: KerasHistory): SymbolicTensor => {
    const [name, node, index] = ref;
    if (!outputs.has(name))
      throw new Error(`${where}: an inbound node refers to layer '${name}', which the config does not have`);
    const t = outputs.get(name)![node]?.[index];
    if (!t) throw new NotReady(ref);
    return t;
  };
  const resolve = (v: unknown): unknown => {
    if (isKerasTensorJSON(v)) return lookup(v.config.keras_history);
    if (Array.isArray(v)) return v.map(resolve);
    if (isPlainObject(v) && v.class_name === '__tensor__' && isPlainObject(v.config)) return v;
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };

  let progress = true;
  while (progress && pending.some(p => p.next < p.nodes.length)) {
    progress = false;
    for (const p of pending) {
      while (p.next < p.nodes.length) {
        const node = p.nodes[p.next]!;
        let args: unknown[];
        let kwargs: Record<string, unknown>;
        try {
          args = resolve(node.args ?? []) as unknown[];
          kwargs = resolve(node.kwargs ?? {}) as Record<string, unknown>;
        } catch (e) {
          if (e instanceof NotReady) break;
          throw e;
        }
        const out = ops.has(p.name)
          ? applyOp(ops.get(p.name)!, args, where)
          : applyLayer(layers.get(p.name)!, args, kwargs, where);
        outputs.get(p.name)!.push(out);
        p.next++;
        progress = true;
      }
    }
  }
  const stuck = pending.find(p => p.next < p.nodes.length);
  if (stuck) {
    let waiting = '';
    try {
      resolve(stuck.nodes[stuck.next]!.args);
      resolve(stuck.nodes[stuck.next]!.kwargs);
    } catch (e) {
      if (e instanceof NotReady) waiting = `: it needs node ${e.ref[1]} of layer '${e.ref[0]}', which never gets made`;
    }
    throw new Error(`${where}: cannot rebuild node ${stuck.next} of layer '${stuck.name}'${waiting}`);
  }
  const refsOf = (v: unknown, what: string): {tensors: SymbolicTensor[]; flat: boolean} => {
    if (isHistory(v)) return {tensors: [lookupDone(v, what)], flat: true};
    if (Array.isArray(v) && v.every(isHistory))
      return {tensors: v.map(r => lookupDone(r, what)), flat: keras2 && v.length === 1};
    throw new Error(
      `${where}: ${what} must be [layerName, nodeIndex, tensorIndex] or a list of them, got ${JSON.stringify(v)}`,
    );
  };
  const lookupDone = (ref: KerasHistory, what: string): SymbolicTensor => {
    try {
      return lookup(ref);
    } catch (e) {
      if (e instanceof NotReady)
        throw new Error(`${where}: ${what} refers to ${JSON.stringify(ref)}, which does not exist`);
      throw e;
    }
  };
  const ins = refsOf(config.input_layers, 'input_layers');
  const outs = refsOf(config.output_layers, 'output_layers');
  const model = newModel({
    inputs: ins.flat ? ins.tensors[0]! : ins.tensors,
    outputs: outs.flat ? outs.tensors[0]! : outs.tensors,
    name: config.name,
  });
  if (config.trainable === false) model.trainable = false;
  return track(model);
}

/** Keras' Sequential config: layers applied one after the other from an InputLayer (or a build shape). */
function sequentialFromJSON(json: KerasModelJSON, where: string): Model {
  const entries = json.config.layers as unknown as KerasObjectJSON[];
  const made = entries.map((e, i) => layerFromJSON(e, `${where}: layers[${i}]`));
  let x: SymbolicTensor;
  let rest = made;
  if (made[0] instanceof InputLayer) {
    x = made[0].inboundNodes[0]!.outputs[0]!;
    rest = made.slice(1);
  } else {
    const first = entries[0] as Partial<KerasLayerJSON> | undefined;
    const shape = (first?.build_config?.input_shape ??
      (first?.config as {batch_input_shape?: Shape} | undefined)?.batch_input_shape) as Shape | undefined;
    if (!Array.isArray(shape))
      throw new Error(
        `${where}: the first layer has no input shape (no InputLayer, build_config or batch_input_shape)`,
      );
    x = track(new InputLayer({batchShape: shape})).inboundNodes[0]!.outputs[0]!;
  }
  const input = x;
  for (const layer of rest) x = layer.apply(x) as SymbolicTensor;
  return track(newModel({inputs: input, outputs: x, name: json.config.name}));
}

function constantOf(v: Record<string, unknown>): tf.Tensor {
  const c = v.config as {value: unknown; dtype?: string};
  return tf.tensor(c.value as tf.TensorLike, undefined, (c.dtype ?? 'float32') as tf.DataType);
}

function applyLayer(layer: Layer, args: unknown[], kwargs: Record<string, unknown>, where: string): SymbolicTensor[] {
  const kw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) kw[toCamel(k)] = v;
  // Keras records the training flag and null masks of the call that built the graph; here the
  // model's call decides training and masks travel with the tensors.
  if (kw.training === false || kw.training == null) delete kw.training;
  if (kw.mask == null) delete kw.mask;
  const tensors = args.filter(a => isSymbolic(a) || (Array.isArray(a) && a.length > 0 && a.every(isSymbolic)));
  if (tensors.length !== args.length)
    throw new Error(
      `${where}: layer '${layer.name}' is called with arguments that are not tensors: ${JSON.stringify(args).slice(0, 160)}`,
    );
  let inputs: SymbolicTensor | SymbolicTensor[];
  if (args.length === 1) inputs = args[0] as SymbolicTensor | SymbolicTensor[];
  else inputs = args as SymbolicTensor[];
  if (positionalInputs(layer) && isSymbolic(kw.key)) {
    inputs = [...(Array.isArray(inputs) ? inputs : [inputs]), kw.key];
    delete kw.key;
  }
  for (const [k, v] of Object.entries(kw)) if (isPlainObject(v) && v.class_name === '__tensor__') kw[k] = constantOf(v);
  const out = layer.apply(inputs, kw) as SymbolicTensor | SymbolicTensor[];
  return Array.isArray(out) ? out : [out];
}

/** A K op node: the same K function called on the symbolic inputs (and the saved constants). */
// Keras 3 records a keras.ops call on symbolic tensors as a node of the op's class: `x + y` is
// {module: 'keras.src.ops.numpy', class_name: 'Add'}, and Embedding(mask_zero)'s mask reaches the
// next layers through ops.not_equal(tokens, 0) (a NotEqual node, then `mask` keyword arguments).
// Each becomes the K call of the same op; `config` lists the op's config keys passed after the args.
const KERAS3_OPS: Record<string, {fn: string; config?: string[]}> = {
  Add: {fn: 'add'},
  Subtract: {fn: 'sub'},
  Multiply: {fn: 'mul'},
  Divide: {fn: 'div'},
  TrueDivide: {fn: 'div'},
  Maximum: {fn: 'maximum'},
  Minimum: {fn: 'minimum'},
  Equal: {fn: 'equal'},
  NotEqual: {fn: 'notEqual'},
  Absolute: {fn: 'abs'},
  Negative: {fn: 'neg'},
  Square: {fn: 'square'},
  Sqrt: {fn: 'sqrt'},
  Exp: {fn: 'exp'},
  Log: {fn: 'log'},
  Tanh: {fn: 'tanh'},
  Sigmoid: {fn: 'sigmoid'},
  Relu: {fn: 'relu'},
  Softplus: {fn: 'softplus'},
  Sum: {fn: 'sum', config: ['axis', 'keepdims']},
  Mean: {fn: 'mean', config: ['axis', 'keepdims']},
  Max: {fn: 'max', config: ['axis', 'keepdims']},
  Min: {fn: 'min', config: ['axis', 'keepdims']},
  Abs: {fn: 'abs'},
  Power: {fn: 'pow'},
  Matmul: {fn: 'dot'},
  Cast: {fn: 'cast', config: ['dtype']},
  Transpose: {fn: 'transpose', config: ['axes']},
  ExpandDims: {fn: 'expandDims', config: ['axis']},
  Squeeze: {fn: 'squeeze', config: ['axis']},
  Concatenate: {fn: 'concatenate', config: ['axis']},
  Stack: {fn: 'stack', config: ['axis']},
  Softmax: {fn: 'softmax', config: ['axis']},
  Reshape: {fn: 'reshape', config: ['newshape']},
};

function isKeras3Op(entry: KerasLayerJSON): boolean {
  return typeof entry.module === 'string' && entry.module.startsWith('keras.src.ops.');
}

function applyOp(entry: KerasLayerJSON, nodeArgs: unknown[], where: string): SymbolicTensor[] {
  const config = (entry.config ?? {}) as Record<string, unknown>;
  const keras3 = entry.class_name !== OP_LAYER ? KERAS3_OPS[entry.class_name] : undefined;
  if (entry.class_name !== OP_LAYER && !keras3)
    throw new Error(
      `${where}: layer '${entry.name}' is Keras 3's op ${entry.class_name} (${entry.module}), which has no K equivalent here; known ops: ${Object.keys(KERAS3_OPS).join(', ')}`,
    );
  const fnName = keras3 ? keras3.fn : String(config.function);
  const args = keras3 ? [...nodeArgs, ...(keras3.config ?? []).map(k => config[k] ?? null)] : nodeArgs;
  const fn = (K as unknown as Record<string, unknown>)[fnName];
  if (typeof fn !== 'function')
    throw new Error(`${where}: layer '${entry.name}' (TFOpLambda) calls K.${fnName}, which K does not have`);
  const made: tf.Tensor[] = [];
  const fill = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(fill);
    if (isPlainObject(v) && v.class_name === '__tensor__') {
      const t = constantOf(v);
      made.push(t);
      return t;
    }
    return v;
  };
  // null in a saved call is JavaScript's undefined there: the K function's default.
  const filled = (fill(args) as unknown[]).map(a => (a === null ? undefined : a));
  while (filled.length > 0 && filled[filled.length - 1] === undefined) filled.pop();
  let out: SymbolicTensor | SymbolicTensor[];
  try {
    out = (fn as (...a: unknown[]) => SymbolicTensor | SymbolicTensor[])(...filled);
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
  // On success the op layer keeps these constants (TFOpLambda tf.keep's its tensor arguments).
  const list = Array.isArray(out) ? out : [out];
  if (!list.every(isSymbolic))
    throw new Error(
      `${where}: layer '${entry.name}' (K.${fnName}) has no symbolic input, so it cannot be a graph node`,
    );
  const layer = track(list[0]!.sourceLayer);
  if (layer instanceof TFOpLambda) layer.adoptConstants(made);
  layer.name = String(config.name ?? entry.name);
  if (config.trainable === false) layer.trainable = false;
  return list;
}

// The layers made by the load in progress, so that a failed load can free what they hold.
let madeLayers: Layer[] | null = null;

function track<L extends Layer>(layer: L): L {
  madeLayers?.push(layer);
  return layer;
}

/**
 * Runs `fn` so that a failure leaves nothing behind: every variable made meanwhile is disposed,
 * and so is every tensor the layers made meanwhile hold (K op constants, kept buffers).
 */
function guarded<T>(fn: () => T): T {
  if (madeLayers) return fn();
  const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  madeLayers = [];
  sharedLayers = new Map();
  const made = madeLayers;
  try {
    // No tidy around it: a custom layer's constructor may make tensors it keeps in its fields.
    // Tracing tidies its own intermediates (Layer.inferOutputs).
    return fn();
  } catch (e) {
    const registered = tf.engine().registeredVariables;
    for (const name of Object.keys(registered)) if (!variablesBefore.has(name)) registered[name]!.dispose();
    for (const layer of made) disposeHeld(layer);
    throw e;
  } finally {
    madeLayers = null;
    sharedLayers = null;
  }
}

/**
 * A Model from Keras 3's functional (or Sequential) config, as `serializeModel` writes it and as
 * Keras writes config.json. The graph is built, so every weight exists, freshly initialized: the
 * caller assigns the saved values. Custom classes and functions come from the registry or
 * `customObjects`. A failure throws, naming the layer, and leaves no variable behind.
 */
export function deserializeModel(json: KerasModelJSON | string, opts: DeserializeOptions = {}): Model {
  const parsed = typeof json === 'string' ? (JSON.parse(json) as KerasModelJSON) : json;
  if (!isKerasObject(parsed))
    throw new Error(
      `deserializeModel: expected Keras' model JSON {class_name: 'Functional', config}, got ${JSON.stringify(parsed)?.slice(0, 120)}`,
    );
  if (!['Functional', 'Model', 'Sequential'].includes(parsed.class_name))
    throw new Error(
      `deserializeModel: expected class_name 'Functional' (or 'Sequential'), got '${parsed.class_name}'; use deserializeLayer for a single layer`,
    );
  return withCustomObjects(opts.customObjects, () => guarded(() => modelFromJSON(parsed)));
}
