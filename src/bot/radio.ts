/**
 * The bot process's radio manager, made once at start-up: its own job client (per-radio limits),
 * the bot's Redis and log, and listen-along publishing when the studio link is configured.
 */
import type { Client } from 'discord.js';
import type { BotContext } from '../services/context.ts';
import { listenLinkConfigOrOff } from '../studio/listen-link.ts';
import { radioJobsClient } from '../voice/jobs.ts';
import { publishListenAlong } from '../voice/listen-along.ts';
import { RadioManager } from '../voice/manager.ts';
import type { RadioSession } from '../voice/session.ts';
import type { RadioSettings } from '../voice/settings.ts';

export type RadioManagerContext = Pick<BotContext, 'redis' | 'log'> & { config: Pick<BotContext['config'], 'redisUrl' | 'redisPrefix' | 'model'> };

export function createRadioManager(client: Client, ctx: RadioManagerContext, settings: RadioSettings): RadioManager {
  const { redisUrl, redisPrefix, model } = ctx.config;
  const onRedisError = (err: Error) => ctx.log.warn({ err: err.message }, 'radio redis connection error (reconnecting)');
  return new RadioManager({
    client,
    jobs: radioJobsClient({ redisUrl, prefix: redisPrefix, model, settings, onRedisError }),
    redis: ctx.redis,
    redisPrefix,
    log: ctx.log,
    settings,
    onLaunch: listenAlongHook(ctx),
  });
}

/** With listen-along set up, every radio publishes its clips and state for the studio. */
function listenAlongHook(ctx: RadioManagerContext): ((s: RadioSession) => void) | undefined {
  return listenLinkConfigOrOff(ctx.log) ? (s) => publishListenAlong(s, ctx.redis, ctx.config.redisPrefix, ctx.log) : undefined;
}
