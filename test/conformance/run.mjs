// Conformance: tfjs-core's own shipped jasmine specs (all of @tensorflow/tfjs-core/dist/tests),
// run against 'cpu' (tfjs-backend-cpu: the reference, it passes them all), 'wasm'
// (tfjs-backend-wasm, the backend we build on) and 'as' (this package), each in its own process,
// all at once. Fails when a spec that passes on 'cpu' fails on 'as', unless that spec is listed
// by name in exceptions.json (beside this file) with its reason; and fails when a listed spec now
// passes on 'as' (or no longer exists), so the list can only shrink.
//
//   node test/conformance/run.mjs            (npm run test:conformance)
//   node test/conformance/run.mjs as         one backend only: writes its list, compares nothing
//
// Writes test/results/conformance-{cpu,wasm,as}.json (every spec's normalized name -> status,
// error) and test/results/conformance-summary.md (the failures grouped by cause); bundles and
// child logs go to test/results/conformance/. The last line printed is `N passed, N failed`:
// passed = specs passing on 'as', failed = unexcepted failures + stale exceptions + incomplete
// runs. Needs build/ (npm run build): 'as' is bundled from src/.
import {fork} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const resultsDir = path.join(root, 'test/results');
const workDir = path.join(resultsDir, 'conformance');
const require = (await import('node:module')).createRequire(import.meta.url);

const SPEC_TIMEOUT_MS = 20_000; // jasmine's async timeout per spec (tfjs' own value)
const WATCHDOG_MS = 90_000; // no spec started or finished for this long: it hangs, kill it
const DEADLINE_MS = 9 * 60_000; // whole run; stay under test/run.mjs' patience
const MAX_RESTARTS = 40;
const EXCEPTIONS_FILE = path.join(here, 'exceptions.json');

const BACKENDS = {
  cpu: `import '@tensorflow/tfjs-backend-cpu';\nimport '@tensorflow/tfjs-core/dist/register_all_gradients.js';\n`,
  // The baseline also registers tfjs-core's gradients (tfjs-core's Node bundle registers none,
  // and our package does): gradient specs then compare kernels, not registrations.
  wasm: `import '@tensorflow/tfjs-backend-wasm';\nimport '@tensorflow/tfjs-core/dist/register_all_gradients.js';\n`,
  as: `import ${JSON.stringify(path.join(root, 'src/index.ts'))};\n`,
};

const only = process.argv[2];
if (only && !BACKENDS[only]) throw new Error(`unknown backend '${only}'; valid: ${Object.keys(BACKENDS).join(', ')}`);
const backends = only ? [only] : Object.keys(BACKENDS);

