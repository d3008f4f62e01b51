/**
 * The generation worker: one BullMQ Worker per model it serves, each fed by that model's queue, so
 * a job only reaches a process that has its model loaded. The Generator is injected (production:
 * worker-main.ts passes loadGenerator's; tests and benchmarks pass a stand-in from test/support or
 * bench/), so this module holds no stand-in code.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './connection.ts';
import type { Generator } from '../pipeline/generation.ts';
import { connect } from './connection.ts';
import { recordRuntime } from './eta.ts';
import { inputFailureReason, JobInputError } from './errors.ts';
import { makeKeys, checkModelId, type Keys } from './keys.ts';
import { Limiter, DEFAULT_LIMITS } from './limits.ts';
import { createLogger, type Logger } from './logging.ts';
import type { JobMetrics } from './metrics.ts';
import { LivenessKeeper } from './keeper.ts';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from './keeper-protocol.ts';
import { liveModels, type WorkerBeat } from './registry.ts';
import { runJob } from './run-job.ts';
import { BinaryStore } from './store.ts';
import { jobDataSchema, type JobData, type JobProgress, type JobReturn } from './types.ts';

export interface GenerationWorkerOptions {
  redisUrl: string;
  /** Loaded generators, one per model served; their modelId names the queue. */
  generators: Generator[];
  prefix?: string;
  concurrency?: number;
  resultTtlSeconds?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  heartbeatTtlMs?: number;
  /** On close, how long active jobs may run on before they are handed back to the queue. */
  shutdownGraceSeconds?: number;
  logger?: Logger;
  metrics?: JobMetrics;
  workerId?: string;
}

/** Error names from the pipeline that mean "this input cannot work": failing again will not help. */
const INPUT_ERROR_NAMES = new Set(['JobInputError', 'ImageFormatError', 'InvalidParamsError', 'ExifFormatError', 'AudioDecodeError', 'StitchError', 'InvalidModelIdError']);

class ShutdownAbort extends Error {
  constructor() {
    super('worker shutting down');
    this.name = 'ShutdownAbort';
  }
}

export class GenerationWorker {
  readonly workerId: string;
  private readonly keys: Keys;
  private readonly redis: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly store: BinaryStore;
  private readonly limiter: Limiter;
  private readonly log: Logger;
  private readonly workers: Worker[] = [];
  private readonly queues: Queue[] = [];
  private readonly beats: WorkerBeat[];
  private keeper: LivenessKeeper | undefined;
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;

  private constructor(private readonly opts: GenerationWorkerOptions) {
    this.workerId = opts.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.keys = makeKeys(opts.prefix);
    this.log = opts.logger ?? createLogger('riffcord-worker', undefined, { workerId: this.workerId });
    const onRedisError = (err: Error) => this.log.warn({ err: err.message }, 'redis connection error (reconnecting)');
    this.redis = connect(opts.redisUrl, onRedisError);
    this.subscriber = connect(opts.redisUrl, onRedisError);
    this.store = new BinaryStore(this.redis, this.keys);
    this.limiter = new Limiter(this.redis, this.keys, DEFAULT_LIMITS);
    const concurrency = opts.concurrency ?? 1;
    this.beats = opts.generators.map((g) => ({ workerId: this.workerId, modelId: g.modelId, concurrency, host: hostname(), pid: process.pid, startedAt: Date.now() }));
  }

  private get lockDurationMs(): number {
    return this.opts.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
  }

  static async start(opts: GenerationWorkerOptions): Promise<GenerationWorker> {
    if (opts.generators.length === 0) throw new Error('a worker needs at least one model to serve');
    const ids = opts.generators.map((g) => checkModelId(g.modelId));
    if (new Set(ids).size !== ids.length) throw new Error(`a model is listed twice: ${ids.join(', ')}`);
    const w = new GenerationWorker(opts);
    await w.begin();
    return w;
  }

