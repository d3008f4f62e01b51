/**
 * A guild's radio controls, chosen with /radio settings and /radio volume and kept in Redis (one
 * JSON value per guild), so they outlive one radio session and every shard reads the same.
 */
import type { RedisConnection } from '../jobs/connection.ts';
import { z } from 'zod';

export const VOTE_MODES = ['winner', 'blend'] as const;
export type VoteMode = (typeof VOTE_MODES)[number];

export const MIN_VOLUME_PERCENT = 5;
export const MAX_VOLUME_PERCENT = 200;

export interface RadioControls {
  /** Playback gain, 1 = as generated (levelled to the radio's loudness). */
  volume: number;
  /** 24/7: stay in the voice channel when it empties (generation still pauses). */
  stayInChannel: boolean;
  /** When set, stop, skip-now, pause, volume and settings belong to members with this role. */
  djRoleId: string | null;
  /** Whether /radio skip votes count; off: only skip-now (the DJ's or an admin's) ends a round. */
  voteSkip: boolean;
  /** A round's result: the top suggestion, or a weighted blend of the top ones by vote share. */
  voteMode: VoteMode;
}

export const DEFAULT_CONTROLS: RadioControls = { volume: 1, stayInChannel: false, djRoleId: null, voteSkip: true, voteMode: 'winner' };

const stored = z.object({
  volume: z.number().min(MIN_VOLUME_PERCENT / 100).max(MAX_VOLUME_PERCENT / 100).optional(),
  stayInChannel: z.boolean().optional(),
  djRoleId: z.string().regex(/^\d+$/).nullable().optional(),
  voteSkip: z.boolean().optional(),
  voteMode: z.enum(VOTE_MODES).optional(),
});

export class RadioControlsStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(guildId: string): string {
    return `${this.prefix}:radio-controls:${guildId}`;
  }

  async get(guildId: string): Promise<RadioControls> {
    const raw = await this.redis.get(this.key(guildId));
    if (!raw) return { ...DEFAULT_CONTROLS };
    try {
      return { ...DEFAULT_CONTROLS, ...stored.parse(JSON.parse(raw)) };
    } catch {
      return { ...DEFAULT_CONTROLS }; // unreadable: defaults until the next change replaces it
    }
  }

  async update(guildId: string, change: Partial<RadioControls>): Promise<RadioControls> {
    const next = { ...(await this.get(guildId)), ...change };
    await this.redis.set(this.key(guildId), JSON.stringify(next));
    return next;
  }
}
