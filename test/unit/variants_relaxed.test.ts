// The relaxed-SIMD variant of the kernels added for drop-in conformance: Node 20 validates relaxed
// SIMD only with --experimental-wasm-relaxed-simd, so each file reruns in a child Node with that
// flag, on that variant alone (TFJS_AS_VARIANTS, test/unit/variants.ts).
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

for (const file of ['segment_sum.test.ts', 'complex_fft.test.ts', 'einsum_strings.test.ts']) {
  test(`${file} passes on the relaxed-simd variant`, () => {
    const child = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', 'tsx', path.join(here, file)],
      {
        env: {...process.env, TFJS_AS_VARIANTS: 'relaxed-simd', FORCE_COLOR: '0'},
        encoding: 'utf8',
      },
    );
    const output = `${child.stdout}${child.stderr}`;
    const total = /Total:\s+(\d+)/.exec(output),
      passed = /Passed:\s+(\d+)/.exec(output);
    assert.ok(total && passed, `the child printed no totals:\n${output.slice(-3000)}`);
    assert.is(+passed![1], +total![1], `failures in the relaxed-simd run:\n${output.slice(-3000)}`);
    assert.is(child.status, 0, output.slice(-3000));
  });
}

test.run();
