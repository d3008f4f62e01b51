/**
 * A world for the radio's end-to-end tests: the Discord stand-in with its voice server, guilds
 * with a text and a voice channel, listeners, a real worker process (the tiny test model unless
 * another model folder is given) and a discord.js client running /radio through the bot's own
 * error guard. The client asks for the voice-state and reaction intents the radio needs.
 */
import { basename, join, resolve } from 'node:path';
import type { APIChannel, APIGuild } from 'discord-api-types/v10';
import { Client, Events, GatewayIntentBits, REST, Routes } from 'discord.js';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { botConfigFromEnv, type BotConfig } from '../../../src/bot/config.ts';
import { guarded } from '../../../src/bot/respond.ts';
import { listenAlongHook, radio, runRadio, type RadioContext } from '../../../src/commands/radio.ts';
import { connect } from '../../../src/jobs/connection.ts';
import { radioJobsClient } from '../../../src/voice/jobs.ts';
import { radioManagerFor, type RadioManager } from '../../../src/voice/manager.ts';
import { DEFAULT_RADIO_SETTINGS, type RadioSettings } from '../../../src/voice/settings.ts';
import { DiscordStandin, type TestUser } from '../index.ts';
import { setPriority } from 'node:os';
import type { StoredMessage } from '../state.ts';
import { deletePrefix, SHARED_REDIS, startWorkerChild, stopChild, testPrefix, type WorkerChild } from '../../support/jobs-harness.ts';
import { VoiceStandin } from './server.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
export const TINY_MODEL_DIR = join(ROOT, 'test/fixtures/tiny-sd');
export const SMALL_MODEL_DIR = join(ROOT, 'models/riffcord-small');

export interface RadioGuild {
  guild: APIGuild;
  text: APIChannel;
  voice: APIChannel;
  users: TestUser[];
}

export interface RadioWorldOptions {
  guilds?: number;
  usersPerGuild?: number;
  modelDir?: string;
  settings?: Partial<RadioSettings>;
  workerConcurrency?: number;
  /** Start without a worker (queue-down tests start one later or never). */
  worker?: boolean;
}

export class RadioWorld {
  standin!: DiscordStandin;
  voice!: VoiceStandin;
  guilds: RadioGuild[] = [];
  prefix = testPrefix();
  worker: WorkerChild | null = null;
  client: Client | null = null;
  config!: BotConfig;
  redis!: Redis;
  logs: Record<string, unknown>[] = [];
  settings!: RadioSettings;
  private options!: RadioWorldOptions;

  get modelDir(): string {
    return this.options.modelDir ?? TINY_MODEL_DIR;
  }

  static async start(o: RadioWorldOptions = {}): Promise<RadioWorld> {
    // The voice stand-in serves wss with a certificate made for this test process only.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const w = new RadioWorld();
    w.options = o;
    try {
      w.standin = await new DiscordStandin().start();
      w.voice = await new VoiceStandin().start();
      w.standin.attachVoiceServer(w.voice);
      for (let g = 0; g < (o.guilds ?? 1); g++) {
        const guild = w.standin.createGuild(`Radio ${g}`);
        const text = w.standin.createChannel(guild, 'music');
        const voice = w.standin.createChannel(guild, 'lounge', 'voice');
        const users: TestUser[] = [];
        for (let i = 0; i < (o.usersPerGuild ?? 2); i++) {
          const u = w.standin.createUser(`g${g}listener${i}`);
          w.standin.addMember(guild, u);
          users.push(u);
        }
        w.guilds.push({ guild, text, voice, users });
      }
      w.settings = { ...DEFAULT_RADIO_SETTINGS, ...o.settings, plan: { ...DEFAULT_RADIO_SETTINGS.plan, ...o.settings?.plan } };
      w.config = botConfigFromEnv({
        DISCORD_TOKEN: w.standin.token,
        DISCORD_APPLICATION_ID: w.standin.applicationId,
        DISCORD_API_URL: w.standin.apiUrl,
        REDIS_URL: SHARED_REDIS,
        REDIS_PREFIX: w.prefix,
        RIFFCORD_MODEL: basename(w.modelDir),
      });
      w.redis = connect(SHARED_REDIS);
      const rest = new REST({ api: w.standin.apiUrl }).setToken(w.standin.token);
      await rest.put(Routes.applicationCommands(w.standin.applicationId), { body: [radio.data.toJSON()] });
      if (o.worker !== false) await w.startWorker();
      await w.startBot();
      return w;
    } catch (err) {
      await w.stop();
      throw err;
    }
  }

