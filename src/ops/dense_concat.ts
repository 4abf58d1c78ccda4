// denseConcat(xs, kernels, biases?, {activation?}) = act(concat([xs[i]·kernels[i] + biases[i]], -1)),
// the seed's multi-input layer in one kernel. On 'as' (src/kernels/DenseConcat.ts) each product
// is written by the GEMM straight into its column slot of the output (ldc = total width), with
// the bias and the shared activation fused: no intermediate tensors, no concat copy. On other
// backends the op composes tf ops (matMul, add, activation, concat), which tfjs differentiates.
//
// Activations: linear, relu, relu6, sigmoid, elu, leakyrelu — the ones the GEMM fuses whose
// derivative follows from the output alone (the gradient keeps y, not the pre-activation).
// tanh is not one of tfjs' fused activations and the GEMM has no tanh: apply tf.tanh to the
// result instead. prelu needs per-unit weights and is not offered either.
import * as tf from '@tensorflow/tfjs-core';

import {formatShape} from '../format_shape.js';
import {
  BIAS_ACTIVATION_GRAD,
  type BiasActivationGradAttrs,
  DENSE_CONCAT,
  DENSE_CONCAT_ACTIVATIONS,
  type DenseConcatActivation,
  type DenseConcatAttrs,
} from '../kernel_names.js';

export type {DenseConcatActivation};

export interface DenseConcatConfig {
  activation?: DenseConcatActivation;
  /** Slope for x < 0 with 'leakyrelu' (default 0.2, as tfjs); must be >= 0. */
  leakyreluAlpha?: number;
}

const shape = (t: tf.Tensor) => formatShape(t.shape);
/** x as the 2-D [rows, features] a product takes (explicit rows: -1 cannot be inferred when features is 0). */
const asMatrix = (x: tf.Tensor) =>
  tf.reshape(x, [x.size === 0 ? x.shape.slice(0, -1).reduce((a, b) => a * b, 1) : -1, x.shape[x.rank - 1]]);
const shapeOrNull = (t: tf.Tensor | null | undefined) => (t instanceof tf.Tensor ? shape(t) : String(t));

