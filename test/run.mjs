// npm test: every uvu suite (test/unit/*.test.ts, each in its own process: backends and the
// heap are per-process state), then the stages that have their own runners (conformance,
// browser). uvu prints no combined total, so this prints one: `N passed, N failed`.
//
//   node test/run.mjs                 everything
//   node test/run.mjs unit            only the uvu suites (add a name filter: unit matmul)
//   node test/run.mjs lint            only Biome (biome.jsonc)
//   node test/run.mjs conformance     only tfjs-core's specs
//   node test/run.mjs stress          the out-of-memory reproductions (2-4 GiB each; not in the default run)
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [stageFilter, nameFilter] = process.argv.slice(2);

// Each stage: a command whose output ends with uvu's totals or a `N passed, N failed` line.
const stages = [];
const unitDir = path.join(root, 'test/unit');
for (const file of fs
  .readdirSync(unitDir)
  .filter(f => f.endsWith('.test.ts'))
  .sort()) {
  if (nameFilter && !file.includes(nameFilter)) continue;
  stages.push({group: 'unit', name: file, args: ['--import', 'tsx', path.join(unitDir, file)]});
}
// test/stress/*: the 2-4 GiB out-of-memory reproductions, only with `node test/run.mjs stress`
// (npm run test:stress): each file alone in its process, one at a time (memory, not cores, is the limit).
if (stageFilter === 'stress') {
  const stressDir = path.join(root, 'test/stress');
  for (const file of fs
    .readdirSync(stressDir)
    .filter(f => f.endsWith('.test.ts'))
    .sort()) {
    if (nameFilter && !file.includes(nameFilter)) continue;
    stages.push({group: 'stress', name: file, args: ['--import', 'tsx', path.join(stressDir, file)]});
  }
}
for (const [group, script] of [
  ['lint', 'test/lint.mjs'],
  ['conformance', 'test/conformance/run.mjs'],
  ['browser', 'test/browser/run.mjs'],
]) {
  if (fs.existsSync(path.join(root, script))) stages.push({group, name: group, args: [path.join(root, script)]});
}
const selected = stages.filter(s => !stageFilter || s.group === stageFilter);

function runStage(stage) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, stage.args, {cwd: root, env: {...process.env, FORCE_COLOR: '0'}});
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.on('exit', code => resolve({stage, code, output}));
  });
}

function count(output) {
  // uvu: "  Total:     12\n  Passed:    11\n  Skipped:   0"
  const total = [...output.matchAll(/^\s*Total:\s+(\d+)/gm)].pop();
  const passed = [...output.matchAll(/^\s*Passed:\s+(\d+)/gm)].pop();
  if (total && passed) return {passed: +passed[1], failed: +total[1] - +passed[1]};
  const line = [...output.matchAll(/(\d+) passed, (\d+) failed/g)].pop();
  if (line) return {passed: +line[1], failed: +line[2]};
  return null;
}

let passed = 0,
  failed = 0,
  broken = 0;
const queue = [...selected];
// Two at a time (two cores); the conformance and browser stages run alone at the end.
const parallel = queue.filter(s => s.group === 'unit');
const serial = queue.filter(s => s.group !== 'unit');
function report({stage, code, output}) {
  const c = count(output);
  const ok = code === 0 && c && c.failed === 0;
  if (!ok) process.stdout.write(output);
  else for (const line of output.match(/^SKIPPED.*$/gm) ?? []) console.log(line); // e.g. no chromium outside CI
  if (c) {
    passed += c.passed;
    failed += c.failed;
  }
  // A stage that crashed, or exited 0 without printing totals (e.g. a test file that never calls
  // test.run()), must not pass silently: it counts as one failure.
  if (!ok && (!c || c.failed === 0)) {
    broken++;
    failed++;
  }
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${stage.group}/${stage.name}${c ? `: ${c.passed} passed, ${c.failed} failed` : ': no totals printed'}`,
  );
}
await Promise.all(
  [0, 1].map(async () => {
    while (parallel.length) report(await runStage(parallel.shift()));
  }),
);
for (const stage of serial) report(await runStage(stage));
if (broken)
  console.log(`(${broken} stage(s) exited non-zero or printed no totals, without a failing test: counted as failures)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && selected.length > 0 ? 0 : 1);
