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

export class ReceivedAudio {
  readonly frames: ReceivedFrame[] = [];
  private readonly decoders = new Map<number, InstanceType<typeof opus.OpusEncoder>>();
  decodeErrors = 0;

  add(ssrc: number, sequence: number, timestamp: number, payload: Buffer): void {
    let decoder = this.decoders.get(ssrc);
    if (!decoder) {
      decoder = new opus.OpusEncoder(SAMPLE_RATE, CHANNELS);
      this.decoders.set(ssrc, decoder);
    }
    let pcm: Buffer;
    try {
      pcm = decoder.decode(payload);
    } catch {
      this.decodeErrors++;
      return;
    }
    const samples = new Int16Array(pcm.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
    this.frames.push({ arrivalMs: performance.now(), sequence, timestamp, ssrc, pcm: samples });
  }

  /** Frames that arrived at or after `sinceMs` (performance.now() clock). */
  since(sinceMs: number): ReceivedFrame[] {
    return this.frames.filter((f) => f.arrivalMs >= sinceMs);
  }

  get lastArrivalMs(): number {
    return this.frames.at(-1)?.arrivalMs ?? -Infinity;
  }
}
