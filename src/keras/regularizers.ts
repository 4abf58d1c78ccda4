// Weight regularizers: a regularizer is a function `(w) => scalar Tensor` whose value joins the
// training loss (Keras: `kernel_regularizer=regularizers.l2(0.01)`). The built-ins are such
// functions carrying their config, and accept both the Keras call `l2(0.01)` and the tfjs-layers
// call `l2({l2: 0.01})`. Layers resolve what the user gave with `get` (a function, a built-in, a
// name, or a tfjs-layers Regularizer object with `apply`).
import * as tf from '@tensorflow/tfjs-core';
import {normalizeName} from './common.js';
import {findFunction, registeredFunctionName} from './saving/registry.js';

export type RegularizerFn = (w: tf.Tensor) => tf.Tensor;

/** A built-in regularizer: callable, with its coefficients for getConfig()/summary. */
export interface Regularizer extends RegularizerFn {
  readonly className: 'L1' | 'L2' | 'L1L2';
  readonly config: {l1: number; l2: number};
  getConfig(): {l1: number; l2: number};
}

/** Keras' serialized form, as getConfig() gives it: `{className: 'L2', config: {l2: 0.01}}`. */
export interface RegularizerConfig {
  className: string;
  config: Record<string, unknown>;
}

/** What a layer accepts as a regularizer. */
export type RegularizerIdentifier =
  | RegularizerFn
  | Regularizer
  | RegularizerConfig
  | 'l1'
  | 'l2'
  | 'l1l2'
  | 'l1_l2'
  | {apply(w: tf.Tensor): tf.Tensor};

/** The Keras class names a regularizer config may have. */
export const REGULARIZER_CLASS_NAMES = new Set(['L1', 'L2', 'L1L2', 'OrthogonalRegularizer']);

/**
 * Keras' serialized form of a regularizer as getConfig() reports it: `{className: 'L2',
 * config: {l2: 0.01}}`, or null. A function that is not registered comes back as itself (the
 * serializer then names it).
 */
export function serialize(identifier: RegularizerIdentifier | null | undefined): unknown {
  if (identifier == null) return null;
  if (typeof identifier === 'string') return serialize(get(identifier));
  if (typeof identifier === 'function') {
    const r = identifier as Partial<Regularizer>;
    if ((r.className === 'L1' || r.className === 'L2' || r.className === 'L1L2') && r.config) {
      const {l1: a, l2: b} = r.config;
      return {
        className: r.className,
        config: r.className === 'L1' ? {l1: a} : r.className === 'L2' ? {l2: b} : {l1: a, l2: b},
      };
    }
    const name = registeredFunctionName(identifier);
    return name ? {className: name.replace(/^Custom>/, ''), config: {}} : identifier;
  }
  if (typeof identifier === 'object' && 'className' in identifier && typeof identifier.className === 'string')
    return {className: identifier.className, config: {...((identifier as RegularizerConfig).config ?? {})}};
  const o = identifier as {getClassName?: () => string; getConfig?: () => Record<string, unknown>};
  if (typeof o.getClassName === 'function')
    return {className: o.getClassName(), config: typeof o.getConfig === 'function' ? o.getConfig() : {}};
  return identifier;
}

function fromKerasConfig(id: RegularizerConfig, where: string): RegularizerFn {
  const c = id.config ?? {};
  switch (normalizeName(id.className)) {
    case 'l1':
      return l1({l1: c.l1 as number | undefined});
    case 'l2':
      return l2({l2: c.l2 as number | undefined});
    case 'l1l2':
      return l1l2({l1: (c.l1 as number | undefined) ?? 0, l2: (c.l2 as number | undefined) ?? 0});
  }
  const custom = findFunction(id.className);
  if (custom) return custom as RegularizerFn;
  throw new Error(
    `${where}: unknown regularizer class '${id.className}'; expected L1, L2, L1L2 or a function registered with registerFunction('${id.className}', fn)`,
  );
}

// Keras 2.x defaults: l1(0.01), l2(0.01), l1_l2(l1=0.01, l2=0.01).
const DEFAULT = 0.01;

function checkCoefficient(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`regularizers.${name}: the coefficient must be a finite number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function build(className: Regularizer['className'], l1: number, l2: number): Regularizer {
  // Keras: l1 * sum(|w|) + l2 * sum(w^2); a zero coefficient adds no op to the graph.
  const fn = (w: tf.Tensor) =>
    tf.tidy(() => {
      let total: tf.Tensor = tf.scalar(0);
      if (l1 !== 0) total = tf.add(total, tf.mul(l1, tf.sum(tf.abs(w))));
      if (l2 !== 0) total = tf.add(total, tf.mul(l2, tf.sum(tf.square(w))));
      return total;
    });
  const config = {l1, l2};
  return Object.assign(fn, {
    className,
    config,
    getConfig: () => ({...config}),
  }) as unknown as Regularizer;
}

/** `l1(0.01)` (Keras) or `l1({l1: 0.01})` (tfjs-layers): `l1 * sum(|w|)`. */
export function l1(config?: number | {l1?: number}): Regularizer {
  const v = typeof config === 'number' ? config : (config?.l1 ?? DEFAULT);
  return build('L1', checkCoefficient('l1', v), 0);
}

/** `l2(0.01)` (Keras) or `l2({l2: 0.01})` (tfjs-layers): `l2 * sum(w^2)`. */
export function l2(config?: number | {l2?: number}): Regularizer {
  const v = typeof config === 'number' ? config : (config?.l2 ?? DEFAULT);
  return build('L2', 0, checkCoefficient('l2', v));
}

/** `l1l2(0.01, 0.01)` (Keras' l1_l2(l1, l2)) or `l1l2({l1, l2})` (tfjs-layers). */
export function l1l2(config?: number | {l1?: number; l2?: number}, secondL2?: number): Regularizer {
  const a = typeof config === 'number' ? config : (config?.l1 ?? DEFAULT);
  const b = typeof config === 'number' ? (secondL2 ?? DEFAULT) : (config?.l2 ?? DEFAULT);
  return build('L1L2', checkCoefficient('l1l2 (l1)', a), checkCoefficient('l1l2 (l2)', b));
}

/** Keras' snake_case spelling. */
export const l1_l2 = l1l2;

/**
 * Resolves what a layer was given into a function `(w) => scalar`, or null for none.
 * `where` names the argument in errors (e.g. "Dense 'dense_1' kernelRegularizer").
 */
export function get(identifier: RegularizerIdentifier | null | undefined, where = 'regularizer'): RegularizerFn | null {
  if (identifier == null) return null;
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier === 'string') {
    const key = normalizeName(identifier);
    if (key === 'l1') return l1();
    if (key === 'l2') return l2();
    if (key === 'l1l2') return l1l2();
    const custom = findFunction(identifier);
    if (custom) return custom as RegularizerFn;
  } else if (typeof identifier === 'object' && 'className' in identifier && !('apply' in identifier)) {
    return fromKerasConfig(identifier as RegularizerConfig, where);
  } else if (typeof identifier === 'object' && typeof (identifier as {apply?: unknown}).apply === 'function') {
    const obj = identifier as {apply(w: tf.Tensor): tf.Tensor};
    return (w: tf.Tensor) => obj.apply(w);
  }
  throw new Error(
    `${where}: expected regularizers.l1/l2/l1l2(...), 'l1', 'l2', 'l1l2' or a function (w) => Tensor; ` +
      `got ${typeof identifier === 'string' ? `'${identifier}'` : typeof identifier}`,
  );
}
