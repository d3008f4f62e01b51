/**
 * The typed client the bot and the CLI use: enqueue a job on its model's queue, follow its
 * progress and place in line, await the binary result, cancel it. All checks a user can fail
 * (bad input, no worker for the model, limits, full queue) happen here, before anything is queued,
 * and surface as JobInputError / JobRejectedError with a message in the user's terms.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { RedisConnection } from './connection.ts';
import type { GenerationRequest } from '../pipeline/generation.ts';
import { cacheKeyOf } from './canonical.ts';
import { connect } from './connection.ts';
import { estimateSeconds, medianRuntimeMs } from './eta.ts';
import { JobCancelledError, JobFailedError, JobGoneError, JobInputError, JobRejectedError, JobWaitTimeoutError } from './errors.ts';
import { checkModelId, InvalidModelIdError, makeKeys, type Keys } from './keys.ts';
import { DEFAULT_LIMITS, Limiter, type LimitsConfig, type LimitVerdict } from './limits.ts';
import { liveModels, type ModelStatus } from './registry.ts';
import { BinaryStore, type StoredResult } from './store.ts';
import {
  callerRequestSchema,
  MAX_MORPH_CLIPS,
  PRIORITY,
  priorityClassOf,
  type BlobRef,
  type EnqueueOptions,
  type JobData,
  type JobKind,
  type JobOutput,
  type JobProgress,
  type JobReturn,
  type JobSpec,
  type WireImage,
  type WireRequest,
} from './types.ts';
import { DEFAULT_MODEL_ID } from '../pipeline/model-id.ts';

export interface JobsClientOptions {
  redisUrl: string;
  prefix?: string;
  limits?: LimitsConfig;
  /** How long finished job records and job inputs are kept (seconds). Default 3600. */
  jobTtlSeconds?: number;
  /** Tries per job for transient failures (exponential backoff from `backoffMs`). */
  attempts?: number;
  backoffMs?: number;
  defaultModel?: string;
  /** Connection errors while Redis is unreachable (the client keeps retrying); e.g. a logger's warn. */
  onRedisError?: (err: Error) => void;
}

export interface QueuePlace {
  state: 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'unknown';
  /** Jobs that start before this one (including those running now). 0 when running. */
  ahead: number;
  /** Seconds until the result, from recent run times and live workers; null when not known yet. */
  etaSeconds: number | null;
}

export class JobsClient {
  readonly keys: Keys;
  private readonly redis: RedisConnection;
  private readonly store: BinaryStore;
  private readonly limiter: Limiter;
  private readonly limits: LimitsConfig;
  private readonly queues = new Map<string, Queue>();
  private readonly events = new Map<string, Promise<QueueEvents>>();
  /** QueueEvents' own connections: BullMQ does not close a connection it was given, so close() does. */
  private readonly eventConnections: RedisConnection[] = [];

  constructor(private readonly opts: JobsClientOptions) {
    this.keys = makeKeys(opts.prefix);
    this.redis = connect(opts.redisUrl, opts.onRedisError);
    this.store = new BinaryStore(this.redis, this.keys);
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.limiter = new Limiter(this.redis, this.keys, this.limits);
  }

  private get ttl(): number {
    return this.opts.jobTtlSeconds ?? 3600;
  }

  /** Models with at least one live worker. */
  models(): Promise<ModelStatus[]> {
    return liveModels(this.redis, this.keys);
  }

  queue(modelId: string): Queue {
    let q = this.queues.get(modelId);
    if (!q) {
      q = new Queue(this.keys.queueName(modelId), { connection: this.redis, prefix: this.keys.queuePrefix });
      q.on('error', (err) => this.opts.onRedisError?.(err));
      q.setMaxListeners(0); // each pending waitUntilFinished listens for 'closing': one per job awaited, released when it ends
      this.queues.set(modelId, q);
    }
    return q;
  }

  /** One QueueEvents per model, shared by every handle (progress and completion). */
  queueEvents(modelId: string): Promise<QueueEvents> {
    let e = this.events.get(modelId);
    if (!e) {
      const connection = connect(this.opts.redisUrl, this.opts.onRedisError);
      this.eventConnections.push(connection);
      const qe = new QueueEvents(this.keys.queueName(modelId), { connection, prefix: this.keys.queuePrefix });
      qe.setMaxListeners(0);
      qe.on('error', (err) => this.opts.onRedisError?.(err)); // reconnects on its own
      e = qe.waitUntilReady().then(() => qe);
      this.events.set(modelId, e);
    }
    return e;
  }

