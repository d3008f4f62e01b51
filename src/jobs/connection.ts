/**
 * Redis connections as BullMQ wants them: retry forever (null), so a Redis restart or a failover is
 * waited out, not thrown. One address string names the deployment:
 *   redis://host:port (or rediss://)                     a single Redis
 *   redis-sentinel://[:password@]host:port[,host:port]/name  the primary Sentinel names `name`
 *   redis-cluster://[:password@]host:port[,host:port]     a Redis Cluster (seed nodes)
 * With Cluster every key must hash to one slot, so REDIS_PREFIX must hold a hash tag ({riffcord}).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A single Redis (direct or found through Sentinel) or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: { host: string; port: number }[]; name: string; password?: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; password?: string };

export class RedisAddressError extends Error {
  override name = 'RedisAddressError';
}

const SCHEMES = /^(rediss?|redis-sentinel|redis-cluster):\/\//;

function hosts(list: string, url: string): { host: string; port: number }[] {
  return list.split(',').map((h) => {
    const m = /^([^\s:,/]+):(\d{1,5})$/.exec(h.trim());
    if (!m) throw new RedisAddressError(`"${h}" in ${url} is not host:port`);
    return { host: m[1], port: Number(m[2]) };
  });
}

/** Reads a REDIS_URL; throws RedisAddressError with what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = SCHEMES.exec(url)?.[1];
  if (!scheme) throw new RedisAddressError('REDIS_URL must look like redis://host:port (or rediss://, redis-sentinel://host:port,.../name, redis-cluster://host:port,...)');
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'single', url };
  let rest = url.slice(scheme.length + 3);
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    password = decodeURIComponent(rest.slice(0, at).replace(/^:/, ''));
    rest = rest.slice(at + 1);
  }
  if (scheme === 'redis-sentinel') {
    const slash = rest.indexOf('/');
    const name = slash >= 0 ? rest.slice(slash + 1) : '';
    if (!name) throw new RedisAddressError('a redis-sentinel:// REDIS_URL ends with the name Sentinel monitors, e.g. redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster');
    return { kind: 'sentinel', sentinels: hosts(rest.slice(0, slash), url), name, ...(password ? { password } : {}) };
  }
  return { kind: 'cluster', nodes: hosts(rest.replace(/\/$/, ''), url), ...(password ? { password } : {}) };
}

/** Cluster keys of one job system must share a slot: a `{tag}` in the prefix does that. */
export function hasHashTag(prefix: string): boolean {
  return /\{[^{}]+\}/.test(prefix);
}

/**
 * `onError` sees connection errors (refused, reset) while ioredis keeps reconnecting; without a
 * listener ioredis would print each one as an unhandled error event.
 */
export function connect(redisUrl: string, onError: (err: Error) => void = () => undefined): RedisConnection {
  const target = parseRedisUrl(redisUrl);
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  };
  let redis: RedisConnection;
  if (target.kind === 'single') {
    redis = new Redis(target.url, options);
  } else if (target.kind === 'sentinel') {
    redis = new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.name,
      ...(target.password ? { password: target.password } : {}),
      sentinelRetryStrategy: (times) => Math.min(times * 100, 2000),
    });
  } else {
    redis = new Cluster(target.nodes, {
      redisOptions: { ...options, ...(target.password ? { password: target.password } : {}) },
      clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
      enableReadyCheck: true,
    });
  }
  redis.on('error', onError);
  return redis;
}
