// The contract between our ops, our kernels and the AssemblyScript module, in one
// dependency-free module (as tfjs-core's kernel_names.ts is for tfjs): the names of the kernels
// this package adds, their attributes, the enum codes the AssemblyScript functions take, and the
// arguments of the GEMM as one typed object. It imports nothing, so the ops (src/ops), the kernels
// (src/kernels) and the keras API (src/keras) can all import it without pulling in each other.
//
// The codes are constants exported by the AssemblyScript module too (ACT_*, BINOMIAL_*):
// test/unit/kernel_names.test.ts checks every code below against every built variant.

// ---------------------------------------------------------------------------------------------
// Kernel names and attributes

/** Inverted dropout: mask, scale and multiply in one pass (src/ops/dropout.ts, src/kernels/Dropout.ts). */
export const DROPOUT = 'Dropout';
/** Attributes of the 'Dropout' kernel: the rate, the Philox key and the full noise shape. */
export interface DropoutAttrs {
  rate: number;
  seed0: number;
  seed1: number;
  noiseShape: number[];
}

/** A 0/1 tensor with P(1) = p from Philox draws (src/ops/random_binomial.ts, src/kernels/RandomBinomial.ts). */
export const RANDOM_BINOMIAL = 'RandomBinomial';
export type RandomBinomialDtype = 'float32' | 'int32' | 'bool';
export interface RandomBinomialAttrs {
  shape: number[];
  p: number;
  dtype: RandomBinomialDtype;
  seed0: number;
  seed1: number;
}

/** act(concat([xs[i]·kernels[i] + biases[i]], -1)) in one kernel (src/ops/dense_concat.ts, src/kernels/DenseConcat.ts). */
export const DENSE_CONCAT = 'DenseConcat';
/**
 * The activations denseConcat offers: those the GEMM fuses whose derivative follows from the
 * output alone (the gradient keeps y, not the pre-activation). Not prelu: it needs weights.
 */
export const DENSE_CONCAT_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'elu', 'leakyrelu'] as const;
export type DenseConcatActivation = (typeof DENSE_CONCAT_ACTIVATIONS)[number];
/** Attributes of the 'DenseConcat' kernel. Inputs: [...xs, ...kernels, ...the present biases]. */
export interface DenseConcatAttrs {
  count: number;
  hasBias: boolean[];
  activation: DenseConcatActivation;
  leakyreluAlpha: number;
}

/**
 * A dense layer's backward pass before its products (src/kernels/BiasActivationGrad.ts): from
 * dL/dy and the output y, dL/dz = dL/dy * act'(y) and the bias gradient (dL/dz summed over every
 * row) in one pass. Inputs {dy, y} (no y for 'linear'); outputs [dz, db], or [db] for 'linear'
 * (where dz is dy itself).
 */
export const BIAS_ACTIVATION_GRAD = 'AsBiasActivationGrad';
export interface BiasActivationGradAttrs {
  activation: DenseConcatActivation;
  leakyreluAlpha: number;
}

/**
 * Keras' categorical crossentropy on probabilities over the last axis (src/keras/crossentropy.ts),
 * per row: -sum(target * log(clip(output / sum(output), epsilon, 1 - epsilon))). Inputs
 * {target, output} (float32, one shape); output: the loss per row (output's shape without its
 * last axis). src/kernels/CategoricalCrossentropy.ts; its gradient kernel below.
 */
export const CATEGORICAL_CROSSENTROPY = 'AsCategoricalCrossentropy';
export interface CategoricalCrossentropyAttrs {
  epsilon: number;
}
/** dL/d output of the above for dL/d loss = dy. Inputs {dy, target, output}; attrs as above. */
export const CATEGORICAL_CROSSENTROPY_GRAD = 'AsCategoricalCrossentropyGrad';

/** Fused optimizer updates, used by the keras optimizers where the backend has them (src/kernels/*Update.ts). */
export const SGD_UPDATE = 'AsSGDUpdate';
/**
 * Every fused update kernel may be asked to update in place (`inPlace: true`): when no other
 * tensor shares the weight's or a slot's buffer and the update runs on one thread, it rewrites
 * them and returns no outputs (Keras' optimizers assign into their variables); otherwise it
 * returns the new weight and slots as usual.
 */
