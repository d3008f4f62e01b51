/**
 * The radio's memory of what the channel heard: a ring buffer of the Opus packets that went to
 * the voice connection (20 ms each, after the volume), and marks saying which prompt started at
 * which packet. Holding Opus, not PCM, keeps 10 minutes at about 5-10 MB per radio.
 */
import { Transform, type TransformCallback } from 'node:stream';

export const MAX_RECORD_MINUTES = 10;
export const PACKET_MS = 20;

export interface RecordingMark {
  /** Milliseconds from the start of the recording. */
  atMs: number;
  label: string;
}

export interface RecordingSnapshot {
  packets: Buffer[];
  marks: RecordingMark[];
  seconds: number;
}

export class RadioRecorder {
  private readonly capacity: number;
  private readonly ring: (Buffer | undefined)[];
  /** Packets seen since the start (the next packet's sequence number). */
  private total = 0;
  private marks: { seq: number; label: string }[] = [];

  constructor(maxMinutes = MAX_RECORD_MINUTES) {
    this.capacity = Math.ceil((maxMinutes * 60_000) / PACKET_MS);
    this.ring = new Array<Buffer | undefined>(this.capacity);
  }

  /** A pass-through for the Opus packet stream that keeps a copy of each packet. */
  tap(): Transform {
    return new Transform({
      readableObjectMode: true,
      writableObjectMode: true,
      transform: (packet: Buffer, _enc: BufferEncoding, done: TransformCallback) => {
        this.push(packet);
        done(null, packet);
      },
    });
  }

  push(packet: Buffer): void {
    this.ring[this.total % this.capacity] = packet;
    this.total++;
  }

  /** What starts playing now (e.g. a clip's prompt); the same label twice in a row is one mark. */
  mark(label: string): void {
    if (this.marks.at(-1)?.label === label) return;
    this.marks.push({ seq: this.total, label });
    const oldest = this.total - this.capacity;
    while (this.marks.length > 1 && this.marks[1].seq <= oldest) this.marks.shift();
  }

  /** Seconds of audio held. */
  get seconds(): number {
    return (Math.min(this.total, this.capacity) * PACKET_MS) / 1000;
  }

  /** The last `minutes` (or all that is held), with the marks inside it; the mark in force at the start comes first, at 0. */
  snapshot(minutes: number): RecordingSnapshot {
    const count = Math.min(this.total, this.capacity, Math.ceil((minutes * 60_000) / PACKET_MS));
    const first = this.total - count;
    const packets: Buffer[] = [];
    for (let seq = first; seq < this.total; seq++) packets.push(this.ring[seq % this.capacity]!);
    const marks: RecordingMark[] = [];
    let inForce: string | null = null;
    for (const m of this.marks) {
      if (m.seq <= first) inForce = m.label;
      else if (m.seq < this.total) marks.push({ atMs: (m.seq - first) * PACKET_MS, label: m.label });
    }
    if (inForce !== null) marks.unshift({ atMs: 0, label: inForce });
    return { packets, marks, seconds: (count * PACKET_MS) / 1000 };
  }
}
