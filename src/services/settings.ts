/**
 * Per-guild settings chosen by the guild's admins with /settings, kept in Redis (one JSON value
 * per guild) so every shard sees the same. Limits can only be tightened below the operator's.
 */
import type { RedisConnection } from '../jobs/connection.ts';
import { z } from 'zod';
import { GUILD_AUDIO_FORMATS, type GuildAudioFormat } from './config.ts';

export interface GuildSettings {
  audioFormat: GuildAudioFormat;
  /** Channels where the bot may post results; empty: everywhere. */
  channels: string[];
  /** Per-user jobs per minute in this guild; null: the operator's limit. */
  userPerMinute: number | null;
  /** Per-user jobs at once in this guild; null: the operator's limit. */
  userInFlight: number | null;
}

const stored = z.object({
  audioFormat: z.enum(GUILD_AUDIO_FORMATS).optional(),
  channels: z.array(z.string().regex(/^\d+$/)).max(50).optional(),
  userPerMinute: z.number().int().min(1).nullable().optional(),
  userInFlight: z.number().int().min(1).nullable().optional(),
});

export const MAX_ALLOWED_CHANNELS = 50;

export class GuildSettingsStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly defaults: { audioFormat: GuildAudioFormat },
  ) {}

  private key(guildId: string): string {
    return `${this.prefix}:bot:guild:${guildId}:settings`;
  }

  async get(guildId: string | null): Promise<GuildSettings> {
    const base: GuildSettings = { audioFormat: this.defaults.audioFormat, channels: [], userPerMinute: null, userInFlight: null };
    if (!guildId) return base;
    const raw = await this.redis.get(this.key(guildId));
    if (!raw) return base;
    let parsed: z.infer<typeof stored>;
    try {
      parsed = stored.parse(JSON.parse(raw));
    } catch {
      return base; // unreadable: behave as if nothing was set, the next /settings write replaces it
    }
    return {
      audioFormat: parsed.audioFormat ?? base.audioFormat,
      channels: parsed.channels ?? [],
      userPerMinute: parsed.userPerMinute ?? null,
      userInFlight: parsed.userInFlight ?? null,
    };
  }

  async update(guildId: string, change: (s: GuildSettings) => GuildSettings): Promise<GuildSettings> {
    const next = change(await this.get(guildId));
    await this.redis.set(this.key(guildId), JSON.stringify(next));
    return next;
  }

  async reset(guildId: string): Promise<void> {
    await this.redis.del(this.key(guildId));
  }
}
