/**
 * FFT benchmark: median microseconds per transform for riffcord's real FFT and pruned STFT frame
 * transforms, against @echogarden/kissfft-wasm (same size, float32) and fft.js (power of two).
 * Run: npx tsx bench/fft.ts [batches]
 */
import { loadavg } from 'node:os';
import FFTJS from 'fft.js';
import { createFrameTransform, createRealFft } from '../src/pipeline/spectrogram/fft.ts';

const N = 17640;
const SUPPORT_START = 6615;
const SUPPORT = 4410;
const MAX_BIN = 4001;
const BATCHES = Number(process.argv[2] ?? 31);
const TARGET_BATCH_MS = 20;

/** Calls per batch so one batch takes about TARGET_BATCH_MS, after a warm-up. */
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

/**
 * Median microseconds per call for each case. Cases take turns batch by batch, so load from other
 * processes on a shared machine hits all of them alike and the ratios stay meaningful.
 */
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

function random(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

// riffcord
const real = createRealFft(N);
const frame = createFrameTransform({ n: N, supportStart: SUPPORT_START, supportLength: SUPPORT, maxBin: MAX_BIN });
const x = random(N);
const y = new Float64Array(N);
const re = new Float64Array(real.numBins);
const im = new Float64Array(real.numBins);
real.forward(x, re, im);
const seg = random(SUPPORT);
const segOut = new Float64Array(SUPPORT);
const pre = new Float64Array(MAX_BIN + 1);
const pim = new Float64Array(MAX_BIN + 1);
frame.forward(seg, pre, pim);

// kissfft (float32, data already in the wasm heap: transform cost only). The package ships no
// types, so it is imported through a string the compiler does not resolve.
interface KissModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _kiss_fftr_alloc(n: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftr(cfg: number, time: number, freq: number): void;
  _kiss_fftri(cfg: number, freq: number, time: number): void;
}
const KISS_MODULE: string = '@echogarden/kissfft-wasm';
const kissFactory = ((await import(KISS_MODULE)) as { default: () => Promise<KissModule> }).default;
const kiss = await kissFactory();
const kFwd = kiss._kiss_fftr_alloc(N, 0, 0, 0);
const kInv = kiss._kiss_fftr_alloc(N, 1, 0, 0);
const kTime = kiss._malloc(N * 4);
const kFreq = kiss._malloc((N + 2) * 4);
new Float32Array(kiss.HEAPF32.buffer, kTime, N).set(x);
kiss._kiss_fftr(kFwd, kTime, kFreq);

// fft.js, power of two
const P2 = 16384;
const fftjs = new FFTJS(P2);
const jsIn = Array.from(random(P2));
const jsOut = fftjs.createComplexArray();
const jsSpec = fftjs.createComplexArray();
fftjs.realTransform(jsSpec, jsIn);
fftjs.completeSpectrum(jsSpec);

const cases: Array<[string, () => void]> = [
  ['kissfft-wasm real 17640 forward (f32)', () => kiss._kiss_fftr(kFwd, kTime, kFreq)],
  ['kissfft-wasm real 17640 inverse (f32)', () => kiss._kiss_fftri(kInv, kFreq, kTime)],
  [`fft.js real ${P2} forward`, () => fftjs.realTransform(jsOut, jsIn)],
  [`fft.js complex ${P2} inverse`, () => fftjs.inverseTransform(jsOut, jsSpec)],
  ['riffcord real 17640 forward', () => real.forward(x, re, im)],
  ['riffcord real 17640 inverse', () => real.inverse(re, im, y)],
  [`riffcord frame forward (${SUPPORT}@${SUPPORT_START}, bins 0..${MAX_BIN})`, () => frame.forward(seg, pre, pim)],
  ['riffcord frame inverse', () => frame.inverse(pre, pim, segOut)],
  [
    'riffcord frame forward + inverse pair',
    () => {
      frame.forward(seg, pre, pim);
      frame.inverse(pre, pim, segOut);
    },
  ],
];
const medians = measureAll(cases.map(([, fn]) => fn));
const rows: Array<[string, number]> = cases.map(([name], i) => [name, medians[i]]);
const [kissFwd, kissInv, , , ourFwd, ourInv, , , prPair] = medians;

const kissPair = kissFwd + kissInv;
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}; ${BATCHES} interleaved batches of ~${TARGET_BATCH_MS} ms per case, median`);
console.log('transform'.padEnd(58), 'us/call'.padStart(9), 'vs kissfft'.padStart(11));
for (const [name, us] of rows) {
  const base = name.includes('pair') ? kissPair : name.includes('inverse') ? kissInv : kissFwd;
  console.log(name.padEnd(58), us.toFixed(1).padStart(9), `${(us / base).toFixed(2)}x`.padStart(11));
}

const ITER = 32;
const FRAMES = 512;
const perClip = (pairUs: number) => ((ITER * FRAMES * pairUs) / 1e6).toFixed(3);
console.log(`\nGriffin-Lim projection, ${ITER} iterations x ${FRAMES} frames x (forward + inverse), one core:`);
console.log(`  riffcord frame pair   ${perClip(prPair)} s/clip`);
console.log(`  riffcord full real    ${perClip(ourFwd + ourInv)} s/clip`);
console.log(`  kissfft-wasm real     ${perClip(kissPair)} s/clip`);
