/**
 * One page's endless music: the radio's plan (seed walks on one prompt, alpha steps over a few
 * clips to a new one) driven by the page asking for the next clip as it plays. Clips go on the
 * shared queue as radio-clip jobs and come back to the page in plan order.
 */
import { z } from 'zod';
import type { JobHandle, JobsClient } from '../jobs/client.ts';
import { JobCancelledError, JobFailedError, JobGoneError, JobInputError, JobRejectedError } from '../jobs/errors.ts';
import type { Logger } from '../jobs/logging.ts';
import type { Requester } from '../jobs/types.ts';
import { AUDIO_EXTENSIONS } from '../pipeline/audio/formats.ts';
import { initialPlan, planNext, retarget, type PlanSettings, type PlanState, type PlannedClip } from '../voice/plan.ts';
import { fileNameOf, type ClipCache } from './clip-cache.ts';
import type { ClientMessage, ClipInfo, ServerMessage } from './protocol.ts';
import { queueState } from './queue-state.ts';
import { beatJoinSeconds } from '../voice/beat-join.ts';

export interface StudioSessionOptions {
  jobs: JobsClient;
  clips: ClipCache;
  log: Logger;
  model: string;
  requester: Requester;
  plan: Omit<PlanSettings, 'denoising' | 'seedImageId' | 'model'>;
  maxPromptChars: number;
  seedImages: readonly string[];
  bufferAhead: number;
  maxQueueLength: number;
  clipTimeoutMs: number;
  send: (m: ServerMessage) => void;
}

export class StudioSession {
  private plan: PlanState | null = null;
  private settings: PlanSettings | null = null;
  private inflight = 0;
  private order: Promise<void> = Promise.resolve();
  /** Clips go on the queue in plan order, so the one due first is made first. */
  private enqueued: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Jobs asked for and not finished: a page that goes away takes its clips off the queue. */
  private readonly pending = new Set<JobHandle>();
  private readonly messageSchema: z.ZodType<ClientMessage>;

  constructor(private readonly o: StudioSessionOptions) {
    this.messageSchema = z.discriminatedUnion('type', [
      z.object({
        type: z.literal('prompt'),
        prompt: z
          .string()
          .trim()
          .min(1, 'Type a prompt first: describe the music you want, e.g. "lofi hip hop with warm piano".')
          .max(o.maxPromptChars, `The prompt is too long; the most is ${o.maxPromptChars} characters.`),
        seed: z.number().int().min(0).max(2 ** 31 - 1, 'The seed must be a whole number below 2^31.').optional(),
        denoising: z.number().gt(0, 'Denoising must be above 0.').max(1, 'Denoising must be at most 1.'),
        seedImage: z.string().refine((s) => s === '' || o.seedImages.includes(s), { message: `Unknown seed image; pick one of: ${o.seedImages.join(', ')}.` }),
      }),
      z.object({ type: z.literal('next') }),
    ]) as z.ZodType<ClientMessage>;
  }

