// Weight initializers for addWeight and the built-in layers, with Keras 2's defaults
// (RandomNormal stddev 0.05, glorot_normal on a truncated normal, fans as Keras computes them).
import * as tf from '@tensorflow/tfjs-core';
import {type DataType, type KerasSpelling, normalizeName} from './common.js';
import {findFunction, registeredFunctionName} from './saving/registry.js';

export type InitializerFn = (shape: number[], dtype: DataType) => tf.Tensor;

export const INITIALIZER_NAMES = [
  'zeros',
  'ones',
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'lecunNormal',
  'lecunUniform',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
  'orthogonal',
] as const;

/** An initializer name: camelCase, snake_case or Keras' class name ('GlorotUniform'). */
export type InitializerName = KerasSpelling<(typeof INITIALIZER_NAMES)[number]>;

/** Keras' serialized form, as getConfig() gives it: `{className: 'RandomNormal', config: {stddev: 0.02, ...}}`. */
export interface InitializerConfig {
  className: string;
  config: Record<string, unknown>;
}

/**
 * A name, Keras' `{className, config}`, a tfjs(-layers) initializer object (`apply(shape,
 * dtype)`), or a function.
 */
export type InitializerIdentifier =
  | InitializerName
  | InitializerConfig
  | InitializerFn
  | {apply(shape: number[], dtype?: DataType): tf.Tensor};

/** Keras' `_compute_fans`: [fanIn, fanOut]; for kernels of rank > 2 the receptive field multiplies. */
export function computeFans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

// Keras' VarianceScaling 'truncated_normal': the stddev of a normal truncated at two standard
// deviations is 0.8796... of the untruncated one, so Keras divides by it.
const TRUNCATED_STDDEV = 0.87962566103423978;

