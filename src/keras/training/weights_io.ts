// saveWeights / loadWeights for a model, on tfjs-core's `io`.
//
// Where weights go (saveWeights(target) / loadWeights(source)):
// - a tf.io.IOHandler: used as it is (tf.io.withSaveHandler, tf.io.fromMemory, ...);
// - a URL string with a scheme tfjs-core routes ('indexeddb://', 'localstorage://', 'http(s)://'
//   in the browser): tf.io.getSaveHandlers / getLoadHandlers;
// - in Node, 'file://path' or a plain path: saving/file_handler.ts (tfjs-core alone has none; that
//   is tfjs-node's). A path ending in '.json' names the model.json, anything else a directory
//   that gets model.json + weights.bin — the same files tfjs-node's file:// handler writes.
//
// Weights are saved under stable names ('dense_1/kernel', 'my_dense/w') when the model provides
// them; loading matches by name when every saved name is found, else by order (Keras' own rule
// for weights-only files), checking every shape.
import * as tf from '@tensorflow/tfjs-core';
import {formatShape} from '../../format_shape.js';
import {fileSystem, isFilePath, isNode} from '../saving/file_handler.js';

/** What weights I/O needs of a model. */
export interface WeightsOwner {
  readonly name?: string;
  /** All weights, trainable first (Keras' `model.weights` order). */
  readonly weights: tf.Variable[];
  /** Stable, unique names for `weights`, same order. */
  weightNames?(): string[];
  /** Assigns values to `weights` in order, checking count and shapes (Layer.setWeights). */
  setWeights(values: tf.Tensor[]): void;
}

function namesOf(model: WeightsOwner): string[] {
  const names = model.weightNames?.() ?? model.weights.map((_, i) => `weight_${i}`);
  if (names.length !== model.weights.length || new Set(names).size !== names.length) {
    // Not unique: fall back to positions, which are at least stable for one architecture.
    return model.weights.map((_, i) => `weight_${i}`);
  }
  return names;
}

/**
 * Stable names for a model's weights, Keras style: '<layer>/<field>' for a variable a layer holds
 * in a field (the seed's MyDense: 'my_dense/w', 'my_dense/b', 'my_dense/a'), the variable's own
 * name when it has one ('dense/kernel' from addWeight), else '<layer>/weight_<i>'.
 */
export function layerWeightNames(
  weights: tf.Variable[],
  layers: readonly {name: string; weights: tf.Variable[]}[],
): string[] {
  const names = new Map<tf.Variable, string>();
  for (const layer of layers) {
    const fieldOf = new Map<tf.Variable, string>();
    for (const [key, value] of Object.entries(layer)) if (value instanceof tf.Variable) fieldOf.set(value, key);
    layer.weights.forEach((v, i) => {
      if (names.has(v)) return; // a shared weight keeps its first owner's name
      const auto = /^\d+$/.test(v.name);
      names.set(v, !auto ? v.name : fieldOf.has(v) ? `${layer.name}/${fieldOf.get(v)}` : `${layer.name}/weight_${i}`);
    });
  }
  return weights.map((v, i) => names.get(v) ?? (/^\d+$/.test(v.name) ? `weight_${i}` : v.name));
}

const WEIGHTS_FORMAT = 'tfjs-backend-as-weights';

/** Saves every weight (name, shape, dtype, values) through a handler or to a path/URL. */
export async function saveWeights(model: WeightsOwner, target: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
  const handler = await saveHandlerFor(target);
  const names = namesOf(model);
  const {data, specs} = await tf.io.encodeWeights(model.weights.map((w, i) => ({name: names[i]!, tensor: w})));
  return handler.save!({
    // Browser handlers (localstorage, indexeddb, http) store a topology beside the weights;
    // ours records what the weights belong to.
    modelTopology: {format: WEIGHTS_FORMAT, model: model.name ?? null, weights: names},
    format: WEIGHTS_FORMAT,
    generatedBy: 'tfjs-backend-as',
    weightSpecs: specs,
    weightData: data,
  });
}

