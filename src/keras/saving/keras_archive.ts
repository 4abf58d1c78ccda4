// Keras 3's `.keras` archive, read and written: a zip (fflate) holding config.json (the
// functional config deserializeModel reads and serializeModel writes), metadata.json
// ({keras_version, date_saved}) and model.weights.h5 (h5wasm: HDF5's own C library compiled to
// WebAssembly).
//
// The weights file holds no layer names in its paths: Keras addresses every object by the
// attribute that holds it, and the layers of a model by their class, snake_cased and numbered in
// the order of model.layers (layers/dense, layers/dense_1, layers/conv2d, ...). A layer's own
// variables are datasets vars/0, vars/1, ... (its trainable variables, then its non-trainable
// ones, each in creation order), and sublayers are groups named by their attribute:
// layers/lstm/cell/vars/0, layers/bidirectional/forward_layer/cell/vars/0,
// layers/multi_head_attention/query_dense/vars/0. The optimizer's state sits in optimizer/vars.
import * as tf from '@tensorflow/tfjs-core';
import {strToU8, unzipSync, zipSync} from 'fflate';
import {Layer} from '../layer.js';
import {MultiHeadAttention} from '../layers/attention.js';
import {Bidirectional, RNN} from '../layers/recurrent.js';
import type {Model} from '../model.js';
import {
  type CustomObjects,
  deserializeModel,
  type KerasLayerJSON,
  type KerasModelJSON,
  serializeModel,
} from './serialize.js';

/** The major version of Keras whose archives this reads. */
export const KERAS_ARCHIVE_MAJOR = 3;

export const KERAS_ARCHIVE_ENTRIES = {
  config: 'config.json',
  metadata: 'metadata.json',
  weights: 'model.weights.h5',
} as const;

