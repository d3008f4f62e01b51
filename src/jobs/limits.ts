/**
 * Per-user and per-guild admission: jobs in flight and jobs per minute, checked and recorded in
 * one Lua script so two bot shards cannot both squeeze past a limit. In-flight entries carry a
 * deadline so a job whose release was lost (a crashed client) stops counting after `inflightTtlMs`.
 */
import type { RedisConnection } from './connection.ts';
import type { Keys } from './keys.ts';
import type { Requester } from './types.ts';

export interface LimitsConfig {
  userInFlight: number;
  userPerMinute: number;
  guildInFlight: number;
  guildPerMinute: number;
  /** Waiting jobs per model queue beyond which interactive and batch jobs are refused. */
  maxQueueLength: number;
  /** How long an unreleased in-flight entry counts (should exceed the longest job). */
  inflightTtlMs: number;
}

export const DEFAULT_LIMITS: LimitsConfig = {
  userInFlight: 2,
  userPerMinute: 10,
  guildInFlight: 6,
  guildPerMinute: 40,
  maxQueueLength: 200,
  inflightTtlMs: 30 * 60_000,
};

export type LimitVerdict =
  | { ok: true }
  | { ok: false; scope: 'user' | 'guild'; kind: 'in-flight' | 'rate'; limit: number; retryAfterMs: number | null };

// KEYS: userInflight userRate guildInflight guildRate (guild keys may be empty strings when no guild)
// ARGV: now jobId userMaxInflight userPerMin guildMaxInflight guildPerMin inflightTtlMs hasGuild
const ADMIT = `
local now = tonumber(ARGV[1])
local jobId = ARGV[2]
local ttl = tonumber(ARGV[7])
local hasGuild = ARGV[8] == '1'
local function check(inflightKey, rateKey, maxInflight, perMin, scope)
  redis.call('ZREMRANGEBYSCORE', inflightKey, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', rateKey, '-inf', now - 60000)
  if redis.call('ZCARD', inflightKey) >= maxInflight then
    return {scope, 'in-flight', maxInflight, -1}
  end
  if redis.call('ZCARD', rateKey) >= perMin then
    local oldest = redis.call('ZRANGE', rateKey, 0, 0, 'WITHSCORES')
    return {scope, 'rate', perMin, tonumber(oldest[2]) + 60000 - now}
  end
  return nil
end
local r = check(KEYS[1], KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), 'user')
if r then return r end
if hasGuild then
  r = check(KEYS[3], KEYS[4], tonumber(ARGV[5]), tonumber(ARGV[6]), 'guild')
  if r then return r end
end
local function record(inflightKey, rateKey)
  redis.call('ZADD', inflightKey, now + ttl, jobId)
  redis.call('PEXPIRE', inflightKey, ttl)
  redis.call('ZADD', rateKey, now, jobId)
  redis.call('PEXPIRE', rateKey, 60000)
end
record(KEYS[1], KEYS[2])
if hasGuild then record(KEYS[3], KEYS[4]) end
return {'ok'}
`;

export class Limiter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    private readonly config: LimitsConfig,
  ) {}

  /** Checks every limit for `requester` and, if all pass, counts `jobId` against them. */
  async admit(requester: Requester, jobId: string, now = Date.now()): Promise<LimitVerdict> {
    const g = requester.guildId;
    const res = (await this.redis.eval(
      ADMIT,
      4,
      this.keys.inflight('user', requester.userId),
      this.keys.rate('user', requester.userId),
      g ? this.keys.inflight('guild', g) : this.keys.inflight('user', requester.userId),
      g ? this.keys.rate('guild', g) : this.keys.rate('user', requester.userId),
      now,
      jobId,
      this.config.userInFlight,
      this.config.userPerMinute,
      this.config.guildInFlight,
      this.config.guildPerMinute,
      this.config.inflightTtlMs,
      g ? '1' : '0',
    )) as [string, string?, number?, number?];
    if (res[0] === 'ok') return { ok: true };
    const [scope, kind, limit, retry] = res as ['user' | 'guild', 'in-flight' | 'rate', number, number];
    return { ok: false, scope, kind, limit, retryAfterMs: retry >= 0 ? retry : null };
  }

  /** The job finished, failed for good or was cancelled: it no longer counts as in flight. */
  async release(requester: Requester, jobId: string): Promise<void> {
    const m = this.redis.multi().zrem(this.keys.inflight('user', requester.userId), jobId);
    if (requester.guildId) m.zrem(this.keys.inflight('guild', requester.guildId), jobId);
    await m.exec();
  }
}
