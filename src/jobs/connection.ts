/** Redis connections as BullMQ wants them: retry forever (null), so a Redis restart is waited out, not thrown. */
import { Redis, type RedisOptions } from 'ioredis';

export function connect(redisUrl: string, extra: RedisOptions = {}): Redis {
  return new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...extra,
  });
}
