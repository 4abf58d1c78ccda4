// The kernels module: every exported function works in place on tfjs-backend-wasm's heap.
// Rules for everything under assembly/ (a test checks the binaries):
//  - no allocation and no static data (no strings, no arrays): a data segment would be copied
//    over emscripten's heap when the module is instantiated on that memory;
//  - pointers in, pointers out; scratch space is allocated by the caller through the backend.
export * from './matmul';
export * from './concat';
export * from './philox';
export * from './dropout';
export * from './optimizers';
export * from './segment';
export * from './fft';
export * from './clip';
export * from './add';
export * from './conv';
export * from './depthwise';
export * from './pool';
export * from './bias_grad';
export * from './crossentropy';
