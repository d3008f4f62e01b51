/**
 * Gapless playback on one Web Audio timeline. Each clip starts `crossfade` seconds (or its own
 * fade-in, for a beat join) before the previous one ends and the two are joined with the radio's
 * equal-power (sine/cosine) fades. A
 * clip is scheduled a little before it is due; when none has arrived by then, the last clip plays
 * again (falling behind) rather than leaving silence, until stop() ends the music.
 */

export interface Scheduled<M> {
  meta: M;
  /** Timeline seconds (AudioContext.currentTime) the clip starts and how long it lasts. */
  start: number;
  duration: number;
  /** Seconds it overlaps the clip before (its fade-in), 0 for a start. */
  fadeIn: number;
  /** Timeline time when it was scheduled: it must be before `start`. */
  scheduledAt: number;
  looped: boolean;
  /** The page fell so far behind (a blocked main thread) that the clip could not start on time: a gap. */
  late: boolean;
}

export interface PlayerEvents<M> {
  /** A clip was put on the timeline (it starts at `s.start`). */
  onScheduled?(s: Scheduled<M>): void;
  /** Falling behind (true) or caught up again (false). */
  onBehind?(behind: boolean): void;
}

/** How long before the timeline runs dry the next clip is scheduled (seconds). */
const LEAD_SECONDS = 1.5;
/** The least time ahead of the audio clock a clip (and its fade curves) can be put on it. */
const SAFETY_SECONDS = 0.05;
const TICK_MS = 100;
const CURVE_POINTS = 64;
/** Pause and resume fade the whole output over this long: immediate to the ear, and no click. */
const PAUSE_RAMP_SECONDS = 0.015;
/** A start or an end with nothing to crossfade with fades over this long: no click, no audible fade. */
const EDGE_FADE_SECONDS = 0.01;
/** stop() fades what is playing out over this long: the end of the music, not a cut. */
const STOP_FADE_SECONDS = 0.3;

interface Queued<M> {
  buffer: AudioBuffer;
  meta: M;
  /** Its own crossfade into it (a beat join), instead of the player's. */
  fadeIn?: number;
}

export class Player<M> {
  readonly ctx: AudioContext;
  readonly scheduled: Scheduled<M>[] = [];
  private out: GainNode;
  private readonly waiting: Queued<M>[] = [];
  private last: Queued<M> | null = null;
  private endAt = 0;
  /** The clip placed last: its fade-out is scheduled when the next one joins it (the join sets its length). */
  private tail: GainNode | null = null;
  /** stop() ended the music: the next clip added starts afresh instead of joining the last. */
  private stopped = false;
  private timer: number | null = null;
  private behind = false;
  private readonly manualTicks: boolean;
  private readonly fadeInCurve: Float32Array;
  private readonly fadeOutCurve: Float32Array;

  constructor(
    private readonly crossfade: number,
    private readonly events: PlayerEvents<M> = {},
    /** Seconds from the first clip's arrival to its start (listen-along waits for a clip in hand). */
    private readonly startDelay = 0.05,
    /** The context to play on; tests render through an OfflineAudioContext and call tick() themselves. */
    ctx?: AudioContext,
  ) {
    this.ctx = ctx ?? new AudioContext({ latencyHint: 'playback' });
    this.manualTicks = ctx !== undefined;
    this.out = this.ctx.createGain();
    this.out.connect(this.ctx.destination);
    this.fadeInCurve = new Float32Array(CURVE_POINTS);
    this.fadeOutCurve = new Float32Array(CURVE_POINTS);
    for (let i = 0; i < CURVE_POINTS; i++) {
      const t = i / (CURVE_POINTS - 1);
      this.fadeInCurve[i] = Math.sin((t * Math.PI) / 2);
      this.fadeOutCurve[i] = Math.cos((t * Math.PI) / 2);
    }
  }

  /** Clips received and not yet on the timeline. */
  get queued(): number {
    return this.waiting.length;
  }

  get started(): boolean {
    return this.scheduled.length > 0;
  }

  /** The clip audible now (null before the first starts). */
  current(): Scheduled<M> | null {
    const t = this.ctx.currentTime;
    let found: Scheduled<M> | null = null;
    for (const s of this.scheduled) if (s.start <= t) found = s;
    return found;
  }

  decode(bytes: ArrayBuffer): Promise<AudioBuffer> {
    return this.ctx.decodeAudioData(bytes);
  }

  /** Queues a clip; `fadeIn` overrides the crossfade into it (a beat join keeps the beat across it). */
  add(buffer: AudioBuffer, meta: M, fadeIn?: number): void {
    this.waiting.push({ buffer, meta, ...(fadeIn !== undefined ? { fadeIn } : {}) });
    if (!this.started || this.stopped) this.place(this.ctx.currentTime + this.startDelay);
    if (this.timer === null && !this.manualTicks) this.timer = window.setInterval(() => this.tick(), TICK_MS);
  }

  /**
   * Ramps the output to silence (0) or back to full (1) from now over PAUSE_RAMP_SECONDS; returns
   * when the ramp ends (timeline seconds). Pause and resume use it so that neither clicks.
   */
  rampOutput(to: 0 | 1): number {
    const now = this.ctx.currentTime;
    const gain = this.out.gain;
    gain.cancelScheduledValues(now);
    gain.setValueAtTime(gain.value, now);
    gain.linearRampToValueAtTime(to, now + PAUSE_RAMP_SECONDS);
    return now + PAUSE_RAMP_SECONDS;
  }

