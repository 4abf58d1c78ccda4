// Runs inside the conformance bundle, BEFORE tfjs-core's spec modules are evaluated (entry.mjs
// imports it first; ES imports evaluate in order): installs jasmine's globals, registers the
// one test environment, and reports every spec's result to the parent process (run.mjs) over
// IPC, so that results already sent survive a crash of this process.
//
// Environment (set by run.mjs):
//   CONFORMANCE_BACKEND   'cpu', 'wasm' or 'as': the backend every describeWithFlags suite runs on
//   CONFORMANCE_SKIP      optional path of a JSON array of spec ids already run (restart after a crash)
//   CONFORMANCE_TIMEOUT   jasmine's per-spec async timeout in ms
//   CONFORMANCE_FILTER    optional: run only the specs whose full name contains this text (debugging)
import fs from 'node:fs';
// jasmine 7's core file (run.mjs resolves it): exports installGlobals.
import jasmineCore from 'jasmine-core/lib/jasmine-core/jasmine.js';
import {setTestEnvs} from '@tensorflow/tfjs-core/dist/jasmine_util.js';

const backend = process.env.CONFORMANCE_BACKEND;
if (!['cpu', 'wasm', 'as'].includes(backend))
  throw new Error(`CONFORMANCE_BACKEND must be 'cpu', 'wasm' or 'as', got '${backend}'`);

jasmineCore.installGlobals();
const env = jasmine.getEnv();
// tfjs' own value is 20 s; a spec that hangs on a never-settling promise fails after this (one
// that blocks the thread is killed by run.mjs' watchdog).
jasmine.DEFAULT_TIMEOUT_INTERVAL = Number(process.env.CONFORMANCE_TIMEOUT ?? 20000);
const filter = process.env.CONFORMANCE_FILTER;
const skip = new Set(
  process.env.CONFORMANCE_SKIP ? JSON.parse(fs.readFileSync(process.env.CONFORMANCE_SKIP, 'utf8')) : [],
);
// Declaration order, not random: both backends then run the specs in the same order, so state
// one spec leaves behind affects the next spec the same way on both.
// tfjs' specs reuse suite and spec names (two 'div' suites, ...), which jasmine 7 rejects by
// default; its (deprecated) switch still allows them.
env.configure({
  random: false,
  stopOnSpecFailure: false,
  forbidDuplicateNames: false,
  specFilter: spec => !skip.has(spec.id) && (!filter || spec.getFullName().includes(filter)),
});

// describeWithFlags names each suite `${name} ${testEnv.name} ${JSON.stringify(flags)}`.
setTestEnvs([{name: backend, backendName: backend, flags: {}, isDataSync: true}]);

// Run by hand (node test/results/conformance/bundle-as.cjs), failures and their stacks go to the console.
const send = message => {
  if (process.send) process.send(message);
};
env.addReporter({
  specStarted: r => send({type: 'started', id: r.id, name: r.fullName}),
  specDone: r =>
    process.send
      ? send({
          type: 'done',
          id: r.id,
          name: r.fullName,
          status: r.status,
          error: r.failedExpectations
            .map(f => f.message)
            .join('\n')
            .slice(0, 2000),
        })
      : r.status === 'failed' &&
        console.log(`FAILED ${r.fullName}\n${r.failedExpectations.map(f => f.stack).join('\n')}`),
  // A failing afterAll is reported on its suite, not on a spec: keep it visible.
  suiteDone: r => {
    if (r.failedExpectations.length)
      send({
        type: 'suiteError',
        name: r.fullName,
        error: r.failedExpectations
          .map(f => f.message)
          .join('\n')
          .slice(0, 2000),
      });
  },
});

/** Called by entry.mjs once every spec module has been evaluated. */
export async function execute() {
  const result = await env.execute();
  const finished = {
    type: 'finished',
    overallStatus: result.overallStatus,
    incompleteReason: result.incompleteReason ?? null,
  };
  // Exit explicitly once the message is out: emscripten/tfjs may hold handles open.
  if (process.send) process.send(finished, () => process.exit(0));
  else process.exit(0);
}