/** One saved variable: a dataset `<group>/vars/<index>` of the weights file. */
export interface KerasVariable {
  /** Its path in the weights file, e.g. 'layers/dense/vars/0'. */
  path: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** The variables one object saved: the datasets of `<path>/vars`, in index order. */
export interface KerasVarsGroup {
  /** The object's path, e.g. 'layers/lstm/cell' ('' for the model itself). */
  path: string;
  /** The object's name, which Keras 3.x records on the vars group (null when absent). */
  name: string | null;
  vars: KerasVariable[];
}

export interface KerasArchiveMetadata {
  keras_version?: string;
  date_saved?: string;
  [key: string]: unknown;
}

export interface KerasArchive {
  fileName: string;
  config: KerasModelJSON;
  metadata: KerasArchiveMetadata;
  /** Every vars group of the weights file by its object's path (optimizer state included). */
  weights: Map<string, KerasVarsGroup>;
}

export interface LoadKerasArchiveOptions {
  /** Custom layer classes and functions by name, for this load only (Keras' custom_objects). */
  customObjects?: CustomObjects;
  /** Named in errors (a path or URL); without it errors say "Keras archive". */
  fileName?: string;
}

function describeFile(fileName: string | undefined): string {
  return fileName ? `Keras archive '${fileName}'` : 'Keras archive';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;

/**
 * Reads a Keras 3 `.keras` archive: its config, its metadata and every variable of its weights
 * file. Throws, naming the file, on a file that is not a zip or is truncated, a zip without
 * config.json or model.weights.h5, a Keras version other than 3.x, or an unreadable HDF5 file.
 */
export async function readKerasArchive(bytes: Uint8Array | ArrayBuffer, fileName?: string): Promise<KerasArchive> {
  const where = describeFile(fileName);
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  // A zip starts with a local file header, "PK\x03\x04".
  if (data.length < 4 || data[0] !== 0x50 || data[1] !== 0x4b) {
    const head = Array.from(data.subarray(0, 4), b => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      `${where}: not a zip archive (a .keras file is a zip starting with 'PK'); it has ${data.length} bytes starting with ${head || 'nothing'}`,
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(data);
  } catch (e) {
    throw new Error(`${where}: the zip is truncated or corrupt (${message(e)}); ${data.length} bytes read`);
  }
  const names = Object.keys(entries);
  const listed = names.length ? names.join(', ') : 'none';
  const configBytes = entries[KERAS_ARCHIVE_ENTRIES.config];
  if (!configBytes)
    throw new Error(
      `${where}: the zip has no ${KERAS_ARCHIVE_ENTRIES.config} (entries: ${listed}); a Keras 3 .keras archive holds config.json, metadata.json and model.weights.h5`,
    );
  const metadata = parseJSON(entries[KERAS_ARCHIVE_ENTRIES.metadata], KERAS_ARCHIVE_ENTRIES.metadata, where) ?? {};
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw new Error(
      `${where}: ${KERAS_ARCHIVE_ENTRIES.metadata} must be a JSON object, got ${JSON.stringify(metadata)}`,
    );
  checkVersion(metadata as KerasArchiveMetadata, where);
  const config = parseJSON(configBytes, KERAS_ARCHIVE_ENTRIES.config, where) as KerasModelJSON;
  if (config === null || typeof config !== 'object' || typeof config.class_name !== 'string')
    throw new Error(
      `${where}: ${KERAS_ARCHIVE_ENTRIES.config} must be a Keras object {class_name, config}, got ${JSON.stringify(config)?.slice(0, 120)}`,
    );
  const h5 = entries[KERAS_ARCHIVE_ENTRIES.weights];
  if (!h5) {
    const sharded = names.find(n => /\.weights\.json$/.test(n));
    throw new Error(
      sharded
        ? `${where}: its weights are sharded (${sharded}), which this reader does not read; save without max_shard_size`
        : `${where}: the zip has no ${KERAS_ARCHIVE_ENTRIES.weights} (entries: ${listed})`,
    );
  }
  const weights = await readWeightsH5(h5, `${where}: ${KERAS_ARCHIVE_ENTRIES.weights}`);
  return {fileName: fileName ?? '', config, metadata: metadata as KerasArchiveMetadata, weights};
}

function parseJSON(bytes: Uint8Array | undefined, entry: string, where: string): unknown {
  if (!bytes) return undefined;
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${where}: ${entry} is not valid JSON (${message(e)}); it starts with ${JSON.stringify(text.slice(0, 60))}`,
    );
  }
}

/**
 * Keras 3 writes no format number: its version is the format's. A later major version may lay
 * the archive out differently, and Keras 2's .keras files (2.13-2.15) differ in their configs.
 */
function checkVersion(metadata: KerasArchiveMetadata, where: string): void {
  const version = metadata.keras_version;
  if (version === undefined) return;
  const major = typeof version === 'string' ? Number(/^(\d+)\./.exec(version)?.[1]) : Number.NaN;
  if (!Number.isInteger(major))
    throw new Error(
      `${where}: metadata.json's keras_version must be a version like "3.15.1", got ${JSON.stringify(version)}`,
    );
  if (major > KERAS_ARCHIVE_MAJOR)
    throw new Error(
      `${where}: written by Keras ${version}, a newer format than this reader's (Keras ${KERAS_ARCHIVE_MAJOR}.x archives)`,
    );
  if (major < KERAS_ARCHIVE_MAJOR)
    throw new Error(
      `${where}: written by Keras ${version}; this reader reads Keras ${KERAS_ARCHIVE_MAJOR}.x archives (load and save it again with Keras 3)`,
    );
}

// ---------------------------------------------------------------- HDF5

// The parts of h5wasm used here (its types describe FS loosely).
interface H5Entity {
  readonly path: string;
}
interface H5Group extends H5Entity {
  keys(): string[];
  get(name: string): H5Entity | null;
  attrs: Record<string, unknown>;
  get_attribute(name: string, jsonCompatible: true): unknown;
}
interface H5Dataset extends H5Entity {
  readonly shape: number[] | null;
  readonly metadata: {type: number; size: number; signed: boolean; littleEndian: boolean};
  readonly value: unknown;
}
interface H5File extends H5Group {
  file_id: bigint;
  flush(): void;
  close(): number;
}
interface H5WritableGroup {
  create_group(name: string): H5WritableGroup;
  create_attribute(name: string, data: string): void;
  create_dataset(args: {name: string; data: Float32Array | Int32Array; shape: number[]; dtype: string}): unknown;
}
interface TTYOps {
  put_char(tty: unknown, c: number | null): void;
  fsync(tty: unknown): void;
}
interface H5FS {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  analyzePath?(path: string): {exists: boolean};
  unlink(path: string): void;
  getStream?(fd: number): {tty?: {ops: TTYOps}} | null;
}
interface H5Lib {
  File: new (name: string, mode: 'r' | 'w') => H5File;
  Group: abstract new (...args: never[]) => H5Group;
  Dataset: abstract new (...args: never[]) => H5Dataset;
  FS: H5FS;
}

let h5lib: Promise<H5Lib> | null = null;

/**
 * h5wasm, loaded on first use: its module carries HDF5's WebAssembly inline (about 3 MB, compiled
 * when it loads), which a model that never reads a .keras file should not pay for.
 */
function loadH5wasm(): Promise<H5Lib> {
  h5lib ??= import('h5wasm')
    .then(async m => {
      const lib = m.default;
      const module = await lib.ready;
      return {File: lib.File, Group: lib.Group, Dataset: lib.Dataset, FS: module.FS as unknown as H5FS} as H5Lib;
    })
    .catch(e => {
      h5lib = null;
      throw new Error(`.keras archives need the h5wasm package, which failed to load: ${message(e)}`);
    });
  return h5lib;
}

/**
 * Runs `fn` with what HDF5 prints to stderr collected rather than printed: its error stacks
 * ("HDF5-DIAG: ...") go to emscripten's stderr device, whose output handler is h5wasm's own.
 */
function withStderrCaptured<T>(FS: H5FS, fn: (diagnostic: () => string) => T): T {
  const tty = FS.getStream?.(2)?.tty;
  const lines: string[] = [];
  let line: number[] = [];
  const previous = tty?.ops;
  if (tty)
    tty.ops = {
      put_char(_tty, c) {
        if (c === null || c === 10) {
          lines.push(String.fromCharCode(...line));
          line = [];
        } else if (c !== 0) line.push(c);
      },
      fsync() {},
    };
  // The innermost error of HDF5's first stack says what is wrong, e.g. "truncated file: eof = 3000, ...".
  const diagnostic = () => {
    const end = lines.findIndex((l, i) => i > 0 && l.startsWith('HDF5-DIAG'));
    const reasons = (end > 0 ? lines.slice(0, end) : lines).flatMap(
      l => /^\s*#\d+: .* in [\w.]+\(\): (.*)$/.exec(l)?.[1] ?? [],
    );
    return reasons.at(-1) ?? '';
  };
  try {
    return fn(diagnostic);
  } finally {
    if (tty && previous) tty.ops = previous;
  }
}

let fileCounter = 0;

/** Every `vars` group of an HDF5 weights file, by the path of the object that saved it. */
async function readWeightsH5(bytes: Uint8Array, where: string): Promise<Map<string, KerasVarsGroup>> {
  const lib = await loadH5wasm();
  // HDF5 reads from a file: h5wasm's in-memory file system holds a copy while it is open.
  const path = `/keras_archive_${++fileCounter}.h5`;
  lib.FS.writeFile(path, bytes);
  try {
    return withStderrCaptured(lib.FS, diagnostic => {
      // The HDF5 signature first: without it HDF5 only says it cannot open the file.
      const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
      if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b))
        throw new Error(`${where}: not an HDF5 file (no HDF5 signature at its start; ${bytes.length} bytes)`);
      const file = new lib.File(path, 'r');
      if (!(file.file_id >= 0n)) {
        const why = diagnostic();
        throw new Error(
          `${where}: HDF5 cannot open it, truncated or corrupt (${why || 'no reason given'}; ${bytes.length} bytes)`,
        );
      }
      try {
        const groups = new Map<string, KerasVarsGroup>();
        collectVars(lib, file, '', groups, where, diagnostic);
        return groups;
      } finally {
        file.close();
      }
    });
  } finally {
    lib.FS.unlink(path);
  }
}

