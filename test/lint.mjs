// The lint stage of npm test: Biome's formatter check and linter (`biome check`) over the whole
// tree, configured in biome.jsonc. One stage, counted as one test, so that test/run.mjs's
// `N passed, N failed` line includes it.
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const result = spawnSync(process.execPath, [biome, 'check', '--diagnostic-level=info', '--error-on-warnings', '.'], {
  cwd: root,
  stdio: 'inherit',
});
console.log(result.status === 0 ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(result.status === 0 ? 0 : 1);
