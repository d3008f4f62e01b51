/**
 * Every radio of one bot process: one session per guild, started from /radio start or resumed
 * from Redis after a restart, fed the gateway's voice-state and reaction events. The process holds
 * a lease on each radio it plays and renews it; saved radios of guilds this process (shard) does
 * not see are someone else's and left alone.
 */
import { randomUUID } from 'node:crypto';
import { ChannelType, Events, PermissionFlagsBits, type Client, type Guild, type MessageReaction, type PartialMessageReaction, type PartialUser, type User, type VoiceState } from 'discord.js';
import type { RedisConnection } from '../jobs/connection.ts';
import { UserFacingError } from '../discord/errors.ts';
import type { JobsClient } from '../jobs/client.ts';
import type { Logger } from '../jobs/logging.ts';
import { initialPlan } from './plan.ts';
import { RadioSession } from './session.ts';
import { DEFAULT_RADIO_SETTINGS, type RadioSettings } from './settings.ts';
import { RADIO_LEASE_MS, RadioStore, type RadioRecord } from './store.ts';
import { VoteRound } from './votes.ts';

/** After a failed resume, how long before this process tries that guild's radio again. */
const RESUME_RETRY_MS = 5 * 60_000;

export interface RadioManagerDeps {
  client: Client;
  jobs: JobsClient;
  redis: RedisConnection;
  redisPrefix: string;
  log: Logger;
  settings?: RadioSettings;
  /** Who holds this process's radio leases; a fresh id by default. */
  owner?: string;
  /** Called with every session that starts or resumes (listen-along publishing hooks in here). */
  onLaunch?: (session: RadioSession) => void;
}

export interface StartRadio {
  guild: Guild;
  userId: string;
  textChannelId: string;
  prompt: string;
  seed?: number;
  seedImageId?: string;
  denoising?: number;
  model?: string;
  /** The guild's radio controls at start (volume, 24/7, vote mode). */
  controls?: Pick<RadioRecord, 'volume' | 'stay' | 'voteMode'>;
}

export class RadioManager {
  readonly store: RadioStore;
  private readonly sessions = new Map<string, RadioSession>();
  private readonly starting = new Set<string>();
  private readonly settings: RadioSettings;
  readonly owner: string;
  private readonly leaseTimer: NodeJS.Timeout;
  /** Guilds whose resume failed (no permission, channel full): not tried again before this time. */
  private readonly retryAfter = new Map<string, number>();

  constructor(private readonly deps: RadioManagerDeps) {
    this.store = new RadioStore(deps.redis, deps.redisPrefix);
    this.settings = deps.settings ?? DEFAULT_RADIO_SETTINGS;
    this.owner = deps.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    // Renew what plays here; pick up radios of this process's guilds whose holder went away.
    this.leaseTimer = setInterval(() => void this.tend(), RADIO_LEASE_MS / 3);
    this.leaseTimer.unref();
    deps.client.on(Events.GuildDelete, (guild) => {
      // The bot was removed from the guild (an outage emits GuildUnavailable instead): its radio is over.
      if (!this.get(guild.id)) void this.store.remove(guild.id).catch((err: unknown) => deps.log.warn({ err, guildId: guild.id }, 'could not forget the radio of a guild the bot left'));
    });
    deps.client.on(Events.VoiceStateUpdate, (_old: VoiceState, now: VoiceState) => this.sessions.get(now.guild.id)?.refreshListeners());
    const onReaction = (added: boolean) => (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser) => {
      const guildId = reaction.message.guildId;
      if (!guildId || user.bot) return;
      void this.sessions.get(guildId)?.onReaction(reaction.message.id, reaction.emoji.name, user.id, added);
    };
    deps.client.on(Events.MessageReactionAdd, onReaction(true));
    deps.client.on(Events.MessageReactionRemove, onReaction(false));
  }

  get(guildId: string): RadioSession | undefined {
    const s = this.sessions.get(guildId);
    return s && !s.isStopped ? s : undefined;
  }

  /** The voice channel the user is in, checked for what the radio needs; throws a UserFacingError otherwise. */
  voiceChannelOf(guild: Guild, userId: string): string {
    const channelId = guild.voiceStates.cache.get(userId)?.channelId;
    if (!channelId) throw new UserFacingError('Join a voice channel first: the radio plays in the voice channel you are in.');
    const channel = guild.channels.cache.get(channelId);
    if (!channel || (channel.type !== ChannelType.GuildVoice && channel.type !== ChannelType.GuildStageVoice)) {
      throw new UserFacingError('The radio can only play in a voice channel.');
    }
    const me = guild.members.me;
    const perms = me ? channel.permissionsFor(me) : null;
    const missing = [
      [PermissionFlagsBits.ViewChannel, 'View Channel'],
      [PermissionFlagsBits.Connect, 'Connect'],
      [PermissionFlagsBits.Speak, 'Speak'],
    ].filter(([bit]) => !perms?.has(bit as bigint)).map(([, name]) => name);
    if (missing.length) throw new UserFacingError(`I cannot play in <#${channelId}>: I am missing the ${missing.join(', ')} permission${missing.length > 1 ? 's' : ''} there. Ask a server admin to grant them.`);
    if ('full' in channel && channel.full && !perms?.has(PermissionFlagsBits.MoveMembers)) {
      throw new UserFacingError(`<#${channelId}> is full, so I cannot join it.`);
    }
    return channelId;
  }

