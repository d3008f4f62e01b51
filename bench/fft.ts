/**
 * FFT benchmark: median microseconds per transform for the engine's frame transforms and the
 * library FFTs under them, side by side in one run: PFFFT (SIMD and scalar builds) on the phase
 * grid sizes, kissfft at the same sizes and at Riffusion's 17640 (against the engine's exact
 * analysis, a chirp z-transform on PFFFT), fft.js at a power of two.
 * (The project's own mixed-radix FFT measured 0.96-1.08x kissfft at 17640 in this benchmark's last
 * run that had it, commit 737d4c1, so it was removed in favour of the libraries.)
 * Run: npx tsx bench/fft.ts [batches]
 */
import { loadavg } from 'node:os';
import FFTJS from 'fft.js';
import { RIFFUSION_DEFAULTS } from '../src/pipeline/spectrogram/params.ts';
import { gridPlan, stftPlan } from '../src/pipeline/spectrogram/stft.ts';
import { pffft, type PffftModule } from '../src/pipeline/spectrogram/wasm-fft.ts';

interface KissModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _kiss_fftr_alloc(n: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftr(cfg: number, time: number, freq: number): void;
  _kiss_fftri(cfg: number, freq: number, time: number): void;
}
// Neither package ships types: imported through strings the compiler does not resolve.
const KISSFFT: string = '@echogarden/kissfft-wasm';
const kissfft = await ((await import(KISSFFT)) as { default: () => Promise<KissModule> }).default();

const BATCHES = Number(process.argv[2] ?? 21);
const TARGET_BATCH_MS = 20;

function calibrate(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn();
  let per = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= TARGET_BATCH_MS / 4) return Math.max(1, Math.round((per * TARGET_BATCH_MS) / dt));
    per *= 2;
  }
}

