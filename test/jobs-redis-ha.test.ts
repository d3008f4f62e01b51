/**
 * Beyond one Redis: the job system on Redis Sentinel and on Redis Cluster, real redis-server
 * processes started here on loopback ports. Jobs run on a real worker process while the primary
 * holding the queue is killed and its replica takes over; every job still delivers its result.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobsClient, type JobHandle } from '../src/jobs/client.ts';
import { request, startWorkerChild, stopChild, testPrefix, type WorkerChild } from './support/jobs-harness.ts';
import { RedisClusterSet, SentinelSet } from './support/redis-topologies.ts';

const JOBS = 6;
const children: WorkerChild[] = [];
const clients: JobsClient[] = [];
const teardown: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c, 'SIGKILL')));
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const t of teardown.splice(0)) await t();
});

/** Runs JOBS jobs on one worker; `failover` runs once the first job is under way. */
async function jobsThroughFailover(redisUrl: string, prefix: string, failover: () => Promise<void>): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'riffcord-ha-'));
  const client = new JobsClient({ redisUrl, prefix, backoffMs: 200 });
  clients.push(client);
  children.push(await startWorkerChild({ redisUrl, prefix, models: 'standin', stepMs: 100, steps: 10, stateDir, concurrency: 2 }));
  const handles: JobHandle[] = [];
  for (let i = 0; i < JOBS; i++) handles.push(await client.enqueue({ kind: 'riff', request: request(`ha ${i}`, 500 + i, { model: 'standin' }) }, { requester: { userId: `ha-${i}` }, format: 'wav' }));
  const results = Promise.all(handles.map((h) => h.result(120_000)));
  await new Promise<void>((res) => handles[0].onProgress((p) => p.step >= 3 && res()));
  await failover();
  const outs = await results;
  expect(outs.map((o) => o.requests[0].start.seed)).toEqual(handles.map((_, i) => 500 + i));
  const completions = existsSync(join(stateDir, 'completions.log')) ? readFileSync(join(stateDir, 'completions.log'), 'utf8').trim().split('\n') : [];
  const seeds = new Set(completions.map((l) => Number(l.split(' ')[1])));
  for (let i = 0; i < JOBS; i++) expect(seeds.has(500 + i)).toBe(true);
}

describe('Redis Sentinel', () => {
  it('jobs keep running through a failover of the primary: none is lost', async () => {
    const set = await SentinelSet.start();
    teardown.push(() => set.stop());
    const before = await set.primaryPort();
    await jobsThroughFailover(set.url, testPrefix(), async () => {
      await set.primary.kill();
    });
    expect(await set.primaryPort()).toBe(set.replica.port);
    expect(before).toBe(set.primary.port);
  }, 150_000);
});

describe('Redis Cluster', () => {
  it('with a hash-tagged prefix, jobs keep running through a failover of the primary holding their slot', async () => {
    const cluster = await RedisClusterSet.start();
    teardown.push(() => cluster.stop());
    const prefix = `{${testPrefix()}}`;
    const owner = await cluster.primaryOf(`${prefix}:any`);
    await jobsThroughFailover(cluster.url, prefix, async () => {
      await owner.kill();
    });
    expect((await cluster.primaryOf(`${prefix}:any`)).port).not.toBe(owner.port);
  }, 150_000);
});
