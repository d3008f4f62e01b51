/**
 * Fast Griffin-Lim phase recovery on one or two threads. Frames are split between the main
 * thread and one persistent worker; the signal and overlap-add buffers are shared memory, so an
 * iteration costs one message round trip on top of the transforms.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../module-thread.ts';
import { GlaSlice, inverseWindowEnvelope, MelObjectiveSlice } from './gla-slice.ts';
import type { SpectrogramParams } from './params.ts';
import { gridPlan, type StftPlan } from './stft.ts';

/**
 * Lets timers and I/O run between iterations: a conversion takes seconds, and a queue worker must
 * keep renewing its job lock and heartbeat meanwhile (on one thread nothing else would yield).
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export type GlaWorkerMessage =
  | {
      type: 'init';
      params: SpectrogramParams;
      t0: number;
      t1: number;
      signalLength: number;
      momentum: number;
      mags: SharedArrayBuffer;
      phase: SharedArrayBuffer;
      signal: SharedArrayBuffer;
      ola: SharedArrayBuffer;
      /** Frame-major target mel of this slice's frames (followMel and the mel refinement). */
      melTarget?: SharedArrayBuffer;
    }
  | { type: 'step'; followMel: boolean }
  /** Mel objective of the slice at the shared signal; its gradient goes into the shared ola buffer. */
  | { type: 'grad' }
  | { type: 'end' };

export interface GriffinLimOptions {
  /** Griffin-Lim iterations before the mel refinement. */
  iterations?: number;
  /** FGLA momentum; 0 gives classic Griffin-Lim. */
  momentum?: number;
  /** Seed of the random initial phase. */
  seed?: number;
  /** Initial phase per bin, frame-major like the magnitudes; overrides the random start. */
  initialPhase?: Float32Array;
  /** 1 or 2; defaults to RIFFCORD_AUDIO_THREADS or min(2, cores). Both give identical samples. */
  threads?: number;
  onIteration?: (done: number, total: number) => void;
  /**
   * The image's mel (row-major [mel][frame]) and the iteration from which the magnitudes follow
   * it instead of the fixed inverse-mel estimate (see GlaSlice.followMel).
   */
  melTarget?: { mel: Float64Array; fromIteration: number };
  /**
   * After Griffin-Lim, evaluations (each one forward and one inverse STFT, like a GLA iteration)
   * of L-BFGS on the signal minimising ||M - mel(|STFT(x)|)||^2 directly; needs `refineMel`.
   */
  refineIterations?: number;
  /** The image's mel (row-major [mel][frame]) that the refinement fits. */
  refineMel?: Float64Array;
}

export const DEFAULT_GLA_ITERATIONS = 10;
export const DEFAULT_GLA_MOMENTUM = 0.99;

/** Small, fast, seedable PRNG (mulberry32) for the initial phase; same seed, same audio. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class WorkerHandle {
  private readonly worker: Worker;
  private pending: { resolve: (value: number) => void; reject: (e: Error) => void } | undefined;
  /** Set once the thread is gone: every call from then on fails instead of waiting for an answer. */
  private dead: Error | undefined;
  busy = false;

  constructor() {
    this.worker = moduleWorker(new URL('./gla-worker.ts', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: { ok: boolean; value?: number; error?: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.ok) p.resolve(m.value ?? 0);
      else p.reject(new Error(`audio worker failed: ${m.error}`));
    });
    // A thread can end without an 'error' event (terminated, process.exit inside it): 'exit' always fires.
    this.worker.on('error', (e) => this.die(new AudioWorkerCrashedError(e.message)));
    this.worker.on('exit', (code) => this.die(new AudioWorkerCrashedError(`it exited with code ${code}`)));
  }

  private die(err: Error): void {
    this.dead ??= err;
    if (pool === this) pool = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.dead);
  }

  /** Keeps the process alive only while a conversion is using the worker. */
  hold(held: boolean): void {
    if (held) this.worker.ref();
    else this.worker.unref();
  }

  send(msg: GlaWorkerMessage): Promise<number> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The phase-recovery thread stopped in the middle of a conversion. */
