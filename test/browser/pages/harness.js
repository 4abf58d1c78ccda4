// A minimal in-page test harness: checks register with test(name, fn); run() executes them in
// order and resolves to [{name, ok, message}], which test/browser/run.mjs reads through
// window.__suite and counts. Every check must be able to fail: assert on values, never on
// "did not throw" alone.

const tests = [];
export function test(name, fn) {
  tests.push({name, fn});
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function assertClose(actual, expected, tolerance, what) {
  assert(actual.length === expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i],
      e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tolerance * (1 + Math.abs(e));
    assert(ok, `${what}: element ${i} is ${a}, expected ${e} (tolerance ${tolerance})`);
  }
}

export async function run() {
  const results = [];
  for (const {name, fn} of tests) {
    try {
      await fn();
      results.push({name, ok: true});
    } catch (e) {
      results.push({name, ok: false, message: String(e?.message || e)});
    }
  }
  document.getElementById('out').textContent = results
    .map(r => `${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `: ${r.message}`}`)
    .join('\n');
  return results;
}

/** Deterministic pseudo-random floats in [-1, 1) (a small LCG: the page needs no dependency). */
export function randomArray(length, seed) {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** C = op(A) op(B) in float64, A [m,k] (or [k,m] when transA), B [k,n] (or [n,k] when transB). */
export function matMulReference(a, b, m, n, k, transA = false, transB = false) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      }
      c[i * n + j] = sum;
    }
  }
  return c;
}