function check(
  xs: tf.Tensor[],
  kernels: tf.Tensor[],
  biases: (tf.Tensor | null | undefined)[] | undefined,
  config: DenseConcatConfig,
): void {
  const op = 'denseConcat';
  if (!Array.isArray(xs) || !Array.isArray(kernels)) throw new Error(`${op}: xs and kernels must be arrays of tensors`);
  if (biases != null && !Array.isArray(biases)) {
    throw new Error(
      `${op}: biases must be an array with one entry (a tensor or null) per input; got ${(biases as unknown) instanceof tf.Tensor ? `a tensor of shape ${shape(biases as unknown as tf.Tensor)}` : typeof biases}`,
    );
  }
  if (xs.length === 0) throw new Error(`${op}: xs is empty; pass at least one input`);
  if (xs.length !== kernels.length) {
    throw new Error(
      `${op}: xs and kernels must have the same length; got ${xs.length} inputs ` +
        `(shapes ${xs.map(shapeOrNull).join(' ')}) and ${kernels.length} kernels (shapes ${kernels.map(shapeOrNull).join(' ')})`,
    );
  }
  if (biases != null && biases.length !== xs.length) {
    throw new Error(
      `${op}: biases must have one entry (a tensor or null) per input; got ${biases.length} for ` +
        `${xs.length} inputs (bias shapes ${biases.map(shapeOrNull).join(' ')})`,
    );
  }
  for (const [arg, list] of [
    ['xs', xs],
    ['kernels', kernels],
  ] as const) {
    list.forEach((t, i) => {
      if (!(t instanceof tf.Tensor)) {
        throw new Error(`${op}: ${arg}[${i}] must be a float32 tensor; got ${t === null ? 'null' : typeof t}`);
      }
    });
  }
  biases?.forEach((b, i) => {
    if (b != null && !(b instanceof tf.Tensor))
      throw new Error(`${op}: biases[${i}] must be a float32 tensor or null; got ${typeof b}`);
  });
  const lead = xs[0].shape.slice(0, -1);
  xs.forEach((x, i) => {
    const w = kernels[i],
      b = biases?.[i];
    if (x.dtype !== 'float32' || w.dtype !== 'float32' || (b != null && b.dtype !== 'float32')) {
      throw new Error(
        `${op}: xs[${i}], kernels[${i}] and biases[${i}] must be float32; got ${x.dtype} ${shape(x)}, ` +
          `${w.dtype} ${shape(w)}${b ? `, ${b.dtype} ${shape(b)}` : ''}`,
      );
    }
    if (x.rank < 2)
      throw new Error(`${op}: xs[${i}] must have rank 2 or more ([batch..., features]); got shape ${shape(x)}`);
    const xLead = x.shape.slice(0, -1);
    if (xLead.length !== lead.length || xLead.some((d, k) => d !== lead[k])) {
      throw new Error(
        `${op}: xs[${i}] has shape ${shape(x)} but xs[0] has ${shape(xs[0])}: all inputs need the same leading dims`,
      );
    }
    if (w.rank !== 2 || w.shape[0] !== x.shape[x.rank - 1]) {
      throw new Error(
        `${op}: kernels[${i}] must have shape [${x.shape[x.rank - 1]}, units] for xs[${i}] of shape ${shape(x)}; got ${shape(w)}`,
      );
    }
    if (b != null && (b.rank !== 1 || b.shape[0] !== w.shape[1])) {
      throw new Error(
        `${op}: biases[${i}] must have shape [${w.shape[1]}] for kernels[${i}] of shape ${shape(w)}; got ${shape(b)}`,
      );
    }
  });
  const activation = config.activation ?? 'linear';
  if (!(DENSE_CONCAT_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(
      `${op}: unknown activation '${activation}'; expected one of ${DENSE_CONCAT_ACTIVATIONS.join(', ')} ` +
        `(for tanh apply tf.tanh to the result)`,
    );
  }
  const alpha = config.leakyreluAlpha ?? 0.2;
  if (!(alpha >= 0)) throw new Error(`${op}: leakyreluAlpha must be >= 0; got ${alpha}`);
}

function activate(y: tf.Tensor, activation: DenseConcatActivation, alpha: number): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'elu':
      return tf.elu(y);
    case 'leakyrelu':
      return tf.leakyRelu(y, alpha);
    default:
      return y;
  }
}

/** dL/d(pre-activation) from dL/dy and the output y (valid for the activations above). */
function activationGrad(dy: tf.Tensor, y: tf.Tensor, activation: DenseConcatActivation, alpha: number): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'relu6':
      return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)), 'float32'));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'elu':
      return tf.where(tf.greater(y, 0), dy, tf.mul(dy, tf.add(y, 1)));
    case 'leakyrelu':
      return tf.where(tf.greater(y, 0), dy, tf.mul(dy, alpha));
    default:
      return dy;
  }
}

/**
 * dz and the column sums of dz (every bias's gradient, side by side) from one kernel, on a
 * backend that has it ('as'); null elsewhere. Bit-identical to activationGrad and tf.sum(dz, 0).
 */