for (const generated of ['build/kernels_wasm.ts', 'build/register_all_gradients.js']) {
  if (!fs.existsSync(path.join(root, generated))) {
    console.error(`conformance: ${generated} is missing; run \`npm run build\` first`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
fs.mkdirSync(workDir, {recursive: true});

// tfjs-backend-wasm (and the 'as' backend, which is an instance of it) loads its .wasm from the
// directory of the running script: the bundle's.
const wasmDist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of fs.readdirSync(wasmDist).filter(f => f.endsWith('.wasm'))) {
  fs.copyFileSync(path.join(wasmDist, f), path.join(workDir, f));
}

const jasmineFile = path.join(path.dirname(require.resolve('jasmine-core')), 'jasmine-core/jasmine.js');

/** Bundles entry.mjs for one backend; returns the bundle's path. */
async function bundle(backend) {
  const outfile = path.join(workDir, `bundle-${backend}.cjs`);
  await esbuild.build({
    entryPoints: [path.join(here, 'entry.mjs')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // tfjs-core's package.json lists sideEffects; without this esbuild drops the spec imports.
    ignoreAnnotations: true,
    // 'module' first: '@tensorflow/tfjs-core' then resolves to dist/index.js, the same modules
    // the specs import relatively, so the bundle holds ONE tfjs-core (not also tf-core.node.js).
    mainFields: ['module', 'main'],
    logLevel: 'error',
    sourcemap: false,
    plugins: [
      {
        name: 'conformance',
        setup(build) {
          build.onResolve({filter: /^conformance:backend$/}, () => ({path: backend, namespace: 'conformance-backend'}));
          build.onLoad({filter: /.*/, namespace: 'conformance-backend'}, () => ({
            contents: BACKENDS[backend],
            resolveDir: root,
            loader: 'js',
          }));
          // jasmine_util.js does `require('jasmine-core/lib/jasmine-core/jasmine.js').core(...)`,
          // jasmine 3's API; jasmine 7's file exports no `core`. Its only use is to set a default
          // timeout on a private instance: hand it jasmine 7's instance (boot.mjs sets the timeout again).
          // boot.mjs imports that same file directly (jasmine-core's `exports` map hides it, and its
          // main module lists its own directory at load time, which fails once bundled).
          build.onResolve({filter: /^jasmine-core\/lib\/jasmine-core\/jasmine\.js$/}, args =>
            args.importer.endsWith('jasmine_util.js')
              ? {path: 'jasmine-shim', namespace: 'conformance-jasmine'}
              : {path: jasmineFile},
          );
          build.onLoad({filter: /.*/, namespace: 'conformance-jasmine'}, () => ({
            contents: `module.exports = {core: () => require(${JSON.stringify(jasmineFile)}).jasmine};`,
            loader: 'js',
            resolveDir: root,
          }));
        },
      },
    ],
  });
  return outfile;
}

/**
 * Runs one backend's bundle to completion. A spec that kills or hangs the process is recorded
 * as failed and the bundle restarted with every spec already run skipped.
 */
function runBackend(backend, bundlePath, deadline) {
  const specs = new Map(); // jasmine spec id -> {name, status, error}
  const order = []; // ids in the order results arrived (declaration order)
  const suiteErrors = [];
  const logPath = path.join(workDir, `${backend}.log`);
  const skipPath = path.join(workDir, `${backend}.skip.json`);
  fs.writeFileSync(logPath, '');
  let restarts = 0;
  const started = Date.now();

  const record = (id, name, status, error) => {
    if (!specs.has(id)) order.push(id);
    specs.set(id, {name, status, error});
  };

  return new Promise(resolve => {
    const launch = () => {
      const skipped = new Set(specs.keys());
      fs.writeFileSync(skipPath, JSON.stringify([...skipped]));
      const log = fs.openSync(logPath, 'a');
      const child = fork(bundlePath, [], {
        cwd: workDir,
        env: {
          ...process.env,
          CONFORMANCE_BACKEND: backend,
          CONFORMANCE_SKIP: skipPath,
          CONFORMANCE_TIMEOUT: String(SPEC_TIMEOUT_MS),
        },
        stdio: ['ignore', log, log, 'ipc'],
      });
      let current = null,
        finished = false,
        progressed = false,
        lastMessage = Date.now();
      const watchdog = setInterval(() => {
        const now = Date.now();
        if (now - lastMessage > WATCHDOG_MS || now > deadline) child.kill('SIGKILL');
      }, 1000);
      child.on('message', m => {
        lastMessage = Date.now();
        // Specs skipped after a restart still report (as 'excluded'): keep their first result.
        if ((m.type === 'started' || m.type === 'done') && skipped.has(m.id)) return;
        if (m.type === 'started') {
          current = m;
        } else if (m.type === 'done') {
          record(m.id, m.name, m.status, m.error);
          current = null;
          progressed = true;
        } else if (m.type === 'suiteError') suiteErrors.push(m);
        else if (m.type === 'finished') finished = true;
      });
      child.on('exit', (code, signal) => {
        clearInterval(watchdog);
        fs.closeSync(log);
        if (finished) return done(null);
        const timedOut = Date.now() > deadline;
        const why = timedOut
          ? 'the whole run passed its deadline'
          : Date.now() - lastMessage > WATCHDOG_MS
            ? `no result for ${WATCHDOG_MS / 1000} s (killed)`
            : `the process exited (code ${code}, signal ${signal})`;
        if (current) {
          record(current.id, current.name, 'failed', `crashed: ${why}; see ${path.relative(root, logPath)}`);
          progressed = true;
        }
        if (timedOut) return done(`deadline reached after ${specs.size} specs`);
        if (!progressed)
          return done(`the bundle died before running any spec: ${why}; see ${path.relative(root, logPath)}`);
        if (++restarts > MAX_RESTARTS) return done(`gave up after ${MAX_RESTARTS} restarts`);
        fs.appendFileSync(
          logPath,
          `\n=== conformance: ${why}; restarting, skipping ${specs.size} specs already run ===\n`,
        );
        launch();
      });
    };
    const done = incomplete =>
      resolve({backend, specs, order, suiteErrors, restarts, incomplete, seconds: (Date.now() - started) / 1000});
    launch();
  });
}

/** Per-backend results keyed by spec name with the backend's name taken out, so both compare. */
function normalize(run) {
  const byName = new Map();
  const seen = new Map();
  for (const id of run.order) {
    const {name, status, error} = run.specs.get(id);
    // describeWithFlags suites are named `${name} ${testEnv.name} {}`.
    let key = name.replaceAll(` ${run.backend} {}`, ' <backend> {}');
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) key += ` (#${n})`; // a few specs share a full name
    byName.set(key, error ? {status, error} : {status});
  }
  const count = s => [...byName.values()].filter(r => r.status === s).length;
  return {
    byName,
    passed: count('passed'),
    failed: count('failed'),
    other: byName.size - count('passed') - count('failed'),
  };
}

const t0 = Date.now();
const deadline = t0 + DEADLINE_MS;
const bundles = await Promise.all(backends.map(b => bundle(b)));
const bundleSeconds = (Date.now() - t0) / 1000;
console.log(
  `conformance: tfjs-core ${require('@tensorflow/tfjs-core/package.json').version} specs, bundled in ${bundleSeconds.toFixed(1)} s; running ${backends.map(b => `'${b}'`).join(' and ')} in parallel (${os.cpus().length} cores)`,
);
const runs = await Promise.all(backends.map((b, i) => runBackend(b, bundles[i], deadline)));

const results = {};
for (const run of runs) {
  const r = normalize(run);
  // A bundle that ran no spec (esbuild dropped the spec modules, say) must not pass as 0 of 0.
  if (!run.incomplete && r.passed + r.failed === 0) run.incomplete = 'no spec ran';
  results[run.backend] = r;
  fs.writeFileSync(
    path.join(resultsDir, `conformance-${run.backend}.json`),
    JSON.stringify(
      {
        backend: run.backend,
        passed: r.passed,
        failed: r.failed,
        notRun: r.other,
        run: r.passed + r.failed,
        seconds: run.seconds,
        restarts: run.restarts,
        incomplete: run.incomplete,
        suiteErrors: run.suiteErrors,
        specs: Object.fromEntries(r.byName),
      },
      null,
      1,
    ),
  );
  console.log(
    `  ${run.backend.padEnd(4)}: ${r.passed} passed of ${r.passed + r.failed} run` +
      `${r.other ? ` (+${r.other} pending/excluded)` : ''}, ${run.seconds.toFixed(0)} s, ${run.restarts} restart(s)` +
      `${run.incomplete ? `, INCOMPLETE: ${run.incomplete}` : ''}`,
  );
}

const as = results.as;
const cpu = results.cpu;
const wasm = results.wasm;

/**
 * exceptions.json: {"<normalized spec name>": "why it may fail on 'as' for now", ...}. Only the
 * convolution family (until it lands) and Draw (needs a canvas; the browser stage covers it).
 */
const exceptions = new Map(Object.entries(JSON.parse(fs.readFileSync(EXCEPTIONS_FILE, 'utf8'))));
for (const [name, reason] of exceptions) {
  if (typeof reason !== 'string' || !reason.trim())
    throw new Error(`${path.relative(root, EXCEPTIONS_FILE)}: '${name}' has no reason`);
}

/** What a failure is about, from its first error line: the groups of the report. */
function causeOf(error = '') {
  const line = error.split('\n')[0];
  const missing = /Kernel '(\w+)' not registered/.exec(line);
  if (missing) return `kernel '${missing[1]}' missing`;
  const dtype = /Unknown dtype (\w+)/.exec(line);
  if (dtype) return `no ${dtype[1]} tensors`;
  if (/does not support dataFormat/.test(line)) return 'channelsFirst/NCHW convolution';
  if (/only supports rank-\d bias/.test(line)) return 'fused-convolution bias rank';
  if (/RuntimeError: Aborted/.test(line)) return 'aborts the wasm module';
  if (/no complex form|complex64/.test(line)) return 'complex64 input';
  if (/NaN/.test(line)) return 'NaN semantics';
  if (/to throw|to be rejected/.test(line)) return 'wrong or missing error';
  if (/crashed/.test(line)) return 'crashes the process';
  if (/Arrays differ|Expected/.test(line)) return 'wrong values';
  return line.replace(/\d+/g, 'N').slice(0, 80) || 'unknown';
}

const failing = [],
  excepted = [],
  staleExceptions = [],
  regressions = [],
  improvements = [],
  cpuOnly = [];
if (as && cpu) {
  for (const [name, c] of cpu.byName) {
    const a = as.byName.get(name);
    // Suites tfjs-core runs on one backend only ('Switching cpu backends' is cpu's).
    if (c.status === 'passed' && !a) cpuOnly.push(name);
    if (c.status !== 'passed' || a?.status !== 'failed') continue;
    (exceptions.has(name) ? excepted : failing).push(name);
  }
  for (const name of exceptions.keys()) {
    if (!(cpu.byName.get(name)?.status === 'passed' && as.byName.get(name)?.status !== 'passed'))
      staleExceptions.push(name);
  }
}
if (as && wasm) {
  for (const [name, w] of wasm.byName)
    if (w.status === 'passed' && as.byName.get(name)?.status !== 'passed') regressions.push(name);
  for (const [name, a] of as.byName)
    if (a.status === 'passed' && wasm.byName.get(name)?.status !== 'passed') improvements.push(name);
}

const explain = name => {
  const r = as?.byName.get(name);
  return `    - ${name}\n        ${r ? `${r.status}: ${(r.error || '').split('\n')[0].slice(0, 300)}` : 'did not run on as'}`;
};
const SHOWN = 40; // the console shows this many of each list; the summary file has them all
const section = (title, names, full) => [
  `${title}: ${names.length}`,
  ...(full ? names : names.slice(0, SHOWN)).map(explain),
  ...(!full && names.length > SHOWN
    ? [`    ... ${names.length - SHOWN} more in test/results/conformance-summary.md`]
    : []),
];
/** The names grouped by cause, largest group first. */
const byCause = (title, names, full, reasonOf) => {
  const groups = new Map();
  for (const name of names) {
    const cause = reasonOf(name);
    if (!groups.has(cause)) groups.set(cause, []);
    groups.get(cause).push(name);
  }
  const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
  return [
    `${title}: ${names.length}`,
    ...sorted.flatMap(([cause, list]) => [`  ${cause}: ${list.length}`, ...(full ? list.map(explain) : [])]),
  ];
};
const report = full => [
  ...(as && cpu
    ? byCause(`pass on 'cpu', fail on 'as', not excepted (by cause)`, failing, full, n =>
        causeOf(as.byName.get(n)?.error),
      )
    : []),
  ...(!full && failing.length ? section('  those specs', failing, false) : []),
  ...(as && cpu
    ? byCause(
        `pass on 'cpu', fail on 'as', excepted in test/conformance/exceptions.json (by reason)`,
        excepted,
        full,
        n => exceptions.get(n),
      )
    : []),
  ...(as && cpu
    ? section(
        `stale exceptions (listed, but passing on 'as' or gone: remove them from exceptions.json)`,
        staleExceptions,
        true,
      )
    : []),
  ...(as && cpu
    ? [
        `run on 'cpu' only (suites tfjs-core restricts to cpu): ${cpuOnly.length}`,
        ...(full ? cpuOnly.map(n => `    - ${n}`) : []),
      ]
    : []),
  ...(as && wasm
    ? [`pass on 'wasm', fail on 'as': ${regressions.length}`, ...(full ? regressions.map(n => `    - ${n}`) : [])]
    : []),
  ...(as && wasm
    ? [`fail on 'wasm', pass on 'as': ${improvements.length}`, ...(full ? improvements.map(n => `    - ${n}`) : [])]
    : []),
];
console.log(report(false).join('\n'));

const incomplete = runs.filter(r => r.incomplete);
const passed = (as ?? wasm ?? cpu).passed;
const failed = failing.length + staleExceptions.length + incomplete.length;
const version = require('@tensorflow/tfjs-core/package.json').version;
fs.writeFileSync(
  path.join(resultsDir, 'conformance-summary.md'),
  [
    `# tfjs-core ${version} specs: ${backends.map(b => `'${b}'`).join(' vs ')}`,
    '',
    ...runs.map(
      run =>
        `- ${run.backend}: ${results[run.backend].passed} passed of ${results[run.backend].passed + results[run.backend].failed} run, ` +
        `${run.seconds.toFixed(0)} s, ${run.restarts} restart(s)${run.incomplete ? `, INCOMPLETE: ${run.incomplete}` : ''}`,
    ),
    '',
    '```',
    ...report(true),
    '```',
    '',
  ].join('\n'),
);
console.log(
  `results: ${backends.map(b => `test/results/conformance-${b}.json`).join(', ')}, test/results/conformance-summary.md (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