function varianceScaling(
  scale: number,
  mode: 'fanIn' | 'fanAvg' | 'fanOut',
  distribution: 'normal' | 'uniform' | 'untruncatedNormal',
  seed?: number,
): InitializerFn {
  return (shape, dtype) => {
    const [fanIn, fanOut] = computeFans(shape);
    const n = Math.max(1, mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    if (distribution === 'normal') {
      return tf.truncatedNormal(shape, 0, Math.sqrt(scale / n) / TRUNCATED_STDDEV, dtype as 'float32', seed);
    }
    if (distribution === 'untruncatedNormal')
      return tf.randomNormal(shape, 0, Math.sqrt(scale / n), dtype as 'float32', seed);
    const limit = Math.sqrt((3 * scale) / n);
    return tf.randomUniform(shape, -limit, limit, dtype, seed);
  };
}

const BUILT_IN: Record<string, InitializerFn> = {
  zeros: (shape, dtype) => tf.zeros(shape, dtype),
  ones: (shape, dtype) => tf.ones(shape, dtype),
  glorotuniform: varianceScaling(1, 'fanAvg', 'uniform'),
  glorotnormal: varianceScaling(1, 'fanAvg', 'normal'),
  heuniform: varianceScaling(2, 'fanIn', 'uniform'),
  henormal: varianceScaling(2, 'fanIn', 'normal'),
  lecununiform: varianceScaling(1, 'fanIn', 'uniform'),
  lecunnormal: varianceScaling(1, 'fanIn', 'normal'),
  randomnormal: (shape, dtype) => tf.randomNormal(shape, 0, 0.05, dtype as 'float32'),
  randomuniform: (shape, dtype) => tf.randomUniform(shape, -0.05, 0.05, dtype),
  truncatednormal: (shape, dtype) => tf.truncatedNormal(shape, 0, 0.05, dtype as 'float32'),
  orthogonal: (shape, dtype) => orthogonal(shape, dtype),
};

/**
 * Keras' Orthogonal (gain 1), the default of recurrent kernels: the Q of a normal matrix's QR,
 * its columns' signs fixed by R's diagonal, for the shape flattened to [prod(shape[:-1]), last].
 */
function orthogonal(shape: number[], dtype: DataType, gain = 1, seed?: number): tf.Tensor {
  return tf.tidy(() => {
    if (shape.length < 2) return tf.randomNormal(shape, 0, 1, 'float32', seed);
    const cols = shape[shape.length - 1]!;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const a = tf.randomNormal([Math.max(rows, cols), Math.min(rows, cols)], 0, 1, 'float32', seed);
    const [q, r] = tf.linalg.qr(a);
    const signs = tf.sign(tf.sum(tf.mul(r!, tf.eye(r!.shape[0]!, r!.shape[1])), 0));
    let m = tf.mul(q!, signs);
    if (rows < cols) m = tf.transpose(m);
    if (gain !== 1) m = tf.mul(m, gain);
    return tf.cast(tf.reshape(m, shape), dtype);
  });
}

// Keras 3's initializer classes and their default configs, as Keras serializes them.
const KERAS_CLASSES: Record<string, [string, Record<string, unknown>]> = {
  zeros: ['Zeros', {}],
  ones: ['Ones', {}],
  glorotuniform: ['GlorotUniform', {seed: null}],
  glorotnormal: ['GlorotNormal', {seed: null}],
  heuniform: ['HeUniform', {seed: null}],
  henormal: ['HeNormal', {seed: null}],
  lecununiform: ['LecunUniform', {seed: null}],
  lecunnormal: ['LecunNormal', {seed: null}],
  randomnormal: ['RandomNormal', {mean: 0, stddev: 0.05, seed: null}],
  randomuniform: ['RandomUniform', {minval: -0.05, maxval: 0.05, seed: null}],
  truncatednormal: ['TruncatedNormal', {mean: 0, stddev: 0.05, seed: null}],
  orthogonal: ['Orthogonal', {gain: 1, seed: null}],
};

/** The Keras class names an initializer config may have. */
export const INITIALIZER_CLASS_NAMES = new Set([
  ...Object.values(KERAS_CLASSES).map(([c]) => c),
  'Constant',
  'VarianceScaling',
  'Identity',
  'IdentityInitializer',
]);

function num(config: Record<string, unknown>, key: string, fallback: number, where: string): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${where}: '${key}' must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function seedOf(config: Record<string, unknown>, where: string): number | undefined {
  const s = config.seed;
  if (s == null) return undefined;
  if (!Number.isSafeInteger(s)) throw new Error(`${where}: seed must be an integer or null, got ${JSON.stringify(s)}`);
  return s as number;
}

/** An initializer from Keras' `{className, config}` (any Keras 3 built-in, or a registered function). */
function fromKerasConfig(id: InitializerConfig, where: string): InitializerFn {
  const c = (id.config ?? {}) as Record<string, unknown>;
  const w = `${where} (${id.className})`;
  const seed = seedOf(c, w);
  switch (normalizeName(id.className)) {
    case 'zeros':
      return BUILT_IN.zeros!;
    case 'ones':
      return BUILT_IN.ones!;
    case 'constant': {
      const value = num(c, 'value', 0, w);
      return (shape, dtype) => tf.fill(shape, value, dtype);
    }
    case 'randomnormal': {
      const [mean, stddev] = [num(c, 'mean', 0, w), num(c, 'stddev', 0.05, w)];
      return (shape, dtype) => tf.randomNormal(shape, mean, stddev, dtype as 'float32', seed);
    }
    case 'randomuniform': {
      const [lo, hi] = [num(c, 'minval', -0.05, w), num(c, 'maxval', 0.05, w)];
      return (shape, dtype) => tf.randomUniform(shape, lo, hi, dtype, seed);
    }
    case 'truncatednormal': {
      const [mean, stddev] = [num(c, 'mean', 0, w), num(c, 'stddev', 0.05, w)];
      return (shape, dtype) => tf.truncatedNormal(shape, mean, stddev, dtype as 'float32', seed);
    }
    case 'glorotuniform':
      return varianceScaling(1, 'fanAvg', 'uniform', seed);
    case 'glorotnormal':
      return varianceScaling(1, 'fanAvg', 'normal', seed);
    case 'heuniform':
      return varianceScaling(2, 'fanIn', 'uniform', seed);
    case 'henormal':
      return varianceScaling(2, 'fanIn', 'normal', seed);
    case 'lecununiform':
      return varianceScaling(1, 'fanIn', 'uniform', seed);
    case 'lecunnormal':
      return varianceScaling(1, 'fanIn', 'normal', seed);
    case 'variancescaling': {
      // Keras' spellings ('fan_avg', 'truncated_normal') and tfjs-layers' ('fanAvg', 'truncatedNormal').
      const modes = {fanin: 'fanIn', fanout: 'fanOut', fanavg: 'fanAvg'} as const;
      const dists = {
        truncatednormal: 'normal',
        normal: 'normal',
        untruncatednormal: 'untruncatedNormal',
        uniform: 'uniform',
      } as const;
      const mode = modes[normalizeName(String(c.mode ?? 'fan_in')) as keyof typeof modes];
      const dist = dists[normalizeName(String(c.distribution ?? 'truncated_normal')) as keyof typeof dists];
      if (!mode || !dist)
        throw new Error(
          `${w}: mode must be fan_in, fan_out or fan_avg and distribution truncated_normal, untruncated_normal or uniform, got ${JSON.stringify(c.mode)} and ${JSON.stringify(c.distribution)}`,
        );
      return varianceScaling(num(c, 'scale', 1, w), mode, dist, seed);
    }
    case 'orthogonal': {
      const gain = num(c, 'gain', 1, w);
      return (shape, dtype) => orthogonal(shape, dtype, gain, seed);
    }
    case 'identity':
    case 'identityinitializer': {
      const gain = num(c, 'gain', 1, w);
      return (shape, dtype) => {
        if (shape.length !== 2) throw new Error(`${w}: needs a 2-D shape, got [${shape.join(',')}]`);
        return tf.tidy(() => tf.cast(tf.mul(tf.eye(shape[0]!, shape[1]), gain), dtype));
      };
    }
  }
  const custom = findFunction(id.className);
  if (custom) return custom as InitializerFn;
  throw new Error(
    `${where}: unknown initializer class '${id.className}'; expected one of ${[...INITIALIZER_CLASS_NAMES].join(', ')}, or a function registered with registerFunction('${id.className}', fn)`,
  );
}

/**
 * Keras' serialized form of an initializer, `{className, config}`, as getConfig() reports it.
 * A function that is not registered comes back as itself (the serializer then names it).
 */
export function serializeInitializer(identifier: InitializerIdentifier): InitializerConfig | InitializerFn | unknown {
  if (typeof identifier === 'string') {
    const known = KERAS_CLASSES[normalizeName(identifier)];
    if (known) return {className: known[0], config: {...known[1]}};
    return identifier;
  }
  if (typeof identifier === 'function') {
    const name = registeredFunctionName(identifier);
    return name ? {className: name.replace(/^Custom>/, ''), config: {}} : identifier;
  }
  if (identifier && typeof identifier === 'object') {
    if ('className' in identifier && typeof identifier.className === 'string')
      return {className: identifier.className, config: {...((identifier as InitializerConfig).config ?? {})}};
    // A tfjs-layers initializer object: its own class name and config.
    const o = identifier as {getClassName?: () => string; getConfig?: () => Record<string, unknown>};
    if (typeof o.getClassName === 'function') {
      const config = {...(typeof o.getConfig === 'function' ? o.getConfig() : {})};
      // tfjs-layers' camelCase values as Keras spells them.
      for (const key of ['mode', 'distribution'])
        if (typeof config[key] === 'string')
          config[key] = (config[key] as string).replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
      return {className: o.getClassName(), config};
    }
  }
  return identifier;
}

/** Resolves an initializer; `where` names the argument in errors. Accepts camelCase and snake_case. */
export function getInitializer(identifier: InitializerIdentifier, where = 'initializer'): InitializerFn {
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier === 'string') {
    const fn = BUILT_IN[normalizeName(identifier)] ?? (findFunction(identifier) as InitializerFn | null);
    if (!fn)
      throw new Error(
        `${where}: unknown initializer '${identifier}'; expected one of ${INITIALIZER_NAMES.map(n => `'${n}'`).join(', ')}, an initializer object or (shape, dtype) => Tensor`,
      );
    return fn;
  }
  if (identifier && typeof identifier === 'object' && 'className' in identifier && !('apply' in identifier)) {
    return fromKerasConfig(identifier as InitializerConfig, where);
  }
  const obj = identifier as {apply?: unknown};
  if (obj && typeof obj === 'object' && typeof obj.apply === 'function') {
    const init = obj as {apply(shape: number[], dtype?: DataType): tf.Tensor};
    return (shape, dtype) => init.apply(shape, dtype);
  }
  throw new Error(`${where}: expected an initializer name, object or function, got ${typeof identifier}`);
}
