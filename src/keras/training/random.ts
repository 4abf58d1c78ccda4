// A seeded shuffle for fit({shuffle, seed}): the same seed gives the same batch order on every
// run and every backend (tf.util.shuffle uses Math.random and cannot be seeded).

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates in place with the given source of randomness. */
export function shuffleInPlace<T extends {length: number; [i: number]: unknown}>(
  array: T,
  random: () => number = Math.random,
): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
  return array;
}
