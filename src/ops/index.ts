// Ops tfjs-core lacks. Importing this module registers their gradients (and Einsum's, which
// tfjs-core lacks: einsum_grad.ts); the 'as' kernels behind
// them are in src/kernels/ (Dropout.ts, RandomBinomial.ts, DenseConcat.ts).
import './einsum_grad.js';
export {dropout} from './dropout.js';
export type {DropoutConfig} from './dropout.js';
export {randomBinomial} from './random_binomial.js';
export type {RandomBinomialConfig} from './random_binomial.js';
export {denseConcat} from './dense_concat.js';
export type {DenseConcatActivation, DenseConcatConfig} from './dense_concat.js';
