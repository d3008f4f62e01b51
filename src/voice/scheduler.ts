/**
 * Generation ahead of the playhead: keeps `bufferAhead` clips queued or being made, hands them to
 * playback in play order whatever order the workers finish them in, waits out job limits that pass
 * with time, and stalls when generation cannot go on.
 */
import type { JobsClient } from '../jobs/client.ts';
import { JobRejectedError, type RejectionReason } from '../jobs/errors.ts';
import type { Logger } from '../jobs/logging.ts';
import { generateClip } from './clip-source.ts';
import { radioRequester } from './jobs.ts';
import type { RadioPlayback } from './playback.ts';
import { planNext } from './plan.ts';
import { describeStop } from './stop-reasons.ts';
import type { RadioRecord } from './store.ts';

/** Job limits that pass with time (in-flight and per-minute), as opposed to a full queue or no worker. */
const TRANSIENT_REJECTIONS = new Set<RejectionReason>(['user-in-flight', 'user-rate', 'guild-in-flight', 'guild-rate']);

export interface ClipSchedulerDeps {
  jobs: JobsClient;
  /** Its settings say how far ahead to generate; its plan advances with every clip planned. */
  record: RadioRecord;
  playback: Pick<RadioPlayback, 'queued' | 'enqueue'>;
  /** False while nobody listens, while held with /radio pause, and once ending. */
  mayGenerate(): boolean;
  isEnding(): boolean;
  /** Generation cannot go on; `reason` is in the listeners' words. */
  onStall(reason: string): void;
  save(): Promise<void>;
  log: Logger;
}

export class ClipScheduler {
  private inflight = 0;
  private order: Promise<void> = Promise.resolve();
  private stalledReason: string | null = null;
  /** Set while a per-requester job limit is waited out. */
  private backoffTimer: NodeJS.Timeout | null = null;
  private backoffUntil = 0;
  /** Ends the clips still being generated when the radio stops or suspends. */
  private readonly ended = new AbortController();

  constructor(private readonly deps: ClipSchedulerDeps) {}

  /** Clips being generated now. */
  get generating(): number {
    return this.inflight;
  }

  /** Why generation stopped for good; null while it goes on. */
  get stalled(): string | null {
    return this.stalledReason;
  }

  /** Plans and requests clips until the buffer is full; saves the advanced plan. */
  fill(): void {
    const { record } = this.deps;
    const s = record.settings;
    while (this.deps.mayGenerate() && !this.stalledReason && Date.now() >= this.backoffUntil && this.inflight + this.deps.playback.queued < s.bufferAhead) {
      const { clip: planned, state } = planNext(record.plan, s.plan);
      record.plan = state;
      this.inflight++;
      const made = generateClip(this.deps.jobs, planned, {
        sessionId: `radio:${record.guildId}`,
        requester: radioRequester(record.guildId),
        timeoutMs: s.clipTimeoutSeconds * 1000,
        signal: this.ended.signal,
      });
      made.catch(() => undefined); // handled in order below
      this.order = this.order.then(async () => {
        try {
          const clip = await made;
          if (this.deps.isEnding() || this.stalledReason) return;
          this.deps.playback.enqueue(clip, { volume: record.volume ?? 1, held: record.held ?? false });
        } catch (err) {
          // A radio resumed right after a restart can find the clips of its previous process still
          // counted against it: a limit that passes with time is waited out (that planned clip is skipped).
          if (err instanceof JobRejectedError && TRANSIENT_REJECTIONS.has(err.reason) && err.retryAfterSeconds !== null) this.backOff(err.retryAfterSeconds);
          else this.stall(describeStop(err));
        } finally {
          this.inflight--;
        }
        this.fill();
      });
    }
    void this.deps.save();
  }

  /** The radio is ending: clips being generated are cancelled, a pending retry is dropped. */
  stop(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.ended.abort();
  }

  private backOff(seconds: number): void {
    this.backoffUntil = Date.now() + seconds * 1000;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.fill();
    }, seconds * 1000);
  }

  private stall(reason: string): void {
    if (this.stalledReason || this.deps.isEnding()) return;
    this.stalledReason = reason;
    this.deps.log.warn({ guildId: this.deps.record.guildId, reason }, 'radio generation stopped; playing out the buffer');
    this.deps.onStall(reason);
  }
}
