/**
 * Live-worker discovery and orphan adoption read indexes, never the key space: on a private
 * redis-server holding thousands of unrelated keys (the clip state a busy server keeps 30 days),
 * enqueueing, queue-position polls and adoption issue no SCAN, and still see exactly what is live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { PendingDeliveries, type PendingDelivery } from '../src/services/pending.ts';
import { JobsClient } from '../src/jobs/client.ts';
import { freePort, PrivateRedis, request, startWorkerChild, stopChild, testPrefix, type WorkerChild } from './support/jobs-harness.ts';

let server: PrivateRedis;
let admin: Redis;
const prefix = testPrefix();
const children: WorkerChild[] = [];

beforeAll(async () => {
  server = new PrivateRedis(await freePort());
  await server.start();
  admin = new Redis(server.url);
  const m = admin.multi();
  for (let i = 0; i < 5000; i++) m.set(`${prefix}:bot:clip:${i}`, '{}', 'EX', 3600);
  await m.exec();
  await admin.config('RESETSTAT');
}, 30_000);

afterAll(async () => {
  await Promise.all(children.map((c) => stopChild(c, 'SIGKILL')));
  admin?.disconnect();
  await server?.dispose();
});

const scans = async () => {
  const stats = (await admin.info('commandstats')) as string;
  const line = stats.split('\n').find((l) => l.startsWith('cmdstat_scan:'));
  return line ? Number(/calls=(\d+)/.exec(line)![1]) : 0;
};

const delivery = (jobId: string): PendingDelivery => ({
  jobId, model: 'standin', applicationId: '1', token: 'tok', interactionId: `i-${jobId}`, userId: 'u', userName: 'u', guildId: null,
  guildLimitKey: null, title: 't', uploadLimit: 1000, createdAt: Date.now(),
});

describe('indexes instead of keyspace scans', () => {
  it('finds live workers without SCAN; a killed worker drops out once its beat expires', async () => {
    const client = new JobsClient({ redisUrl: server.url, prefix, backoffMs: 100 });
    try {
      const a = await startWorkerChild({ redisUrl: server.url, prefix, models: 'standin', extra: { HEARTBEAT_TTL_MS: '1000' } });
      children.push(a);
      expect((await client.models()).map((m) => [m.modelId, m.workers])).toEqual([['standin', 1]]);
      const h = await client.enqueue({ kind: 'riff', request: request('indexed', 1, { model: 'standin' }) }, { requester: { userId: 'x' }, format: 'wav' });
      await h.position();
      await h.result(30_000);
      a.proc.kill('SIGKILL');
      await a.exited;
      const deadline = Date.now() + 10_000;
      while ((await client.models()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await client.models()).toEqual([]);
      // The pruned entry is gone from the index itself, so it cannot grow with history.
      expect(await admin.zcard(`${prefix}:workers`)).toBe(0);
    } finally {
      await client.close();
    }
    expect(await scans()).toBe(0);
  }, 60_000);

  it('adopts exactly the orphaned deliveries without SCAN, and forgets expired ones', async () => {
    const conn = new Redis(server.url);
    try {
      const mine = new PendingDeliveries(conn, prefix, 'me');
      const other = new PendingDeliveries(conn, prefix, 'other');
      await other.add(delivery('followed'));
      await other.add(delivery('orphan'));
      await other.release(['orphan']);
      // A record past its interaction token's life is dropped from the index, not adopted.
      await other.add({ ...delivery('expired'), createdAt: Date.now() - 15 * 60_000 });
      await new Promise((r) => setTimeout(r, 1100));
      const adopted = await mine.adoptOrphans();
      expect(adopted.map((p) => p.jobId)).toEqual(['orphan']);
      expect(await mine.adoptOrphans()).toEqual([]); // leased to this process now
      expect((await conn.zrange(`${prefix}:bot:pending-index`, 0, -1)).sort()).toEqual(['followed', 'orphan']);
      await mine.done('orphan');
      expect(await conn.zrange(`${prefix}:bot:pending-index`, 0, -1)).toEqual(['followed']);
    } finally {
      conn.disconnect();
    }
    expect(await scans()).toBe(0);
  }, 30_000);
});
