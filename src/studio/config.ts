/**
 * The studio's configuration from the environment, checked at start; every bad value is named
 * on its own line. Prompt length, steps and the queue cap are the bot's own settings (same variables).
 */
import { z } from 'zod';
import { ConfigError, limitsFromEnv, logLevel, redisPrefix, redisUrl, wholeNumber } from '../jobs/config.ts';
import { DEFAULT_MODEL_ID } from '../pipeline/model-id.ts';
import { checkModelId, InvalidModelIdError } from '../jobs/keys.ts';
import { DEFAULT_MAX_STEPS, MAX_PROMPT_CHARS, MAX_STEPS } from '../jobs/types.ts';

export const DEFAULT_STUDIO_PORT = 8787;
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const whole = wholeNumber;

const studioEnv = z.object({
  STUDIO_HOST: z
    .string()
    .optional()
    .transform((v) => v?.trim() || '127.0.0.1'),
  STUDIO_PORT: whole('STUDIO_PORT', 0, 65_535, DEFAULT_STUDIO_PORT),
  REDIS_URL: z.string().optional().transform((v) => v?.trim() || DEFAULT_REDIS_URL).pipe(redisUrl),
  REDIS_PREFIX: redisPrefix,
  RIFFCORD_MODEL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return checkModelId(v?.trim() || DEFAULT_MODEL_ID);
      } catch (err) {
        if (err instanceof InvalidModelIdError) ctx.addIssue({ code: 'custom', message: `RIFFCORD_MODEL: ${err.message}` });
        return z.NEVER;
      }
    }),
  MAX_PROMPT_CHARS: whole('MAX_PROMPT_CHARS', 10, MAX_PROMPT_CHARS, 300),
  MAX_STEPS: whole('MAX_STEPS', 1, MAX_STEPS, DEFAULT_MAX_STEPS),
  STUDIO_STEPS: whole('STUDIO_STEPS', 1, MAX_STEPS, 0),
  STUDIO_CLIPS_PER_MINUTE: whole('STUDIO_CLIPS_PER_MINUTE', 1, 10_000, 30),
  STUDIO_CLIP_TIMEOUT_SECONDS: whole('STUDIO_CLIP_TIMEOUT_SECONDS', 5, 3600, 120),
  STUDIO_WORKER: z.enum(['auto', 'never'], { message: 'STUDIO_WORKER must be auto (start one in-process when none is live) or never' }).optional().default('auto'),
  STUDIO_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 16, { message: 'STUDIO_SECRET must be at least 16 characters (it signs listen-along links)' })
    .transform((v) => v || null),
  LOG_LEVEL: logLevel,
}).superRefine((e, ctx) => {
  if (e.STUDIO_STEPS > e.MAX_STEPS) ctx.addIssue({ code: 'custom', message: `STUDIO_STEPS (${e.STUDIO_STEPS}) is over MAX_STEPS (${e.MAX_STEPS}), the bot's limit on steps that the studio shares` });
});

export interface StudioConfig {
  host: string;
  port: number;
  redisUrl: string;
  prefix: string;
  model: string;
  maxPromptChars: number;
  /** Diffusion steps per clip; null: the model's default. */
  steps: number | null;
  /** The bot's MAX_STEPS: no clip is asked for with more (RADIO_STEPS included). */
  maxSteps: number;
  clipsPerMinute: number;
  clipTimeoutSeconds: number;
  /** Waiting jobs beyond which the studio refuses new clips (the bot's MAX_QUEUE_LENGTH). */
  maxQueueLength: number;
  worker: 'auto' | 'never';
  /** HMAC key of listen-along links; null: listen-along is off. */
  secret: string | null;
  logLevel: string;
}

export function studioConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StudioConfig {
  const problems: string[] = [];
  const r = studioEnv.safeParse(env);
  if (!r.success) problems.push(...r.error.issues.map((i) => i.message));
  let maxQueueLength = 0;
  try {
    maxQueueLength = limitsFromEnv(env).maxQueueLength;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (!r.success || problems.length) throw new ConfigError(problems);
  const e = r.data;
  return {
    host: e.STUDIO_HOST,
    port: e.STUDIO_PORT,
    redisUrl: e.REDIS_URL,
    prefix: e.REDIS_PREFIX,
    model: e.RIFFCORD_MODEL,
    maxPromptChars: e.MAX_PROMPT_CHARS,
    steps: e.STUDIO_STEPS || null,
    maxSteps: e.MAX_STEPS,
    clipsPerMinute: e.STUDIO_CLIPS_PER_MINUTE,
    clipTimeoutSeconds: e.STUDIO_CLIP_TIMEOUT_SECONDS,
    maxQueueLength,
    worker: e.STUDIO_WORKER,
    secret: e.STUDIO_SECRET,
    logLevel: e.LOG_LEVEL,
  };
}
