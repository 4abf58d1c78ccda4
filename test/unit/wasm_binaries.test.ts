// The kernels module runs on tfjs-backend-wasm's own memory, so every build of it must import
// that memory (never declare its own) and must have no data segment: instantiating a module
// with one would copy it over whatever emscripten keeps at those addresses.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
// @ts-expect-error: a plain .mjs helper shared with the build script
import {inspectWasm} from '../../scripts/wasm-sections.mjs';
import {KERNEL_WASM_BASE64} from '../../build/kernels_wasm.js';
import {runtimeSupport} from '../../src/backend/variants.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const asconfig = JSON.parse(fs.readFileSync(path.join(root, 'asconfig.json'), 'utf8'));
const targets = Object.entries(asconfig.targets) as [string, {outFile: string; sharedMemory?: boolean}][];

test('every variant named by the design is built', () => {
  for (const v of ['scalar', 'simd', 'relaxed-simd', 'simd-shared', 'relaxed-simd-shared']) {
    assert.ok(
      targets.some(([name]) => name === v),
      `missing target ${v}`,
    );
    assert.ok(KERNEL_WASM_BASE64[v], `variant ${v} is not inlined in build/kernels_wasm.ts`);
  }
});

for (const [name, target] of targets) {
  test(`${name}: imports env.memory (shared=${!!target.sharedMemory}), exports no memory, has no data segment`, () => {
    const bytes = fs.readFileSync(path.join(root, target.outFile));
    // The inlined copy is the same binary.
    assert.equal(Buffer.from(KERNEL_WASM_BASE64[name], 'base64'), bytes);
    const info = inspectWasm(bytes);
    assert.equal(
      info.imports.map((i: {module: string; name: string}) => `${i.module}.${i.name}`),
      ['env.memory'],
    );
    assert.is(info.imports[0].shared, !!target.sharedMemory);
    assert.is(info.dataSegments, 0);
    assert.not.ok(
      info.sections.some((s: {name: string}) => s.name === 'data'),
      'data section present',
    );
    assert.not.ok(
      info.sections.some((s: {name: string}) => s.name === 'memory'),
      'declares its own memory',
    );
    // A relaxed-SIMD build (it uses f32x4.relaxed_madd) compiles only where the runtime has
    // relaxed SIMD: Node 20 needs --experimental-wasm-relaxed-simd (matmul_relaxed.test.ts).
    if (name.startsWith('relaxed') && !runtimeSupport().relaxedSimd) return;
    const module = new WebAssembly.Module(bytes);
    assert.not.ok(
      WebAssembly.Module.exports(module).some(e => e.kind === 'memory'),
      'exports a memory',
    );
  });
}

test('the section parser sees a data segment when there is one (so the checks above can fail)', () => {
  // (module (memory 1) (data (i32.const 0) "x")) — hand-assembled.
  const withData = new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    5,
    3,
    1,
    0,
    1, // memory section: one memory, min 1
    11,
    7,
    1,
    0,
    0x41,
    0,
    0x0b,
    1,
    0x78,
  ]); // data section: one active segment "x" at 0
  assert.ok(WebAssembly.validate(withData));
  const info = inspectWasm(withData);
  assert.is(info.dataSegments, 1);
  assert.ok(info.sections.some((s: {name: string}) => s.name === 'memory'));
});

test.run();