/** Cases take turns batch by batch, so load from other processes hits all alike. */
function measureAll(cases: Array<() => void>): number[] {
  const per = cases.map(calibrate);
  const samples = cases.map(() => [] as number[]);
  for (let b = 0; b < BATCHES; b++) {
    cases.forEach((fn, c) => {
      const t0 = performance.now();
      for (let i = 0; i < per[c]; i++) fn();
      samples[c].push(((performance.now() - t0) * 1000) / per[c]);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]);
}

function fill(view: Float32Array, seed: number): void {
  let a = seed;
  for (let i = 0; i < view.length; i++) {
    a = (a * 1103515245 + 12345) >>> 0;
    view[i] = a / 2 ** 31 - 1;
  }
}

/** A raw forward + inverse pair of a PFFFT build at n points (data in its heap). */
function pffftPair(mod: PffftModule, n: number): () => void {
  const setup = mod._pffft_new_setup(n, 0);
  const a = mod._pffft_aligned_malloc(n * 4);
  const b = mod._pffft_aligned_malloc(n * 4);
  const w = mod._pffft_aligned_malloc(n * 4);
  fill(new Float32Array(mod.HEAPF32.buffer, a, n), n);
  return () => {
    mod._pffft_transform_ordered(setup, a, b, w, 0);
    mod._pffft_transform_ordered(setup, b, a, w, 1);
  };
}

/** kissfft forward + inverse pair at n points. */
function kissPair(n: number): () => void {
  const k = kissfft;
  const fwd = k._kiss_fftr_alloc(n, 0, 0, 0);
  const inv = k._kiss_fftr_alloc(n, 1, 0, 0);
  const time = k._malloc(n * 4);
  const freq = k._malloc((n + 2) * 4);
  fill(new Float32Array(k.HEAPF32.buffer, time, n), n);
  return () => {
    k._kiss_fftr(fwd, time, freq);
    k._kiss_fftri(inv, freq, time);
  };
}

/** kissfft forward alone at n points. */
function kissForward(n: number): () => void {
  const cfg = kissfft._kiss_fftr_alloc(n, 0, 0, 0);
  const time = kissfft._malloc(n * 4);
  const freq = kissfft._malloc((n + 2) * 4);
  fill(new Float32Array(kissfft.HEAPF32.buffer, time, n), n);
  return () => kissfft._kiss_fftr(cfg, time, freq);
}

const PFFFT_SCALAR: string = '@echogarden/pffft-wasm';
const scalar = await ((await import(PFFFT_SCALAR)) as { default: () => Promise<PffftModule> }).default();

const phase = gridPlan(RIFFUSION_DEFAULTS, 'phase');
const objective = gridPlan(RIFFUSION_DEFAULTS, 'objective');
const exact = stftPlan(RIFFUSION_DEFAULTS);
const engineCase = (plan: typeof phase) => {
  const seg = Float64Array.from({ length: plan.window.length }, (_, i) => Math.sin(i * 0.37));
  const re = new Float64Array(plan.maxBin + 1);
  const im = new Float64Array(plan.maxBin + 1);
  return () => {
    plan.transform.forward(seg, re, im);
    plan.transform.inverse(re, im, seg);
  };
};
const exactSeg = Float64Array.from({ length: exact.window.length }, (_, i) => Math.sin(i * 0.37));
const exactRe = new Float64Array(exact.maxBin + 1);
const exactIm = new Float64Array(exact.maxBin + 1);

const P2 = 4096;
const fftjs = new FFTJS(P2);
const jsIn = Array.from({ length: P2 }, (_, i) => Math.sin(i));
const jsOut = fftjs.createComplexArray();
const jsSpec = fftjs.createComplexArray();

const G = phase.transform.n;
const O = objective.transform.n;
const cases: Array<[string, () => void]> = [
  [`pffft-wasm SIMD real ${G} pair`, pffftPair(pffft, G)],
  [`pffft-wasm scalar real ${G} pair`, pffftPair(scalar, G)],
  [`kissfft-wasm real ${G} pair`, kissPair(G)],
  [`fft.js real ${P2} fwd + complex inverse`, () => {
    fftjs.realTransform(jsOut, jsIn);
    fftjs.inverseTransform(jsSpec, jsOut);
  }],
  [`pffft-wasm SIMD real ${O} pair`, pffftPair(pffft, O)],
  ['kissfft-wasm real 17640 pair', kissPair(17640)],
  [`engine phase-grid frame pair (${G}, bins 0..${phase.maxBin}, float64 in/out)`, engineCase(phase)],
  [`engine objective-grid frame pair (${O}, bins 0..${objective.maxBin})`, engineCase(objective)],
  [`engine exact analysis 17640 (chirp-z on PFFFT, bins 0..${exact.maxBin})`, () => exact.transform.forward(exactSeg, exactRe, exactIm)],
  ['kissfft-wasm real 17640 forward', kissForward(17640)],
];
const medians = measureAll(cases.map(([, fn]) => fn));
const base = medians[2];
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}; ${BATCHES} interleaved batches of ~${TARGET_BATCH_MS} ms per case, median`);
console.log('transform'.padEnd(74), 'us/call'.padStart(9), `vs kissfft ${G}`.padStart(16));
cases.forEach(([name], i) => console.log(name.padEnd(74), medians[i].toFixed(1).padStart(9), `${(medians[i] / base).toFixed(2)}x`.padStart(16)));
const FRAMES = 512;
console.log(`\nper Griffin-Lim pass over ${FRAMES} frames, one core, transforms only:`);
console.log(`exact 17640-point analysis: kissfft's real forward takes ${(medians[9] / medians[8]).toFixed(2)}x the time of the engine's chirp-z on PFFFT`);
console.log(`  engine phase grid ${((FRAMES * medians[6]) / 1000).toFixed(1)} ms; a 17640-point kissfft pair ${((FRAMES * medians[5]) / 1000).toFixed(1)} ms (${(medians[5] / medians[6]).toFixed(1)}x)`);
