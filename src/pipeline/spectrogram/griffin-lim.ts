/**
 * Fast Griffin-Lim phase recovery on one or two threads. Frames are split between the main
 * thread and one persistent worker; the signal and overlap-add buffers are shared memory, so an
 * iteration costs one message round trip on top of the transforms.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { GlaSlice, inverseWindowEnvelope } from './gla-slice.ts';
import type { SpectrogramParams } from './params.ts';
import { stftPlan, type StftPlan } from './stft.ts';

export type GlaWorkerMessage =
  | {
      type: 'init';
      params: SpectrogramParams;
      maxBin: number;
      t0: number;
      t1: number;
      signalLength: number;
      momentum: number;
      mags: SharedArrayBuffer;
      phase: SharedArrayBuffer;
      signal: SharedArrayBuffer;
      ola: SharedArrayBuffer;
      /** Frame-major target mel of this slice's frames, when magnitudes follow the mel. */
      melTarget?: SharedArrayBuffer;
    }
  | { type: 'step'; followMel: boolean }
  | { type: 'end' };

export interface GriffinLimOptions {
  iterations?: number;
  /** FGLA momentum; 0 gives classic Griffin-Lim. */
  momentum?: number;
  /** Seed of the random initial phase. */
  seed?: number;
  /** Initial phase per bin, frame-major like the magnitudes; overrides the random start. */
  initialPhase?: Float32Array;
  /** 1 or 2; defaults to RIFFCORD_AUDIO_THREADS or min(2, cores). */
  threads?: number;
  onIteration?: (done: number, total: number) => void;
  /**
   * The image's mel (row-major [mel][frame]) and the iteration from which the magnitudes follow
   * it instead of the fixed inverse-mel estimate (see GlaSlice.followMel).
   */
  melTarget?: { mel: Float64Array; fromIteration: number };
}

export const DEFAULT_GLA_ITERATIONS = 32;
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
  private pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  busy = false;

  constructor() {
    const bootstrap = new URL('./worker-bootstrap.mjs', import.meta.url);
    this.worker = new Worker(bootstrap, { workerData: { entry: new URL('./gla-worker.ts', import.meta.url).href } });
    this.worker.unref();
    this.worker.on('message', (m: { ok: boolean; error?: string }) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.ok) p.resolve();
      else p.reject(new Error(`audio worker failed: ${m.error}`));
    });
    this.worker.on('error', (e) => {
      this.pending?.reject(e);
      this.pending = undefined;
      pool = undefined;
    });
    // A worker that dies without an 'error' (e.g. killed) must not leave a conversion waiting forever.
    this.worker.on('exit', (code) => {
      this.pending?.reject(new Error(`audio worker exited (code ${code})`));
      this.pending = undefined;
      if (pool === this) pool = undefined;
    });
  }

  /** Keeps the process alive only while a conversion is using the worker. */
  hold(held: boolean): void {
    if (held) this.worker.ref();
    else this.worker.unref();
  }

  send(msg: GlaWorkerMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg);
    });
  }
}

let pool: WorkerHandle | undefined;

export function defaultAudioThreads(): number {
  const env = Number(process.env.RIFFCORD_AUDIO_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 2);
  return Math.min(2, availableParallelism());
}

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

/**
 * @param mags target magnitudes, frame-major [frame][bin 0..plan.maxBin]
 * @returns the time signal, (frames - 1) * hop samples (torch.istft with center=True)
 */
export async function griffinLim(
  mags: Float32Array,
  frames: number,
  params: SpectrogramParams,
  opts: GriffinLimOptions = {},
): Promise<Float64Array> {
  const plan: StftPlan = stftPlan(params);
  const bins = plan.maxBin + 1;
  const iterations = opts.iterations ?? DEFAULT_GLA_ITERATIONS;
  const momentum = opts.momentum ?? DEFAULT_GLA_MOMENTUM;
  const signalLength = Math.max(1, (frames - 1) * plan.sizes.hopLength);
  const invEnv = inverseWindowEnvelope(plan, frames, signalLength);

  const phase = opts.initialPhase ?? randomPhase(frames * bins, opts.seed ?? 0);
  let threads = Math.min(opts.threads ?? defaultAudioThreads(), frames >= 8 ? 2 : 1);
  if (threads === 2) {
    pool ??= new WorkerHandle();
    if (pool.busy) threads = 1; // another conversion holds the worker: run this one on the main thread
  }
  const split = threads === 2 ? Math.floor(frames / 2) : frames;

  const signalBuf = shared(signalLength * 8);
  const signal = new Float64Array(signalBuf);
  const ola0 = new Float64Array(signalLength);
  const nMels = plan.fb.numMels;
  const melFrames = (t0: number, t1: number, into: Float32Array) => {
    const mel = opts.melTarget!.mel;
    for (let t = t0; t < t1; t++) for (let m = 0; m < nMels; m++) into[(t - t0) * nMels + m] = mel[m * frames + t];
    return into;
  };
  // Slices may rewrite their magnitudes, so each gets its own copy.
  const main = new GlaSlice(plan, 0, split, mags.slice(0, split * bins), signalLength, momentum);
  const mainMel = opts.melTarget ? melFrames(0, split, new Float32Array(split * nMels)) : undefined;
  main.setPhase(phase.subarray(0, split * bins));

  let worker: WorkerHandle | undefined;
  let ola1: Float64Array | undefined;
  try {
    let remote: Promise<void> | undefined;
    if (threads === 2) {
      worker = pool!;
      worker.busy = true;
      worker.hold(true);
      const olaBuf = shared(signalLength * 8);
      ola1 = new Float64Array(olaBuf);
      const magBuf = shared((frames - split) * bins * 4);
      new Float32Array(magBuf).set(mags.subarray(split * bins, frames * bins));
      const phaseBuf = shared((frames - split) * bins * 4);
      new Float32Array(phaseBuf).set(phase.subarray(split * bins, frames * bins));
      let melBuf: SharedArrayBuffer | undefined;
      if (opts.melTarget) {
        melBuf = shared((frames - split) * nMels * 4);
        melFrames(split, frames, new Float32Array(melBuf));
      }
      remote = worker.send({
        type: 'init', params, maxBin: plan.maxBin, t0: split, t1: frames, signalLength, momentum,
        mags: magBuf, phase: phaseBuf, signal: signalBuf, ola: olaBuf, melTarget: melBuf,
      });
    }
    main.synthesize(ola0);
    await remote;

    const combine = () => {
      if (ola1) for (let i = 0; i < signalLength; i++) signal[i] = (ola0[i] + ola1[i]) * invEnv[i];
      else for (let i = 0; i < signalLength; i++) signal[i] = ola0[i] * invEnv[i];
    };
    for (let it = 0; it < iterations; it++) {
      combine();
      const followMel = opts.melTarget !== undefined && it === opts.melTarget.fromIteration;
      if (followMel) main.followMel(mainMel!);
      remote = worker?.send({ type: 'step', followMel });
      main.analyze(signal);
      main.synthesize(ola0);
      await remote;
      opts.onIteration?.(it + 1, iterations);
    }
    combine();
    return Float64Array.from(signal);
  } finally {
    if (worker) {
      await worker.send({ type: 'end' }).catch(() => {});
      worker.busy = false;
      worker.hold(false);
    }
  }
}

function randomPhase(size: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rand() * 2 - 1) * Math.PI;
  return out;
}
