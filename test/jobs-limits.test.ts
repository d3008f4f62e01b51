/**
 * Admission (per-user and per-guild limits, queue cap), ETA and the metrics endpoint, against the
 * real Redis with an in-process worker serving a slow stand-in model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsClient, type JobHandle } from '../src/jobs/client.ts';
import { JobRejectedError } from '../src/jobs/errors.ts';
import { createLogger } from '../src/jobs/logging.ts';
import { JobMetrics } from '../src/jobs/metrics.ts';
import { GenerationWorker } from '../src/jobs/worker.ts';
import { StandinGenerator } from './support/jobs-standin-generator.ts';
import { deletePrefix, request, SHARED_REDIS, testPrefix } from './support/jobs-harness.ts';

const prefix = testPrefix();
let worker: GenerationWorker;
let client: JobsClient;
const metrics = new JobMetrics({ depths: () => worker.depths(), workersAlive: () => worker.workersAlive() }, false);
const as = (userId: string, guildId?: string) => ({ requester: { userId, ...(guildId ? { guildId } : {}) }, format: 'wav' as const });
let seed = 1000;
const slow = () => ({ kind: 'riff' as const, request: request('[slow] hold', seed++, { model: 'slow', steps: 3 }) });
const quick = () => ({ kind: 'riff' as const, request: request('quick', seed++, { model: 'slow', steps: 1 }) });

async function rejection(p: Promise<unknown>): Promise<JobRejectedError> {
  const e = await p.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  if (!(e instanceof JobRejectedError)) throw e;
  return e;
}

async function drain(hs: JobHandle[]) {
  await Promise.all(hs.map((h) => h.result(30_000).catch(() => undefined)));
}

beforeAll(async () => {
  worker = await GenerationWorker.start({
    redisUrl: SHARED_REDIS,
    prefix,
    generators: [new StandinGenerator('slow', { stepMs: 30 })],
    concurrency: 1,
    logger: createLogger('test', 'silent'),
    metrics,
  });
  client = new JobsClient({
    redisUrl: SHARED_REDIS,
    prefix,
    limits: { userInFlight: 2, userPerMinute: 3, guildInFlight: 3, guildPerMinute: 100, maxQueueLength: 4, inflightTtlMs: 60_000 },
  });
});

afterAll(async () => {
  await client?.close();
  await worker?.close();
  await deletePrefix(SHARED_REDIS, prefix);
});

describe('admission limits', () => {
  it('per user in flight: the third job is refused until one finishes', async () => {
    const hs = [await client.enqueue(slow(), as('inflight')), await client.enqueue(slow(), as('inflight'))];
    const e = await rejection(client.enqueue(slow(), as('inflight')));
    expect(e.reason).toBe('user-in-flight');
    expect(e.message).toMatch(/^you have 2 jobs waiting or running, the most allowed at once; try again when one finishes/);
    await drain(hs);
    await drain([await client.enqueue(quick(), as('inflight'))]);
  });

  it('per user per minute: the fourth job in a minute is refused with the seconds to wait', async () => {
    for (let i = 0; i < 3; i++) await drain([await client.enqueue(quick(), as('rate'))]);
    const e = await rejection(client.enqueue(quick(), as('rate')));
    expect(e.reason).toBe('user-rate');
    expect(e.retryAfterSeconds).toBeGreaterThan(30);
    expect(e.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(e.message).toBe(`you have started 3 jobs in the last minute, the most allowed; try again in ${e.retryAfterSeconds} s`);
  });

  it('per guild in flight counts every member of the guild', async () => {
    const hs = [];
    for (const u of ['g1', 'g2', 'g3']) hs.push(await client.enqueue(slow(), as(u, 'guild-x')));
    const e = await rejection(client.enqueue(slow(), as('g4', 'guild-x')));
    expect(e.reason).toBe('guild-in-flight');
    expect(e.message).toMatch(/^this server has 3 jobs waiting or running/);
    // Another guild is not affected.
    hs.push(await client.enqueue(quick(), as('g5', 'guild-y')));
    await drain(hs);
  });

  it('a full queue refuses interactive jobs but still takes radio clips; waiting jobs get an ETA', async () => {
    const hs: JobHandle[] = [];
    for (let i = 0; i < 5; i++) hs.push(await client.enqueue(slow(), as(`q${i}`)));
    const e = await rejection(client.enqueue(slow(), as('q-late')));
    expect(e.reason).toBe('queue-full');
    expect(e.message).toMatch(/^the queue for slow is full \(4 jobs waiting\); try again in about \d+ s$/);
    const radio = await client.enqueue({ kind: 'radio-clip', request: request('radio', seed++, { model: 'slow', steps: 1 }), sessionId: 'r' }, as('dj'));
    hs.push(radio);
    const last = await hs[4].position();
    expect(last.state).toBe('waiting');
    expect(last.ahead).toBe(5); // 1 running, 3 waiting before it, and the radio clip jumped ahead
    // Runs recorded by the earlier tests: median of a 3-step slow job is ~900 ms, one slot.
    expect(last.etaSeconds).toBeGreaterThan(0.5 * 6 * 0.9);
    expect(last.etaSeconds).toBeLessThan(3 * 6 * 0.9);
    await drain(hs);
  });
});

describe('metrics endpoint', () => {
  it('serves queue depth, run times, real-time factor, failures, retries and live workers', async () => {
    const { server, port } = await metrics.serve(0, '127.0.0.1');
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const name of [
        'riffcord_queue_depth{model="slow",state="wait"}',
        'riffcord_workers_alive{model="slow"} 1',
        'riffcord_job_wait_seconds_count{model="slow",kind="riff"}',
        'riffcord_job_run_seconds_count{model="slow",kind="riff"}',
        'riffcord_clip_realtime_factor_count{model="slow"}',
        'riffcord_jobs_completed_total{model="slow",kind="riff",cached="false"}',
        '# TYPE riffcord_jobs_failed_total counter',
        '# TYPE riffcord_jobs_retried_total counter',
      ]) {
        expect(body).toContain(name);
      }
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