export interface InPlaceUpdateAttr {
  inPlace?: boolean;
}
export interface SGDUpdateAttrs extends InPlaceUpdateAttr {
  learningRate: number;
}
export const ADAM_UPDATE = 'AsAdamUpdate';
export interface AdamUpdateAttrs extends InPlaceUpdateAttr {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t and 1 - beta2^t, as float32 values. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}
export const RMSPROP_UPDATE = 'AsRMSPropUpdate';
export interface RMSPropUpdateAttrs extends InPlaceUpdateAttr {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

// ---------------------------------------------------------------------------------------------
// Enum codes of the AssemblyScript functions

/** The epilogue activations of gemmF32 (assembly/gemm_epilogue.ts ACT_*), by tfjs' fused activation name. */
export const ACTIVATION_CODES = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
} as const;
export type FusedActivation = keyof typeof ACTIVATION_CODES;
/** The AssemblyScript export that holds each activation's code. */
export const ACTIVATION_EXPORTS: Record<FusedActivation, string> = {
  linear: 'ACT_LINEAR',
  relu: 'ACT_RELU',
  relu6: 'ACT_RELU6',
  prelu: 'ACT_PRELU',
  leakyrelu: 'ACT_LEAKYRELU',
  sigmoid: 'ACT_SIGMOID',
  elu: 'ACT_ELU',
};

export function isFusedActivation(name: string): name is FusedActivation {
  return Object.hasOwn(ACTIVATION_CODES, name);
}

/** The output element type of randomBinomial (assembly/dropout.ts BINOMIAL_*). */
export const BINOMIAL_KIND_CODES = {float32: 0, int32: 1, bool: 2} as const;
export const BINOMIAL_KIND_EXPORTS: Record<RandomBinomialDtype, string> = {
  float32: 'BINOMIAL_F32',
  int32: 'BINOMIAL_I32',
  bool: 'BINOMIAL_U8',
};

// ---------------------------------------------------------------------------------------------
// Argument encodings shared by the TypeScript twins of the kernels and the AssemblyScript ones

/** A Bernoulli(p) element is `draw < t` for a draw of `bits` bits (assembly/philox.ts, src/ops/philox.ts). */
export interface Threshold {
  /** Width of each draw: 1, 2, 4, 8 or 16. */
  bits: number;
  /** A draw d is a success when d < t (0 <= t <= 2^bits). */
  t: number;
}

/**
 * The draw width and threshold of a Bernoulli(p): p is rounded to a multiple of 2^-16 (within
 * 2^-17 of p), then expressed with the fewest bits that hold it exactly.
 */
export function bernoulliThreshold(p: number): Threshold {
  const t16 = Math.min(65536, Math.max(0, Math.round(p * 65536)));
  for (const bits of [1, 2, 4, 8]) {
    const unit = 2 ** (16 - bits);
    if (t16 % unit === 0) return {bits, t: t16 / unit};
  }
  return {bits: 16, t: t16};
}

/** 1 / keepProb in float32, as tf.dropout computes it (1 / (1 - rate) on float32 tensors). */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / Math.fround(1 - rate));
}

/**
 * The arguments of assembly/matmul.ts gemmF32 for one matrix: C = act(op(A)·op(B) + bias).
 * Pointers are byte offsets into the heap; 0 means none (bias, prelu weights, scratch).
 */
export interface GemmF32Params {
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** C's row stride in elements: n for a dense output, more for a column slot of a wider one. */
  ldc: number;
  /** The bias at bias + 4 * (i * biasRowStride + j * biasColStride); a stride of 0 broadcasts. */
  bias: number;
  biasRowStride: number;
  biasColStride: number;
  activation: FusedActivation;
  /** Slope for x < 0 with 'leakyrelu'. */
  leakyreluAlpha: number;
  /** The prelu weights, addressed like the bias. */
  prelu: number;
  preluRowStride: number;
  preluColStride: number;
  /** gemmScratchBytes(m, n, k) bytes of scratch space. */
  scratch: number;
}
