/**
 * A world for the bot's end-to-end tests: the Discord stand-in with a guild, a channel and users,
 * a Redis key prefix of its own on the shared Redis (deleted afterwards), a real worker process
 * (the tiny test model, or the job system's stand-in generator for load and error tests), and the
 * real bot started from its own configuration, pointed at the stand-in by DISCORD_API_URL.
 */
import { basename, join, resolve } from 'node:path';
import type { APIChannel, APIGuild } from 'discord-api-types/v10';
import { botConfigFromEnv, type BotConfig } from '../../src/services/config.ts';
import { registerCommands } from '../../src/bot/register.ts';
import { startBot, type RunningBot } from '../../src/bot/start.ts';
import { createLogger } from '../../src/jobs/logging.ts';
import { DiscordStandin, type StandinOptions, type TestUser } from '../standin/index.ts';
import { deletePrefix, SHARED_REDIS, startWorkerChild, stopChild, testPrefix, type WorkerChild } from './jobs-harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const TINY_MODEL_DIR = join(ROOT, 'test/fixtures/tiny-sd');

export type WorkerKind = 'tiny' | 'standin' | 'none';

export interface WorldOptions {
  worker?: WorkerKind;
  users?: number;
  /** Extra bot environment (limits, formats...). */
  env?: Record<string, string>;
  standin?: StandinOptions;
  /** Stand-in generator: ms per step and steps per clip. */
  stepMs?: number;
  steps?: number;
  workerConcurrency?: number;
  /** Start the bot in this process (default); false: the test starts it (e.g. as `npm run bot`). */
  bot?: boolean;
  /** With worker 'tiny': another model folder for the real worker (its folder name is the model id). */
  modelDir?: string;
}

export class BotWorld {
  standin!: DiscordStandin;
  guild!: APIGuild;
  channel!: APIChannel;
  users: TestUser[] = [];
  prefix = testPrefix();
  worker: WorkerChild | null = null;
  bot: RunningBot | null = null;
  config!: BotConfig;
  botLogs: Record<string, unknown>[] = [];

  get modelId(): string {
    return this.config.model;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      DISCORD_TOKEN: this.standin.token,
      DISCORD_APPLICATION_ID: this.standin.applicationId,
      DISCORD_API_URL: this.standin.apiUrl,
      DISCORD_GUILD_ID: this.guild.id,
      REDIS_URL: SHARED_REDIS,
      REDIS_PREFIX: this.prefix,
      RIFFCORD_MODEL: 'tiny-sd',
      PROGRESS_EDIT_MS: '1000',
      LOG_LEVEL: 'info',
      ...extra,
    };
  }

  static async start(o: WorldOptions = {}): Promise<BotWorld> {
    const w = new BotWorld();
    try {
      w.standin = await new DiscordStandin(o.standin).start();
      w.guild = w.standin.createGuild('Studio');
      w.channel = w.standin.createChannel(w.guild, 'music');
      for (let i = 0; i < (o.users ?? 2); i++) {
        const u = w.standin.createUser(`user${i}`);
        w.standin.addMember(w.guild, u);
        w.users.push(u);
      }
      const kind = o.worker ?? 'tiny';
      if (kind !== 'none') {
        w.worker = await startWorkerChild({
          redisUrl: SHARED_REDIS,
          prefix: w.prefix,
          models: kind === 'tiny' ? (o.modelDir ?? TINY_MODEL_DIR) : 'tiny-sd',
          ...(kind === 'tiny' ? { entry: 'src/jobs/worker-main.ts' } : {}),
          stepMs: o.stepMs ?? 30,
          steps: o.steps ?? 5,
          concurrency: o.workerConcurrency ?? 1,
          // A model step can block the worker's event loop for a while on a busy machine: a longer lock keeps it from being taken for stalled.
          extra: { RIFFCORD_ORT_THREADS: '1', ...(kind === 'tiny' ? { LOCK_DURATION_MS: '30000', STALLED_INTERVAL_MS: '30000' } : {}) },
        });
      }
      w.config = botConfigFromEnv(w.env({ ...(o.modelDir ? { RIFFCORD_MODEL: basename(o.modelDir) } : {}), ...o.env }));
      await registerCommands(w.config);
      if (o.bot !== false) await w.startBot();
      return w;
    } catch (err) {
      await w.stop();
      throw err;
    }
  }

  /** Starts (or restarts) the bot in this process, logging into the stand-in. */
  async startBot(): Promise<RunningBot> {
    const sink = { write: (line: string) => void this.botLogs.push(JSON.parse(line) as Record<string, unknown>) };
    this.bot = await startBot(this.config, { logger: createLogger('riffcord-bot', 'info', {}, sink) });
    return this.bot;
  }

  async stopBot(): Promise<void> {
    const b = this.bot;
    this.bot = null;
    await b?.stop();
  }

  /** The guild's first user, made a server manager (a role with Manage Server). */
  makeAdmin(user: TestUser): void {
    const record = this.standin.state.guild(this.guild.id);
    const roleId = this.standin.state.ids.next();
    record.guild.roles.push({ ...record.guild.roles[0], id: roleId, name: 'admins', position: 2, permissions: (1n << 5n).toString() });
    record.members.get(user.id)!.roles.push(roleId);
  }

  async stop(): Promise<void> {
    await this.stopBot().catch(() => undefined);
    if (this.worker) await stopChild(this.worker).catch(() => undefined);
    if (this.standin) await this.standin.stop().catch(() => undefined);
    await deletePrefix(SHARED_REDIS, this.prefix).catch(() => undefined);
    // Anything the bot sent that Discord would reject (or deprecates) fails the test file.
    this.standin?.conformance.assertClean();
  }
}