function fusedActivationGrad(
  dy: tf.Tensor,
  y: tf.Tensor,
  attrs: DenseConcatAttrs,
): {dz: tf.Tensor; db: tf.Tensor1D} | null {
  if (tf.getKernel(BIAS_ACTIVATION_GRAD, tf.getBackend()) == null) return null;
  const linear = attrs.activation === 'linear';
  const kernelAttrs: BiasActivationGradAttrs = {activation: attrs.activation, leakyreluAlpha: attrs.leakyreluAlpha};
  const outs = tf
    .engine()
    .runKernel(
      BIAS_ACTIVATION_GRAD,
      (linear ? {dy} : {dy, y}) as unknown as tf.NamedTensorMap,
      kernelAttrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
  return linear ? {dz: dy, db: outs[0] as tf.Tensor1D} : {dz: outs[0]!, db: outs[1] as tf.Tensor1D};
}

function composite(
  xs: tf.Tensor[],
  kernels: tf.Tensor[],
  biases: (tf.Tensor | null | undefined)[] | undefined,
  activation: DenseConcatActivation,
  alpha: number,
): tf.Tensor {
  return tf.tidy(() => {
    const lead = xs[0].shape.slice(0, -1);
    const parts = xs.map((x, i) => {
      const z = tf.matMul(asMatrix(x), kernels[i]);
      const b = biases?.[i];
      return b ? tf.add(z, b) : z;
    });
    const y = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    return tf.reshape(activate(y, activation, alpha), [...lead, y.shape[1] as number]);
  });
}

/**
 * act(concat([xs[i]·kernels[i] + biases[i]], -1)): xs[i] is [..., k_i] (same leading dims for
 * all), kernels[i] is [k_i, n_i], biases[i] is [n_i] or null. Differentiable in every input.
 */
export function denseConcat(
  xs: tf.Tensor[],
  kernels: tf.Tensor[],
  biases?: (tf.Tensor | null | undefined)[],
  config: DenseConcatConfig = {},
): tf.Tensor {
  check(xs, kernels, biases, config);
  const activation = config.activation ?? 'linear';
  const alpha = config.leakyreluAlpha ?? 0.2;
  // The kernel needs every product to have a non-empty inner dimension (k = 0 leaves only the bias).
  const usable = tf.getKernel(DENSE_CONCAT, tf.getBackend()) != null && kernels.every(w => w.shape[0] > 0);
  if (!usable) return composite(xs, kernels, biases, activation, alpha);
  const hasBias = xs.map((_, i) => biases?.[i] != null);
  const inputs = [...xs, ...kernels, ...(biases ?? []).filter((b): b is tf.Tensor => b != null)];
  const attrs: DenseConcatAttrs = {count: xs.length, hasBias, activation, leakyreluAlpha: alpha};
  return tf
    .engine()
    .runKernel(DENSE_CONCAT, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

tf.registerGradient({
  kernelName: DENSE_CONCAT,
  saveAllInputs: true,
  outputsToSave: [true],
  gradFunc: (dy, saved, rawAttrs) => {
    const attrs = rawAttrs as unknown as DenseConcatAttrs;
    const n = attrs.count;
    const xs = saved.slice(0, n),
      ws = saved.slice(n, 2 * n),
      y = saved[saved.length - 1];
    const widths = ws.map(w => w.shape[1] as number);
    const units = widths.reduce((a, b) => a + b, 0);
    // dz and its column blocks are shared by every input's gradient; tfjs' engine disposes them
    // after the backward pass (they are made inside its gradient scope).
    const fused = fusedActivationGrad(dy as tf.Tensor, y, attrs);
    const dz = tf.reshape(
      fused ? fused.dz : activationGrad(dy as tf.Tensor, y, attrs.activation, attrs.leakyreluAlpha),
      [-1, units],
    );
    const blocks = n === 1 ? [dz] : tf.split(dz, widths, 1);
    const starts = widths.map((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0));
    const grads: Array<() => tf.Tensor> = [];
    xs.forEach((x, i) => {
      grads.push(() => tf.reshape(tf.matMul(blocks[i], ws[i], false, true), x.shape));
    });
    xs.forEach((x, i) => {
      grads.push(() => tf.matMul(asMatrix(x), blocks[i], true, false));
    });
    attrs.hasBias.forEach((has, i) => {
      if (!has) return;
      if (!fused) grads.push(() => tf.sum(blocks[i], 0));
      else grads.push(() => (n === 1 ? fused.db : tf.slice(fused.db, starts[i], widths[i])));
    });
    return grads as unknown as {[name: string]: () => tf.Tensor};
  },
});
