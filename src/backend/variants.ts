// Which build of the kernels module this runtime can run, decided by asking the engine to
// validate tiny probe modules that use exactly the instructions a variant needs.
import {KERNEL_WASM_BASE64} from '../../build/kernels_wasm.js';

export type KernelVariant = 'scalar' | 'simd' | 'relaxed-simd';
export const KERNEL_VARIANTS: readonly KernelVariant[] = ['scalar', 'simd', 'relaxed-simd'];

// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 <op>) — hand-assembled.
const probe = (body: number[]) =>
  new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x08,
    0x01,
    0x60,
    0x03,
    0x7b,
    0x7b,
    0x7b,
    0x01,
    0x7b, // type: (v128 v128 v128) -> v128
    0x03,
    0x02,
    0x01,
    0x00, // one function of type 0
    0x0a,
    body.length + 2,
    0x01,
    body.length,
    ...body, // code
  ]);
// local.get 0, local.get 1, f32x4.add (0xfd 228)
const SIMD_PROBE = probe([0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xe4, 0x01, 0x0b]);
// local.get 0..2, f32x4.relaxed_madd (0xfd 261)
const RELAXED_SIMD_PROBE = probe([0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b]);

let support: {simd: boolean; relaxedSimd: boolean} | undefined;

/** What the runtime can execute (cached: it cannot change in a process). */
export function runtimeSupport(): {simd: boolean; relaxedSimd: boolean} {
  if (!support) {
    const simd = WebAssembly.validate(SIMD_PROBE);
    support = {simd, relaxedSimd: simd && WebAssembly.validate(RELAXED_SIMD_PROBE)};
  }
  return support;
}

export function bestVariant(): KernelVariant {
  const {simd, relaxedSimd} = runtimeSupport();
  return relaxedSimd ? 'relaxed-simd' : simd ? 'simd' : 'scalar';
}

/** Throws, listing the valid names, unless `variant` is 'auto' or the name of a variant. */
export function checkVariantName(variant: string): asserts variant is 'auto' | KernelVariant {
  if (variant !== 'auto' && !(KERNEL_VARIANTS as readonly string[]).includes(variant)) {
    throw new Error(
      `setKernelVariant: unknown variant '${variant}'; valid names are ` +
        `'auto', ${KERNEL_VARIANTS.map(v => `'${v}'`).join(', ')}`,
    );
  }
}

/** Throws (with the reason) when `variant` cannot run here. */
export function checkVariantRuns(variant: KernelVariant): void {
  const {simd, relaxedSimd} = runtimeSupport();
  if (variant === 'simd' && !simd) {
    throw new Error(
      `setKernelVariant: this runtime cannot run the 'simd' variant: WebAssembly SIMD does not validate here`,
    );
  }
  if (variant === 'relaxed-simd' && !relaxedSimd) {
    throw new Error(
      `setKernelVariant: this runtime cannot run the 'relaxed-simd' variant: WebAssembly relaxed SIMD ` +
        `does not validate here (Node 20 needs --experimental-wasm-relaxed-simd; Chrome 114+ ships it)`,
    );
  }
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The compiled module of a variant, for an ordinary or a shared memory. */
// Compiled asynchronously: browsers refuse synchronous compilation of larger modules on the main thread.
export function kernelModule(variant: KernelVariant, sharedMemory: boolean): Promise<WebAssembly.Module> {
  // There is no shared-memory twin of the scalar build in the design's list of targets, but
  // a browser without SIMD may still be cross-origin isolated: we build one (scalar-shared).
  const name = sharedMemory ? `${variant}-shared` : variant;
  let module = compiled.get(name);
  if (!module) {
    const base64 = KERNEL_WASM_BASE64[name];
    if (!base64) throw new Error(`tfjs-backend-as: no kernels build named '${name}' (was 'npm run build' run?)`);
    module = WebAssembly.compile(decodeBase64(base64) as BufferSource);
    compiled.set(name, module);
  }
  return module;
}
