// Activations by name (Keras' and tfjs-layers' spellings). `fused` names the tf.fused.matMul
// activation that computes the same thing, so Dense can run matMul+bias+activation in one kernel.
import * as tf from '@tensorflow/tfjs-core';
import {normalizeName, toSnakeCase, type SnakeCase} from './common.js';
import {findFunction, registeredFunctionName} from './saving/registry.js';

export interface Activation {
  /** Canonical camelCase name, as getConfig() reports it. */
  name: string;
  apply(x: tf.Tensor): tf.Tensor;
  fused?: tf.fused.Activation;
  /** For 'leakyrelu' fusing. */
  leakyreluAlpha?: number;
  /** A custom activation's function (what a save looks up in the registry). */
  fn?: (x: tf.Tensor) => tf.Tensor;
}

// Keras 3 / tf.nn.leaky_relu default slope.
const LEAKY_ALPHA = 0.2;

const ACTIVATIONS = [
  {name: 'linear', apply: x => x, fused: 'linear'},
  {name: 'relu', apply: x => tf.relu(x), fused: 'relu'},
  {name: 'relu6', apply: x => tf.relu6(x), fused: 'relu6'},
  {name: 'elu', apply: x => tf.elu(x), fused: 'elu'},
  {name: 'selu', apply: x => tf.selu(x)},
  {name: 'sigmoid', apply: x => tf.sigmoid(x), fused: 'sigmoid'},
  {name: 'tanh', apply: x => tf.tanh(x)},
  {name: 'softmax', apply: x => tf.softmax(x, -1)},
  {name: 'softplus', apply: x => tf.softplus(x)},
  {name: 'softsign', apply: x => tf.tidy(() => tf.div(x, tf.add(tf.abs(x), 1)))},
  {name: 'leakyRelu', apply: x => tf.leakyRelu(x, LEAKY_ALPHA), fused: 'leakyrelu', leakyreluAlpha: LEAKY_ALPHA},
  {name: 'exponential', apply: x => tf.exp(x)},
  // Keras 3's others, so that a Keras model using them loads.
  {name: 'silu', apply: x => tf.tidy(() => tf.mul(x, tf.sigmoid(x)))},
  // Keras 3's gelu default (approximate=False): x * Phi(x), with erf.
  {name: 'gelu', apply: x => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))))},
  // Keras 3's hard_sigmoid: relu6(x + 3) / 6 (Keras 2's was clip(0.2 x + 0.5, 0, 1)).
  {name: 'hardSigmoid', apply: x => tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6))},
  {name: 'hardSilu', apply: x => tf.tidy(() => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)))},
  {name: 'mish', apply: x => tf.tidy(() => tf.mul(x, tf.tanh(tf.softplus(x))))},
  {name: 'logSoftmax', apply: x => tf.logSoftmax(x, -1)},
] as const satisfies readonly Activation[];

/** The built-in activations' canonical (camelCase) names. */
export type BuiltInActivationName = (typeof ACTIVATIONS)[number]['name'];

/** An activation name: camelCase or Keras' snake_case ('leaky_relu'), or 'none' for linear. */
export type ActivationName = BuiltInActivationName | SnakeCase<BuiltInActivationName> | 'none';

const BY_KEY = new Map<string, Activation>(ACTIVATIONS.map(a => [normalizeName(a.name), a]));
BY_KEY.set('none', ACTIVATIONS[0]);
// Keras' aliases: swish is silu, hard_swish is hard_silu.
BY_KEY.set('swish', BY_KEY.get('silu')!);
BY_KEY.set('hardswish', BY_KEY.get('hardsilu')!);

export type ActivationIdentifier = ActivationName | ((x: tf.Tensor) => tf.Tensor) | null | undefined;

/** Resolves a name (camelCase or snake_case), a function, or null (linear). */
export function getActivation(identifier: ActivationIdentifier, where = 'activation'): Activation {
  if (identifier == null) return ACTIVATIONS[0];
  if (typeof identifier === 'function') return {name: identifier.name || 'custom', apply: identifier, fn: identifier};
  const found = BY_KEY.get(normalizeName(identifier));
  if (!found) {
    const custom = findFunction(identifier);
    if (custom)
      return {
        name: identifier,
        apply: custom as (x: tf.Tensor) => tf.Tensor,
        fn: custom as (x: tf.Tensor) => tf.Tensor,
      };
  }
  if (!found) {
    throw new Error(
      `${where}: unknown activation '${identifier}'; expected one of ${ACTIVATIONS.map(a => `'${a.name}'`).join(', ')} or a function`,
    );
  }
  return found;
}

/**
 * An activation as Keras' configs name it: 'relu', 'leaky_relu', or a custom function's
 * registered name with its package ('Custom>myActivation', the name Keras registers it under, so
 * that Keras finds it too). An unregistered function comes back as itself (the serializer then
 * names it).
 */
export function serializeActivation(activation: Activation): string | ((x: tf.Tensor) => tf.Tensor) {
  if (!activation.fn) return toSnakeCase(activation.name);
  return registeredFunctionName(activation.fn) ?? activation.fn;
}
