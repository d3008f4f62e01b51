/**
 * The library FFT the engine runs on, loaded once per thread: PFFFT compiled to WebAssembly with
 * SIMD (float32; sizes 2^a 3^b 5^c). Riffusion's 17640 = 2^3 3^2 5 7^2 is out of its reach, so the
 * exact analysis runs as a chirp z-transform on it (fft.ts). The package ships no types, so it is
 * imported through a string the compiler does not resolve.
 */

export interface WasmHeap {
  HEAPF32: Float32Array;
}

export interface PffftModule extends WasmHeap {
  _pffft_new_setup(n: number, kind: number): number;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  /** Transform with the frequency domain in PFFFT's internal order (for zconvolve). */
  _pffft_transform(setup: number, input: number, output: number, work: number, direction: number): void;
  /** dft_ab += dft_a * dft_b * scaling, on internally ordered spectra. */
  _pffft_zconvolve_accumulate(setup: number, a: number, b: number, ab: number, scaling: number): void;
}

const PFFFT_SIMD: string = '@echogarden/pffft-wasm/simd';

export const pffft = await ((await import(PFFFT_SIMD)) as { default: () => Promise<PffftModule> }).default();

/**
 * PFFFT's transform sizes: N = 2^a 3^b 5^c with a >= 5 for real transforms (its SIMD real transform
 * needs multiples of 32), a >= 4 for complex ones.
 */
export function isPffftSize(n: number, kind: 'real' | 'complex' = 'real'): boolean {
  const unit = kind === 'real' ? 32 : 16;
  if (!Number.isInteger(n) || n < unit || n % unit !== 0) return false;
  let m = n / unit;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

/** The smallest PFFFT size at or above n. */
export function pffftSizeAtLeast(n: number, kind: 'real' | 'complex' = 'real'): number {
  const unit = kind === 'real' ? 32 : 16;
  let m = Math.max(unit, Math.ceil(n / unit) * unit);
  while (!isPffftSize(m, kind)) m += unit;
  return m;
}

/** A float32 view of `count` values at byte offset `ptr` of a module's heap (re-made if the heap grows). */
export function heapView(mod: WasmHeap, ptr: number, count: number): () => Float32Array {
  let view = new Float32Array(mod.HEAPF32.buffer, ptr, count);
  return () => {
    if (view.buffer !== mod.HEAPF32.buffer) view = new Float32Array(mod.HEAPF32.buffer, ptr, count);
    return view;
  };
}