  /** Per model: job counts by state (for the metrics endpoint). */
  async depths(): Promise<{ modelId: string; counts: Record<string, number> }[]> {
    return Promise.all(
      this.queues.map(async (q) => ({ modelId: q.name, counts: await q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed', 'completed') })),
    );
  }

  async workersAlive(): Promise<{ modelId: string; workers: number }[]> {
    return (await liveModels(this.redis, this.keys)).map((m) => ({ modelId: m.modelId, workers: m.workers }));
  }

  private async begin(): Promise<void> {
    const o = this.opts;
    await this.subscriber.subscribe(this.keys.cancelChannel());
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      for (const w of this.workers) if (w.cancelJob(jobId, 'cancelled')) this.log.info({ jobId }, 'cancelling active job');
    });
    for (const generator of o.generators) {
      const modelId = generator.modelId;
      const worker = new Worker<JobData, JobReturn>(
        this.keys.queueName(modelId),
        (job, token, signal) => this.process(generator, job, token, signal),
        {
          connection: this.redis,
          prefix: this.keys.queuePrefix,
          concurrency: o.concurrency ?? 1,
          lockDuration: this.lockDurationMs,
          stalledInterval: o.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
          maxStalledCount: 2,
          autorun: false,
          name: this.workerId,
        },
      );
      worker.on('error', (err) => this.log.error({ err, modelId }, 'worker error'));
      worker.on('stalled', (jobId) => {
        this.log.warn({ jobId, modelId }, 'job stalled (its worker stopped renewing the lock); handed back to the queue');
        o.metrics?.stalled.inc({ model: modelId });
      });
      worker.on('failed', (job, err) => {
        if (!job) return;
        const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        const labels = { model: modelId, kind: job.data.kind };
        o.metrics?.failed.inc({ ...labels, reason: final ? (err.name === 'UnrecoverableError' ? 'permanent' : 'exhausted') : 'transient' });
        if (!final) {
          o.metrics?.retried.inc(labels);
          this.log.warn({ jobId: job.id, ...labels, attempt: job.attemptsMade, err: err.message }, 'attempt failed; will retry');
          return;
        }
        this.log.warn({ jobId: job.id, ...labels, err: err.message }, 'job failed');
        void this.limiter.release(job.data.requester, job.id ?? '').catch(() => undefined);
      });
      this.workers.push(worker);
      const queue = new Queue(this.keys.queueName(modelId), { connection: this.redis, prefix: this.keys.queuePrefix });
      queue.on('error', (err) => this.log.warn({ err: err.message, modelId }, 'queue error'));
      this.queues.push(queue);
    }
    this.keeper = await LivenessKeeper.start(
      { redisUrl: o.redisUrl, prefix: this.keys.prefix, lockDurationMs: this.lockDurationMs, heartbeatTtlMs: o.heartbeatTtlMs ?? 15_000, beats: this.beats },
      {
        onError: (message) => this.log.warn({ err: message }, 'liveness thread: redis call failed'),
        onLost: (jobId) => this.log.warn({ jobId }, 'job lock lost: another worker has the job now'),
      },
    );
    for (const w of this.workers) {
      void w.run().catch((err: unknown) => this.log.error({ err }, 'worker loop ended'));
      await w.waitUntilReady();
    }
    this.log.info({ models: o.generators.map((g) => g.modelId), concurrency: o.concurrency ?? 1 }, 'worker ready');
  }

  private async process(generator: Generator, job: Job<JobData, JobReturn>, token: string | undefined, signal: AbortSignal | undefined): Promise<JobReturn> {
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`the job's data is not a riffcord job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const data = parsed.data;
    const jobId = job.id ?? '';
    const log = this.log.child({ jobId, kind: data.kind, model: data.model, attempt: job.attemptsMade + 1 });
    const labels = { model: generator.modelId, kind: data.kind };
    if (await this.redis.exists(this.keys.cancel(jobId))) throw new UnrecoverableError('cancelled');
    if (job.attemptsMade === 0) this.opts.metrics?.waitSeconds.observe(labels, Math.max(0, Date.now() - data.enqueuedAt) / 1000);

    if (await this.store.hasResult(data.cacheKey)) {
      log.info('identical request already answered; reusing its result');
      await this.limiter.release(data.requester, jobId);
      this.opts.metrics?.completed.inc({ ...labels, cached: 'true' });
      return { cacheKey: data.cacheKey, reused: true };
    }

    const abort = AbortSignal.any([this.shutdown.signal, ...(signal ? [signal] : [])]);
    const started = performance.now();
    log.info('job started');
    if (token) this.keeper?.hold(job.queueName, jobId, token);
    let result;
    try {
      result = await runJob(data, {
        generator,
        store: this.store,
        signal: abort,
        onProgress: (p: JobProgress) => void job.updateProgress({ ...p }).catch(() => undefined),
      });
    } catch (err) {
      if (this.shutdown.signal.aborted && !signal?.aborted && token) {
        log.info('worker shutting down: handing the job back to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (signal?.aborted) {
        log.info('job cancelled');
        throw new UnrecoverableError('cancelled');
      }
      const e = err instanceof Error ? err : new Error(String(err));
      if (err instanceof JobInputError || INPUT_ERROR_NAMES.has(e.name)) {
        log.info({ err: e }, 'job input refused'); // the details (ffmpeg's stderr) stay here; the user reads e.message
        throw new UnrecoverableError(inputFailureReason(e.message));
      }
      throw e;
    } finally {
      this.keeper?.drop(jobId);
    }
    await this.store.putResult(data.cacheKey, result, this.opts.resultTtlSeconds ?? 3600);
    const runMs = performance.now() - started;
    await recordRuntime(this.redis, this.keys, generator.modelId, runMs);
    await this.limiter.release(data.requester, jobId);
    this.opts.metrics?.runSeconds.observe(labels, runMs / 1000);
    this.opts.metrics?.completed.inc({ ...labels, cached: 'false' });
    if (result.meta.generationMs > 0) this.opts.metrics?.realTimeFactor.observe({ model: generator.modelId }, result.meta.durationSeconds / (result.meta.generationMs / 1000));
    log.info({ runMs: Math.round(runMs), audioSeconds: result.meta.durationSeconds }, 'job completed');
    return { cacheKey: data.cacheKey, reused: false };
  }

  /**
   * Graceful stop: takes no new jobs, lets active ones finish for up to the grace period, then
   * aborts them and hands them back to the queue for another worker. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.log.info('worker closing');
      this.keeper?.unannounce();
      const graceMs = (this.opts.shutdownGraceSeconds ?? 120) * 1000;
      const timer = setTimeout(() => this.shutdown.abort(new ShutdownAbort()), graceMs);
      try {
        await Promise.all(this.workers.map((w) => w.close()));
      } finally {
        clearTimeout(timer);
      }
      await this.keeper?.stop().catch(() => undefined);
      await Promise.all(this.queues.map((q) => q.close()));
      await this.subscriber.quit().catch(() => undefined);
      await this.redis.quit().catch(() => undefined);
      this.log.info('worker closed');
    })();
    return this.closing;
  }
}
