/**
 * Honest waiting-time estimates: from the run times workers actually measured recently (kept per
 * model in Redis, newest first) and the number of live worker slots. No samples yet: no estimate.
 */
import type { RedisConnection } from './connection.ts';
import type { Keys } from './keys.ts';

export const RUNTIME_SAMPLES = 50;

export async function recordRuntime(redis: RedisConnection, keys: Keys, modelId: string, ms: number): Promise<void> {
  const key = keys.runtimes(modelId);
  await redis.multi().lpush(key, String(Math.round(ms))).ltrim(key, 0, RUNTIME_SAMPLES - 1).expire(key, 7 * 24 * 3600).exec();
}

export async function medianRuntimeMs(redis: RedisConnection, keys: Keys, modelId: string): Promise<number | null> {
  const values = (await redis.lrange(keys.runtimes(modelId), 0, RUNTIME_SAMPLES - 1)).map(Number).filter(Number.isFinite);
  return median(values);
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * Seconds until a job with `ahead` jobs before it has finished, given `slots` parallel runners:
 * the jobs ahead drain in ceil((ahead + 1) / slots) rounds of one median run each.
 */
export function estimateSeconds(ahead: number, slots: number, medianMs: number | null): number | null {
  if (medianMs === null || slots <= 0) return null;
  return (Math.ceil((ahead + 1) / slots) * medianMs) / 1000;
}
