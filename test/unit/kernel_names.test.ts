// The contract module (src/kernel_names.ts) against the AssemblyScript module: every enum code the
// TypeScript side passes must be the value the AssemblyScript side compares with, in every build,
// and every code the AssemblyScript side exports must be known to the contract.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {KERNEL_WASM_BASE64} from '../../build/kernels_wasm.js';
import {runtimeSupport} from '../../src/backend/variants.js';
import {
  ACTIVATION_CODES,
  ACTIVATION_EXPORTS,
  BINOMIAL_KIND_CODES,
  BINOMIAL_KIND_EXPORTS,
  DENSE_CONCAT_ACTIVATIONS,
  isFusedActivation,
} from '../../src/kernel_names.js';

function exportsOf(variant: string): Record<string, unknown> {
  const bytes = Buffer.from(KERNEL_WASM_BASE64[variant]!, 'base64');
  const shared = variant.endsWith('-shared');
  const memory = new WebAssembly.Memory(shared ? {initial: 1, maximum: 65536, shared: true} : {initial: 1});
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {env: {memory}}).exports as Record<string, unknown>;
}

const exportedValue = (exports: Record<string, unknown>, name: string) => {
  const g = exports[name];
  assert.ok(g instanceof WebAssembly.Global, `the kernels module exports no constant ${name}`);
  return (g as WebAssembly.Global).value as number;
};

const variants = Object.keys(KERNEL_WASM_BASE64);

test('the inlined builds include every variant the contract is checked on', () => {
  for (const v of ['scalar', 'simd', 'relaxed-simd', 'scalar-shared', 'simd-shared', 'relaxed-simd-shared']) {
    assert.ok(variants.includes(v), `variant ${v} missing`);
  }
});

for (const variant of variants) {
  test(`${variant}: activation and binomial codes equal the AssemblyScript constants`, () => {
    // Relaxed-SIMD builds compile only with relaxed SIMD (Node 20: a flag); they come from the
    // same sources, and matmul_relaxed.test.ts runs them in a child process with the flag.
    if (variant.startsWith('relaxed') && !runtimeSupport().relaxedSimd) return;
    const exports = exportsOf(variant);
    for (const [name, code] of Object.entries(ACTIVATION_CODES)) {
      assert.is(
        exportedValue(exports, ACTIVATION_EXPORTS[name as keyof typeof ACTIVATION_EXPORTS]),
        code,
        `activation ${name}`,
      );
    }
    for (const [dtype, code] of Object.entries(BINOMIAL_KIND_CODES)) {
      assert.is(
        exportedValue(exports, BINOMIAL_KIND_EXPORTS[dtype as keyof typeof BINOMIAL_KIND_EXPORTS]),
        code,
        `binomial ${dtype}`,
      );
    }
    // Nothing the AssemblyScript side defines is missing from the contract.
    const known = new Set([...Object.values(ACTIVATION_EXPORTS), ...Object.values(BINOMIAL_KIND_EXPORTS)]);
    for (const name of Object.keys(exports).filter(n => /^(ACT|BINOMIAL)_/.test(n))) {
      assert.ok(known.has(name), `${name} is exported by the kernels module but not in src/kernel_names.ts`);
    }
  });
}

test('codes are distinct, and denseConcat offers only fused activations', () => {
  assert.is(new Set(Object.values(ACTIVATION_CODES)).size, Object.keys(ACTIVATION_CODES).length);
  assert.is(new Set(Object.values(BINOMIAL_KIND_CODES)).size, Object.keys(BINOMIAL_KIND_CODES).length);
  for (const a of DENSE_CONCAT_ACTIVATIONS) assert.ok(isFusedActivation(a), a);
  assert.not.ok(isFusedActivation('tanh'));
  assert.not.ok(isFusedActivation('toString'), 'inherited object keys are not activations');
});

test.run();
