/**
 * A world for the radio's end-to-end tests: the Discord stand-in with its voice server, guilds
 * with a text and a voice channel, listeners, a real worker process (the tiny test model unless
 * another model folder is given) and the bot itself, started by startBot as `npm run bot` starts it
 * (with the test's radio settings), so resuming radios at start and suspending them at stop are
 * what is tested.
 */
import { basename, join, resolve } from 'node:path';
import type { APIChannel, APIGuild } from 'discord-api-types/v10';
import { REST, Routes, type Client } from 'discord.js';
import type { RedisConnection } from '../../../src/jobs/connection.ts';
import { pino, type Logger } from 'pino';
import { connect } from '../../../src/jobs/connection.ts';
import { botConfigFromEnv, type BotConfig } from '../../../src/services/config.ts';
import { startBot, type RunningBot } from '../../../src/bot/start.ts';
import { radio } from '../../../src/commands/radio.ts';
import type { RadioManager } from '../../../src/voice/manager.ts';
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
  /**
   * The worker's entry (default src/jobs/worker-main.ts under tsx); bench/radio.ts runs
   * bin/riffcord-worker.js, which `npm run worker` runs: the compiled build while it is fresh.
   */
  workerEntry?: string;
  /** Start without a worker (queue-down tests start one later or never). */
  worker?: boolean;
  /** The Redis the bot, the workers and the test use (default the shared one; a PrivateRedis for restart tests). */
  redisUrl?: string;
}

export class RadioWorld {
  standin!: DiscordStandin;
  voice!: VoiceStandin;
  guilds: RadioGuild[] = [];
  prefix = testPrefix();
  /** The worker startWorker started last (stopWorker stops it). */
  worker: WorkerChild | null = null;
  /** Every worker started and not stopped by stopWorker; stop() ends them all. */
  readonly workers = new Set<WorkerChild>();
  client: Client | null = null;
  bot: RunningBot | null = null;
  config!: BotConfig;
  logs: Record<string, unknown>[] = [];
  settings!: RadioSettings;
  /** A connection of the test's own to the shared Redis (settings, stores). */
  redis!: RedisConnection;
  private options!: RadioWorldOptions;

  get redisUrl(): string {
    return this.options.redisUrl ?? SHARED_REDIS;
  }

  get modelDir(): string {
    return this.options.modelDir ?? TINY_MODEL_DIR;
  }

  static async start(o: RadioWorldOptions = {}): Promise<RadioWorld> {
    // The voice stand-in serves wss with a certificate made for this test process only.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const w = new RadioWorld();
    w.options = o;
    try {
      w.redis = connect(w.redisUrl);
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
        REDIS_URL: w.redisUrl,
        REDIS_PREFIX: w.prefix,
        RIFFCORD_MODEL: basename(w.modelDir),
      });
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
      redisUrl: this.redisUrl,
      prefix: this.prefix,
      models: this.modelDir,
      entry: this.options.workerEntry ?? 'src/jobs/worker-main.ts',
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
    this.workers.add(this.worker);
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    this.workers.delete(w);
    await stopChild(w);
  }

  get log(): Logger {
    const sink = { write: (line: string) => void this.logs.push(JSON.parse(line) as Record<string, unknown>) };
    return pino({ level: 'info', base: { service: 'riffcord-radio-test' } }, sink);
  }

  /** The bot, started as production starts it (startBot): it resumes saved radios, and its stop suspends them. */
  async startBot(): Promise<Client> {
    this.bot = await startBot(this.config, { logger: this.log, radioSettings: this.settings });
    this.client = this.bot.client;
    return this.client;
  }

  /** The running bot's radio manager. */
  manager(): RadioManager {
    if (!this.bot) throw new Error('the test bot is not running');
    return this.bot.radios;
  }

  /** A bot restart: the running bot stops (its radios suspend, state stays in Redis), a new one starts and resumes them. */
  async restartBot(): Promise<Client> {
    const old = this.bot;
    this.bot = null;
    this.client = null;
    await old?.stop();
    return this.startBot();
  }

  /** Messages the bot posted in a channel, oldest first. */
  botMessages(channelId: string): StoredMessage[] {
    return [...this.standin.state.messages.values()].filter((m) => m.message.channel_id === channelId && m.message.author.id === this.standin.botUser.id && !m.deleted);
  }

  async stop(): Promise<void> {
    await this.bot?.stop().catch(() => undefined);
    this.bot = null;
    this.client = null;
    await this.stopWorker().catch(() => undefined);
    await Promise.all([...this.workers].map((w) => stopChild(w).catch(() => undefined)));
    this.workers.clear();
    if (this.voice) await this.voice.stop().catch(() => undefined);
    if (this.standin) await this.standin.stop().catch(() => undefined);
    await deletePrefix(this.redisUrl, this.prefix).catch(() => undefined);
    this.redis?.disconnect();
    // Anything the bot sent that Discord would reject (or deprecates) fails the test file.
    this.standin?.conformance.assertClean();
  }
}
