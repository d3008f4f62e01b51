/** Redis connections as BullMQ wants them: retry forever (null), so a Redis restart is waited out, not thrown. */
import { Redis, type RedisOptions } from 'ioredis';

/**
 * `onError` sees connection errors (refused, reset) while ioredis keeps reconnecting; without a
 * listener ioredis would print each one as an unhandled error event.
 */
export function connect(redisUrl: string, onError: (err: Error) => void = () => undefined, extra: RedisOptions = {}): Redis {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...extra,
  });
  redis.on('error', onError);
  return redis;
}