function collectVars(
  lib: H5Lib,
  group: H5Group,
  prefix: string,
  out: Map<string, KerasVarsGroup>,
  where: string,
  diagnostic: () => string,
): void {
  let keys: string[];
  try {
    keys = group.keys();
  } catch (e) {
    throw new Error(`${where}: cannot list group '${prefix || '/'}', corrupt (${diagnostic() || message(e)})`);
  }
  for (const key of keys) {
    const path = prefix ? `${prefix}/${key}` : key;
    const entity = group.get(key);
    if (!(entity instanceof lib.Group)) {
      if (entity === null)
        throw new Error(`${where}: cannot open '${path}', corrupt (${diagnostic() || 'no reason given'})`);
      continue; // a dataset outside a vars group is no variable (none is written there)
    }
    if (key !== 'vars') {
      collectVars(lib, entity, path, out, where, diagnostic);
      continue;
    }
    const indices = entity.keys();
    const vars = indices
      .map(Number)
      .sort((a, b) => a - b)
      .map((index, i) => {
        if (index !== i)
          throw new Error(`${where}: '${path}' must hold datasets 0..${indices.length - 1}, got ${indices.join(', ')}`);
        return readVariable(lib, entity.get(String(i)), `${path}/${i}`, where, diagnostic);
      });
    let name: string | null = null;
    if ('name' in entity.attrs) {
      const attr = entity.get_attribute('name', true);
      name = typeof attr === 'string' ? attr : null;
    }
    out.set(prefix, {path: prefix, name, vars});
  }
}