export class AudioWorkerCrashedError extends Error {
  override name = 'AudioWorkerCrashedError';
  constructor(why: string) {
    super(`the audio worker thread stopped: ${why}`);
  }
}

/** Ends the audio thread (the next two-thread conversion starts a new one); a conversion using it fails. */
export async function stopAudioWorker(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.terminate();
}

let pool: WorkerHandle | undefined;

/**
 * Starts the audio worker thread ahead of the first conversion (it loads its TypeScript and
 * WebAssembly in ~0.3-1 s), so that cost overlaps model loading instead of delaying the audio.
 * Does nothing on one thread or when the worker is already up; it never keeps the process alive.
 */
export function startAudioWorker(): void {
  if (defaultAudioThreads() >= 2) pool ??= new WorkerHandle();
}

export function defaultAudioThreads(): number {
  const env = Number(process.env.RIFFCORD_AUDIO_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(2, availableParallelism());
}

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

/** The second half of the frames, run in the worker or (one thread) in-process. */
interface SecondSlice {
  init(): Promise<unknown>;
  step(followMel: boolean): Promise<unknown>;
  grad(): Promise<number>;
}

/**
 * @param mags target magnitudes on the phase grid, frame-major [frame][bin 0..gridPlan(params, 'phase').maxBin]
 * @returns the time signal, (frames - 1) * hop samples (torch.istft with center=True)
 */
export async function griffinLim(
  mags: Float32Array,
  frames: number,
  params: SpectrogramParams,
  opts: GriffinLimOptions = {},
): Promise<Float64Array> {
  const plan: StftPlan = gridPlan(params, 'phase');
  const bins = plan.maxBin + 1;
  const iterations = opts.iterations ?? DEFAULT_GLA_ITERATIONS;
  const refine = opts.refineMel ? (opts.refineIterations ?? 0) : 0;
  const momentum = opts.momentum ?? DEFAULT_GLA_MOMENTUM;
  const signalLength = Math.max(1, (frames - 1) * plan.sizes.hopLength);
  const invEnv = inverseWindowEnvelope(plan, frames, signalLength);

  const phase = opts.initialPhase ?? randomPhase(frames * bins, opts.seed ?? 0);
  // The frames are always split in two halves with their own overlap-add buffers, summed in the
  // same order, so one thread (running both halves) and two threads give identical samples.
  const split = frames >= 8 ? Math.floor(frames / 2) : frames;
  let threads = split < frames ? Math.min(opts.threads ?? defaultAudioThreads(), 2) : 1;
  if (threads === 2) {
    pool ??= new WorkerHandle();
    if (pool.busy) threads = 1; // another conversion holds the worker: run this one on the main thread
  }

  const signalBuf = shared(signalLength * 8);
  const signal = new Float64Array(signalBuf);
  const ola0 = new Float64Array(signalLength);
  const nMels = plan.fb.numMels;
  const melSource = opts.refineMel ?? opts.melTarget?.mel;
  const melFrames = (t0: number, t1: number, into: Float32Array) => {
    for (let t = t0; t < t1; t++) for (let m = 0; m < nMels; m++) into[(t - t0) * nMels + m] = melSource![m * frames + t];
    return into;
  };
  // Slices may rewrite their magnitudes, so each gets its own copy.
  const main = new GlaSlice(plan, 0, split, mags.slice(0, split * bins), signalLength, momentum);
  const mainMel = melSource ? melFrames(0, split, new Float32Array(split * nMels)) : undefined;
  const mainObjective = refine > 0 ? new MelObjectiveSlice(gridPlan(params, 'objective'), 0, split, mainMel!, signalLength) : undefined;
  main.setPhase(phase.subarray(0, split * bins));

  let worker: WorkerHandle | undefined;
  let ola1: Float64Array | undefined;
  let second: SecondSlice | undefined;
  try {
    if (split < frames) {
      const olaBuf = shared(signalLength * 8);
      ola1 = new Float64Array(olaBuf);
      const magBuf = shared((frames - split) * bins * 4);
      new Float32Array(magBuf).set(mags.subarray(split * bins, frames * bins));
      const phaseBuf = shared((frames - split) * bins * 4);
      new Float32Array(phaseBuf).set(phase.subarray(split * bins, frames * bins));
      let melBuf: SharedArrayBuffer | undefined;
      if (melSource) {
        melBuf = shared((frames - split) * nMels * 4);
        melFrames(split, frames, new Float32Array(melBuf));
      }
      const init: GlaWorkerMessage = {
        type: 'init', params, t0: split, t1: frames, signalLength, momentum,
        mags: magBuf, phase: phaseBuf, signal: signalBuf, ola: olaBuf, melTarget: melBuf,
      };
      if (threads === 2) {
        const w = pool!;
        worker = w;
        w.busy = true;
        w.hold(true);
        second = { init: () => w.send(init), step: (followMel) => w.send({ type: 'step', followMel }), grad: () => w.send({ type: 'grad' }) };
      } else {
        const local = new LocalSlice(init);
        second = { init: async () => local.init(), step: async (f) => local.step(f), grad: async () => local.grad() };
      }
    }
    let remote = second?.init();
    main.synthesize(ola0);
    await remote;

    const combine = () => {
      if (ola1) for (let i = 0; i < signalLength; i++) signal[i] = (ola0[i] + ola1[i]) * invEnv[i];
      else for (let i = 0; i < signalLength; i++) signal[i] = ola0[i] * invEnv[i];
    };
    const total = iterations + refine;
    for (let it = 0; it < iterations; it++) {
      combine();
      const followMel = opts.melTarget !== undefined && it === opts.melTarget.fromIteration;
      if (followMel) main.followMel(mainMel!);
      remote = second?.step(followMel);
      main.analyze(signal);
      main.synthesize(ola0);
      await remote;
      await yieldToEventLoop();
      opts.onIteration?.(it + 1, total);
    }
    combine();
    if (refine > 0) {
      // Objective and gradient at the point in `signal`; the gradient lands in ola0 (+ ola1).
      const evaluate = async (grad: Float64Array): Promise<number> => {
        const r = second?.grad();
        let f = mainObjective!.melGradient(signal, ola0);
        if (r) f += await r;
        if (ola1) for (let i = 0; i < signalLength; i++) grad[i] = ola0[i] + ola1[i];
        else grad.set(ola0);
        await yieldToEventLoop();
        return f;
      };
      await refineMelLbfgs(signal, evaluate, refine, (done) => opts.onIteration?.(iterations + done, total));
    }
    return Float64Array.from(signal);
  } finally {
    if (worker) {
      await worker.send({ type: 'end' }).catch(() => {});
      worker.busy = false;
      worker.hold(false);
    }
  }
}

/** The worker's half run on the calling thread (one-thread mode): same code, same numbers. */
export class LocalSlice {
  private slice: GlaSlice | undefined;
  private objective: MelObjectiveSlice | undefined;
  private readonly signal: Float64Array;
  private readonly ola: Float64Array;
  private readonly melTarget: Float32Array | undefined;

  constructor(private readonly msg: Extract<GlaWorkerMessage, { type: 'init' }>) {
    this.signal = new Float64Array(msg.signal);
    this.ola = new Float64Array(msg.ola);
    this.melTarget = msg.melTarget ? new Float32Array(msg.melTarget) : undefined;
  }

  init(): void {
    const { msg } = this;
    const plan = gridPlan(msg.params, 'phase');
    this.slice = new GlaSlice(plan, msg.t0, msg.t1, new Float32Array(msg.mags), msg.signalLength, msg.momentum);
    this.slice.setPhase(new Float32Array(msg.phase));
    this.slice.synthesize(this.ola);
  }

  step(followMel: boolean): void {
    if (followMel && this.melTarget) this.slice!.followMel(this.melTarget);
    this.slice!.analyze(this.signal);
    this.slice!.synthesize(this.ola);
  }

  grad(): number {
    const { msg } = this;
    this.objective ??= new MelObjectiveSlice(gridPlan(msg.params, 'objective'), msg.t0, msg.t1, this.melTarget!, msg.signalLength);
    return this.objective.melGradient(this.signal, this.ola);
  }
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Curvature pairs kept by the L-BFGS refinement (4, 8 and 16 all gave SC 0.1415 on funky_sax at 6 + 10; 4 does the least vector work). */
const LBFGS_MEMORY = 4;

/**
 * L-BFGS with Armijo backtracking on the signal x (in place), using at most `maxEvals` objective
 * and gradient evaluations. The first step is scaled to move x by 1% of its norm; later ones use
 * the usual s'y / y'y initial Hessian. Only steps that lower the objective are kept.
 */
async function refineMelLbfgs(
  x: Float64Array,
  evaluate: (grad: Float64Array) => Promise<number>,
  maxEvals: number,
  onEval: (done: number) => void,
): Promise<void> {
  const n = x.length;
  const g = new Float64Array(n);
  const start = Float64Array.from(x);
  let f = await evaluate(g);
  let evals = 1;
  onEval(evals);
  if (!(f > 0) || !Number.isFinite(f)) return;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(LBFGS_MEMORY);
  let spare: { s: Float64Array; y: Float64Array } | undefined;
  // x holds the trial point (the evaluator reads it); `start` the accepted one.
  while (evals < maxEvals) {
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let j = S.length - 1; j >= 0; j--) {
      const a = rho[j] * dot(S[j], d);
      alpha[j] = a;
      const y = Y[j];
      for (let i = 0; i < n; i++) d[i] -= a * y[i];
    }
    const last = S.length - 1;
    const gg = dot(g, g);
    if (!(gg > 0)) break;
    const gamma = last >= 0 ? dot(S[last], Y[last]) / dot(Y[last], Y[last]) : 0.01 * Math.sqrt(dot(start, start) / gg);
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let j = 0; j < S.length; j++) {
      const b = rho[j] * dot(Y[j], d);
      const s = S[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - b) * s[i];
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction: forget the history and take a scaled gradient step.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      const scale = 0.01 * Math.sqrt(dot(start, start) / gg);
      for (let i = 0; i < n; i++) d[i] = -scale * g[i];
      slope = -scale * gg;
    }
    let step = 1;
    let fNew = f;
    for (;;) {
      for (let i = 0; i < n; i++) x[i] = start[i] + step * d[i];
      fNew = await evaluate(gNew);
      evals++;
      onEval(evals);
      if (fNew <= f + 1e-4 * step * slope || evals >= maxEvals) break;
      step *= 0.5;
    }
    if (!(fNew < f)) break;
    // The new pair goes into spare buffers; a dropped pair's buffers become the spares (a clip's
    // signal is ~2 MB per vector, so no allocation per step).
    spare ??= { s: new Float64Array(n), y: new Float64Array(n) };
    const { s, y } = spare;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      const si = x[i] - start[i];
      const yi = gNew[i] - g[i];
      s[i] = si;
      y[i] = yi;
      sy += si * yi;
    }
    if (sy > 0) {
      spare = S.length === LBFGS_MEMORY ? { s: S.shift()!, y: Y.shift()! } : undefined;
      if (rho.length === LBFGS_MEMORY) rho.shift();
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    start.set(x);
    g.set(gNew);
    f = fNew;
  }
  x.set(start);
}

function randomPhase(size: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rand() * 2 - 1) * Math.PI;
  return out;
}
