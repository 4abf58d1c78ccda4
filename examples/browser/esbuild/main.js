import * as tf from '@tensorflow/tfjs-core';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as as from 'tfjs-backend-as';
import * as keras from 'tfjs-backend-as/keras';
import {runExample} from '../shared.js';

// build.mjs copies tfjs-backend-wasm's .wasm files next to the bundle. Our own kernels need
// nothing: they are inlined in the package.
setWasmPaths(new URL('./', import.meta.url).href);
await runExample(tf, as, keras);
