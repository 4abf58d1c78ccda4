// The machine's f32x4 multiply-add ceiling on one core, measured with hand-assembled wasm loops
// of independent multiply-adds held in registers (no memory traffic): the best any f32x4 GEMM
// can do here. measureCeiling('mul+add') uses f32x4.mul + f32x4.add; 'relaxed-madd' uses
// f32x4.relaxed_madd (an FMA where the CPU has one) and needs a runtime that validates relaxed SIMD.

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** (func (param $iters i32) (result f32)): CHAINS accumulators, each acc = acc*m + c per iteration. */
type Form = 'madd-chains' | 'split-chains' | 'relaxed';

function ceilingModule(form: Form, CHAINS: number): Uint8Array {
  const relaxed = form === 'relaxed';
  const get = (i: number) => [0x20, ...uleb(i)],
    set = (i: number) => [0x21, ...uleb(i)];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const M = CHAINS + 1,
    C = CHAINS + 2; // locals: 0 = iters, 1..CHAINS = acc, then m, c
  const f32const = (x: number) => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)];
  const body: number[] = [
    0x01,
    CHAINS + 2,
    0x7b, // local decls: CHAINS+2 v128
    ...f32const(form === 'split-chains' ? -1 : 0.999),
    ...simd(19),
    ...set(M), // m
    ...f32const(form === 'split-chains' ? 1e-30 : 0.001),
    ...simd(19),
    ...set(C), // c
  ];
  for (let i = 1; i <= CHAINS; i++) body.push(...f32const(i), ...simd(19), ...set(i));
  body.push(0x03, 0x40); // loop
  for (let i = 1; i <= CHAINS; i++) {
    if (form === 'split-chains') {
      // Half the chains only multiply (by -1), half only add: no mul->add latency on any chain.
      if (i % 2) body.push(...get(i), ...get(M), ...simd(230), ...set(i));
      else body.push(...get(i), ...get(C), ...simd(228), ...set(i));
    } else if (relaxed)
      body.push(...get(i), ...get(M), ...get(C), ...simd(261), ...set(i)); // f32x4.relaxed_madd
    else body.push(...get(i), ...get(M), ...simd(230), ...get(C), ...simd(228), ...set(i)); // f32x4.mul, add
  }
  body.push(...get(0), 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b); // iters -= 1; br_if; end
  body.push(...get(1)); // sum the lanes 0 of all chains (keeps them live)
  for (let i = 2; i <= CHAINS; i++) body.push(...get(i), ...simd(228));
  body.push(...simd(31), 0x00, 0x0b); // f32x4.extract_lane 0; end
  const code = [...uleb(body.length), ...body];
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]), // type (i32) -> f32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x01, 0x66, 0x00, 0x00]), // export "f"
    ...section(10, [0x01, ...code]),
  ]);
}

export interface Ceiling {
  /** GFLOP/s (a multiply-add counts as 2 flops per lane): the best median over the loop forms. */
  gflops: number;
  /** Median GFLOP/s of each loop form tried. */
  forms: Record<string, number>;
}

/** Median GFLOP/s of one loop form: `samples` timed runs of ~`ms` each, after a warm-up. */
function measureForm(form: Form, chains: number, samples: number, ms: number): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(ceilingModule(form, chains) as BufferSource));
  const f = instance.exports.f as (iters: number) => number;
  const flopsPerIter = chains * 4 * (form === 'split-chains' ? 1 : 2);
  let iters = 1 << 16;
  for (;;) {
    // calibrate (and warm up) to ~ms per sample
    const t0 = performance.now();
    f(iters);
    const dt = performance.now() - t0;
    if (dt > ms / 2 || iters > 1 << 30) {
      iters = Math.max(1, Math.round((iters * ms) / Math.max(dt, 1e-3)));
      break;
    }
    iters *= 4;
  }
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    f(iters);
    rates.push((flopsPerIter * iters) / ((performance.now() - t0) * 1e6));
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1];
}

/**
 * The f32x4 ceiling on one core. 'mul+add' (what the scalar-free SIMD build can use):
 * the best of `acc = acc·m + c` chains (mul then add on one chain) and split chains (half
 * multiply, half add, so no chain waits on a mul→add latency). 'relaxed-madd': chains of
 * f32x4.relaxed_madd (needs relaxed SIMD). Chain counts stay within x64's 16 xmm registers.
 */
export function measureCeiling(kind: 'mul+add' | 'relaxed-madd', samples = 7, ms = 40): Ceiling {
  const configs: [Form, number][] =
    kind === 'mul+add'
      ? [
          ['madd-chains', 12],
          ['madd-chains', 13],
          ['split-chains', 12],
          ['split-chains', 14],
        ]
      : [
          ['relaxed', 10],
          ['relaxed', 12],
          ['relaxed', 13],
        ];
  const forms: Record<string, number> = {};
  for (const [form, chains] of configs) forms[`${form} x${chains}`] = measureForm(form, chains, samples, ms);
  return {gflops: Math.max(...Object.values(forms)), forms};
}
