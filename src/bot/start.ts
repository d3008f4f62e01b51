/**
 * Starts one bot client (a whole bot, or one shard of it when run under the ShardingManager):
 * the discord.js client, the job client, the Redis stores and the radio manager, wired to the
 * interaction router.
 */
import { Client, Events } from 'discord.js';
import { JobsClient } from '../jobs/client.ts';
import { connect } from '../jobs/connection.ts';
import { createLogger, type Logger } from '../jobs/logging.ts';
import { randomUUID } from 'node:crypto';
import { BlocklistStore } from '../services/blocklist.ts';
import { ClipStateStore } from '../services/clip-state.ts';
import type { BotConfig } from '../services/config.ts';
import type { BotContext } from '../services/context.ts';
import { GuildLimiter } from '../services/guild-limits.ts';
import { JobHistory } from '../services/history.ts';
import { PendingDeliveries } from '../services/pending.ts';
import { adoptOrphans } from '../services/recover.ts';
import { GuildSettingsStore } from '../services/settings.ts';
import { NO_MENTIONS } from '../discord/respond.ts';
import type { CommandContext } from '../commands/types.ts';
import type { RadioManager } from '../voice/manager.ts';
import { radioSettingsFromEnv, type RadioSettings } from '../voice/settings.ts';
import { BOT_INTENTS } from './intents.ts';
import { createRadioManager } from './radio.ts';
import { routeInteraction } from './router.ts';

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  radios: RadioManager;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Shards this process runs; omitted: discord.js's own choice (the ShardingManager's env, or shard 0). */
  shards?: number[];
  shardCount?: number;
  /** Radio settings (default: from the environment, RADIO_*). */
  radioSettings?: RadioSettings;
}

export async function startBot(config: BotConfig, options: StartOptions = {}): Promise<RunningBot> {
  const log = options.logger ?? createLogger('riffcord-bot', config.logLevel);
  const radioSettings = options.radioSettings ?? radioSettingsFromEnv();
  const onRedisError = (err: Error) => log.warn({ err: err.message }, 'redis connection error (reconnecting)');
  const jobs = new JobsClient({ redisUrl: config.redisUrl, prefix: config.redisPrefix, limits: config.limits, defaultModel: config.model, onRedisError });
  const redis = connect(config.redisUrl, onRedisError);
  let signalStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (signalStopped = resolve));
  const client = new Client({
    intents: BOT_INTENTS,
    allowedMentions: NO_MENTIONS,
    ...(options.shards ? { shards: options.shards } : {}),
    ...(options.shardCount ? { shardCount: options.shardCount } : {}),
    ...(config.apiUrl ? { rest: { api: config.apiUrl } } : {}),
  });
  // Made before login, so the first /radio and the gateway's voice and reaction events find it.
  const radios = createRadioManager(client, { config, redis, log }, radioSettings);
  const ctx: CommandContext = {
    config,
    jobs,
    redis,
    settings: new GuildSettingsStore(redis, config.redisPrefix, { audioFormat: config.defaultAudioFormat }),
    blocklist: new BlocklistStore(redis, config.redisPrefix),
    clips: new ClipStateStore(redis, config.redisPrefix, config.buttonTtlSeconds),
    guildLimits: new GuildLimiter(redis, config.redisPrefix, config.limits.inflightTtlMs),
    pending: new PendingDeliveries(redis, config.redisPrefix, `${process.pid}-${randomUUID().slice(0, 8)}`),
    history: new JobHistory(redis, config.redisPrefix),
    following: new Set(),
    lifecycle: { stopping: false, stopped },
    log,
    radios,
  };
  const inFlight = new Set<Promise<void>>();
  const onInteraction = (interaction: Parameters<typeof routeInteraction>[0]) => {
    const p = routeInteraction(interaction, ctx).catch((err: unknown) => log.error({ err }, 'interaction routing failed'));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  client.on(Events.InteractionCreate, onInteraction);
  client.on(Events.ShardReady, (shard) => log.info({ shard }, 'shard ready'));
  client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, 'shard resumed'));
  client.on(Events.ShardDisconnect, (ev, shard) => log.warn({ shard, code: ev.code }, 'shard disconnected'));
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.token);
    await ready;
  } catch (err) {
    await client.destroy().catch(() => undefined);
    await radios.suspendAll().catch(() => undefined);
    await jobs.close().catch(() => undefined);
    redis.disconnect();
    throw new Error(`could not log in to Discord: ${err instanceof Error ? err.message : String(err)}`);
  }
  log.info({ user: client.user?.tag, shards: client.ws.shards.map((s) => s.id), model: config.model }, 'bot ready');

  // Keep the leases of the deliveries followed here; adopt those whose process went away.
  const readyClient = client as Client<true>;
  const adopt = () =>
    adoptOrphans(readyClient, ctx).then(
      (n) => n > 0 && log.info({ adopted: n }, 'adopted deliveries of a stopped bot process'),
      (err: unknown) => log.warn({ err }, 'adopting deliveries failed'),
    );
  const leases = setInterval(() => void ctx.pending.renew([...ctx.following]).catch((err: unknown) => log.warn({ err }, 'lease renewal failed')), 10_000);
  const orphans = setInterval(() => void adopt(), 15_000);
  await adopt();
  // Radios that were playing when the bot last stopped (state in Redis) play again.
  await radios.resumeAll().then(
    (resumed) => resumed.length > 0 && log.info({ radios: resumed.length }, 'resumed radios after a restart'),
    (err: unknown) => log.warn({ err }, 'resuming radios failed'),
  );

  return {
    client,
    ctx,
    radios,
    async stop() {
      clearInterval(leases);
      clearInterval(orphans);
      client.off(Events.InteractionCreate, onInteraction);
      ctx.lifecycle.stopping = true;
      signalStopped();
      // Handlers settle at once (deliveries stop following); their records stay for another process.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5000))]);
      // Radios leave their channels but keep their saved state, so the next start resumes them.
      await radios.suspendAll().catch((err: unknown) => log.warn({ err }, 'suspending radios failed'));
      await ctx.pending.release([...ctx.following]).catch(() => undefined);
      await client.destroy();
      await jobs.close().catch(() => undefined);
      await redis.quit().catch(() => undefined);
    },
  };
}