function readVariable(
  lib: H5Lib,
  entity: H5Entity | null,
  path: string,
  where: string,
  diagnostic: () => string,
): KerasVariable {
  if (!(entity instanceof lib.Dataset))
    throw new Error(`${where}: '${path}' is not a dataset (${diagnostic() || 'corrupt or not a Keras weights file'})`);
  const shape = entity.shape;
  if (shape === null) throw new Error(`${where}: '${path}' has no shape (an empty dataspace)`);
  const {type, size, signed} = entity.metadata;
  let raw: unknown;
  try {
    raw = entity.value;
  } catch (e) {
    throw new Error(`${where}: cannot read '${path}', truncated or corrupt (${diagnostic() || message(e)})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  // h5wasm gives a scalar dataset as a number (or a bigint).
  const list = typeof raw === 'number' || typeof raw === 'bigint' ? [raw] : raw;
  let values: Float32Array | Int32Array;
  let dtype: KerasVariable['dtype'];
  // HDF5 type classes: 0 integer, 1 float.
  if (type === 1 && (size === 4 || size === 8) && isArrayLike(list)) {
    values = list instanceof Float32Array ? list : Float32Array.from(list as ArrayLike<number>);
    dtype = 'float32';
  } else if (type === 0 && size <= 8 && isArrayLike(list)) {
    values = Int32Array.from(list as ArrayLike<number | bigint>, v => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31)
        throw new Error(`${where}: '${path}' holds ${String(v)}, outside int32`);
      return n;
    });
    dtype = 'int32';
  } else {
    const kind =
      type === 1 ? `float${size * 8}` : type === 0 ? `${signed ? '' : 'u'}int${size * 8}` : `HDF5 type class ${type}`;
    throw new Error(
      `${where}: '${path}' is ${kind}, which has no tfjs dtype here (float32/float64 and integers are read)`,
    );
  }
  if (values.length !== count)
    throw new Error(
      `${where}: '${path}' has ${values.length} values for shape ${fmtShape(shape)} (${count}), truncated or corrupt`,
    );
  return {path, shape: [...shape], dtype, values};
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

// ---------------------------------------------------------------- weights onto a model

/** Keras' naming.to_snake_case: 'MaxPooling2D' -> 'max_pooling2d', 'MultiHeadAttention' -> 'multi_head_attention'. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Keras' _get_unique_name: the first 'dense', then 'dense_1', 'dense_2', ... */
function uniqueName(name: string, used: Map<string, number>): string {
  const n = used.get(name);
  if (n === undefined) {
    used.set(name, 0);
    return name;
  }
  used.set(name, n + 1);
  return `${name}_${n + 1}`;
}

/** A layer's own variables in Keras' order: the trainable ones, then the others, each in creation order. */
function ownOrder(layer: Layer): tf.Variable[] {
  const all = layer.weights;
  return [...all.filter(v => v.trainable), ...all.filter(v => !v.trainable)];
}

/** Where one layer (or sublayer) of ours finds its variables in the weights file. */
interface Slot {
  path: string;
  layer: Layer;
  variables: tf.Variable[];
}

/**
 * The vars groups a layer's weights come from. Our recurrent layers hold their cell's weights
 * themselves; Keras keeps them in a `cell` sublayer, and Bidirectional's two directions in
 * forward_layer / backward_layer. MultiHeadAttention's four projections are Keras' EinsumDense
 * sublayers query_dense, key_dense, value_dense, output_dense.
 */
function slotsOf(layer: Layer, path: string): Slot[] {
  if (layer instanceof Bidirectional)
    return [
      {path: `${path}/forward_layer/cell`, layer: layer.forwardLayer, variables: ownOrder(layer.forwardLayer)},
      {path: `${path}/backward_layer/cell`, layer: layer.backwardLayer, variables: ownOrder(layer.backwardLayer)},
    ];
  if (layer instanceof RNN) return [{path: `${path}/cell`, layer, variables: ownOrder(layer)}];
  if (layer instanceof MultiHeadAttention) {
    const parts = {
      query_dense: layer.queryDense,
      key_dense: layer.keyDense,
      value_dense: layer.valueDense,
      output_dense: layer.outputDense,
    };
    return Object.entries(parts).map(([name, sub]) => {
      if (!sub) throw new Error(`layer '${layer.name}' (MultiHeadAttention) is not built`);
      return {path: `${path}/${name}`, layer: sub, variables: ownOrder(sub)};
    });
  }
  return customSlots(layer, path) ?? [{path, layer, variables: ownOrder(layer)}];
}

/** 'ffn1' -> 'ffn1', 'layerNorm' -> 'layer_norm': a JavaScript field as the Python attribute of a port. */
function attributeName(field: string): string {
  return field.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
}

/**
 * A custom layer built from sublayers held in its fields: its own variables at `path`, each
 * sublayer under the attribute Keras saved it by, taken as the field's name in snake_case (Python's
 * `self.layer_norm` for `this.layerNorm`). Null for a layer without sublayer fields.
 */
function customSlots(layer: Layer, path: string): Slot[] | null {
  const fields = Object.entries(layer)
    .filter((entry): entry is [string, Layer] => entry[1] instanceof Layer)
    .sort(([a], [b]) => attributeOrder(attributeName(a), attributeName(b)));
  if (!fields.length) return null;
  const inSublayers = new Set(fields.flatMap(([, sub]) => sub.weights));
  return [
    {path, layer, variables: ownOrder(layer).filter(v => !inSublayers.has(v))},
    ...fields.flatMap(([field, sub]) => slotsOf(sub, `${path}/${attributeName(field)}`)),
  ];
}

/** Keras' _name_key: public attributes first, private ones ('_softmax') last, each by name. */
function attributeOrder(a: string, b: string): number {
  const key = (s: string) => (s.startsWith('_') ? `~${s}` : s);
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/**
 * The variables saved under `path` in the order Keras saves them: the object's own, then each
 * child's (by attribute name, public first), depth first. For a custom layer with sublayers.
 */
function savedUnder(weights: Map<string, KerasVarsGroup>, path: string): KerasVariable[] {
  const children = new Set<string>();
  for (const key of weights.keys())
    if (key.startsWith(`${path}/`)) children.add(key.slice(path.length + 1).split('/')[0]!);
  return [
    ...(weights.get(path)?.vars ?? []),
    ...[...children].sort(attributeOrder).flatMap(child => savedUnder(weights, `${path}/${child}`)),
  ];
}

/** Keras 3 records keras.ops calls as nodes of the op's class; Keras 2 and our K calls as TFOpLambda. */
function isOpNode(entry: KerasLayerJSON): boolean {
  return (
    entry.class_name === 'TFOpLambda' || (typeof entry.module === 'string' && entry.module.startsWith('keras.src.ops.'))
  );
}

/** A nested model (by shape: model.ts imports this module, so no instanceof Model here). */
function isModel(layer: Layer): layer is Model {
  return Array.isArray((layer as Partial<Model>).layers) && typeof (layer as Partial<Model>).getLayer === 'function';
}

/** One layer of a model (nested models' layers included) and where Keras saves its weights. */
interface LayerPlace {
  /** e.g. 'layers/dense_1', 'layers/sequential/layers/dense'. */
  path: string;
  layer: Layer;
  /** "layer 'dense_1' (Dense)", for errors. */
  describe: string;
  /** Whether the layer's sublayer layout is one slotsOf knows (recurrent, Bidirectional, MultiHeadAttention). */
  known: boolean;
  slots: Slot[];
  /** A custom layer's weights as one list, for an archive whose sublayer paths are not its fields' names. */
  whole?: Slot;
}

/**
 * Keras' saving walk over a model, from its config: every layer of model.layers (a Sequential's
 * InputLayer and op nodes are not among them) at `layers/<snake_cased class>[_<n>]`, nested
 * models' layers under their own path, with the groups its weights go to.
 */
function layerPlaces(
  model: Model,
  json: KerasModelJSON,
  prefix: string,
  where: string,
  seen = new Set<Layer>(),
): LayerPlace[] {
  const places: LayerPlace[] = [];
  const used = new Map<string, number>();
  const sequential = json.class_name === 'Sequential';
  const entries = (json.config?.layers ?? []) as KerasLayerJSON[];
  for (const entry of entries) {
    // Keras' Sequential.layers leaves its InputLayer out; a functional model's keeps it.
    if (sequential && entry.class_name === 'InputLayer') continue;
    // Op nodes (keras.ops calls, our K calls) are no layers of model.layers and hold no weights.
    if (isOpNode(entry)) {
      const op = model.getLayer(String(entry.name));
      if (op.weights.length)
        throw new Error(
          `${where}: op node '${entry.name}' (${entry.class_name}) holds weights, which no .keras op node has`,
        );
      continue;
    }
    const layerName = String((entry.config as {name?: unknown})?.name ?? entry.name);
    const path = `${prefix}layers/${uniqueName(kerasSnakeCase(entry.class_name), used)}`;
    const layer = model.getLayer(layerName);
    // A layer used in a nested model and outside it is saved once, where Keras' walk meets it
    // first (its name in the numbering is used up all the same).
    if (seen.has(layer)) continue;
    seen.add(layer);
    const describe = `layer '${layer.name}' (${entry.class_name})`;
    if (isModel(layer) && entry.config && Array.isArray((entry.config as {layers?: unknown}).layers)) {
      places.push({path, layer, describe, known: true, slots: []});
      places.push(...layerPlaces(layer, entry as unknown as KerasModelJSON, `${path}/`, where, seen));
      continue;
    }
    const slots = slotsOf(layer, path);
    const custom = slots.length > 1 && !(layer instanceof Bidirectional || layer instanceof MultiHeadAttention);
    places.push({
      path,
      layer,
      describe,
      known: slots.length > 1 || slots[0]!.path !== path,
      slots,
      ...(custom ? {whole: {path, layer, variables: ownOrder(layer)}} : {}),
    });
  }
  return places;
}

interface Assignment {
  variable: tf.Variable;
  source: KerasVariable;
}

/**
 * Pairs every variable of `model` with its dataset in the archive, checking counts and shapes.
 * Nothing is assigned here, so a mismatch leaves the model as it was.
 */
function planAssignments(model: Model, archive: KerasArchive, where: string): Assignment[] {
  const plan: Assignment[] = [];
  const places = layerPlaces(model, archive.config, '', where);
  const nestedModels = new Set(places.filter(p => isModel(p.layer)).map(p => p.path));
  const claimed = new Set<string>();
  for (const place of places) {
    const {path, layer, describe} = place;
    // A custom layer's sublayers where its fields' names say, else (a port that named them
    // otherwise) all its weights against everything saved under it, in Keras' saving order.
    const byOrder = place.whole && place.slots.some(s => s.path !== path && !archive.weights.has(s.path));
    const known = byOrder ? false : place.known;
    const slots = byOrder ? [place.whole!] : place.slots;
    const saved = archive.weights.get(path);
    if (saved?.name != null && saved.name !== layer.name)
      throw new Error(
        `${where}: the weights at '${path}' are layer '${saved.name}''s, but config.json's layer order puts ${describe} there`,
      );
    claimed.add(path);
    if (isModel(layer)) continue;
    for (const slot of slots) {
      // A custom layer with sublayers: everything under its path, in Keras' saving order.
      const sources = known ? (archive.weights.get(slot.path)?.vars ?? []) : savedUnder(archive.weights, slot.path);
      const nested = [...archive.weights.keys()].some(k => k.startsWith(`${slot.path}/`));
      const place = known || !nested ? `'${slot.path}/vars'` : `'${slot.path}' and its sublayers`;
      if (sources.length !== slot.variables.length) {
        const who = slot.layer === layer ? describe : `${describe} sublayer '${slot.layer.name}'`;
        const ours = slot.variables.map(v => `${v.name} ${fmtShape(v.shape)}`).join(', ');
        const theirs = sources.map(s => fmtShape(s.shape)).join(', ');
        throw new Error(
          `${where}: ${who} has ${slot.variables.length} weight(s) (${ours || 'none'}), the archive ${sources.length} at ${place} (${theirs || 'none'})`,
        );
      }
      slot.variables.forEach((variable, i) => {
        const source = sources[i]!;
        if (source.shape.length !== variable.shape.length || source.shape.some((d, j) => d !== variable.shape[j]))
          throw new Error(
            `${where}: ${describe} weight '${variable.name}': expected shape ${fmtShape(variable.shape)}, the archive's '${source.path}' has ${fmtShape(source.shape)}`,
          );
        if ((source.dtype === 'int32') !== (variable.dtype === 'int32'))
          throw new Error(
            `${where}: ${describe} weight '${variable.name}' is ${variable.dtype}, the archive's '${source.path}' is ${source.dtype}`,
          );
        plan.push({variable, source});
      });
    }
    // What a known layout leaves over must be empty (MultiHeadAttention's _softmax, a cell's wrapper).
    const slotPaths = new Set(slots.map(s => s.path));
    for (const [key, group] of archive.weights) {
      if (!key.startsWith(`${path}/`)) continue;
      if (known && !slotPaths.has(key) && group.vars.length)
        throw new Error(
          `${where}: ${describe} has no place for the ${group.vars.length} variables at '${key}/vars' (${group.vars.map(v => fmtShape(v.shape)).join(', ')})`,
        );
      claimed.add(key);
    }
  }
  // Weights the config has no layer for mean the two parts of the archive disagree.
  for (const [key, group] of archive.weights) {
    const under = [...nestedModels].some(m => key.startsWith(`${m}/`));
    if ((key.startsWith('layers/') || under) && !claimed.has(key) && group.vars.length)
      throw new Error(
        `${where}: the weights file has ${group.vars.length} variables at '${key}/vars'${group.name ? ` (layer '${group.name}')` : ''}, which no layer of config.json maps to`,
      );
  }
  return plan;
}