  async start(o: StartRadio): Promise<RadioSession> {
    const running = this.get(o.guild.id);
    if (running || this.starting.has(o.guild.id)) {
      throw new UserFacingError(`A radio is already playing in this server${running ? ` (in <#${running.voiceChannelId}>)` : ''}. Use /radio suggest to steer it or /radio stop to end it.`);
    }
    const voiceChannelId = this.voiceChannelOf(o.guild, o.userId);
    const settings: RadioSettings = {
      ...this.settings,
      plan: {
        ...this.settings.plan,
        ...(o.denoising !== undefined ? { denoising: o.denoising } : {}),
        ...(o.seedImageId ? { seedImageId: o.seedImageId } : {}),
        ...(o.model ? { model: o.model } : {}),
      },
    };
    const record: RadioRecord = {
      guildId: o.guild.id,
      voiceChannelId,
      textChannelId: o.textChannelId,
      startedBy: o.userId,
      startedAt: Date.now(),
      plan: initialPlan(o.prompt, o.seed ?? Math.floor(Math.random() * 2 ** 31)),
      round: VoteRound.fresh(1, Date.now(), settings.maxSuggestions).data,
      settings,
      ...o.controls,
    };
    this.starting.add(record.guildId);
    try {
      await this.store.claim(record.guildId, this.owner, true);
    } catch (err) {
      this.starting.delete(record.guildId);
      throw err;
    }
    return this.launch(record);
  }

  private async tend(): Promise<void> {
    try {
      await this.store.renew([...this.sessions.keys()], this.owner);
      await this.resumeAll();
    } catch (err) {
      this.deps.log.warn({ err }, 'radio lease upkeep failed');
    }
  }

  /** Plays `record`; its lease is held already. */
  private async launch(record: RadioRecord): Promise<RadioSession> {
    this.starting.add(record.guildId);
    try {
      const session = await RadioSession.start({ client: this.deps.client, jobs: this.deps.jobs, store: this.store, log: this.deps.log }, record);
      this.sessions.set(record.guildId, session);
      this.deps.onLaunch?.(session);
      session.once('stopped', () => {
        if (this.sessions.get(record.guildId) === session) this.sessions.delete(record.guildId);
      });
      return session;
    } finally {
      this.starting.delete(record.guildId);
    }
  }

  /**
   * After a restart (and every lease period): each saved radio of a guild this process sees, that
   * nobody holds, plays again. Another shard's radios are not in this client's cache: left alone.
   */
  async resumeAll(): Promise<RadioSession[]> {
    const resumed: RadioSession[] = [];
    for (const record of await this.store.list()) {
      const guildId = record.guildId;
      if (this.sessions.has(guildId) || this.starting.has(guildId) || (this.retryAfter.get(guildId) ?? 0) > Date.now()) continue;
      const guild = this.deps.client.guilds.cache.get(guildId);
      if (!guild) continue;
      if (!(await this.store.claim(guildId, this.owner))) continue;
      if (!guild.channels.cache.has(record.voiceChannelId)) {
        await this.store.remove(guildId); // our guild, but its voice channel is gone
        continue;
      }
      try {
        // The old vote message is gone from this process's cache: the round starts afresh.
        const fresh = VoteRound.fresh(record.round.number, Date.now(), record.settings.maxSuggestions).data;
        resumed.push(await this.launch({ ...record, round: fresh, voteMessageId: undefined }));
      } catch (err) {
        this.retryAfter.set(guildId, Date.now() + RESUME_RETRY_MS);
        await this.store.release(guildId, this.owner).catch(() => undefined);
        this.deps.log.warn({ err, guildId }, `could not resume a radio after the restart; trying again in ${RESUME_RETRY_MS / 60_000} min`);
      }
    }
    return resumed;
  }

  async stop(guildId: string, reason?: string): Promise<boolean> {
    const s = this.get(guildId);
    if (!s) return false;
    await s.stop(reason);
    return true;
  }

  /** Bot shutdown: leave every channel, keep the saved state for the next start; closes the radio's job client. */
  async suspendAll(): Promise<void> {
    clearInterval(this.leaseTimer);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => s.suspend()));
    await Promise.all(sessions.map((s) => this.store.release(s.guildId, this.owner).catch(() => undefined)));
    await this.deps.jobs.close();
  }
}