  async enqueue(spec: JobSpec, options: EnqueueOptions): Promise<JobHandle> {
    const request = checkRequest(spec);
    const model = modelOf(request, this.opts.defaultModel ?? DEFAULT_MODEL_ID);
    const format = options.format ?? 'opus';
    if (!options.requester.userId) throw new JobInputError('the request has no user id');

    const effective: GenerationRequest =
      spec.kind === 'variation' ? { ...request, start: { ...request.start, seed: spec.newSeed ?? randomInt(0, 2 ** 32 - 1) } } : request;
    const wire = await this.wireRequest(effective, model);
    const extras = await this.kindExtras(spec);
    const cacheKey = cacheKeyOf({ kind: spec.kind, model, format, request: wire, ...extras });

    const cached = await this.store.getResult(cacheKey);
    if (cached) return JobHandle.cached(this, model, spec.kind, cacheKey, cached);

    const live = await this.models();
    const serving = live.find((m) => m.modelId === model);
    if (!serving) {
      const others = live.length ? ` (models with a worker: ${live.map((m) => m.modelId).join(', ')})` : ' (no worker is running at all)';
      throw new JobRejectedError('no-worker', `no worker is serving model "${model}"${others}`, null);
    }

    const priorityClass = priorityClassOf(spec.kind, options.batch);
    const queue = this.queue(model);
    if (priorityClass !== 'radio') {
      const c = await queue.getJobCounts('wait', 'prioritized', 'delayed');
      const waiting = (c.wait ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0);
      if (waiting >= this.limits.maxQueueLength) {
        const eta = estimateSeconds(waiting - this.limits.maxQueueLength, serving.slots, await medianRuntimeMs(this.redis, this.keys, model));
        throw new JobRejectedError(
          'queue-full',
          `the queue for ${model} is full (${waiting} jobs waiting); try again ${eta === null ? 'in a minute' : `in about ${Math.ceil(eta)} s`}`,
          eta === null ? 60 : Math.ceil(eta),
        );
      }
    }

    const jobId = randomUUID();
    const verdict = await this.limiter.admit(options.requester, jobId);
    if (!verdict.ok) throw await this.rejection(verdict, model, serving.slots);

    const data = { v: 1, kind: spec.kind, model, requester: options.requester, priorityClass, format, cacheKey, request: wire, enqueuedAt: Date.now(), ...extras } as JobData;
    const events = await this.queueEvents(model); // ready before the job exists, so no progress event is missed
    try {
      await queue.add(spec.kind, data, {
        jobId,
        priority: PRIORITY[priorityClass],
        attempts: this.opts.attempts ?? 3,
        backoff: { type: 'exponential', delay: this.opts.backoffMs ?? 2000 },
        removeOnComplete: { age: this.ttl },
        removeOnFail: { age: this.ttl },
      });
    } catch (err) {
      await this.limiter.release(options.requester, jobId).catch(() => undefined);
      throw err;
    }
    return new JobHandle(this, model, spec.kind, jobId, events, null);
  }

  /** Re-attaches to a job by id (e.g. after a bot restart). */
  async attach(model: string, jobId: string): Promise<JobHandle> {
    const job = await Job.fromId(this.queue(model), jobId);
    if (!job) throw new JobGoneError(jobId, 'the job');
    return new JobHandle(this, model, job.name as JobKind, jobId, await this.queueEvents(model), null);
  }