  /** A raw message from the page. */
  handle(raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.error('The page sent something the studio cannot read; reload the page.');
      return;
    }
    const r = this.messageSchema.safeParse(parsed);
    if (!r.success) {
      this.error(r.error.issues[0]?.message ?? 'bad message');
      return;
    }
    const m = r.data;
    if (m.type === 'prompt') this.setPrompt(m);
    else this.next();
  }

  close(): void {
    this.closed = true;
    for (const h of this.pending) void h.cancel().catch(() => undefined);
    this.pending.clear();
  }

  private setPrompt(m: Extract<ClientMessage, { type: 'prompt' }>): void {
    this.settings = {
      ...this.o.plan,
      denoising: m.denoising,
      model: this.o.model,
      ...(m.seedImage ? { seedImageId: m.seedImage } : {}),
    };
    this.plan = this.plan ? retarget(this.plan, m.prompt) : initialPlan(m.prompt, m.seed ?? Math.floor(Math.random() * 2 ** 31));
  }

  private next(): void {
    if (!this.plan || !this.settings) {
      this.error('Type a prompt first: describe the music you want, e.g. "lofi hip hop with warm piano".');
      return;
    }
    if (this.inflight > this.o.bufferAhead) {
      this.error(`The page asked for more than ${this.o.bufferAhead} clips ahead; reload the page.`);
      return;
    }
    const { clip: planned, state } = planNext(this.plan, this.settings);
    this.plan = state;
    this.inflight++;
    const made = this.make(planned);
    made.catch(() => undefined); // reported in order below
    this.order = this.order.then(async () => {
      try {
        const clip = await made;
        if (!this.closed) this.o.send({ type: 'clip', clip });
      } catch (err) {
        if (!this.closed) this.report(err);
      } finally {
        this.inflight--;
      }
    });
  }

  private enqueue(planned: PlannedClip): Promise<JobHandle> {
    const run = this.enqueued.then(async () => {
      const state = await queueState(this.o.jobs, this.o.model);
      if (state.workerLive && state.waiting >= this.o.maxQueueLength) {
        throw new JobRejectedError('queue-full', `The generation queue is full (${state.waiting} clips waiting); try again in a minute.`, 60);
      }
      return this.o.jobs.enqueue({ kind: 'radio-clip', request: planned.request, sessionId: `studio:${this.o.requester.userId}` }, { requester: this.o.requester, format: 'opus' });
    });
    this.enqueued = run.catch(() => undefined);
    return run;
  }

  private async make(planned: PlannedClip): Promise<ClipInfo> {
    const handle = await this.enqueue(planned);
    if (this.closed) {
      void handle.cancel().catch(() => undefined);
      throw new JobCancelledError(handle.id);
    }
    this.pending.add(handle);
    const stop = handle.onProgress((p) => {
      if (!this.closed && p.stage === 'denoising') this.o.send({ type: 'progress', index: planned.index, step: p.step, totalSteps: p.totalSteps });
    });
    try {
      let out;
      try {
        out = await handle.result(this.o.clipTimeoutMs);
      } catch (err) {
        if (err instanceof JobFailedError && /timed out|timeout/i.test(err.message)) {
          void handle.cancel().catch(() => undefined);
          throw new ClipTimeoutError(this.o.clipTimeoutMs);
        }
        throw err;
      }
      const seed = planned.request.start.seed;
      const name = fileNameOf(planned.prompt, seed);
      const fadeInSeconds = beatJoinSeconds(out.durationSeconds, out.beatSeed?.beats);
      const id = this.o.clips.put({ audio: out.audio, mime: 'audio/ogg', ext: AUDIO_EXTENSIONS.opus, png: out.pngs[0], name });
      return {
        id,
        index: planned.index,
        prompt: planned.prompt,
        target: planned.target,
        seed,
        alpha: planned.alpha,
        denoising: planned.request.start.denoising,
        seedImage: planned.request.init && 'seedImageId' in planned.request.init ? planned.request.init.seedImageId : '',
        audioUrl: `/api/clips/${id}/audio`,
        fileName: `${name}${AUDIO_EXTENSIONS.opus}`,
        pngUrl: `/api/clips/${id}/png`,
        generationMs: out.generationMs,
        ...(fadeInSeconds !== undefined ? { fadeInSeconds } : {}),
      };
    } finally {
      stop();
      this.pending.delete(handle);
    }
  }

  private report(err: unknown): void {
    if (err instanceof JobRejectedError) {
      const message =
        err.reason === 'no-worker'
          ? `No worker is generating music for ${this.o.model} right now, so nothing can play. Start one with "npm run worker" (or restart "npm run studio").`
          : err.reason === 'user-rate' || err.reason === 'user-in-flight'
            ? `You are asking for clips faster than this studio allows (${err.message.replace(/^you have /, '')}).`
            : err.message;
      this.error(message, err.retryAfterSeconds);
      return;
    }
    if (err instanceof ClipTimeoutError) {
      this.error(`A clip took longer than ${Math.round(this.o.clipTimeoutMs / 1000)} s to make: the worker may have stopped or be overloaded. Playback will resume when clips arrive again.`, 10);
      return;
    }
    if (err instanceof JobInputError) {
      this.error(`The studio could not use these settings: ${err.message}.`);
      return;
    }
    this.o.log.error({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err), requester: this.o.requester.userId }, 'studio clip failed');
    const gone = err instanceof JobGoneError || err instanceof JobCancelledError;
    this.error(gone ? 'A clip was lost before it reached the page; asking for the next one.' : 'A clip could not be made (the error is in the studio log); asking for the next one.', 5);
  }

  private error(message: string, retryAfterSeconds: number | null = null): void {
    if (!this.closed) this.o.send({ type: 'error', message, retryAfterSeconds });
  }
}

class ClipTimeoutError extends Error {
  constructor(ms: number) {
    super(`clip timed out after ${ms} ms`);
    this.name = 'ClipTimeoutError';
  }
}
