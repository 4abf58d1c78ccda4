// What the built-in layer families share: one-input checks, tuples from configs, Keras' conv
// output length, activity regularization, and masks combined the way Keras combines them.
import * as tf from '@tensorflow/tfjs-core';
import {type Shape, fmtShape} from '../common.js';
import type {Layer, Mask} from '../layer.js';
import {get as getRegularizer, serialize as serializeRegularizer, type RegularizerIdentifier} from '../regularizers.js';

/** The one input shape of a single-input layer; a list is an error naming the layer. */
export function single(shape: Shape | Shape[], layer: Layer): Shape {
  if (shape.length > 0 && Array.isArray(shape[0]))
    throw new Error(`${layer.describe()} takes one input, got ${shape.length}`);
  return shape as Shape;
}

/** The list of input shapes of a multi-input layer; one shape is an error naming the layer. */
export function several(shape: Shape | Shape[], layer: Layer, min = 2): Shape[] {
  if (!(shape.length > 0 && Array.isArray(shape[0])) || shape.length < min)
    throw new Error(`${layer.describe()} takes a list of at least ${min} inputs, got shape(s) ${fmtShape(shape)}`);
  return shape as Shape[];
}

export function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

export function firstMask(mask: Mask | undefined): tf.Tensor | null {
  return Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
}

/** `n` positive integers from a number or a list (Keras' normalize_tuple), naming `what` on error. */
export function tuple(value: number | number[], n: number, what: string, layer: Layer, min = 1): number[] {
  const v = typeof value === 'number' ? Array.from({length: n}, () => value) : value;
  if (!Array.isArray(v) || v.length !== n || v.some(d => !Number.isInteger(d) || d < min))
    throw new Error(
      `${layer.describe()}: ${what} must be an integer >= ${min} or a list of ${n} of them, got ${JSON.stringify(value)}`,
    );
  return v;
}

/** Keras' conv_output_length; null in, null out. */
export function convOutputLength(
  size: number | null,
  kernel: number,
  padding: 'valid' | 'same' | 'causal',
  stride: number,
  dilation = 1,
): number | null {
  if (size == null) return null;
  const dilated = kernel + (kernel - 1) * (dilation - 1);
  const out = padding === 'valid' ? size - dilated + 1 : size;
  return Math.floor((out + stride - 1) / stride);
}

/**
 * Checks that every window fits the input (kernelSize larger than a 'valid' input is Keras'
 * "negative dimension" error): names the layer, the expected and the actual shape.
 */
export function assertWindowFits(
  layer: Layer,
  shape: Shape,
  spatialAxes: number[],
  windows: number[],
  padding: string,
  dilation: number[] = windows.map(() => 1),
  what = 'kernelSize',
): void {
  if (padding !== 'valid') return;
  const bad = spatialAxes.some((a, i) => {
    const d = shape[a];
    return d != null && d < windows[i]! + (windows[i]! - 1) * (dilation[i]! - 1);
  });
  if (!bad) return;
  const expected = shape.map((d, i) => {
    const j = spatialAxes.indexOf(i);
    return j >= 0 ? `>=${windows[j]! + (windows[j]! - 1) * (dilation[j]! - 1)}` : d == null ? 'null' : String(d);
  });
  throw new Error(
    `${layer.describe()}: ${what} ${fmtShape(windows)} is larger than the input (padding 'valid'): expected input shape [${expected.join(',')}], got ${fmtShape(shape)}`,
  );
}

/** Keras 2's activity regularization: the regularizer of the output, averaged over the batch. */
export function addActivityLoss(
  layer: Layer,
  regularizer: RegularizerIdentifier | null | undefined,
  y: tf.Tensor,
): void {
  const activity = getRegularizer(regularizer);
  if (activity) layer.addLoss(tf.div(activity(y), y.shape[0] || 1));
}

/** Keras' merge compute_mask: the AND of the masks given (null when none). */
export function andMasks(masks: (tf.Tensor | null | undefined)[]): tf.Tensor | null {
  const present = masks.filter((m): m is tf.Tensor => m != null);
  if (present.length === 0) return null;
  return present.slice(1).reduce((a, m) => tf.logicalAnd(a, tf.cast(m, 'bool')), tf.cast(present[0]!, 'bool'));
}

/**
 * Keras options a layer does not implement (constraints, quantization, ...): a config may carry
 * them at their defaults (a Keras file always does), and anything else throws, naming the layer,
 * rather than computing something other than what the file describes.
 */
export function rejectUnsupported(layer: Layer, config: object, defaults: Record<string, unknown>): void {
  const c = config as Record<string, unknown>;
  for (const [key, def] of Object.entries(defaults)) {
    const v = c[key];
    if (v == null || JSON.stringify(v) === JSON.stringify(def)) continue;
    throw new Error(
      `${layer.describe()}: ${key} ${JSON.stringify(v)} is not supported (only ${JSON.stringify(def)} is); this option of Keras' ${layer.getClassName()} is not implemented here`,
    );
  }
}

/** Keras puts activity_regularizer in a config only when one is set (Layer.get_config). */
export function activityEntry(regularizer: RegularizerIdentifier | null | undefined): Record<string, unknown> {
  return regularizer == null ? {} : {activityRegularizer: serializeRegularizer(regularizer)};
}
