// The relaxed-SIMD variant: Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd,
// so this reruns conv.test.ts in a child process with that flag, on that variant alone.
import {test} from 'uvu';
import * as assert from 'uvu/assert';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

test('conv.test.ts passes on the relaxed-simd variant (child node with --experimental-wasm-relaxed-simd)', () => {
  const child = spawnSync(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', '--import', 'tsx', path.join(here, 'conv.test.ts')],
    {
      env: {...process.env, TFJS_AS_CONV_VARIANTS: 'relaxed-simd', FORCE_COLOR: '0'},
      encoding: 'utf8',
    },
  );
  const output = `${child.stdout}${child.stderr}`;
  const total = /Total:\s+(\d+)/.exec(output),
    passed = /Passed:\s+(\d+)/.exec(output);
  assert.ok(total && passed, `the child printed no totals:\n${output}`);
  assert.ok(+total![1] >= 8, `only ${total![1]} tests ran`);
  assert.is(+passed![1], +total![1], `failures in the relaxed-simd run:\n${output}`);
  assert.is(child.status, 0, output);
});

test.run();
