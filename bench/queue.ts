/**
 * Queue benchmark (`npm run bench:queue`). Prints medians, percentiles and ratios:
 *  1. queue overhead: enqueue -> job start with one idle worker (target: p50 under 20 ms);
 *  2. scaling with the fixed-cost stand-in generator (test/support/jobs-standin-generator.ts:
 *     each step waits, it does not compute) over 1, 2, 4, 8 worker processes: jobs/minute and the
 *     throughput ratio to one worker (linear scaling = ratio equal to the worker count);
 *  3. the real model (models/riffcord-small) with 1 and 2 worker processes: jobs/minute and
 *     p50/p95 enqueue-to-result, skipped with the reason when the model is not installed;
 *  4. heap after GC at 100 and 1000 jobs (client and worker in this process).
 * Uses the Redis at REDIS_URL (default 127.0.0.1:6379) under a private key prefix, removed afterwards.
 * Flags: --quick (fewer jobs), --skip-real, --only <1|2|3|4> (one part), --model <id|dir> (another model for part 3, e.g.
 * test/fixtures/tiny-sd to exercise the path; its figures say nothing about riffcord-small).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobsClient } from '../src/jobs/client.ts';
import { median, percentile } from '../src/jobs/eta.ts';
import { createLogger } from '../src/jobs/logging.ts';
import { GenerationWorker } from '../src/jobs/worker.ts';
import { resolveModelDir } from '../src/pipeline/load-generator.ts';
import { readModelDir } from '../src/pipeline/diffusion/model-dir.ts';
import { StandinGenerator } from '../test/support/jobs-standin-generator.ts';
import { deletePrefix, request, startWorkerChild, stopChild, testPrefix, type WorkerChild } from '../test/support/jobs-harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUICK = process.argv.includes('--quick');
const SKIP_REAL = process.argv.includes('--skip-real');
const ONLY = process.argv.includes('--only') ? Number(process.argv[process.argv.indexOf('--only') + 1]) : null;
const part = (n: number) => ONLY === null || ONLY === n;
const MODEL_ARG = process.argv.includes('--model') ? process.argv[process.argv.indexOf('--model') + 1] : 'riffcord-small';
const prefixes: string[] = [];
const NO_LIMITS = { userInFlight: 10_000, userPerMinute: 1_000_000, guildInFlight: 10_000, guildPerMinute: 1_000_000, maxQueueLength: 100_000, inflightTtlMs: 600_000 };
const fmt = (n: number | null, d = 1) => (n === null ? 'n/a' : n.toFixed(d));

function newPrefix(): string {
  const p = testPrefix().replace('riffcord-test-', 'riffcord-bench-');
  prefixes.push(p);
  return p;
}

async function overhead(): Promise<void> {
  const prefix = newPrefix();
  const worker = await GenerationWorker.start({ redisUrl: REDIS, prefix, generators: [new StandinGenerator('idle', { stepMs: 0 })], logger: createLogger('bench', 'silent') });
  const client = new JobsClient({ redisUrl: REDIS, prefix, limits: NO_LIMITS });
  const n = QUICK ? 50 : 200;
  const toStart: number[] = [];
  const toResult: number[] = [];
  const addOnly: number[] = [];
  try {
    await (await client.enqueue({ kind: 'riff', request: request('warm', 0, { model: 'idle', steps: 1 }) }, { requester: { userId: 'b' }, format: 'wav' })).result(10_000);
    for (let i = 1; i <= n; i++) {
      const t0 = Date.now();
      const p0 = performance.now();
      const h = await client.enqueue({ kind: 'riff', request: request('overhead', i, { model: 'idle', steps: 1 }) }, { requester: { userId: 'b' }, format: 'wav' });
      addOnly.push(performance.now() - p0);
      await h.result(10_000);
      toResult.push(performance.now() - p0);
      const job = await client.queue('idle').getJob(h.id);
      toStart.push(job!.processedOn! - t0);
    }
  } finally {
    await client.close();
    await worker.close();
  }
  console.log(`\n1. Queue overhead, one idle worker, ${n} sequential jobs (stand-in: 1 step, no wait)`);
  console.log(`   client.enqueue() returns      p50 ${fmt(median(addOnly))} ms   p95 ${fmt(percentile(addOnly, 95))} ms   (checks model, cache, limits; stores the job)`);
  console.log(`   enqueue -> worker starts job  p50 ${fmt(median(toStart))} ms   p95 ${fmt(percentile(toStart, 95))} ms   target p50 < 20 ms: ${median(toStart)! < 20 ? 'met' : 'NOT met'}`);
  console.log(`   enqueue -> result in client   p50 ${fmt(median(toResult))} ms   p95 ${fmt(percentile(toResult, 95))} ms   (includes WAV encode, result write/read)`);
}

interface Throughput {
  workers: number;
  jobs: number;
  seconds: number;
  perMinute: number;
  p50: number | null;
  p95: number | null;
}

/** Submits `jobs` jobs at once to `workers` worker processes and waits for all results. */
async function throughput(o: { workers: number; jobs: number; models: string; model: string; steps: number; stepMs?: number; entry?: string; readyTimeoutMs?: number; extra?: Record<string, string> }): Promise<Throughput> {
  const prefix = newPrefix();
  const stateDir = mkdtempSync(join(tmpdir(), 'riffcord-bench-'));
  const children: WorkerChild[] = [];
  const client = new JobsClient({ redisUrl: REDIS, prefix, limits: NO_LIMITS, attempts: 1 });
  try {
    for (let i = 0; i < o.workers; i++) {
      children.push(await startWorkerChild({ redisUrl: REDIS, prefix, models: o.models, stepMs: o.stepMs, steps: o.steps, stateDir, entry: o.entry, readyTimeoutMs: o.readyTimeoutMs, extra: o.extra }));
    }
    const started = performance.now();
    const latencies: number[] = [];
    const handles = await Promise.all(
      Array.from({ length: o.jobs }, (_, i) => client.enqueue({ kind: 'riff', request: request('bench', 10_000 + i, { model: o.model, steps: o.steps }) }, { requester: { userId: 'bench' }, format: 'wav' })),
    );
    await Promise.all(handles.map((h) => h.result(3_600_000).then(() => latencies.push(performance.now() - started))));
    const seconds = (performance.now() - started) / 1000;
    return { workers: o.workers, jobs: o.jobs, seconds, perMinute: (o.jobs / seconds) * 60, p50: median(latencies), p95: percentile(latencies, 95) };
  } finally {
    await client.close();
    await Promise.all(children.map((c) => stopChild(c, 'SIGTERM')));
  }
}

