/** Radio sessions in Redis, so a restarted bot picks up the radios that were playing. */
import type { Redis } from 'ioredis';
import type { VoteMode } from './controls.ts';
import type { PlanState } from './plan.ts';
import type { RadioSettings } from './settings.ts';
import type { RoundData } from './votes.ts';

export interface RadioRecord {
  guildId: string;
  voiceChannelId: string;
  textChannelId: string;
  startedBy: string;
  startedAt: number;
  plan: PlanState;
  round: RoundData;
  settings: RadioSettings;
  nowPlayingMessageId?: string;
  voteMessageId?: string;
  /** Paused with /radio pause: no sound, no generation, until /radio resume. */
  held?: boolean;
  /** Playback gain (1 = as generated). */
  volume?: number;
  /** 24/7: stays in the channel when it empties. */
  stay?: boolean;
  voteMode?: VoteMode;
}

export class RadioStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(guildId: string): string {
    return `${this.prefix}:radio:${guildId}`;
  }

  private get index(): string {
    return `${this.prefix}:radio:active`;
  }

  async save(record: RadioRecord): Promise<void> {
    await this.redis.multi().set(this.key(record.guildId), JSON.stringify(record)).sadd(this.index, record.guildId).exec();
  }

  async load(guildId: string): Promise<RadioRecord | null> {
    const raw = await this.redis.get(this.key(guildId));
    return raw ? (JSON.parse(raw) as RadioRecord) : null;
  }

  async remove(guildId: string): Promise<void> {
    await this.redis.multi().del(this.key(guildId)).srem(this.index, guildId).exec();
  }

  async list(): Promise<RadioRecord[]> {
    const ids = await this.redis.smembers(this.index);
    const records = await Promise.all(ids.map((id) => this.load(id)));
    return records.filter((r): r is RadioRecord => r !== null);
  }
}
