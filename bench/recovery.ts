/**
 * Recovery benchmark (`npm run bench -- recovery`): how long a job whose worker is SIGKILLed mid-run
 * takes to complete on another worker, kill to result. Two stand-in worker processes (20 steps of
 * 100 ms: 2 s of job) per run; the job is killed at step 3. Compares the default lock settings
 * (LOCK_DURATION_MS / STALLED_INTERVAL_MS, renewed by the liveness thread) with the previous
 * defaults (30 s / 30 s) as the baseline, in the same run. Prints each run, the medians and the ratio.
 * Flags: --runs N (default 3), --quick (1 baseline run: it takes about a minute).
 * Uses the Redis at REDIS_URL (default 127.0.0.1:6379) under a private key prefix, removed afterwards.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobsClient } from '../src/jobs/client.ts';
import { median } from '../src/jobs/eta.ts';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from '../src/jobs/keeper-protocol.ts';
import { deletePrefix, request, startWorkerChild, stopChild, testPrefix, type WorkerChild } from '../test/support/jobs-harness.ts';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const RUNS = Number(arg('--runs') ?? 3);
const BASELINE_RUNS = process.argv.includes('--quick') ? 1 : RUNS;

interface Setting {
  name: string;
  lockMs: number;
  stalledMs: number;
}

async function once(s: Setting, seed: number): Promise<number> {
  const prefix = testPrefix().replace('riffcord-test-', 'riffcord-bench-');
  const stateDir = mkdtempSync(join(tmpdir(), 'riffcord-recovery-'));
  const extra = { LOCK_DURATION_MS: String(s.lockMs), STALLED_INTERVAL_MS: String(s.stalledMs) };
  const workers: WorkerChild[] = [];
  const client = new JobsClient({ redisUrl: REDIS, prefix, backoffMs: 200 });
  try {
    for (let i = 0; i < 2; i++) workers.push(await startWorkerChild({ redisUrl: REDIS, prefix, models: 'standin', stepMs: 100, steps: 20, stateDir, extra }));
    const h = await client.enqueue({ kind: 'riff', request: request('recovery', seed, { model: 'standin' }) }, { requester: { userId: 'bench' }, format: 'wav' });
    const result = h.result(180_000);
    await new Promise<void>((res) => h.onProgress((p) => p.step >= 3 && res()));
    const runner = workers.find((w) => w.lines.some((l) => l.msg === 'job started' && l.jobId === h.id))!;
    const killedAt = performance.now();
    runner.proc.kill('SIGKILL');
    await result;
    return performance.now() - killedAt;
  } finally {
    await Promise.all(workers.map((w) => stopChild(w, 'SIGKILL')));
    await client.close();
    await deletePrefix(REDIS, prefix);
  }
}

const current: Setting = { name: `lock ${DEFAULT_LOCK_DURATION_MS / 1000} s, stalled check ${DEFAULT_STALLED_INTERVAL_MS / 1000} s (default)`, lockMs: DEFAULT_LOCK_DURATION_MS, stalledMs: DEFAULT_STALLED_INTERVAL_MS };
const baseline: Setting = { name: 'lock 30 s, stalled check 30 s (previous default)', lockMs: 30_000, stalledMs: 30_000 };
const medians: number[] = [];
let seed = 1;
for (const [s, runs] of [[current, RUNS], [baseline, BASELINE_RUNS]] as const) {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const ms = await once(s, seed++);
    times.push(ms);
    console.log(`${s.name}: run ${r + 1}: ${(ms / 1000).toFixed(1)} s kill -> result`);
  }
  const m = median(times)!;
  medians.push(m);
  console.log(`${s.name}: median ${(m / 1000).toFixed(1)} s over ${runs} run(s)`);
}
console.log(`ratio baseline / default: ${(medians[1] / medians[0]).toFixed(1)}x`);
