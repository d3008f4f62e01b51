/**
 * An endless PCM stream (48 kHz, stereo, s16le: what @discordjs/voice takes as StreamType.Raw)
 * fed one clip at a time. Each clip is joined to the next with an equal-power (sine/cosine)
 * crossfade, computed as the stream is read, so clips can arrive while earlier ones play. When
 * no next clip has arrived by the time the current one ends, the current clip crossfades into
 * its own start and plays again (the radio is "falling behind") instead of leaving silence.
 */
import { Readable } from 'node:stream';

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;
/** 20 ms, one Opus frame. */
export const FRAME_SAMPLES = 960;
const BYTES_PER_FRAME = FRAME_SAMPLES * CHANNELS * 2;

export interface StreamClip<M = unknown> {
  /** Left and right channels at 48 kHz, equal lengths, samples in [-1, 1]. */
  channels: [Float32Array, Float32Array];
  meta: M;
  /**
   * The crossfade into this clip, overriding the stream's: a clip on a beat grid fades in over a
   * whole number of beats, so the grid runs on across the join (see beatJoinSeconds).
   */
  fadeInSeconds?: number;
}

export interface CrossfadeStreamOptions {
  crossfadeSeconds?: number;
  /** PCM the stream may hold ahead of its reader, in 20 ms frames (default 5). */
  bufferFrames?: number;
}

export class ClipFormatError extends Error {
  override name = 'ClipFormatError';
}

/**
 * Events: 'clip' (meta, {looped}) when a clip starts to fade in, 'ended' after end() once the
 * last clip has played out.
 */
export class CrossfadeStream<M = unknown> extends Readable {
  private readonly fadeSamples: number;
  private readonly queue: StreamClip<M>[] = [];
  private current: StreamClip<M> | null = null;
  private position = 0;
  private next: { clip: StreamClip<M>; fade: number } | null = null;
  private ending = false;
  private waiting = false;
  /** Samples written since the start, per channel. */
  samplesOut = 0;
  loops = 0;

  constructor(options: CrossfadeStreamOptions = {}) {
    super({ highWaterMark: BYTES_PER_FRAME * (options.bufferFrames ?? 5) });
    const seconds = options.crossfadeSeconds ?? 0.25;
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new ClipFormatError(`the crossfade must be 0 seconds or more, got ${seconds}`);
    this.fadeSamples = Math.round(seconds * SAMPLE_RATE);
  }

  /** Clips waiting to start (not counting the one playing). */
  get queued(): number {
    return this.queue.length;
  }

  get playing(): M | null {
    return this.current?.meta ?? null;
  }

  enqueue(clip: StreamClip<M>): void {
    const [l, r] = clip.channels;
    if (l.length !== r.length) throw new ClipFormatError(`the clip's channels differ in length (${l.length} and ${r.length} samples)`);
    if (l.length < 2) throw new ClipFormatError('the clip is empty');
    if (this.ending) throw new ClipFormatError('the stream is ending and takes no more clips');
    this.queue.push(clip);
    if (this.waiting) {
      this.waiting = false;
      this._read();
    }
  }

  /** Plays out what is queued, then ends the stream (no looping). */
  end(): void {
    this.ending = true;
    if (this.waiting) {
      this.waiting = false;
      this.finish();
    }
  }

  override _read(): void {
    if (!this.current) {
      const first = this.queue.shift();
      if (!first) {
        if (this.ending) this.finish();
        else this.waiting = true; // the reader waits until the first clip arrives
        return;
      }
      this.current = first;
      this.position = 0;
      this.emit('clip', first.meta, { looped: false });
    }
    const out = Buffer.allocUnsafe(BYTES_PER_FRAME);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const sample = this.sample();
      if (!sample) {
        if (i > 0) this.push(out.subarray(0, i * 4));
        this.finish();
        return;
      }
      out.writeInt16LE(toInt16(sample[0]), i * 4);
      out.writeInt16LE(toInt16(sample[1]), i * 4 + 2);
    }
    this.samplesOut += FRAME_SAMPLES;
    this.push(out);
  }

  /** One stereo sample at the playhead, advancing it; null once an ending stream has played out. */
  private sample(): [number, number] | null {
    const cur = this.current!;
    const [cl, cr] = cur.channels;
    const len = cl.length;
    if (!this.next) {
      const candidate = this.queue[0];
      const fadeWith = (other: StreamClip<M>) => {
        const wanted = other.fadeInSeconds !== undefined ? Math.round(other.fadeInSeconds * SAMPLE_RATE) : this.fadeSamples;
        return Math.min(wanted, Math.floor(len / 2), Math.floor(other.channels[0].length / 2));
      };
      const upcoming = candidate ?? (this.ending ? null : cur);
      const fade = upcoming ? fadeWith(upcoming) : 0;
      if (this.position >= len - fade) {
        if (!upcoming) {
          // Ending: play to the last sample, then stop.
          if (this.position >= len) {
            this.current = null;
            return null;
          }
        } else {
          if (candidate) this.queue.shift();
          else this.loops++;
          this.next = { clip: upcoming, fade };
          this.emit('clip', upcoming.meta, { looped: !candidate });
        }
      }
    }
    if (this.next) {
      const { clip, fade } = this.next;
      const k = this.position - (len - fade);
      if (k >= fade) {
        this.current = clip;
        this.position = fade;
        this.next = null;
        return this.sample();
      }
      const theta = ((k + 0.5) / fade) * (Math.PI / 2);
      const down = Math.cos(theta);
      const up = Math.sin(theta);
      const [nl, nr] = clip.channels;
      this.position++;
      return [cl[len - fade + k] * down + nl[k] * up, cr[len - fade + k] * down + nr[k] * up];
    }
    const at = this.position++;
    return [cl[at], cr[at]];
  }

  private finish(): void {
    this.push(null);
    this.emit('ended');
  }
}

function toInt16(x: number): number {
  const v = Math.round(x * 32767);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