/** Loads weights saved by saveWeights (or any tfjs weights manifest) into the model. */
export async function loadWeights(model: WeightsOwner, source: string | tf.io.IOHandler): Promise<void> {
  const handler = await loadHandlerFor(source);
  const artifacts = await handler.load!();
  const where = typeof source === 'string' ? `'${source}'` : 'the handler';
  const fn = 'loadWeights';
  const {specs, data} = checkWeightData(artifacts, fn, where);
  const names = namesOf(model);
  const ordered = matchWeights(specs, model.weights, names, fn, where);
  const decoded = tf.io.decodeWeights(data, specs);
  try {
    model.setWeights(ordered.map(s => decoded[s.name]!));
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

/**
 * Checks loaded artifacts' weights against their manifest before a byte is decoded: tfjs'
 * decodeWeights makes each tensor as it goes, so a truncated file used to leak the tensors before
 * the cut, and a float32 weight marked int32 decoded silently as garbage. Errors start with
 * `${fn}: ${where}` (the file or URL).
 */
export function checkWeightData(
  artifacts: tf.io.ModelArtifacts,
  fn: string,
  where: string,
): {specs: tf.io.WeightsManifestEntry[]; data: tf.io.WeightData} {
  if (!Array.isArray(artifacts.weightSpecs) || artifacts.weightData == null)
    throw new Error(`${fn}: ${where} holds no weights`);
  const specs = artifacts.weightSpecs;
  const bytes = specs.map((spec, i) => manifestEntryBytes(spec, i, fn, where));
  const expected = bytes.reduce((a, b) => a + b, 0);
  const data = artifacts.weightData;
  const actual = Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  if (actual !== expected) {
    throw new Error(
      `${fn}: ${where} has ${actual} bytes of weight data, but its manifest describes ${expected} ` +
        `(${specs.map(s => `${s.name} ${formatShape(s.shape)} ${s.quantization?.dtype ?? s.dtype}`).join(', ')}): ` +
        `${actual < expected ? 'the weights file is truncated' : 'the weights file does not match its manifest'}`,
    );
  }
  return {specs, data};
}

/**
 * The manifest entries for `weights`, in their order: by name when every name is found, else by
 * order (Keras' own rule for weights-only files); every shape and dtype checked.
 */
export function matchWeights(
  specs: tf.io.WeightsManifestEntry[],
  weights: readonly tf.Tensor[],
  names: string[],
  fn: string,
  where: string,
): tf.io.WeightsManifestEntry[] {
  const specByName = new Map(specs.map(s => [s.name, s]));
  const byName =
    specByName.size === specs.length && specs.length === names.length && names.every(n => specByName.has(n));
  const ordered = byName ? names.map(n => specByName.get(n)!) : specs;
  if (ordered.length !== weights.length) {
    throw new Error(
      `${fn}: ${where} holds ${ordered.length} weights (${specs.map(s => s.name).join(', ')}), ` +
        `the model has ${weights.length} (${names.join(', ')})`,
    );
  }
  ordered.forEach((spec, i) => {
    const w = weights[i]!;
    if (!tf.util.arraysEqual(spec.shape, w.shape)) {
      throw new Error(
        `${fn}: ${where}: weight '${spec.name}' has shape ${formatShape(spec.shape)}, but the model's ` +
          `'${names[i]}' has ${formatShape(w.shape)}`,
      );
    }
    if (spec.dtype !== w.dtype) {
      throw new Error(
        `${fn}: ${where}: weight '${spec.name}' is ${spec.dtype}, but the model's '${names[i]}' is ${w.dtype}`,
      );
    }
  });
  return ordered;
}

/** Bytes per value of each dtype a model weight can have, and of tfjs' quantized encodings. */
const WEIGHT_DTYPE_BYTES: Record<string, number> = {float32: 4, int32: 4, bool: 1};
const QUANTIZED_DTYPE_BYTES: Record<string, number> = {uint8: 1, uint16: 2, float16: 2};

/** The byte length of one manifest entry's data; throws, naming the entry, when it is malformed. */
function manifestEntryBytes(spec: tf.io.WeightsManifestEntry, i: number, fn: string, where: string): number {
  const label = `${fn}: ${where}: manifest entry ${i}${typeof spec?.name === 'string' ? ` ('${spec.name}')` : ''}`;
  if (spec == null || typeof spec !== 'object' || typeof spec.name !== 'string')
    throw new Error(`${label} has no name`);
  if (!Array.isArray(spec.shape) || spec.shape.some(d => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${label} has shape ${JSON.stringify(spec.shape)}; expected an array of non-negative integers`);
  }
  if (!(spec.dtype in WEIGHT_DTYPE_BYTES)) {
    throw new Error(
      `${label} has dtype ${JSON.stringify(spec.dtype)}; model weights are ${Object.keys(WEIGHT_DTYPE_BYTES).join(', ')}`,
    );
  }
  let perValue = WEIGHT_DTYPE_BYTES[spec.dtype]!;
  if (spec.quantization != null) {
    const q = spec.quantization.dtype;
    if (!(q in QUANTIZED_DTYPE_BYTES)) {
      throw new Error(
        `${label} is quantized as ${JSON.stringify(q)}; tfjs decodes ${Object.keys(QUANTIZED_DTYPE_BYTES).join(', ')}`,
      );
    }
    perValue = QUANTIZED_DTYPE_BYTES[q]!;
  }
  return spec.shape.reduce((a, b) => a * b, 1) * perValue;
}

export function isHandler(x: unknown): x is tf.io.IOHandler {
  return typeof x === 'object' && x !== null && ('save' in x || 'load' in x);
}

/** The handler for a save target: a tf.io handler, a routed URL, or a file path in Node. */
export async function saveHandlerFor(target: string | tf.io.IOHandler, fn = 'saveWeights'): Promise<tf.io.IOHandler> {
  if (isHandler(target)) {
    if (typeof target.save !== 'function') throw new Error(`${fn}: the handler has no save method`);
    return target;
  }
  if (typeof target !== 'string')
    throw new Error(`${fn}: expected a path, a URL or a tf.io.IOHandler, got ${typeof target}`);
  const routed = tf.io.getSaveHandlers(target);
  if (routed.length > 0) return routed[0]!;
  if (isNode() && isFilePath(target)) return fileSystem(target, fn);
  throw new Error(
    `${fn}: no handler for '${target}'. Use a file path or 'file://' in Node, ` +
      `'indexeddb://', 'localstorage://', 'downloads://' or 'http(s)://' in a browser, or pass a tf.io.IOHandler.`,
  );
}

/** The handler for a load source: a tf.io handler, a file path in Node, or a routed URL. */
export async function loadHandlerFor(source: string | tf.io.IOHandler, fn = 'loadWeights'): Promise<tf.io.IOHandler> {
  if (isHandler(source)) {
    if (typeof source.load !== 'function') throw new Error(`${fn}: the handler has no load method`);
    return source;
  }
  if (typeof source !== 'string')
    throw new Error(`${fn}: expected a path, a URL or a tf.io.IOHandler, got ${typeof source}`);
  if (isNode() && isFilePath(source)) return fileSystem(source, fn);
  const routed = tf.io.getLoadHandlers(source);
  if (routed.length > 0) return routed[0]!;
  throw new Error(
    `${fn}: no handler for '${source}'. Use a file path or 'file://' in Node, ` +
      `'indexeddb://', 'localstorage://' or 'http(s)://' in a browser, or pass a tf.io.IOHandler.`,
  );
}
