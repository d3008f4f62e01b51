/**
 * Worker configuration from the environment, validated at start. Every bad value is reported on
 * its own line, in the variable's name, with what it should be.
 */
import { z } from 'zod';
import { DEFAULT_MODEL_ID } from '../pipeline/model-id.ts';
import { hasHashTag, parseRedisUrl, RedisAddressError } from './connection.ts';
import { PREFIX } from './keys.ts';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from './keeper-protocol.ts';
import { DEFAULT_LIMITS, type LimitsConfig } from './limits.ts';

/**
 * An optional whole-number variable: `fallback` when unset or blank, else a whole number within
 * [min, max], or an issue that names the variable and what it should be.
 */
export const wholeNumber = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number ${range} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

const int = (name: string, min: number, fallback: number) => wholeNumber(name, min, Infinity, fallback);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** LOG_LEVEL, shared by every process's configuration. */
export const logLevel = z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).optional().default('info');

/** REDIS_URL and REDIS_PREFIX, shared by the worker's and the bot's configuration. */
export const redisPrefix = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const p = v?.trim() || 'riffcord';
    if (!PREFIX.test(p)) ctx.addIssue({ code: 'custom', message: `REDIS_PREFIX may only use letters, digits, ':', '_', '-' and a {hash tag} (got "${v}")` });
    return p;
  });

export const redisUrl = z.string({ message: 'REDIS_URL is not set (e.g. redis://127.0.0.1:6379)' }).superRefine((v, ctx) => {
  try {
    parseRedisUrl(v);
  } catch (err) {
    if (!(err instanceof RedisAddressError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
});

/** Redis Cluster keeps a multi-key command to one slot: every key of the prefix must hash alike. */
export function checkRedisPair(env: { REDIS_URL: string; REDIS_PREFIX: string }, ctx: z.RefinementCtx): void {
  let cluster = false;
  try {
    cluster = parseRedisUrl(env.REDIS_URL).kind === 'cluster';
  } catch {
    return; // reported by redisUrl
  }
  if (cluster && !hasHashTag(env.REDIS_PREFIX)) {
    ctx.addIssue({ code: 'custom', message: `with Redis Cluster, REDIS_PREFIX must hold a hash tag so all keys share a slot, e.g. {${env.REDIS_PREFIX}} (got "${env.REDIS_PREFIX}")` });
  }
}

const workerEnv = z.object({
  REDIS_URL: redisUrl,
  RIFFCORD_MODELS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return [DEFAULT_MODEL_ID];
      const list = v.split(',').map((s) => s.trim()).filter(Boolean);
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'RIFFCORD_MODELS lists no model' });
      return list;
    }),
  WORKER_CONCURRENCY: int('WORKER_CONCURRENCY', 1, 1),
  RESULT_TTL_SECONDS: int('RESULT_TTL_SECONDS', 60, 3600),
  METRICS_PORT: int('METRICS_PORT', 0, 9464),
  REDIS_PREFIX: redisPrefix,
  JOB_ATTEMPTS: int('JOB_ATTEMPTS', 1, 3),
  LOCK_DURATION_MS: int('LOCK_DURATION_MS', 1000, DEFAULT_LOCK_DURATION_MS),
  STALLED_INTERVAL_MS: int('STALLED_INTERVAL_MS', 1000, DEFAULT_STALLED_INTERVAL_MS),
  HEARTBEAT_TTL_MS: int('HEARTBEAT_TTL_MS', 1000, 15_000),
  SHUTDOWN_GRACE_SECONDS: int('SHUTDOWN_GRACE_SECONDS', 0, 120),
  LOG_LEVEL: logLevel,
}).superRefine(checkRedisPair);

export interface WorkerConfig {
  redisUrl: string;
  models: string[];
  concurrency: number;
  resultTtlSeconds: number;
  metricsPort: number;
  prefix: string;
  attempts: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  heartbeatTtlMs: number;
  shutdownGraceSeconds: number;
  logLevel: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`riffcord worker: bad configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => i.message);
}

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const r = workerEnv.safeParse(env);
  if (!r.success) throw new ConfigError(problemsOf(r.error));
  const e = r.data;
  return {
    redisUrl: e.REDIS_URL,
    models: e.RIFFCORD_MODELS,
    concurrency: e.WORKER_CONCURRENCY,
    resultTtlSeconds: e.RESULT_TTL_SECONDS,
    metricsPort: e.METRICS_PORT,
    prefix: e.REDIS_PREFIX,
    attempts: e.JOB_ATTEMPTS,
    lockDurationMs: e.LOCK_DURATION_MS,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    heartbeatTtlMs: e.HEARTBEAT_TTL_MS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    logLevel: e.LOG_LEVEL,
  };
}

const limitsEnv = z.object({
  LIMIT_USER_IN_FLIGHT: int('LIMIT_USER_IN_FLIGHT', 1, DEFAULT_LIMITS.userInFlight),
  LIMIT_USER_PER_MINUTE: int('LIMIT_USER_PER_MINUTE', 1, DEFAULT_LIMITS.userPerMinute),
  LIMIT_GUILD_IN_FLIGHT: int('LIMIT_GUILD_IN_FLIGHT', 1, DEFAULT_LIMITS.guildInFlight),
  LIMIT_GUILD_PER_MINUTE: int('LIMIT_GUILD_PER_MINUTE', 1, DEFAULT_LIMITS.guildPerMinute),
  MAX_QUEUE_LENGTH: int('MAX_QUEUE_LENGTH', 1, DEFAULT_LIMITS.maxQueueLength),
});

/** Limits for the client side (bot), from LIMIT_* and MAX_QUEUE_LENGTH. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): LimitsConfig {
  const r = limitsEnv.safeParse(env);
  if (!r.success) throw new ConfigError(problemsOf(r.error));
  return {
    userInFlight: r.data.LIMIT_USER_IN_FLIGHT,
    userPerMinute: r.data.LIMIT_USER_PER_MINUTE,
    guildInFlight: r.data.LIMIT_GUILD_IN_FLIGHT,
    guildPerMinute: r.data.LIMIT_GUILD_PER_MINUTE,
    maxQueueLength: r.data.MAX_QUEUE_LENGTH,
    inflightTtlMs: DEFAULT_LIMITS.inflightTtlMs,
  };
}
