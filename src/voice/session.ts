/**
 * One guild's radio: joins the voice channel and wires the parts that run it (generation ahead of
 * the playhead, playback, vote rounds, the now-playing message, the saved state), pauses when
 * nobody listens, and stops or suspends it. The public API and the events ('clip', 'round',
 * 'stopped') are the whole radio as the manager and the commands see it.
 */
import { EventEmitter } from 'node:events';
import type { VoiceConnection } from '@discordjs/voice';
import type { Client, Guild } from 'discord.js';
import type { JobsClient } from '../jobs/client.ts';
import type { Logger } from '../jobs/logging.ts';
import { listenersIn, sendableChannel } from './channels.ts';
import { destroyConnection, joinAndKeepConnected } from './connection.ts';
import type { RadioStatusView } from './messages.ts';
import { NowPlayingMessage } from './now-playing.ts';
import { SessionPersistence } from './persistence.ts';
import { RadioPlayback } from './playback.ts';
import type { RecordingSnapshot } from './recorder.ts';
import { ClipScheduler } from './scheduler.ts';
import { describeStop } from './stop-reasons.ts';
import type { RadioRecord, RadioStore } from './store.ts';
import { VoteRounds, type SkipVerdict } from './vote-rounds.ts';
import type { SuggestResult } from './votes.ts';

export interface SessionDeps {
  client: Client;
  jobs: JobsClient;
  store: RadioStore;
  log: Logger;
}

/** The status /radio status shows, plus counters for tests and metrics. */
export interface RadioStatus extends RadioStatusView {
  /** Paused with /radio pause (as opposed to nobody listening). */
  held: boolean;
  volume: number;
  stay: boolean;
  clipsPlayed: number;
  loops: number;
}

export class RadioSession extends EventEmitter {
  readonly guildId: string;
  readonly createdAt = Date.now();
  private connection: VoiceConnection | null = null;
  /** Set the moment stop or suspend begins, so every part sees the radio as ending at once. */
  private stopped = false;
  private ending: Promise<void> | null = null;
  /** Nobody is listening (as opposed to held with /radio pause). */
  private paused = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly persistence: SessionPersistence;
  private readonly playback: RadioPlayback;
  private readonly scheduler: ClipScheduler;
  private readonly votes: VoteRounds;
  private readonly nowPlaying: NowPlayingMessage;

  private constructor(
    private readonly deps: SessionDeps,
    private readonly record: RadioRecord,
  ) {
    super();
    this.guildId = record.guildId;
    const isEnding = () => this.stopped;
    // Until the voice channel is joined there is nothing to resume: a failed start leaves no record.
    this.persistence = new SessionPersistence(record, deps.store, deps.log, () => this.stopped || this.connection === null);
    const save = () => this.persistence.save();
    const textChannel = () => sendableChannel(deps.client, record.textChannelId);
    this.playback = new RadioPlayback(record.settings.crossfadeSeconds, deps.log, this.guildId, {
      onClip: (meta, looped) => {
        this.emit('clip', meta, { looped });
        this.nowPlaying.schedule();
        this.scheduler.fill();
      },
      onIdle: () => {
        if (!this.stopped) void this.stop(this.scheduler.stalled ?? 'the audio stream ended');
      },
    });
    this.scheduler = new ClipScheduler({
      jobs: deps.jobs,
      record,
      playback: this.playback,
      mayGenerate: () => !this.stopped && !this.paused && !record.held,
      isEnding,
      onStall: (reason) => {
        // Play out what is buffered; with nothing played yet there is nothing to play out.
        if (this.playback.started) this.playback.finish();
        else void this.stop(reason);
      },
      save,
      log: deps.log,
    });
    this.votes = new VoteRounds({
      record,
      listeners: () => this.listenerIds(),
      textChannel,
      save,
      isEnding,
      botUserId: () => deps.client.user?.id,
      onRoundEnd: (end) => this.emit('round', end),
      log: deps.log,
    });
    this.nowPlaying = new NowPlayingMessage({
      record,
      playing: () => this.playback.current,
      view: () => ({
        clip: this.playback.current!,
        nextTarget: record.plan.transition?.to ?? null,
        fallingBehind: this.playback.fallingBehind,
        listeners: this.listenerIds().size,
        buffered: this.playback.queued,
        paused: this.paused,
        held: record.held ?? false,
        volume: record.volume ?? 1,
      }),
      textChannel,
      save,
      log: deps.log,
    });
  }

  /** Joins the voice channel and starts generating; playback begins when the first clip is ready. */
  static async start(deps: SessionDeps, record: RadioRecord): Promise<RadioSession> {
    const session = new RadioSession(deps, record);
    // The first clip takes seconds to make: it is asked for now and made while the voice channel
    // is joined, not after (the player holds it until the connection subscribes: its
    // noSubscriber behaviour is Pause). Nothing is saved before the join succeeds.
    session.scheduler.fill();
    try {
      await session.connect();
    } catch (err) {
      session.abandon();
      throw err;
    }
    await session.persistence.saveNow();
    session.votes.arm();
    session.refreshListeners();
    session.scheduler.fill();
    return session;
  }

  /** The voice join failed: the clips asked for meanwhile are cancelled, the player let go. */
  private abandon(): void {
    this.stopped = true;
    this.scheduler.stop();
    this.playback.stopPlayer();
    this.playback.destroyStream();
  }

  private get guild(): Guild {
    const guild = this.deps.client.guilds.cache.get(this.guildId);
    if (!guild) throw new Error(`the bot is no longer in guild ${this.guildId}`);
    return guild;
  }

