// FFT and IFFT on 'as' (assembly/fft.ts): the innermost dimension of a complex64 tensor is
// transformed, every other dimension is a batch. Here: the output parts, and the tables the
// AssemblyScript side may not hold (it has no data segment): twiddle factors for the radix-2
// size m and, when n is not a power of two, the Bluestein chirp, computed in float64.
import {type TensorInfo, util} from '@tensorflow/tfjs-core';
import type {BackendWasm} from '@tensorflow/tfjs-backend-wasm';
import {complexParts, makeComplexOutput} from '../../backend/complex.js';
import {memoryOf, offsetOf, withScratch} from '../../backend/heap.js';
import {kernelsOf} from '../../backend/state.js';
import {formatShape} from '../../format_shape.js';

const isPowerOfTwo = (n: number) => (n & (n - 1)) === 0;
const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(n));

/** The transform size: n itself, or the power of two Bluestein convolves in (>= 2n - 1). */
export function transformSize(n: number): number {
  return isPowerOfTwo(n) ? n : nextPowerOfTwo(2 * n - 1);
}

export function fft(kernel: string, backend: BackendWasm, input: TensorInfo, inverse: boolean): TensorInfo {
  if (input.dtype !== 'complex64')
    throw new Error(`${kernel}: input must be complex64, got ${input.dtype} of shape ${formatShape(input.shape)}`);
  if (input.shape.length === 0) throw new Error(`${kernel}: input must have rank 1 or more, got a scalar`);
  const n = input.shape[input.shape.length - 1]!;
  const size = util.sizeFromShape(input.shape);
  const {real, imag} = complexParts(backend, input);
  const outRe = backend.makeOutput(input.shape, 'float32');
  const outIm = backend.makeOutput(input.shape, 'float32');
  const out = makeComplexOutput(backend, outRe, outIm);
  if (size === 0) return out;
  if (n > 2 ** 26)
    throw new RangeError(`${kernel}: a transform length of ${n} is more than this kernel supports (2^26)`);
  const batch = size / n;
  const m = transformSize(n);
  const bluestein = m !== n;
  // Scratch, 16 bytes per f64 complex number: twiddles (m/2), chirp (n), B spectrum (m), work (m).
  const twiddleBytes = 16 * Math.max(1, m / 2),
    chirpBytes = bluestein ? 16 * n : 0,
    spectrumBytes = bluestein ? 16 * m : 0;
  const kernels = kernelsOf(backend);
  withScratch(backend, twiddleBytes + chirpBytes + spectrumBytes + 16 * m, scratch => {
    const twiddles = scratch,
      chirp = twiddles + twiddleBytes,
      spectrum = chirp + chirpBytes,
      work = spectrum + spectrumBytes;
    // Views after the allocation (memory may have grown), dropped before the AssemblyScript calls.
    const tw = new Float64Array(memoryOf(backend).buffer, twiddles, 2 * (m / 2));
    for (let k = 0; k < m / 2; k++) {
      const angle = (-2 * Math.PI * k) / m;
      tw[2 * k] = Math.cos(angle);
      tw[2 * k + 1] = Math.sin(angle);
    }
    if (bluestein) {
      // c_k = exp(-+ pi i k^2 / n), the angle reduced exactly (k^2 mod 2n) before it is scaled.
      const c = new Float64Array(memoryOf(backend).buffer, chirp, 2 * n);
      const sign = inverse ? 1 : -1;
      for (let k = 0; k < n; k++) {
        const angle = (sign * Math.PI * ((k * k) % (2 * n))) / n;
        c[2 * k] = Math.cos(angle);
        c[2 * k + 1] = Math.sin(angle);
      }
      kernels.bluesteinSpectrum(chirp, n, m, twiddles, spectrum);
    }
    kernels.fftRows(
      offsetOf(backend, real),
      offsetOf(backend, imag),
      offsetOf(backend, outRe),
      offsetOf(backend, outIm),
      batch,
      n,
      m,
      +inverse,
      twiddles,
      chirp,
      spectrum,
      work,
    );
  });
  return out;
}
