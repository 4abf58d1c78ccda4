// The weights of the seed MLP in src/bench/seed_mlp.onnx, made again here without reading the
// file: k * 2^-e, k in [-127, 127] from a xorshift32 stream, exactly as
// scripts/fixtures/seed_mlp_onnx.py makes them (same seed, order and scales). Our Keras model
// then holds the same float32 values as the ONNX model, bit for bit, with no weights file.

const SEED = 20261202;
/** Layer widths: 784 -> 500 -> 100 -> 10. */
export const SEED_DIMS = [784, 500, 100, 10] as const;
/** Per layer, the exponent of the weights' scale 2^-e (see the Python script). */
const EXPONENTS = [11, 10, 9];
const BIAS_EXPONENT = 12;

export interface DenseWeights {
  /** [in, out], row-major. */
  kernel: Float32Array;
  bias: Float32Array;
  shape: [number, number];
}

/** The three layers' kernels and biases, in order. */
export function seedWeights(): DenseWeights[] {
  let state = SEED >>> 0;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return ((state >>> 8) % 255) - 127;
  };
  const take = (count: number, exponent: number) => {
    const scale = 2 ** -exponent;
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = next() * scale;
    return out;
  };
  return EXPONENTS.map((exponent, i) => {
    const shape: [number, number] = [SEED_DIMS[i]!, SEED_DIMS[i + 1]!];
    const kernel = take(shape[0] * shape[1], exponent);
    return {kernel, bias: take(shape[1], BIAS_EXPONENT), shape};
  });
}
