// The backend's own ops, as the layer API uses them. This is the one place src/keras imports the
// backend entry: the keras bundle rewrites '../index.js' to the package name (scripts/build.mjs),
// so the backend module is loaded once per process. Importing it also registers backend 'as'.
export {dropout, randomBinomial, denseConcat} from '../index.js';
export type {DenseConcatActivation} from '../index.js';
