// The conformance bundle's entry (bundled by run.mjs, once per backend). Order matters: ES
// imports are evaluated in the order written, and setTestEnvs (boot.mjs) must run before any
// spec module calls describeWithFlags.
import {execute} from './boot.mjs';
// Resolved by run.mjs: tfjs-backend-wasm + tfjs-core's gradients, or this package.
import 'conformance:backend';
// tfjs-core's own jasmine specs: dist/tests.js imports every *_test.js.
import '@tensorflow/tfjs-core/dist/tests.js';

execute();