  async startWorker(): Promise<WorkerChild> {
    this.worker = await startWorkerChild({
      redisUrl: SHARED_REDIS,
      prefix: this.prefix,
      models: this.modelDir,
      entry: 'src/jobs/worker-main.ts',
      concurrency: this.options.workerConcurrency ?? 1,
      // One core for generation, one for the bot and the listener, as a deployment with the worker
      // on its own core (or machine) would have; niced so the voice path is never starved by it.
      extra: {
        RIFFCORD_ORT_THREADS: '1',
        RIFFCORD_AUDIO_THREADS: '1',
        // A real-model clip takes seconds on one niced core: production-like lock and liveness
        // windows, not the harness's 2-3 s ones made for instant stand-in jobs.
        ...(this.modelDir === SMALL_MODEL_DIR ? { LOCK_DURATION_MS: '15000', HEARTBEAT_TTL_MS: '10000' } : {}),
      },
      readyTimeoutMs: 90_000,
    });
    if (this.worker.proc.pid) setPriority(this.worker.proc.pid, 19);
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await stopChild(w);
  }

  get log(): Logger {
    const sink = { write: (line: string) => void this.logs.push(JSON.parse(line) as Record<string, unknown>) };
    return pino({ level: 'info', base: { service: 'riffcord-radio-test' } }, sink);
  }

  /** A bot process: a discord.js client whose /radio interactions run through the bot's error guard. */
  async startBot(): Promise<Client> {
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessageReactions],
      rest: { api: this.standin.apiUrl },
    });
    const log = this.log;
    const ctx: RadioContext = { redis: this.redis, log, config: this.config };
    // The manager is made here, with the test's settings, before any /radio runs.
    radioManagerFor(client, () => ({
      client,
      jobs: radioJobsClient({ redisUrl: SHARED_REDIS, prefix: this.prefix, model: this.config.model, settings: this.settings }),
      redis: this.redis,
      redisPrefix: this.prefix,
      log,
      settings: this.settings,
      onLaunch: listenAlongHook(ctx),
    }));
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand() && interaction.commandName === 'radio') {
        void guarded(interaction, log, '/radio', () => runRadio(interaction, ctx));
      }
    });
    const ready = once(client, Events.ClientReady);
    await client.login(this.standin.token);
    await ready;
    this.client = client;
    return client;
  }

  manager(client: Client = this.client!): RadioManager {
    return radioManagerFor(client, () => {
      throw new Error('the test bot has no radio manager');
    });
  }

  /** A bot restart: radios suspend (state stays in Redis), the client goes, a new one logs in. */
  async restartBot(): Promise<Client> {
    const old = this.client!;
    await this.manager(old).suspendAll();
    await old.destroy();
    this.client = null;
    return this.startBot();
  }

  /** Messages the bot posted in a channel, oldest first. */
  botMessages(channelId: string): StoredMessage[] {
    return [...this.standin.state.messages.values()].filter((m) => m.message.channel_id === channelId && m.message.author.id === this.standin.botUser.id && !m.deleted);
  }

  async stop(): Promise<void> {
    if (this.client) {
      await this.manager(this.client).suspendAll().catch(() => undefined);
      await this.client.destroy().catch(() => undefined);
    }
    await this.stopWorker().catch(() => undefined);
    if (this.voice) await this.voice.stop().catch(() => undefined);
    if (this.standin) await this.standin.stop().catch(() => undefined);
    this.redis?.disconnect();
    await deletePrefix(SHARED_REDIS, this.prefix).catch(() => undefined);
  }
}
