/**
 * The two library FFTs the engine runs on, loaded once per thread (WebAssembly, float32):
 * PFFFT with WASM SIMD (sizes 2^a 3^b 5^c with a >= 5) for the phase work on a coarse grid,
 * and kissfft for Riffusion's exact 17640-point analysis (17640 = 2^3 3^2 5 7^2, which PFFFT
 * cannot do). Both packages ship no types, so they are imported through strings the compiler
 * does not resolve.
 */

interface WasmHeap {
  HEAPF32: Float32Array;
}

export interface PffftModule extends WasmHeap {
  _pffft_new_setup(n: number, kind: number): number;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
}

export interface KissModule extends WasmHeap {
  _malloc(bytes: number): number;
  _kiss_fftr_alloc(n: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftr(cfg: number, time: number, freq: number): void;
}

const PFFFT_SIMD: string = '@echogarden/pffft-wasm/simd';
const KISSFFT: string = '@echogarden/kissfft-wasm';

export const pffft = await ((await import(PFFFT_SIMD)) as { default: () => Promise<PffftModule> }).default();
export const kissfft = await ((await import(KISSFFT)) as { default: () => Promise<KissModule> }).default();

/** PFFFT's real transform sizes: N = 2^a 3^b 5^c with a >= 5 (its SIMD real transform needs multiples of 32). */
export function isPffftSize(n: number): boolean {
  if (!Number.isInteger(n) || n < 32 || n % 32 !== 0) return false;
  let m = n / 32;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

/** The smallest PFFFT size at or above n. */
export function pffftSizeAtLeast(n: number): number {
  let m = Math.max(32, Math.ceil(n / 32) * 32);
  while (!isPffftSize(m)) m += 32;
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