  async close(): Promise<void> {
    await Promise.all([...this.events.values()].map(async (e) => (await e).close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await Promise.all([this.redis, ...this.eventConnections].map((r) => r.quit().catch(() => r.disconnect())));
  }

  // --- used by JobHandle -------------------------------------------------------------------------

  /** @internal */ get redisClient(): RedisConnection {
    return this.redis;
  }
  /** @internal */ get binaryStore(): BinaryStore {
    return this.store;
  }
  /** @internal */ get limiterRef(): Limiter {
    return this.limiter;
  }
  /** @internal */ async slots(model: string): Promise<number> {
    return (await this.models()).find((m) => m.modelId === model)?.slots ?? 0;
  }

  private async putBlob(bytes: Uint8Array, what: string): Promise<BlobRef> {
    if (bytes.byteLength === 0) throw new JobInputError(`${what} is empty`);
    return this.store.putBlob(bytes, this.ttl + 600);
  }

  private async wireImage(img: GenerationRequest['init'], what: string): Promise<WireImage | undefined> {
    if (!img) return undefined;
    return 'seedImageId' in img ? { seedImageId: img.seedImageId } : this.putBlob(img.bytes, what);
  }

  private async wireRequest(r: GenerationRequest, model: string): Promise<WireRequest> {
    const { init, mask, ...rest } = r;
    const wire: WireRequest = { ...rest, model };
    const i = await this.wireImage(init, 'the init image');
    const m = await this.wireImage(mask, 'the mask image');
    if (i) wire.init = i;
    if (m) wire.mask = m;
    return wire;
  }

  private async kindExtras(spec: JobSpec): Promise<Record<string, unknown>> {
    switch (spec.kind) {
      case 'extend':
        return { previousPng: await this.putBlob(spec.previous.png, 'the clip to continue'), overlap: spec.overlap ?? 0.5 };
      case 'remix':
        return 'png' in spec.source
          ? { source: { png: await this.putBlob(spec.source.png, 'the clip to remix') } }
          : { source: { audio: await this.putBlob(spec.source.audio, 'the uploaded audio') } };
      case 'morph':
        return { clips: spec.clips, animation: spec.animation ?? 'webp' };
      case 'radio-clip':
        return { sessionId: spec.sessionId };
      default:
        return {};
    }
  }

  private async rejection(v: Extract<LimitVerdict, { ok: false }>, model: string, slots: number): Promise<JobRejectedError> {
    const who = v.scope === 'user' ? 'you have' : 'this server has';
    if (v.kind === 'rate') {
      const s = Math.max(1, Math.ceil((v.retryAfterMs ?? 60_000) / 1000));
      return new JobRejectedError(`${v.scope}-rate`, `${who} started ${v.limit} jobs in the last minute, the most allowed; try again in ${s} s`, s);
    }
    const eta = estimateSeconds(0, slots, await medianRuntimeMs(this.redis, this.keys, model));
    const s = eta === null ? null : Math.max(1, Math.ceil(eta));
    return new JobRejectedError(
      `${v.scope}-in-flight`,
      `${who} ${v.limit} jobs waiting or running, the most allowed at once; try again when one finishes${s === null ? '' : ` (about ${s} s)`}`,
      s,
    );
  }
}

export class JobHandle {
  private cancelled = false;
  private readonly cancelWaiters = new Set<(e: Error) => void>();

  constructor(
    private readonly client: JobsClient,
    readonly model: string,
    readonly kind: JobKind,
    readonly id: string,
    private readonly events: QueueEvents | null,
    private readonly cachedResult: { cacheKey: string; result: StoredResult } | null,
  ) {}

  static cached(client: JobsClient, model: string, kind: JobKind, cacheKey: string, result: StoredResult): JobHandle {
    return new JobHandle(client, model, kind, `cache-${cacheKey.slice(0, 16)}`, null, { cacheKey, result });
  }

  get fromCache(): boolean {
    return this.cachedResult !== null;
  }

  /** Calls `listener` for every diffusion step; returns the function that stops listening. */
  onProgress(listener: (p: JobProgress) => void): () => void {
    if (!this.events) return () => undefined;
    const events = this.events;
    const on = ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (jobId === this.id && data && typeof data === 'object') listener(data as JobProgress);
    };
    events.on('progress', on);
    return () => events.off('progress', on);
  }

  /** Where the job stands in its model's queue, with an estimate of when its result is ready. */
  async position(): Promise<QueuePlace> {
    if (this.cachedResult) return { state: 'completed', ahead: 0, etaSeconds: 0 };
    const queue = this.client.queue(this.model);
    const job = await Job.fromId(queue, this.id);
    if (!job) return { state: 'unknown', ahead: 0, etaSeconds: null };
    const state = await job.getState();
    const median = await medianRuntimeMs(this.client.redisClient, this.client.keys, this.model);
    const slots = await this.client.slots(this.model);
    if (state === 'completed' || state === 'failed') return { state, ahead: 0, etaSeconds: 0 };
    if (state === 'active') return { state, ahead: 0, etaSeconds: median === null ? null : median / 1000 };
    const redis = this.client.redisClient;
    const [rank, waitLen, active] = await Promise.all([
      redis.zrank(queue.keys.prioritized, this.id),
      redis.llen(queue.keys.wait),
      redis.llen(queue.keys.active),
    ]);
    const ahead = (rank ?? 0) + waitLen + active;
    return { state: state === 'delayed' ? 'delayed' : 'waiting', ahead, etaSeconds: estimateSeconds(ahead, slots, median) };
  }

  /** Waits for the result; rejects with JobFailedError, JobCancelledError, JobGoneError or (past `timeoutMs`) JobWaitTimeoutError. */
  async result(timeoutMs?: number): Promise<JobOutput> {
    if (this.cachedResult) return this.output(this.cachedResult.result, true);
    if (!this.events) throw new JobGoneError(this.id, 'the job');
    const events = this.events;
    // A waiting job cancelled from another handle (another process) is removed: no 'failed' event comes.
    let onRemoved: ((args: { jobId: string }) => void) | undefined;
    const removed = new Promise<never>((_, reject) => {
      onRemoved = ({ jobId }) => jobId === this.id && reject(new JobCancelledError(this.id));
      events.on('removed', onRemoved);
    });
    removed.catch(() => undefined);
    const job = await Job.fromId<JobData, JobReturn>(this.client.queue(this.model), this.id);
    if (!job) {
      events.off('removed', onRemoved!);
      const flagged = await this.client.redisClient.exists(this.client.keys.cancel(this.id));
      throw this.cancelled || flagged ? new JobCancelledError(this.id) : new JobGoneError(this.id, 'the job');
    }
    let ret: JobReturn;
    try {
      ret = await Promise.race([
        job.waitUntilFinished(events, timeoutMs) as Promise<JobReturn>,
        new Promise<never>((_, reject) => this.cancelWaiters.add(reject)),
        removed,
      ]);
    } catch (err) {
      if (err instanceof JobCancelledError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (message === 'cancelled') throw new JobCancelledError(this.id);
      // BullMQ's own wording when waitUntilFinished gives up: not a failure of the job.
      if (timeoutMs !== undefined && /timed out before finishing/.test(message)) throw new JobWaitTimeoutError(this.id, timeoutMs / 1000);
      throw JobFailedError.fromReason(this.id, message);
    } finally {
      events.off('removed', onRemoved!);
    }
    const stored = await this.client.binaryStore.getResult(ret.cacheKey);
    if (!stored) throw new JobGoneError(this.id, 'the result');
    return this.output(stored, ret.reused);
  }

  /**
   * Cancels the job: a waiting job is removed at once; a running one is told to stop (the worker
   * aborts its generator at the next step). Returns what happened.
   */
  async cancel(): Promise<'removed' | 'stopping' | 'already-finished'> {
    if (this.cachedResult) return 'already-finished';
    const queue = this.client.queue(this.model);
    const job = await Job.fromId<JobData>(queue, this.id);
    if (!job) return 'already-finished';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'already-finished';
    const redis = this.client.redisClient;
    // The flag covers the race where the job starts between our state read and the removal.
    await redis.set(this.client.keys.cancel(this.id), '1', 'EX', 24 * 3600);
    if (state !== 'active') {
      const removed = await queue.remove(this.id);
      if (removed === 1) {
        await this.client.limiterRef.release(job.data.requester, this.id);
        this.cancelled = true;
        const err = new JobCancelledError(this.id);
        for (const reject of this.cancelWaiters) reject(err);
        return 'removed';
      }
    }
    await redis.publish(this.client.keys.cancelChannel(), this.id);
    return 'stopping';
  }

  private output(s: StoredResult, fromCache: boolean): JobOutput {
    return { ...s.meta, jobId: this.id, fromCache, audio: s.audio, pngs: s.pngs, ...(s.animation ? { animationBytes: s.animation } : {}) };
  }
}

// --- input checks ----------------------------------------------------------------------------------

function checkRequest(spec: JobSpec): GenerationRequest {
  const r = callerRequestSchema.safeParse(spec.request);
  if (!r.success) {
    throw new JobInputError(r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  }
  switch (spec.kind) {
    case 'morph':
      if (!spec.request.end) throw new JobInputError('a morph needs an end prompt to move towards');
      if (!Number.isInteger(spec.clips) || spec.clips < 2 || spec.clips > MAX_MORPH_CLIPS) {
        throw new JobInputError(`a morph has from 2 to ${MAX_MORPH_CLIPS} clips (got ${spec.clips})`);
      }
      break;
    case 'extend':
      if (spec.overlap !== undefined && !(spec.overlap > 0 && spec.overlap < 1)) throw new JobInputError(`overlap must be between 0 and 1 (got ${spec.overlap})`);
      if (!(spec.previous?.png instanceof Uint8Array)) throw new JobInputError('extend needs the previous clip\'s spectrogram PNG');
      break;
    case 'remix': {
      const src = spec.source as { png?: unknown; audio?: unknown } | undefined;
      if (!(src?.png instanceof Uint8Array) && !(src?.audio instanceof Uint8Array)) throw new JobInputError('remix needs a clip\'s PNG or uploaded audio');
      break;
    }
    case 'radio-clip':
      if (!spec.sessionId) throw new JobInputError('a radio clip needs its session id');
      break;
    case 'variation':
      if (spec.newSeed !== undefined && !(Number.isInteger(spec.newSeed) && spec.newSeed >= 0 && spec.newSeed < 2 ** 32)) {
        throw new JobInputError(`the new seed must be a whole number from 0 to 2^32-1 (got ${spec.newSeed})`);
      }
      break;
  }
  return spec.request;
}

function modelOf(request: GenerationRequest, fallback: string): string {
  const model = request.model ?? fallback;
  try {
    return checkModelId(model);
  } catch (err) {
    if (err instanceof InvalidModelIdError) throw new JobInputError(err.message);
    throw err;
  }
}
