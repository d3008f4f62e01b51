/**
 * Radio sessions in Redis, so a restarted bot picks up the radios that were playing. Each record
 * is owned through a lease its bot process renews: with several shards (or a rolling restart) a
 * process resumes only the radios nobody holds, and never touches another shard's.
 */
import type { RedisConnection } from '../jobs/connection.ts';
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

/** A lease lapses this long after its holder's last renewal (the holder renews at a third of it). */
export const RADIO_LEASE_MS = 30_000;

/** Deletes the lease only when `owner` holds it. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

export class RadioStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(guildId: string): string {
    return `${this.prefix}:radio:${guildId}`;
  }

  private lease(guildId: string): string {
    return `${this.prefix}:radio-lease:${guildId}`;
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
    await this.redis.multi().del(this.key(guildId), this.lease(guildId)).srem(this.index, guildId).exec();
  }

  /** Takes the radio for `owner`: `steal` for a radio started here, else only when nobody holds it. */
  async claim(guildId: string, owner: string, steal = false): Promise<boolean> {
    const r = steal
      ? await this.redis.set(this.lease(guildId), owner, 'PX', RADIO_LEASE_MS)
      : await this.redis.set(this.lease(guildId), owner, 'PX', RADIO_LEASE_MS, 'NX');
    return r === 'OK';
  }

  async renew(guildIds: string[], owner: string): Promise<void> {
    if (guildIds.length === 0) return;
    const m = this.redis.multi();
    for (const id of guildIds) m.set(this.lease(id), owner, 'PX', RADIO_LEASE_MS);
    await m.exec();
  }

  /** Lets another process resume the radio at once (this one is shutting down). */
  async release(guildId: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.lease(guildId), owner);
  }

  async list(): Promise<RadioRecord[]> {
    const ids = await this.redis.smembers(this.index);
    const records = await Promise.all(ids.map((id) => this.load(id)));
    return records.filter((r): r is RadioRecord => r !== null);
  }
}