async function scaling(): Promise<void> {
  const stepMs = 50;
  const steps = 10;
  const perWorker = QUICK ? 6 : 12;
  console.log(`\n2. Scaling with the fixed-cost stand-in (${steps} steps x ${stepMs} ms = ${steps * stepMs} ms of waiting per job), ${perWorker} jobs per worker, all enqueued at once`);
  console.log('   workers  jobs  seconds  jobs/min  ratio  p50 enqueue->result  p95');
  let base: number | null = null;
  for (const workers of [1, 2, 4, 8]) {
    const r = await throughput({ workers, jobs: perWorker * workers, models: 'standin', model: 'standin', steps, stepMs });
    base ??= r.perMinute;
    console.log(
      `   ${String(workers).padStart(7)}  ${String(r.jobs).padStart(4)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.perMinute.toFixed(0).padStart(8)}  ${(r.perMinute / base).toFixed(2).padStart(5)}  ${fmt(r.p50, 0).padStart(16)} ms  ${fmt(r.p95, 0)} ms`,
    );
  }
  console.log('   (ratio = jobs/min over the 1-worker figure; linear scaling is ratio = workers. The stand-in waits rather than computes,');
  console.log('    so this measures the queue and the workers\' own overhead on this 2-core machine, not model compute.)');
}

async function realModel(): Promise<void> {
  console.log(`\n3. Real model (${MODEL_ARG}) with 1 and 2 worker processes`);
  if (SKIP_REAL) {
    console.log('   skipped (--skip-real)');
    return;
  }
  let dir: string;
  let modelId: string;
  try {
    dir = resolveModelDir(MODEL_ARG);
    modelId = readModelDir(dir).manifest.id;
  } catch (err) {
    console.log(`   skipped: ${MODEL_ARG} is not installed or not complete (${(err as Error).message})`);
    return;
  }
  const jobs = QUICK ? 2 : 4;
  for (const workers of [1, 2]) {
    try {
      const r = await throughput({ workers, jobs: jobs * workers, models: dir, model: modelId, steps: 20, entry: 'src/jobs/worker-main.ts', readyTimeoutMs: 600_000 });
      console.log(`   ${workers} worker(s): ${r.jobs} jobs of 20 steps in ${r.seconds.toFixed(1)} s = ${r.perMinute.toFixed(2)} jobs/min; enqueue->result p50 ${fmt(r.p50 && r.p50 / 1000)} s, p95 ${fmt(r.p95 && r.p95 / 1000)} s`);
    } catch (err) {
      console.log(`   ${workers} worker(s): failed: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
  }
  console.log(`   (from ${dir}; both workers share this machine's 2 cores, so 2 workers mostly split the same CPU)`);
}

async function memory(): Promise<void> {
  const prefix = newPrefix();
  const worker = await GenerationWorker.start({ redisUrl: REDIS, prefix, generators: [new StandinGenerator('mem', { stepMs: 0 })], concurrency: 4, resultTtlSeconds: 60, logger: createLogger('bench', 'silent') });
  const client = new JobsClient({ redisUrl: REDIS, prefix, limits: NO_LIMITS, jobTtlSeconds: 60 });
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  let seed = 0;
  const run = async (n: number) => {
    for (let i = 0; i < n; i += 10) {
      const hs = await Promise.all(Array.from({ length: 10 }, () => client.enqueue({ kind: 'riff', request: request('memory', seed++, { model: 'mem', steps: 1 }) }, { requester: { userId: 'm' }, format: 'wav' })));
      await Promise.all(hs.map((h) => h.result(30_000)));
    }
  };
  try {
    await run(100);
    const a = heap();
    await run(900);
    const b = heap();
    console.log(`\n4. Memory: heap after GC ${a.toFixed(1)} MB at 100 jobs, ${b.toFixed(1)} MB at 1000 jobs (growth ${(b - a).toFixed(1)} MB; client and worker in one process)`);
  } finally {
    await client.close();
    await worker.close();
  }
}

try {
  console.log(`riffcord queue benchmark on ${REDIS}${QUICK ? ' (quick)' : ''}`);
  if (part(1)) await overhead();
  if (part(2)) await scaling();
  if (part(3)) await realModel();
  if (part(4)) await memory();
} finally {
  for (const p of prefixes) await deletePrefix(REDIS, p);
}
