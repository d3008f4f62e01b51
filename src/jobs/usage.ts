/**
 * Read-only view of what a requester has used of its limits (limits.ts writes these sets): the
 * jobs it has in flight and how many it started in the last minute. Nothing here admits a job.
 */
import type { RedisConnection } from './connection.ts';
import type { Keys } from './keys.ts';

export const RATE_WINDOW_MS = 60_000;

export interface LimitUsage {
  /** Ids of the jobs counted in flight now (oldest first). */
  inFlightIds: string[];
  /** Jobs started in the last minute. */
  lastMinute: number;
  /** When the oldest start of the last minute stops counting; null when none counts. */
  nextFreeAt: number | null;
}

export async function limitUsage(redis: RedisConnection, keys: Keys, scope: 'user' | 'guild', id: string, now = Date.now()): Promise<LimitUsage> {
  const [inflight, rate] = (await redis
    .multi()
    .zrangebyscore(keys.inflight(scope, id), `(${now}`, '+inf')
    .zrangebyscore(keys.rate(scope, id), `(${now - RATE_WINDOW_MS}`, '+inf', 'WITHSCORES')
    .exec()) as [[Error | null, string[]], [Error | null, string[]]];
  if (inflight[0]) throw inflight[0];
  if (rate[0]) throw rate[0];
  const starts = rate[1];
  const oldest = starts.length >= 2 ? Number(starts[1]) : null;
  return { inFlightIds: inflight[1], lastMinute: starts.length / 2, nextFreeAt: oldest === null ? null : oldest + RATE_WINDOW_MS };
}
