/**
 * Test harness for the job system: a unique key prefix per test file on the shared Redis (deleted
 * afterwards), real worker child processes, and a private redis-server for the restart test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { GenerationRequest } from '../../src/pipeline/generation.ts';

export const SHARED_REDIS = process.env.RIFFCORD_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const ROOT = resolve(import.meta.dirname, '../..');

export function testPrefix(): string {
  return `riffcord-test-${randomBytes(5).toString('hex')}`;
}

export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export function request(prompt: string, seed = 1, extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return { start: { prompt, seed, denoising: 0.75, guidance: 7 }, steps: 5, ...extra };
}

export interface WorkerChild {
  proc: ChildProcess;
  pid: number;
  /** Every log line (parsed JSON) the worker printed so far. */
  lines: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface WorkerChildEnv {
  redisUrl: string;
  prefix: string;
  models: string;
  stepMs?: number;
  steps?: number;
  concurrency?: number;
  stateDir?: string;
  extra?: Record<string, string>;
  /** Script to run instead of the stand-in worker (e.g. src/jobs/worker-main.ts for the real model). */
  entry?: string;
  readyTimeoutMs?: number;
}

/** Starts test/support/jobs-worker-child.ts (the real worker entry with the stand-in injected) and waits until it is ready. */
export async function startWorkerChild(o: WorkerChildEnv): Promise<WorkerChild> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, o.entry ?? 'test/support/jobs-worker-child.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.RIFFCORD_MODELS_DIR ? { RIFFCORD_MODELS_DIR: process.env.RIFFCORD_MODELS_DIR } : {}),
      ...(process.env.RIFFCORD_FFMPEG ? { RIFFCORD_FFMPEG: process.env.RIFFCORD_FFMPEG } : {}),
      REDIS_URL: o.redisUrl,
      REDIS_PREFIX: o.prefix,
      RIFFCORD_MODELS: o.models,
      WORKER_CONCURRENCY: String(o.concurrency ?? 1),
      METRICS_PORT: '0',
      LOCK_DURATION_MS: '2000',
      STALLED_INTERVAL_MS: '1000',
      HEARTBEAT_TTL_MS: '3000',
      STANDIN_STEP_MS: String(o.stepMs ?? 20),
      STANDIN_STEPS: String(o.steps ?? 5),
      ...(o.stateDir ? { STANDIN_STATE_DIR: o.stateDir } : {}),
      ...o.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderr.push(line);
      }
      for (const w of waiters) w();
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const child: WorkerChild = {
    proc,
    pid: proc.pid!,
    lines,
    stderr,
    exited,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const hit = lines.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(t);
            res(hit);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`worker ${proc.pid} did not log the expected line in ${timeoutMs} ms; stderr: ${stderr.join('').slice(-2000)}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            check();
            if (waiters.has(check)) {
              waiters.delete(check);
              clearTimeout(t);
              rej(new Error(`worker ${proc.pid} exited; stderr: ${stderr.join('').slice(-2000)}`));
            }
          }
        });
        check();
      });
    },
  };
  await child.waitForLog((l) => l.msg === 'worker ready', o.readyTimeoutMs ?? 60_000);
  return child;
}

export async function stopChild(c: WorkerChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill(signal);
  const t = setTimeout(() => c.proc.kill('SIGKILL'), 20_000);
  await c.exited;
  clearTimeout(t);
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** A private redis-server with append-only persistence, which a test may stop and start again. */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'riffcord-redis-'));
  private proc: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      r.on('error', () => undefined);
      try {
        await r.connect();
        await r.ping();
        r.disconnect();
        return;
      } catch {
        r.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
        await new Promise((s) => setTimeout(s, 100));
      }
    }
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const done = new Promise((res) => p.on('exit', res));
    p.kill('SIGTERM'); // redis-server flushes the AOF on SIGTERM
    await done;
  }
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
