// Alternating timing of contenders that may live on different tfjs backends (and, on 'as', on
// different kernels builds), in one process: each round runs every contender once (a batch of
// calls sized to ~`batchMs`), so drift in the machine's load hits all of them alike; the result
// per contender is the median over rounds.
import * as tf from '@tensorflow/tfjs-core';
import {backendInfo, type KernelVariant, setKernelVariant, setThreads} from '../index.js';
import {median} from './report.js';

export interface Contender {
  name: string;
  /** The tfjs backend the contender runs on (set before its setup and each of its batches). */
  backend: 'as' | 'wasm' | 'cpu';
  /** On 'as': the kernels build, switched to before its setup and each of its batches. */
  variant?: KernelVariant;
  /** On 'as': the threads it runs on (default 1), set like the variant. */
  threads?: number;
  /** Makes the inputs (on `backend`); called once. */
  setup?: () => void;
  /** One call of the work; whatever it returns is disposed (outside the timing of the next call). */
  run: () => tf.Tensor | tf.Tensor[] | undefined;
  /** Frees the inputs; called once at the end. */
  teardown?: () => void;
}

export interface Timing {
  name: string;
  backend: Contender['backend'];
  variant: KernelVariant | null;
  /** Threads of an 'as' contender. */
  threads: number | null;
  /** Median microseconds per call. */
  us: number;
  /** Microseconds per call of each round. */
  samples: number[];
}

export interface AlternateOptions {
  rounds?: number;
  /** The length of one contender's batch of calls in a round. */
  batchMs?: number;
}

/** Makes `who` the running contender: its backend and, on 'as', its kernels build and threads. */
export async function activate(who: {
  backend: string;
  variant?: KernelVariant | null;
  threads?: number;
}): Promise<void> {
  await tf.setBackend(who.backend);
  // Both restart things (the build, the workers): skip them when they are as wanted.
  if (who.variant && backendInfo().variant !== who.variant) await setKernelVariant(who.variant);
  if (who.backend === 'as' && backendInfo().requestedThreads !== (who.threads ?? 1)) await setThreads(who.threads ?? 1);
}

function once(c: Contender): void {
  const out = c.run();
  if (Array.isArray(out)) tf.dispose(out);
  else out?.dispose();
}

export async function alternate(
  contenders: Contender[],
  {rounds = 15, batchMs = 25}: AlternateOptions = {},
): Promise<Timing[]> {
  const iters: number[] = [];
  for (const c of contenders) {
    await activate(c);
    c.setup?.();
    // Warm up and size the batch.
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) once(c);
      const dt = performance.now() - t0;
      if (dt >= batchMs / 4 || n >= 1 << 20) {
        iters.push(Math.max(1, Math.round((n * batchMs) / Math.max(dt, 1e-3))));
        break;
      }
      n *= 2;
    }
  }
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [k, c] of contenders.entries()) {
      await activate(c);
      const t0 = performance.now();
      for (let i = 0; i < iters[k]!; i++) once(c);
      samples[k]!.push(((performance.now() - t0) * 1000) / iters[k]!);
    }
  }
  for (const c of contenders) {
    await activate(c);
    c.teardown?.();
  }
  return contenders.map((c, k) => ({
    name: c.name,
    backend: c.backend,
    variant: c.variant ?? null,
    threads: c.backend === 'as' ? (c.threads ?? 1) : null,
    us: median(samples[k]!),
    samples: samples[k]!,
  }));
}

/** Rounds and batch length: the defaults, or a few short rounds for a quick run. */
export const timingFor = (quick: boolean): AlternateOptions => (quick ? {rounds: 3, batchMs: 2} : {});
