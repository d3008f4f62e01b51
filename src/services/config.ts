/**
 * The bot's configuration, read from the environment once at start and checked with zod. Each
 * missing or malformed variable is reported on its own line, by name, with what it should be.
 * The token is kept here and handed to discord.js only; nothing logs the config object whole.
 */
import { z } from 'zod';
import { checkRedisPair, ConfigError, limitsFromEnv, logLevel, redisPrefix, redisUrl, wholeNumber } from '../jobs/config.ts';
import type { LimitsConfig } from '../jobs/limits.ts';
import { DEFAULT_MAX_STEPS, MAX_PROMPT_CHARS, MAX_STEPS } from '../jobs/types.ts';
import type { AudioFormat } from '../pipeline/audio/formats.ts';
import { DEFAULT_MODEL_ID, isModelId } from '../pipeline/model-id.ts';

/** The formats a guild may choose for its results (/settings format, DEFAULT_AUDIO_FORMAT). */
export const GUILD_AUDIO_FORMATS = ['mp3', 'opus'] as const satisfies readonly AudioFormat[];
export type GuildAudioFormat = (typeof GUILD_AUDIO_FORMATS)[number];

export interface BotConfig {
  token: string;
  applicationId: string;
  /** Register commands in this guild only (instant) instead of globally. */
  guildId: string | null;
  /** discord.js `rest.api` (e.g. https://discord.com/api); null: Discord itself. */
  apiUrl: string | null;
  redisUrl: string;
  redisPrefix: string;
  /** Model every job asks for. */
  model: string;
  limits: LimitsConfig;
  maxPromptChars: number;
  maxSteps: number;
  maxUploadBytes: number;
  maxUploadSeconds: number;
  /** Least time between two edits of one message (progress). */
  progressEditMs: number;
  defaultAudioFormat: GuildAudioFormat;
  /** How long result buttons keep working. */
  buttonTtlSeconds: number;
  /** How long the bot waits for a result before telling the user it gave up. */
  jobTimeoutSeconds: number;
  /** 'auto': Discord's recommendation from /gateway/bot. */
  shards: number | 'auto';
  shardSpawnDelayMs: number;
  logLevel: string;
}

const int = wholeNumber;

const snowflake = (name: string, what: string) =>
  z
    .string({ message: `${name} is not set: ${what}` })
    .refine((v) => /^\d{15,25}$/.test(v.trim()), { message: `${name} must be a Discord id (digits only): ${what}` })
    .transform((v) => v.trim());

const botEnv = z.object({
  DISCORD_TOKEN: z
    .string({ message: 'DISCORD_TOKEN is not set: copy the bot token from the Developer Portal (Bot > Reset Token)' })
    .transform((v) => v.trim().replace(/^Bot\s+/i, ''))
    .refine((v) => v.length >= 20 && !/\s/.test(v), { message: 'DISCORD_TOKEN does not look like a bot token (too short or contains spaces)' }),
  DISCORD_APPLICATION_ID: snowflake('DISCORD_APPLICATION_ID', 'the application id from the Developer Portal (General Information)'),
  DISCORD_GUILD_ID: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.trim() === '' || /^\d{15,25}$/.test(v.trim()), { message: 'DISCORD_GUILD_ID must be a server id (digits only), or unset to register globally' })
    .transform((v) => (v && v.trim() ? v.trim() : null)),
  DISCORD_API_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.trim() === '' || /^https?:\/\/[^\s]+$/.test(v.trim()), { message: 'DISCORD_API_URL must be an http(s) URL such as https://discord.com/api' })
    .transform((v) => (v && v.trim() ? v.trim().replace(/\/+$/, '') : null)),
  REDIS_URL: redisUrl,
  REDIS_PREFIX: redisPrefix,
  RIFFCORD_MODEL: z
    .string()
    .optional()
    .refine((v) => v === undefined || isModelId(v), { message: "RIFFCORD_MODEL must be a model id (letters, digits, '.', '_', '-')" })
    .transform((v) => v || DEFAULT_MODEL_ID),
  MAX_PROMPT_CHARS: int('MAX_PROMPT_CHARS', 10, MAX_PROMPT_CHARS, 300),
  MAX_STEPS: int('MAX_STEPS', 1, MAX_STEPS, DEFAULT_MAX_STEPS),
  MAX_UPLOAD_MB: int('MAX_UPLOAD_MB', 1, 25, 8),
  MAX_UPLOAD_SECONDS: int('MAX_UPLOAD_SECONDS', 1, 600, 60),
  PROGRESS_EDIT_MS: int('PROGRESS_EDIT_MS', 1000, 60_000, 1500),
  DEFAULT_AUDIO_FORMAT: z.enum(GUILD_AUDIO_FORMATS, { message: 'DEFAULT_AUDIO_FORMAT must be mp3 or opus' }).optional().default('mp3'),
  BUTTON_TTL_DAYS: int('BUTTON_TTL_DAYS', 1, 365, 30),
  JOB_TIMEOUT_SECONDS: int('JOB_TIMEOUT_SECONDS', 10, 14 * 60, 14 * 60),
  BOT_SHARDS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '' || v.trim() === 'auto') return 'auto' as const;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) {
        ctx.addIssue({ code: 'custom', message: `BOT_SHARDS must be "auto" or a whole number from 1 to 1000 (got "${v}")` });
        return z.NEVER;
      }
      return n;
    }),
  BOT_SHARD_SPAWN_DELAY_MS: int('BOT_SHARD_SPAWN_DELAY_MS', 0, 60_000, 5500),
  LOG_LEVEL: logLevel,
}).superRefine(checkRedisPair);

export function botConfigFromEnv(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const problems: string[] = [];
  const r = botEnv.safeParse(env);
  if (!r.success) problems.push(...r.error.issues.map((i) => i.message));
  let limits: LimitsConfig | undefined;
  try {
    limits = limitsFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  if (!r.success || !limits) throw new BotConfigError(problems);
  const e = r.data;
  return {
    token: e.DISCORD_TOKEN,
    applicationId: e.DISCORD_APPLICATION_ID,
    guildId: e.DISCORD_GUILD_ID,
    apiUrl: e.DISCORD_API_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    model: e.RIFFCORD_MODEL,
    limits,
    maxPromptChars: e.MAX_PROMPT_CHARS,
    maxSteps: e.MAX_STEPS,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    maxUploadSeconds: e.MAX_UPLOAD_SECONDS,
    progressEditMs: e.PROGRESS_EDIT_MS,
    defaultAudioFormat: e.DEFAULT_AUDIO_FORMAT,
    buttonTtlSeconds: e.BUTTON_TTL_DAYS * 86_400,
    jobTimeoutSeconds: e.JOB_TIMEOUT_SECONDS,
    shards: e.BOT_SHARDS,
    shardSpawnDelayMs: e.BOT_SHARD_SPAWN_DELAY_MS,
    logLevel: e.LOG_LEVEL,
  };
}

export class BotConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`riffcord bot: bad configuration (see .env.example)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'BotConfigError';
    this.problems = problems;
  }
}
