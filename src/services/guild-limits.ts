/**
 * Per-user limits a guild's admins set below the operator's (/settings limits). Counted in Redis
 * with the job system's Limiter under a per-guild key space, so every shard shares the count.
 */
import type { RedisConnection } from '../jobs/connection.ts';
import { makeKeys } from '../jobs/keys.ts';
import { Limiter } from '../jobs/limits.ts';
import { limitUsage, type LimitUsage } from '../jobs/usage.ts';
import { UserFacingError } from '../discord/errors.ts';
import type { GuildSettings } from './settings.ts';

const UNLIMITED = 1_000_000;

export interface Admission {
  /** Whether the job counts against the guild's own limits (and must be released). */
  counted: boolean;
  release(): Promise<void>;
}

export class GuildLimiter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly inflightTtlMs: number,
  ) {}

  /** Counts one job of `userId` against the guild's own limits; throws in the user's words when over. */
  async admit(guildId: string | null, userId: string, settings: GuildSettings, jobKey: string): Promise<Admission> {
    if (!guildId || (settings.userInFlight === null && settings.userPerMinute === null)) return { counted: false, release: async () => undefined };
    const limiter = new Limiter(this.redis, this.keys(guildId), {
      userInFlight: settings.userInFlight ?? UNLIMITED,
      userPerMinute: settings.userPerMinute ?? UNLIMITED,
      guildInFlight: UNLIMITED,
      guildPerMinute: UNLIMITED,
      maxQueueLength: UNLIMITED,
      inflightTtlMs: this.inflightTtlMs,
    });
    const v = await limiter.admit({ userId }, jobKey);
    if (!v.ok) {
      if (v.kind === 'rate') {
        const s = Math.max(1, Math.ceil((v.retryAfterMs ?? 60_000) / 1000));
        throw new UserFacingError(`Slow down a little: this server allows ${v.limit} jobs per person per minute. Try again in ${s} s.`);
      }
      throw new UserFacingError(`Slow down a little: this server allows ${v.limit} job${v.limit === 1 ? '' : 's'} per person at once. Try again when yours finishes.`);
    }
    return { counted: true, release: () => this.release(guildId, userId, jobKey) };
  }

  /** What `userId` has used of this guild's own limits (read only). */
  usage(guildId: string, userId: string): Promise<LimitUsage> {
    return limitUsage(this.redis, this.keys(guildId), 'user', userId);
  }

  async release(guildId: string, userId: string, jobKey: string): Promise<void> {
    await this.redis.zrem(this.keys(guildId).inflight('user', userId), jobKey);
  }

  private keys(guildId: string) {
    return makeKeys(`${this.prefix}:bot:glimit:${guildId}`);
  }
}
