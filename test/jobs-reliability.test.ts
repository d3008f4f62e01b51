/**
 * Reliability of the job system with real worker processes (test/support/jobs-worker-child.ts:
 * the real worker entry with the stand-in generator injected) against real Redis servers.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { JobsClient } from '../src/jobs/client.ts';
import {
  deletePrefix,
  freePort,
  PrivateRedis,
  request,
  SHARED_REDIS,
  startWorkerChild,
  stopChild,
  testPrefix,
  type WorkerChild,
} from './support/jobs-harness.ts';

const prefixes: string[] = [];
const children: WorkerChild[] = [];
const clients: JobsClient[] = [];

function setup(redisUrl = SHARED_REDIS) {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const stateDir = mkdtempSync(join(tmpdir(), 'riffcord-rel-'));
  const client = new JobsClient({ redisUrl, prefix, backoffMs: 200 });
  clients.push(client);
  const worker = async (extra: Record<string, string> = {}, stepMs = 100) => {
    const c = await startWorkerChild({ redisUrl, prefix, models: 'standin', stepMs, steps: 20, stateDir, extra });
    children.push(c);
    return c;
  };
  const completions = () => (existsSync(join(stateDir, 'completions.log')) ? readFileSync(join(stateDir, 'completions.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
  return { prefix, client, worker, completions };
}

const me = { requester: { userId: 'rel' }, format: 'wav' as const };

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c, 'SIGKILL')));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(SHARED_REDIS, p);
});

describe('job reliability (worker processes)', () => {
  it('a worker killed mid-job: another worker takes the job over and it completes once', async () => {
    const { client, worker, completions } = setup();
    const a = await worker();
    const h = await client.enqueue({ kind: 'riff', request: request('survive a crash', 101, { model: 'standin' }) }, me);
    const results: unknown[] = [];
    const resultPromise = h.result(60_000).then((r) => results.push(r));
    await new Promise<void>((res) => h.onProgress((p) => p.step >= 3 && res()));
    a.proc.kill('SIGKILL');
    await a.exited;
    const b = await worker();
    await resultPromise;
    expect(results).toHaveLength(1);
    const done = completions();
    expect(done).toHaveLength(1);
    expect(done[0].startsWith(`${b.pid} 101 `)).toBe(true);
    const job = await client.queue('standin').getJob(h.id);
    expect(await job!.getState()).toBe('completed');
    expect(b.lines.some((l) => l.msg === 'job completed' && l.jobId === h.id)).toBe(true);
  });

  it('with the default lock settings, a job whose worker is killed mid-run completes once on another worker within 15 s', async () => {
    const { client, worker, completions } = setup();
    const defaults = { LOCK_DURATION_MS: '', STALLED_INTERVAL_MS: '' };
    const pool = [await worker(defaults), await worker(defaults)];
    const h = await client.enqueue({ kind: 'riff', request: request('recover fast', 107, { model: 'standin' }) }, me);
    const result = h.result(60_000);
    await new Promise<void>((res) => h.onProgress((p) => p.step >= 3 && res()));
    const runner = pool.find((w) => w.lines.some((l) => l.msg === 'job started' && l.jobId === h.id))!;
    const other = pool.find((w) => w !== runner)!;
    const killedAt = performance.now();
    runner.proc.kill('SIGKILL');
    await result;
    const recoveryMs = performance.now() - killedAt;
    // bench/recovery.ts measured a median of 7.6 s here (lock 5 s, stalled check every 2.5 s, 2 s of job); 15 s is the target.
    expect(recoveryMs).toBeLessThan(15_000);
    const done = completions();
    expect(done).toHaveLength(1);
    expect(done[0].startsWith(`${other.pid} 107 `)).toBe(true);
  }, 60_000);

  it('a conversion that holds the event loop longer than two locks is not taken for stalled (renewals run off the main thread)', async () => {
    const { client, worker, completions } = setup();
    const defaults = { LOCK_DURATION_MS: '', STALLED_INTERVAL_MS: '' };
    // Two workers: the idle one runs the stalled checks that would take the job from a silent one.
    const pool = [await worker(defaults, 20), await worker(defaults, 20)];
    const h = await client.enqueue({ kind: 'riff', request: request('[blocking] long conversion', 108, { model: 'standin' }) }, me);
    await h.result(60_000);
    expect(completions()).toHaveLength(1);
    for (const w of pool) expect(w.lines.filter((l) => l.msg === 'job stalled (its worker stopped renewing the lock); handed back to the queue')).toEqual([]);
    const job = await client.queue('standin').getJob(h.id);
    expect(job!.stalledCounter).toBe(0);
  }, 60_000);

  it('SIGTERM: the worker finishes its running job, then exits cleanly', async () => {
    const { client, worker, completions } = setup();
    const a = await worker();
    const h = await client.enqueue({ kind: 'riff', request: request('finish me', 102, { model: 'standin' }) }, me);
    await new Promise<void>((res) => h.onProgress((p) => p.step >= 2 && res()));
    a.proc.kill('SIGTERM');
    const out = await h.result(30_000);
    expect(out.requests[0].start.seed).toBe(102);
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(completions()).toEqual([`${a.pid} 102 finish me`]);
  });

  it('SIGTERM past the grace period: the job is handed back and another worker completes it', async () => {
    const { client, worker, completions } = setup();
    const a = await worker({ SHUTDOWN_GRACE_SECONDS: '0' });
    const h = await client.enqueue({ kind: 'riff', request: request('hand me back', 103, { model: 'standin' }) }, me);
    await new Promise<void>((res) => h.onProgress((p) => p.step >= 2 && res()));
    a.proc.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(a.lines.some((l) => l.msg === 'worker shutting down: handing the job back to the queue')).toBe(true);
    expect(await (await client.queue('standin').getJob(h.id))!.getState()).toMatch(/^(waiting|prioritized)$/);
    const b = await worker();
    await h.result(30_000);
    expect(completions()).toEqual([`${b.pid} 103 hand me back`]);
  });

  it('Redis restarted while client and worker run: both reconnect, queued and running jobs survive', async () => {
    const redis = new PrivateRedis(await freePort());
    try {
      await redis.start();
      const { client, worker, completions } = setup(redis.url);
      await worker({ LOCK_DURATION_MS: '10000', HEARTBEAT_TTL_MS: '30000' });
      const running = await client.enqueue({ kind: 'riff', request: request('through the outage', 104, { model: 'standin' }) }, me);
      const queued = await client.enqueue({ kind: 'riff', request: request('queued before', 105, { model: 'standin' }) }, me);
      const results = Promise.all([running.result(60_000), queued.result(60_000)]);
      await new Promise<void>((res) => running.onProgress((p) => p.step >= 2 && res()));
      await redis.stop();
      // Enqueued while Redis is down: the client waits for the reconnect instead of failing.
      // Another user: `me` already has the two jobs in flight the default limits allow.
      const during = client.enqueue({ kind: 'riff', request: request('sent during the outage', 106, { model: 'standin' }) }, { ...me, requester: { userId: 'rel-2' } });
      await new Promise((s) => setTimeout(s, 1500));
      await redis.start();
      const late = await during;
      const [r1, r2] = await results;
      const r3 = await late.result(60_000);
      expect([r1, r2, r3].map((r) => r.requests[0].start.seed)).toEqual([104, 105, 106]);
      const seeds = completions().map((l) => l.split(' ')[1]);
      expect(seeds.filter((s) => s === '105')).toHaveLength(1);
      expect(seeds.filter((s) => s === '106')).toHaveLength(1);
    } finally {
      await Promise.all(children.splice(0).map((c) => stopChild(c, 'SIGKILL')));
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await redis.dispose();
    }
  });

  it('refuses to start with bad configuration, one line per bad value', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/jobs-worker-child.ts'], {
      env: { PATH: process.env.PATH, REDIS_URL: 'localhost:6379', WORKER_CONCURRENCY: 'two', RESULT_TTL_SECONDS: '5' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('REDIS_URL must look like redis://host:port');
    expect(r.stderr).toContain('WORKER_CONCURRENCY must be a whole number of at least 1 (got "two")');
    expect(r.stderr).toContain('RESULT_TTL_SECONDS must be a whole number of at least 60 (got "5")');
  });
});

describe('clean shutdown of client and worker objects', () => {
  it('after close() nothing keeps the process alive', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/jobs-client-exit.ts'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined(); // a timeout here means a connection or timer was left open
    expect(r.stdout).toBe('closed\n');
    expect(r.status).toBe(0);
  });
});
