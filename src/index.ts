// tfjs-backend-as: importing this module registers backend 'as' (once per process) and makes
// tfjs-core's gradients available to users of tfjs-core alone.
import '../build/register_all_gradients.js';
import {
  AS_KERNELS,
  COMPLEX_FORMS,
  COMPLEX_KERNELS,
  COMPOSITE_KERNELS,
  HEAP_KERNELS,
  JS_KERNELS,
  STRING_FORMS,
} from './kernels/index.js';
import {registerBackend} from './backend/register.js';

/**
 * Registers backend 'as' and its kernels. Importing the package does it; call it again to bring
 * 'as' back after tf.removeBackend('as'). A no-op while 'as' is registered.
 */
export function registerBackendAs(): void {
  registerBackend(AS_KERNELS, HEAP_KERNELS, {complex64: COMPLEX_FORMS, string: STRING_FORMS}, [
    ...COMPLEX_KERNELS,
    ...COMPOSITE_KERNELS,
    ...JS_KERNELS,
  ]);
}
registerBackendAs();

export {BACKEND_NAME, BACKEND_PRIORITY, backendInfo, setKernelVariant, setThreads} from './backend/register.js';
export type {BackendInfo} from './backend/register.js';
export type {KernelVariant} from './backend/variants.js';
export {dropout, randomBinomial, denseConcat} from './ops/index.js';
// The setWasmPaths of the tfjs-backend-wasm we run on: under pnpm's strict layout an app cannot
// import our copy of @tensorflow/tfjs-backend-wasm itself, and its own copy may be another.
export {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
export type {DropoutConfig, RandomBinomialConfig, DenseConcatActivation, DenseConcatConfig} from './ops/index.js';
