// The kernel variants a test file runs its cases on: scalar and SIMD by default, or the list in
// TFJS_AS_VARIANTS (variants_relaxed.test.ts reruns files on 'relaxed-simd' in a child Node
// that validates it).
import type {KernelVariant} from '../../src/index.js';

export const VARIANTS: KernelVariant[] = process.env.TFJS_AS_VARIANTS
  ? (process.env.TFJS_AS_VARIANTS.split(',') as KernelVariant[])
  : ['scalar', 'simd'];

/** A small deterministic generator, so a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}