/**
 * Assigns the archive's weights to a model built from its config (by deserializeModel). Every
 * count and shape is checked before the first assignment, so a mismatch throws, naming the file,
 * the layer and both shapes, and changes nothing.
 */
export function assignKerasWeights(model: Model, archive: KerasArchive): void {
  const where = describeFile(archive.fileName || undefined);
  const plan = planAssignments(model, archive, where);
  for (const {variable, source} of plan)
    tf.tidy(() => variable.assign(tf.tensor(source.values, source.shape, variable.dtype)));
}

/**
 * A Model from a Keras 3 `.keras` archive: the config through deserializeModel (custom layers
 * from the registry or `customObjects`), then every weight. A failure throws, naming the file and
 * what is wrong, and leaves no variable behind. Optimizer state in the archive is not restored.
 */
export async function loadKerasArchive(
  bytes: Uint8Array | ArrayBuffer,
  opts: LoadKerasArchiveOptions = {},
): Promise<Model> {
  const archive = await readKerasArchive(bytes, opts.fileName);
  const where = describeFile(opts.fileName);
  let model: Model;
  try {
    model = deserializeModel(archive.config, {customObjects: opts.customObjects});
  } catch (e) {
    throw new Error(`${where}: config.json: ${message(e)}`, {cause: e});
  }
  try {
    assignKerasWeights(model, archive);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

// ---------------------------------------------------------------- writing

/** The Keras version whose archive layout writeKerasArchive follows (metadata.json's keras_version). */
export const KERAS_FORMAT_VERSION = '3.15.1';

export interface WriteKerasArchiveOptions {
  /** Custom layer classes and functions that count as known for this save (besides the registry). */
  customObjects?: CustomObjects;
}

const NUMPY_OPS = 'keras.src.ops.numpy';
const NN_OPS = 'keras.src.ops.nn';
/**
 * K functions that are Keras 3 ops, for the config Keras reads (the inverse of serialize.ts'
 * KERAS3_OPS, which reads them): serializeModel records a K call as TFOpLambda, which Keras 3
 * has no class for. `config`: the K call's trailing arguments that Keras 3 keeps in the op's config.
 */
const KERAS3_OP_OF: Record<string, {className: string; module: string; config?: string[]}> = {
  add: {className: 'Add', module: NUMPY_OPS},
  sub: {className: 'Subtract', module: NUMPY_OPS},
  mul: {className: 'Multiply', module: NUMPY_OPS},
  div: {className: 'Divide', module: NUMPY_OPS},
  maximum: {className: 'Maximum', module: NUMPY_OPS},
  minimum: {className: 'Minimum', module: NUMPY_OPS},
  equal: {className: 'Equal', module: NUMPY_OPS},
  notEqual: {className: 'NotEqual', module: NUMPY_OPS},
  abs: {className: 'Absolute', module: NUMPY_OPS},
  neg: {className: 'Negative', module: NUMPY_OPS},
  square: {className: 'Square', module: NUMPY_OPS},
  sqrt: {className: 'Sqrt', module: NUMPY_OPS},
  exp: {className: 'Exp', module: NUMPY_OPS},
  log: {className: 'Log', module: NUMPY_OPS},
  tanh: {className: 'Tanh', module: NUMPY_OPS},
  sigmoid: {className: 'Sigmoid', module: NN_OPS},
  relu: {className: 'Relu', module: NN_OPS},
  softplus: {className: 'Softplus', module: NN_OPS},
  sum: {className: 'Sum', module: NUMPY_OPS, config: ['axis', 'keepdims']},
  mean: {className: 'Mean', module: NUMPY_OPS, config: ['axis', 'keepdims']},
  max: {className: 'Max', module: NUMPY_OPS, config: ['axis', 'keepdims']},
  min: {className: 'Min', module: NUMPY_OPS, config: ['axis', 'keepdims']},
};

/**
 * serializeModel's config in the forms Keras 3 itself reads back: K calls that are Keras 3 ops
 * become op nodes, and MultiHeadAttention's build_config names its shapes (Keras builds it with
 * build(query_shape, value_shape), not one input_shape). Other TFOpLambda nodes stay: Keras
 * cannot read them, this reader can.
 */
function keras3Config(json: KerasModelJSON): KerasModelJSON {
  const copy = structuredClone(json);
  const visit = (model: KerasModelJSON) => {
    const layers = (model.config?.layers ?? []) as KerasLayerJSON[];
    model.config.layers = layers.map(entry => {
      if (Array.isArray((entry.config as {layers?: unknown})?.layers)) visit(entry as unknown as KerasModelJSON);
      const config = (entry.config ?? {}) as Record<string, unknown>;
      if (entry.class_name === 'MultiHeadAttention' && Array.isArray(entry.build_config?.input_shape)) {
        const [query, value, key] = entry.build_config.input_shape as unknown[];
        const shapes: Record<string, unknown> = {query_shape: query, value_shape: value};
        if (key !== undefined) shapes.key_shape = key;
        return {...entry, build_config: {shapes_dict: shapes}};
      }
      const op = entry.class_name === 'TFOpLambda' ? KERAS3_OP_OF[String(config.function)] : undefined;
      if (!op) return entry;
      const tail = op.config?.length ?? 0;
      const simple = (v: unknown) => v === null || ['number', 'boolean'].includes(typeof v) || Array.isArray(v);
      const nodes = entry.inbound_nodes.map(node => {
        const args = node.args.slice(0, node.args.length - tail);
        const extra = Object.fromEntries((op.config ?? []).map((k, i) => [k, node.args[args.length + i] ?? null]));
        const plain = args.every(a => simple(a) || (a as {class_name?: string})?.class_name === '__keras_tensor__');
        return plain && Object.keys(node.kwargs ?? {}).length === 0 && Object.values(extra).every(simple)
          ? {node: {args, kwargs: {}}, extra}
          : null;
      });
      // One op node holds one config: every call must agree on it.
      const extras = nodes.map(n => JSON.stringify(n?.extra));
      if (nodes.some(n => n === null) || new Set(extras).size > 1) return entry;
      return {
        module: op.module,
        class_name: op.className,
        config: {name: entry.name, ...nodes[0]?.extra},
        registered_name: op.className,
        name: entry.name,
        inbound_nodes: nodes.map(n => n!.node),
      };
    });
  };
  visit(copy);
  return copy;
}

/**
 * The model as a Keras 3 `.keras` archive: config.json from serializeModel (so an unregistered
 * custom class fails here, naming it), metadata.json, and model.weights.h5 in Keras' layout, which
 * readKerasArchive and Keras' own keras.saving.load_model read. Optimizer state is not written.
 */
export async function writeKerasArchive(model: Model, opts: WriteKerasArchiveOptions = {}): Promise<Uint8Array> {
  const config = keras3Config(serializeModel(model, {customObjects: opts.customObjects}));
  const places = layerPlaces(model, config, '', `writeKerasArchive: model '${model.name}'`);
  // Read every value first: a disposed weight fails here, before any file exists.
  const groups: {
    path: string;
    name: string;
    variables: {shape: number[]; dtype: string; values: Float32Array | Int32Array}[];
  }[] = [{path: '', name: model.name, variables: []}];
  const read = (variables: tf.Variable[]) =>
    variables.map(v => ({
      shape: v.shape,
      dtype: v.dtype === 'int32' ? '<i' : '<f',
      values: v.dtype === 'int32' ? Int32Array.from(v.dataSync()) : Float32Array.from(v.dataSync()),
    }));
  for (const place of places) {
    const own = place.slots.find(s => s.path === place.path);
    groups.push({path: place.path, name: place.layer.name, variables: own ? read(own.variables) : []});
    for (const slot of place.slots)
      if (slot.path !== place.path)
        groups.push({path: slot.path, name: slot.layer.name, variables: read(slot.variables)});
  }
  const lib = await loadH5wasm();
  const path = `/keras_archive_${++fileCounter}.h5`;
  let h5: Uint8Array;
  try {
    h5 = withStderrCaptured(lib.FS, diagnostic => {
      const file = new lib.File(path, 'w');
      if (!(file.file_id >= 0n)) throw new Error(`writeKerasArchive: HDF5 cannot create a file (${diagnostic()})`);
      const root = file as unknown as H5WritableGroup;
      const made = new Map<string, H5WritableGroup>([['', root]]);
      const groupAt = (p: string): H5WritableGroup => {
        let g = made.get(p);
        if (!g) {
          const cut = p.lastIndexOf('/');
          g = groupAt(cut < 0 ? '' : p.slice(0, cut)).create_group(p.slice(cut + 1));
          made.set(p, g);
        }
        return g;
      };
      try {
        for (const group of groups) {
          const vars = groupAt(group.path ? `${group.path}/vars` : 'vars');
          vars.create_attribute('name', group.name);
          group.variables.forEach((v, i) => {
            vars.create_dataset({name: String(i), data: v.values, shape: v.shape, dtype: v.dtype});
          });
        }
        file.flush();
      } finally {
        file.close();
      }
      return lib.FS.readFile(path);
    });
  } finally {
    // Absent when HDF5 could not create it.
    if (lib.FS.analyzePath?.(path).exists !== false) lib.FS.unlink(path);
  }
  const now = new Date().toISOString();
  const metadata = {keras_version: KERAS_FORMAT_VERSION, date_saved: `${now.slice(0, 10)}@${now.slice(11, 19)}`};
  return zipSync({
    [KERAS_ARCHIVE_ENTRIES.metadata]: strToU8(JSON.stringify(metadata)),
    [KERAS_ARCHIVE_ENTRIES.config]: strToU8(JSON.stringify(config)),
    [KERAS_ARCHIVE_ENTRIES.weights]: h5,
  });
}
