// The guard of every kernel on 'as' that has no complex or string form. A complex64 tensor's
// data-map entry holds no heap buffer of its own (its real and imaginary parts are two float32
// tensors, src/backend/complex.ts), and a string tensor's values live in JavaScript: a kernel
// that read either as numbers would read whatever the heap holds at offset 0.
import type {TensorInfo} from '@tensorflow/tfjs-core';

/** Throws, naming the kernel, the input and its dtype, when an input is complex64 or string. */
export function assertRealInputs(
  kernel: string,
  inputs: Record<string, TensorInfo | TensorInfo[] | undefined | null>,
): void {
  for (const [name, value] of Object.entries(inputs)) {
    for (const t of Array.isArray(value) ? value : [value]) {
      if (t && (t.dtype === 'complex64' || t.dtype === 'string')) {
        throw new Error(
          `${kernel}: ${name} is a ${t.dtype} tensor (shape [${t.shape}]), and '${kernel}' has no ` +
            `${t.dtype} form on backend 'as'`,
        );
      }
    }
  }
}