  async pause(): Promise<void> {
    if (this.ctx.state !== 'running') return;
    this.rampOutput(0);
    // Let the ramp be rendered before the clock stops (a margin for the output's own buffering).
    await new Promise((r) => window.setTimeout(r, PAUSE_RAMP_SECONDS * 1000 + 30));
    await this.ctx.suspend();
  }

  async resume(): Promise<void> {
    if (this.ctx.state === 'running') return;
    await this.ctx.resume();
    this.rampOutput(1);
  }

  /** Schedules the next clip when the timeline is about to run dry (every 100 ms, or by a test). */
  tick(): void {
    // A paused page schedules nothing; a test's offline render is suspended at each of its ticks.
    if ((this.ctx.state !== 'running' && !this.manualTicks) || !this.started || this.stopped) return;
    const upcoming = this.waiting[0] ?? this.last;
    if (upcoming && this.endAt - this.fadeOf(upcoming) - this.ctx.currentTime < LEAD_SECONDS) this.place('join');
  }

  /** The fade into `clip`: its own or the player's, never so long that its two fades meet. */
  private fadeOf(clip: Queued<M>): number {
    return Math.min(clip.fadeIn ?? this.crossfade, clip.buffer.duration / 2 - 0.005);
  }

  /** Puts the next clip (or the last again) on the timeline: at `at`, or joined to the clip before. */
  private place(at: number | 'join'): void {
    const next = this.waiting.shift();
    const clip = next ?? this.last;
    if (!clip) return;
    const fade = this.fadeOf(clip);
    const wanted = at === 'join' ? this.endAt - fade : at;
    // Automation in the past would be clamped to "now" by the browser, making the fade curves
    // overlap (an exception): a start that is already due becomes a short, honest gap instead.
    const earliest = this.ctx.currentTime + SAFETY_SECONDS;
    const late = wanted < earliest && this.started;
    const start = Math.max(wanted, earliest);
    const looped = !next;
    if (looped !== this.behind) {
      this.behind = looped;
      this.events.onBehind?.(looped);
    }
    const first = !this.started || this.stopped;
    this.stopped = false;
    const source = this.ctx.createBufferSource();
    source.buffer = clip.buffer;
    const gain = this.ctx.createGain();
    // Silent until its fade-in begins: a start a fraction of a sample off the curve's would
    // otherwise play one sample at full gain (a click).
    gain.gain.value = 0;
    source.connect(gain).connect(this.out);
    const duration = clip.buffer.duration;
    // The first clip and a late one have nothing to crossfade with: a 10 ms fade-in keeps their
    // start from clicking (a clip rarely begins at zero). Every clip ends with a 10 ms fade-out until
    // the next one joins it; the join replaces that with its own crossfade.
    const joined = !first && !late;
    const edge = Math.min(EDGE_FADE_SECONDS, fade);
    if (fade > 0) {
      gain.gain.setValueCurveAtTime(this.fadeInCurve, start, joined ? fade : edge);
      gain.gain.setValueCurveAtTime(this.fadeOutCurve, start + duration - edge, edge);
    }
    if (joined && this.tail && fade > 0) {
      this.tail.gain.cancelScheduledValues(start);
      this.tail.gain.setValueCurveAtTime(this.fadeOutCurve, start, fade);
    }
    this.tail = gain;
    source.start(start);
    source.onended = () => {
      source.disconnect();
      gain.disconnect();
    };
    const s: Scheduled<M> = { meta: clip.meta, start, duration, fadeIn: joined ? fade : 0, scheduledAt: this.ctx.currentTime, looped, late };
    this.scheduled.push(s);
    if (this.scheduled.length > 500) this.scheduled.splice(0, 100);
    this.endAt = start + duration;
    this.last = clip;
    this.events.onScheduled?.(s);
  }

  /**
   * Ends the music: what plays now fades out, clips waiting or already put on the timeline for
   * later never sound, and nothing repeats. A clip added afterwards starts a new run of music.
   */
  stop(): void {
    const now = this.ctx.currentTime;
    const old = this.out;
    old.gain.cancelScheduledValues(now);
    old.gain.setValueAtTime(old.gain.value, now);
    old.gain.linearRampToValueAtTime(0, now + STOP_FADE_SECONDS);
    // Every source scheduled so far plays into the faded node; later clips get a fresh one.
    this.out = this.ctx.createGain();
    this.out.gain.value = old.gain.value;
    this.out.connect(this.ctx.destination);
    if (!this.manualTicks) window.setTimeout(() => old.disconnect(), STOP_FADE_SECONDS * 1000 + 100);
    this.waiting.length = 0;
    this.last = null;
    this.tail = null;
    this.stopped = true;
    for (let i = this.scheduled.length - 1; i >= 0 && this.scheduled[i].start > now; i--) this.scheduled.pop();
    if (this.behind) {
      this.behind = false;
      this.events.onBehind?.(false);
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    void this.ctx.close();
  }
}
