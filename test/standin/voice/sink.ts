/**
 * What a listener in a voice channel hears from one sender: every RTP packet, decrypted and
 * decoded from Opus to 48 kHz stereo PCM with @discordjs/opus, stamped with its arrival time.
 */
import { performance } from 'node:perf_hooks';
import opus from '@discordjs/opus';

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;

export interface ReceivedFrame {
  /** performance.now() when the datagram arrived. */
  arrivalMs: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Interleaved stereo samples. */
  pcm: Int16Array;
}

interface RawFrame {
  arrivalMs: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  opus: Buffer;
}

export class ReceivedAudio {
  /** Opus as it arrived; decoded on first look, so the receiving path stays light. */
  private readonly raw: RawFrame[] = [];
  private readonly decoded: ReceivedFrame[] = [];
  private readonly decoders = new Map<number, InstanceType<typeof opus.OpusEncoder>>();
  decodeErrors = 0;

  add(ssrc: number, sequence: number, timestamp: number, payload: Buffer): void {
    this.raw.push({ arrivalMs: performance.now(), sequence, timestamp, ssrc, opus: Buffer.from(payload) });
  }

  /** Every frame so far, decoded to PCM. */
  get frames(): ReceivedFrame[] {
    while (this.decoded.length < this.raw.length) {
      const f = this.raw[this.decoded.length];
      this.decoded.push({ arrivalMs: f.arrivalMs, sequence: f.sequence, timestamp: f.timestamp, ssrc: f.ssrc, pcm: this.decode(f.ssrc, f.opus) });
    }
    return this.decoded;
  }

  get count(): number {
    return this.raw.length;
  }

  private decode(ssrc: number, payload: Buffer): Int16Array {
    let decoder = this.decoders.get(ssrc);
    if (!decoder) {
      decoder = new opus.OpusEncoder(SAMPLE_RATE, CHANNELS);
      this.decoders.set(ssrc, decoder);
    }
    try {
      const pcm = decoder.decode(payload);
      const samples = new Int16Array(pcm.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
      return samples;
    } catch {
      this.decodeErrors++;
      return new Int16Array(0);
    }
  }

  /** Frames that arrived at or after `sinceMs` (performance.now() clock). */
  since(sinceMs: number): ReceivedFrame[] {
    return this.frames.filter((f) => f.arrivalMs >= sinceMs);
  }

  get lastArrivalMs(): number {
    return this.raw.at(-1)?.arrivalMs ?? -Infinity;
  }
}
