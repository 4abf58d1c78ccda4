// Alternating timing of contenders that may live on different tfjs backends, in one process:
// each round runs every contender once (a batch of calls sized to ~`batchMs`), so drift in the
// machine's load hits all of them alike; the result per contender is the median over rounds.
import * as tf from '@tensorflow/tfjs-core';
import {median} from './index.js';

export interface Contender {
  name: string;
  /** The tfjs backend the contender runs on (set before its setup and each of its batches). */
  backend: string;
  /** Makes the inputs (on `backend`); called once. */
  setup?: () => void;
  /** One call of the work; whatever it returns is disposed (outside the timing of the next call). */
  run: () => tf.Tensor | tf.Tensor[] | undefined;
  /** Frees the inputs; called once at the end. */
  teardown?: () => void;
}

export interface Timing {
  name: string;
  backend: string;
  /** Median microseconds per call. */
  us: number;
  samples: number[];
}

function once(c: Contender): void {
  const out = c.run();
  if (Array.isArray(out)) out.forEach(t => { t.dispose(); }); else out?.dispose();
}

export async function alternate(contenders: Contender[], rounds = 15, batchMs = 25): Promise<Timing[]> {
  const iters: number[] = [];
  for (const c of contenders) {
    await tf.setBackend(c.backend);
    c.setup?.();
    // Warm up and size the batch.
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) once(c);
      const dt = performance.now() - t0;
      if (dt >= batchMs / 4 || n >= 1 << 20) { iters.push(Math.max(1, Math.round(n * batchMs / Math.max(dt, 1e-3)))); break; }
      n *= 2;
    }
  }
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[k];
      await tf.setBackend(c.backend);
      const t0 = performance.now();
      for (let i = 0; i < iters[k]; i++) once(c);
      samples[k].push((performance.now() - t0) * 1000 / iters[k]);
    }
  }
  for (const c of contenders) { await tf.setBackend(c.backend); c.teardown?.(); }
  return contenders.map((c, k) => ({name: c.name, backend: c.backend, us: median(samples[k]), samples: samples[k]}));
}
