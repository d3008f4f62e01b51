/**
 * Radio clips are decoded and levelled on a thread of their own. The bot's event loop also paces
 * the voice packets (one every 20 ms); a clip's decode, resampling and loudness passes take a few
 * hundred milliseconds on a busy machine, and done inline they held the packets back long enough
 * for a listener's jitter buffer to run dry. One thread serves every radio of the process.
 */
import { moduleWorker } from '../pipeline/module-thread.ts';
import { AudioDecodeError } from '../pipeline/audio/decode.ts';
import type { LoudnessTarget } from '../pipeline/audio/loudness.ts';
import type { ClipPrepReply, ClipPrepRequest } from './clip-prep-protocol.ts';

const ENTRY = new URL('./clip-prep-thread.ts', import.meta.url);

/** The preparation thread stopped with clips still waiting on it. */
export class ClipPrepCrashedError extends Error {
  override name = 'ClipPrepCrashedError';
  constructor(why: string) {
    super(`the clip preparation thread stopped: ${why}`);
  }
}

type Pending = { resolve: (c: [Float32Array, Float32Array]) => void; reject: (e: Error) => void };

class ClipPrepThread {
  private readonly worker = moduleWorker(ENTRY);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;

  constructor(private readonly onDeath: (t: ClipPrepThread) => void) {
    this.worker.unref();
    this.worker.on('message', (r: ClipPrepReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      if (r.ok) p.resolve(r.channels);
      else p.reject(r.name === 'AudioDecodeError' ? new AudioDecodeError(r.message, r.detail) : new Error(r.message));
    });
    this.worker.on('error', (e) => this.die(e.message));
    this.worker.on('exit', (code) => this.die(`it exited with code ${code}`));
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.onDeath(this);
    const err = new ClipPrepCrashedError(why);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  prepare(audio: Uint8Array, sampleRate: number, loudness: LoudnessTarget): Promise<[Float32Array, Float32Array]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      const req: ClipPrepRequest = { id, audio, sampleRate, loudness };
      this.worker.postMessage(req);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let thread: ClipPrepThread | undefined;
const forget = (t: ClipPrepThread) => {
  if (thread === t) thread = undefined;
};

/** The clip as 48 kHz (or `sampleRate`) stereo PCM at the loudness target; a crashed thread is replaced on the next call. */
export function prepareClip(audio: Uint8Array, sampleRate: number, loudness: LoudnessTarget): Promise<[Float32Array, Float32Array]> {
  thread ??= new ClipPrepThread(forget);
  return thread.prepare(audio, sampleRate, loudness);
}

/** Ends the thread (tests, shutdown); clips still being prepared fail with ClipPrepCrashedError. */
export async function stopClipPrep(): Promise<void> {
  const t = thread;
  thread = undefined;
  await t?.terminate();
}
