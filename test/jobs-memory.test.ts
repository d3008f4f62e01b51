/**
 * Memory stays flat over many jobs: heap after a forced GC, measured after 100 and after 1000
 * jobs through the real Redis (client and worker in this process, stand-in model at no cost).
 * The bound is generous against the noise (retained growth under 8 MB for 900 more jobs, where
 * about 0.3 MB is typical) yet below what keeping each result would cost (a 1 s 8 kHz WAV is
 * 16 kB: 900 of them are over 14 MB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JobsClient } from '../src/jobs/client.ts';
import { createLogger } from '../src/jobs/logging.ts';
import { GenerationWorker } from '../src/jobs/worker.ts';
import { StandinGenerator } from './support/jobs-standin-generator.ts';
import { deletePrefix, request, SHARED_REDIS, testPrefix } from './support/jobs-harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const prefix = testPrefix();
let worker: GenerationWorker;
let client: JobsClient;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

beforeAll(async () => {
  worker = await GenerationWorker.start({
    redisUrl: SHARED_REDIS,
    prefix,
    generators: [new StandinGenerator('mem', { stepMs: 0 })],
    concurrency: 4,
    resultTtlSeconds: 60,
    logger: createLogger('test', 'silent'),
  });
  client = new JobsClient({
    redisUrl: SHARED_REDIS,
    prefix,
    jobTtlSeconds: 60,
    limits: { userInFlight: 100, userPerMinute: 100_000, guildInFlight: 100, guildPerMinute: 100_000, maxQueueLength: 10_000, inflightTtlMs: 60_000 },
  });
});

afterAll(async () => {
  await client?.close();
  await worker?.close();
  await deletePrefix(SHARED_REDIS, prefix);
});

describe('memory over 1000 jobs', () => {
  it('heap after GC does not grow with the number of jobs', async () => {
    let seed = 0;
    const run = async (n: number) => {
      for (let i = 0; i < n; i += 10) {
        const hs = await Promise.all(
          Array.from({ length: 10 }, () => client.enqueue({ kind: 'riff', request: request('memory', seed++, { model: 'mem', steps: 1 }) }, { requester: { userId: `m${seed % 7}` }, format: 'wav' })),
        );
        await Promise.all(hs.map((h) => h.result(30_000)));
      }
    };
    await run(100);
    const at100 = heapMb();
    await run(900);
    const at1000 = heapMb();
    console.log(`heap after GC: ${at100.toFixed(1)} MB at 100 jobs, ${at1000.toFixed(1)} MB at 1000 jobs`);
    expect(seed).toBe(1000);
    expect(at1000 - at100).toBeLessThan(8);
  }, 300_000);
});