  get voiceChannelId(): string {
    return this.record.voiceChannelId;
  }

  get voiceConnection(): VoiceConnection | null {
    return this.connection;
  }

  /** Wall clock of the first clip starting (for the benchmark); null before. */
  get firstSoundAt(): number | null {
    return this.playback.firstSoundAt;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async connect(): Promise<void> {
    this.connection = await joinAndKeepConnected(this.guild, this.record.voiceChannelId, {
      maxRejoins: this.record.settings.voiceRejoins,
      onRejoin: (attempt) => this.deps.log.warn({ guildId: this.guildId, attempt }, 'radio voice connection lost; rejoining'),
      onGiveUp: (err) => void this.stop(describeStop(err)),
    });
    this.playback.subscribe(this.connection);
  }

  // ------------------------------------------------------------------------------------------
  // Listeners

  listenerIds(): Set<string> {
    return listenersIn(this.deps.client, this.guildId, this.record.voiceChannelId);
  }

  /** Called on every VOICE_STATE_UPDATE in the guild. */
  refreshListeners(): void {
    if (this.stopped) return;
    const listeners = this.listenerIds();
    if (listeners.size === 0 && !this.paused) {
      this.paused = true;
      this.playback.pause();
      this.armIdleTimer();
      this.nowPlaying.schedule();
    } else if (listeners.size > 0 && this.paused) {
      this.paused = false;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      if (!this.record.held) this.playback.unpause();
      this.scheduler.fill();
      this.nowPlaying.schedule();
    }
    if (this.votes.allVoted(listeners)) void this.votes.end();
  }

  /** With nobody listening the radio leaves after a while, unless it is on 24/7. */
  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.record.stay) return;
    const seconds = this.record.settings.idleLeaveSeconds;
    this.idleTimer = setTimeout(() => void this.stop(`nobody listened for ${seconds} s`), seconds * 1000);
  }

  // ------------------------------------------------------------------------------------------
  // Controls (permissions are checked by the command before these run)

  /** /radio pause: silence and no new clips until resume. False when already paused. */
  hold(): boolean {
    if (this.record.held || this.stopped) return false;
    this.record.held = true;
    this.playback.pause();
    this.nowPlaying.schedule();
    void this.persistence.save();
    return true;
  }

  resume(): boolean {
    if (!this.record.held || this.stopped) return false;
    this.record.held = false;
    if (!this.paused) this.playback.unpause();
    this.scheduler.fill();
    this.nowPlaying.schedule();
    return true;
  }

  setVolume(volume: number): void {
    this.record.volume = volume;
    this.playback.setVolume(volume);
    void this.persistence.save();
  }

  setStay(stay: boolean): void {
    this.record.stay = stay;
    if (this.paused) this.armIdleTimer();
    void this.persistence.save();
  }

  setVoteMode(mode: NonNullable<RadioRecord['voteMode']>): void {
    this.record.voteMode = mode;
    void this.persistence.save();
  }

  // ------------------------------------------------------------------------------------------
  // Votes and recording

  suggest(userId: string, prompt: string): Promise<SuggestResult> {
    return this.votes.suggest(userId, prompt);
  }

  /** A reaction on any message in the guild: counts when it is a number on this round's vote message. */
  onReaction(messageId: string, emoji: string | null, userId: string, added: boolean): Promise<void> {
    return this.votes.onReaction(messageId, emoji, userId, added);
  }

  skip(userId: string): SkipVerdict {
    return this.votes.skip(userId);
  }

  /** skip-now (the DJ's): ends the round at once, without a vote. */
  skipNow(): void {
    void this.votes.end();
  }

  /** The last `minutes` as the channel heard them (Opus packets) with what played when. */
  recording(minutes: number): RecordingSnapshot {
    return this.playback.recording(minutes);
  }

  status(): RadioStatus {
    const listeners = this.listenerIds();
    return {
      prompt: this.playback.current?.prompt ?? this.record.plan.prompt,
      nextTarget: this.record.plan.transition?.to ?? null,
      ...this.votes.standing(listeners),
      buffered: this.playback.queued,
      generating: this.scheduler.generating,
      listeners: listeners.size,
      paused: this.paused,
      held: this.record.held ?? false,
      volume: this.record.volume ?? 1,
      stay: this.record.stay ?? false,
      fallingBehind: this.playback.fallingBehind,
      clipsPlayed: this.playback.clipsPlayed,
      loops: this.playback.loops,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Ending

  /** Stops for good: leaves the channel, forgets the saved state, says why in the now-playing message. Safe to call again. */
  stop(reason = 'stopped with /radio stop'): Promise<void> {
    this.ending ??= this.end(reason, true);
    return this.ending;
  }

  /** Bot shutdown: leaves the channel but keeps the saved state, so the next start resumes. Safe to call again. */
  suspend(): Promise<void> {
    this.ending ??= this.end('suspended', false);
    return this.ending;
  }

  /** Never rejects: it runs from timers and voice events where a rejection would end the process. */
  private async end(reason: string, forget: boolean): Promise<void> {
    this.stopped = true;
    this.votes.stop();
    this.nowPlaying.stop();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.scheduler.stop();
    try {
      if (forget) await this.nowPlaying.post(reason);
      else await this.persistence.saveNow();
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not record the radio stopping');
    }
    this.playback.stopPlayer();
    const connection = this.connection;
    this.connection = null;
    try {
      if (connection) destroyConnection(connection);
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not leave the voice channel');
    }
    this.playback.destroyStream();
    if (forget) await this.persistence.forget();
    this.emit('stopped', reason);
  }
}
