/**
 * One guild's radio: keeps clips generated ahead of the playhead, plays them gaplessly into the
 * voice channel, runs the vote rounds and the now-playing message, pauses when nobody listens and
 * saves its state to Redis after every change.
 */
import { EventEmitter } from 'node:events';
import {
  AudioPlayerStatus,
  createAudioPlayer,
  NoSubscriberBehavior,
  type AudioPlayer,
  type VoiceConnection,
} from '@discordjs/voice';
import type { Client, Guild, Message, SendableChannels } from 'discord.js';
import type { JobsClient } from '../jobs/client.ts';
import { JobRejectedError, type RejectionReason } from '../jobs/errors.ts';
import type { Logger } from '../jobs/logging.ts';
import { blendParts, blendPrompt, describePrompt } from './blend.ts';
import { createRadioOutput, type RadioOutput } from './output.ts';
import { RadioRecorder, type RecordingSnapshot } from './recorder.ts';
import { generateClip, type RadioClipMeta } from './clip-source.ts';
import { destroyConnection, joinAndKeepConnected } from './connection.ts';
import { radioRequester } from './jobs.ts';
import { CrossfadeStream } from './crossfade-stream.ts';
import { blendResultMessage, nowPlayingMessage, roundResultMessage, voteMessage, type RadioStatusView } from './messages.ts';
import { planNext, retarget } from './plan.ts';
import type { RadioRecord, RadioStore } from './store.ts';
import { NUMBER_EMOJIS, VoteRound, type SuggestResult } from './votes.ts';
import { describeStop } from './stop-reasons.ts';

export interface SessionDeps {
  client: Client;
  jobs: JobsClient;
  store: RadioStore;
  log: Logger;
}

/** Job limits that pass with time (in-flight and per-minute), as opposed to a full queue or no worker. */
const TRANSIENT_REJECTIONS = new Set<RejectionReason>(['user-in-flight', 'user-rate', 'guild-in-flight', 'guild-rate']);

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
  private round: VoteRound;
  private connection: VoiceConnection | null = null;
  private readonly player: AudioPlayer;
  private readonly stream: CrossfadeStream<RadioClipMeta>;
  private inflight = 0;
  private order: Promise<void> = Promise.resolve();
  private voteUpdates: Promise<void> = Promise.resolve();
  private started = false;
  /** Set the moment stop or suspend begins, so every path sees the radio as ending at once. */
  private stopped = false;
  private ending: Promise<void> | null = null;
  /** Ends the clips still being generated when the radio stops or suspends. */
  private readonly ended = new AbortController();
  private paused = false;
  private output: RadioOutput | null = null;
  private readonly recorder = new RadioRecorder();
  private stalled: string | null = null;
  private roundTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Set while a per-requester job limit is waited out. */
  private backoffTimer: NodeJS.Timeout | null = null;
  private backoffUntil = 0;
  private nowPlayingTimer: NodeJS.Timeout | null = null;
  private voteTimer: NodeJS.Timeout | null = null;
  private lastNowPlayingAt = 0;
  private current: RadioClipMeta | null = null;
  private fallingBehind = false;
  private clipsPlayed = 0;
  /** performance-independent wall clock of the first clip starting, for the benchmark. */
  firstSoundAt: number | null = null;
  readonly createdAt = Date.now();

  private constructor(
    private readonly deps: SessionDeps,
    private record: RadioRecord,
  ) {
    super();
    this.guildId = record.guildId;
    this.round = new VoteRound(record.round, record.settings.maxSuggestions);
    this.stream = new CrossfadeStream<RadioClipMeta>({ crossfadeSeconds: record.settings.crossfadeSeconds });
    this.stream.on('clip', (meta: RadioClipMeta, how: { looped: boolean }) => this.onClipStart(meta, how.looped));
    this.player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    this.player.on('error', (err) => this.deps.log.error({ err, guildId: this.guildId }, 'radio player error'));
    this.player.on(AudioPlayerStatus.Idle, () => {
      if (this.started && !this.stopped) void this.stop(this.stalled ?? 'the audio stream ended');
    });
  }

  /** Joins the voice channel and starts generating; playback begins when the first clip is ready. */
  static async start(deps: SessionDeps, record: RadioRecord): Promise<RadioSession> {
    const session = new RadioSession(deps, record);
    await session.connect();
    await deps.store.save(record);
    session.armRoundTimer();
    session.refreshListeners();
    session.fill();
    return session;
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

  private async connect(): Promise<void> {
    this.connection = await joinAndKeepConnected(this.guild, this.record.voiceChannelId, {
      maxRejoins: this.record.settings.voiceRejoins,
      onRejoin: (attempt) => this.deps.log.warn({ guildId: this.guildId, attempt }, 'radio voice connection lost; rejoining'),
      onGiveUp: (err) => void this.stop(describeStop(err)),
    });
    this.connection.subscribe(this.player);
  }

  // ------------------------------------------------------------------------------------------
  // Generation ahead of the playhead

  private fill(): void {
    const s = this.record.settings;
    while (!this.stopped && !this.paused && !this.record.held && !this.stalled && Date.now() >= this.backoffUntil && this.inflight + this.stream.queued < s.bufferAhead) {
      const { clip: planned, state } = planNext(this.record.plan, s.plan);
      this.record.plan = state;
      this.inflight++;
      const made = generateClip(this.deps.jobs, planned, {
        sessionId: `radio:${this.guildId}`,
        requester: radioRequester(this.guildId),
        timeoutMs: s.clipTimeoutSeconds * 1000,
        signal: this.ended.signal,
      });
      made.catch(() => undefined); // handled in order below
      this.order = this.order.then(async () => {
        try {
          const clip = await made;
          if (this.stopped || this.stalled) return;
          this.stream.enqueue(clip);
          if (!this.started) {
            this.started = true;
            this.output = createRadioOutput(this.stream, this.recorder, this.record.volume ?? 1, (err) =>
              this.deps.log.error({ err, guildId: this.guildId }, 'radio output stream failed'),
            );
            this.player.play(this.output.resource);
            if (this.record.held) this.player.pause();
          }
        } catch (err) {
          // A radio resumed right after a restart can find the clips of its previous process still
          // counted against it: a limit that passes with time is waited out (that planned clip is skipped).
          if (err instanceof JobRejectedError && TRANSIENT_REJECTIONS.has(err.reason) && err.retryAfterSeconds !== null) this.backOff(err.retryAfterSeconds);
          else this.stall(describeStop(err));
        } finally {
          this.inflight--;
        }
        this.fill();
      });
    }
    void this.save();
  }

  private backOff(seconds: number): void {
    this.backoffUntil = Date.now() + seconds * 1000;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.fill();
    }, seconds * 1000);
  }

  /** Generation cannot go on: play out what is buffered, then stop and say why. */
  private stall(reason: string): void {
    if (this.stalled || this.stopped) return;
    this.stalled = reason;
    this.deps.log.warn({ guildId: this.guildId, reason }, 'radio generation stopped; playing out the buffer');
    if (!this.started) {
      void this.stop(reason);
      return;
    }
    this.stream.end();
  }

  private onClipStart(meta: RadioClipMeta, looped: boolean): void {
    this.firstSoundAt ??= Date.now();
    this.fallingBehind = looped;
    if (!looped) this.clipsPlayed++;
    this.current = meta;
    this.recorder.mark(meta.phase === 'moving' && meta.target ? `moving from ${describePrompt(meta.prompt)} to ${describePrompt(meta.target)}` : describePrompt(meta.prompt));
    this.emit('clip', meta, { looped });
    this.scheduleNowPlaying();
    this.fill();
  }

  // ------------------------------------------------------------------------------------------
  // Listeners

  listenerIds(): Set<string> {
    const guild = this.deps.client.guilds.cache.get(this.guildId);
    const ids = new Set<string>();
    if (!guild) return ids;
    for (const vs of guild.voiceStates.cache.values()) {
      if (vs.channelId !== this.record.voiceChannelId || vs.id === this.deps.client.user?.id) continue;
      const bot = vs.member?.user.bot ?? this.deps.client.users.cache.get(vs.id)?.bot ?? false;
      if (!bot) ids.add(vs.id);
    }
    return ids;
  }

  /** Called on every VOICE_STATE_UPDATE in the guild. */
  refreshListeners(): void {
    if (this.stopped) return;
    const listeners = this.listenerIds();
    if (listeners.size === 0 && !this.paused) {
      this.paused = true;
      this.player.pause();
      this.armIdleTimer();
      this.scheduleNowPlaying();
    } else if (listeners.size > 0 && this.paused) {
      this.paused = false;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      if (!this.record.held) this.player.unpause();
      this.fill();
      this.scheduleNowPlaying();
    }
    if (this.round.allVoted(listeners)) void this.endRound();
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
    this.player.pause();
    this.scheduleNowPlaying();
    void this.save();
    return true;
  }

  resume(): boolean {
    if (!this.record.held || this.stopped) return false;
    this.record.held = false;
    if (!this.paused) this.player.unpause();
    this.fill();
    this.scheduleNowPlaying();
    return true;
  }

  setVolume(volume: number): void {
    this.record.volume = volume;
    this.output?.setVolume(volume);
    void this.save();
  }

  setStay(stay: boolean): void {
    this.record.stay = stay;
    if (this.paused) this.armIdleTimer();
    void this.save();
  }

  setVoteMode(mode: NonNullable<RadioRecord['voteMode']>): void {
    this.record.voteMode = mode;
    void this.save();
  }

  // ------------------------------------------------------------------------------------------
  // Vote rounds

  private armRoundTimer(): void {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    const endsAt = this.record.round.startedAt + this.record.settings.roundSeconds * 1000;
    this.roundTimer = setTimeout(() => void this.endRound(), Math.max(0, endsAt - Date.now()));
  }

  private get roundEndsAt(): number {
    return this.record.round.startedAt + this.record.settings.roundSeconds * 1000;
  }

  async suggest(userId: string, prompt: string): Promise<SuggestResult> {
    const result = this.round.suggest(userId, prompt);
    if (result.ok) {
      await this.save();
      await this.updateVoteMessage(true);
    }
    return result;
  }

  /** A reaction on any message in the guild: counts when it is a number on this round's vote message. */
  async onReaction(messageId: string, emoji: string | null, userId: string, added: boolean): Promise<void> {
    if (this.stopped || messageId !== this.record.voteMessageId || userId === this.deps.client.user?.id) return;
    const index = NUMBER_EMOJIS.indexOf(emoji as (typeof NUMBER_EMOJIS)[number]);
    if (index < 0) return;
    if (added) this.round.vote(userId, index);
    else this.round.unvote(userId, index);
    await this.save();
    if (this.round.allVoted(this.listenerIds())) await this.endRound();
    else this.scheduleVoteUpdate();
  }

  skip(userId: string): { reached: boolean; count: number; needed: number } {
    const verdict = this.round.requestSkip(userId, this.listenerIds(), this.record.settings.skipThreshold);
    if (verdict.reached) void this.endRound();
    else void this.save();
    return verdict;
  }

  /** The last `minutes` as the channel heard them (Opus packets) with what played when. */
  recording(minutes: number): RecordingSnapshot {
    return this.recorder.snapshot(minutes);
  }

  /** skip-now (the DJ's): ends the round at once, without a vote. */
  skipNow(): void {
    void this.endRound();
  }

  private async endRound(): Promise<void> {
    if (this.stopped) return;
    const listeners = this.listenerIds();
    const winner = this.round.winner(listeners);
    const finished = this.round;
    const voteMessageId = this.record.voteMessageId;
    const blend = this.record.voteMode === 'blend' ? blendParts(finished.data.suggestions, finished.tally(listeners)) : [];
    const result = blend.length >= 2 ? blendPrompt(blend) : winner?.suggestion.prompt;
    if (result) this.record.plan = retarget(this.record.plan, result);
    this.round = VoteRound.fresh(finished.data.number + 1, Date.now(), this.record.settings.maxSuggestions);
    this.record.round = this.round.data;
    this.record.voteMessageId = undefined;
    this.armRoundTimer();
    await this.save();
    this.emit('round', { number: finished.data.number, winner: result ?? null });
    // A round nobody suggested anything in ends silently: no message every round on a quiet radio.
    if (finished.data.suggestions.length === 0) return;
    const channel = await this.textChannel();
    if (!channel) return;
    try {
      if (voteMessageId) {
        const counts = finished.tally(listeners);
        const msg = await channel.messages.fetch(voteMessageId);
        await msg.edit(voteMessage(finished.data.number, finished.data.suggestions, counts, Date.now(), true));
      }
      await channel.send(blend.length >= 2 ? blendResultMessage(finished.data.number, blend) : roundResultMessage(finished.data.number, winner));
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not post the radio round result');
    }
  }

  private scheduleVoteUpdate(): void {
    if (this.voteTimer) return;
    this.voteTimer = setTimeout(() => {
      this.voteTimer = null;
      void this.updateVoteMessage(false);
    }, 1000);
  }

  /**
   * One update at a time: two suggestions at the same moment must not both see "no vote message
   * yet" and post two, leaving the first one's reactions on a message nobody counts.
   */
  private updateVoteMessage(addReactions: boolean): Promise<void> {
    const next = this.voteUpdates.then(() => this.writeVoteMessage(addReactions));
    this.voteUpdates = next;
    return next;
  }

  private async writeVoteMessage(addReactions: boolean): Promise<void> {
    const channel = await this.textChannel();
    if (!channel || this.stopped) return;
    const { suggestions } = this.round.data;
    const text = voteMessage(this.round.data.number, suggestions, this.round.tally(this.listenerIds()), this.roundEndsAt);
    try {
      let msg: Message;
      if (this.record.voteMessageId) {
        msg = await channel.messages.fetch(this.record.voteMessageId);
        await msg.edit(text);
      } else {
        msg = await channel.send(text);
        this.record.voteMessageId = msg.id;
        await this.save();
      }
      if (addReactions) {
        for (let i = 0; i < suggestions.length; i++) {
          if (!msg.reactions.cache.get(NUMBER_EMOJIS[i])?.me) await msg.react(NUMBER_EMOJIS[i]);
        }
      }
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not update the radio vote message');
    }
  }

  // ------------------------------------------------------------------------------------------
  // Now playing

  private scheduleNowPlaying(): void {
    if (this.nowPlayingTimer || !this.current) return;
    const wait = Math.max(0, this.lastNowPlayingAt + this.record.settings.nowPlayingIntervalMs - Date.now());
    this.nowPlayingTimer = setTimeout(() => {
      this.nowPlayingTimer = null;
      void this.postNowPlaying();
    }, wait);
  }

  private async postNowPlaying(stoppedReason?: string): Promise<void> {
    if (!this.current) return;
    this.lastNowPlayingAt = Date.now();
    const channel = await this.textChannel();
    if (!channel) return;
    const payload = nowPlayingMessage({
      clip: this.current,
      nextTarget: this.record.plan.transition?.to ?? null,
      fallingBehind: this.fallingBehind,
      listeners: this.listenerIds().size,
      buffered: this.stream.queued,
      paused: this.paused,
      held: this.record.held ?? false,
      volume: this.record.volume ?? 1,
      stoppedReason,
    });
    try {
      if (this.record.nowPlayingMessageId) {
        const msg = await channel.messages.fetch(this.record.nowPlayingMessageId);
        await msg.edit({ ...payload, attachments: [] });
      } else {
        const msg = await channel.send(payload);
        this.record.nowPlayingMessageId = msg.id;
        await this.save();
      }
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not update the now-playing message');
    }
  }

  private async textChannel(): Promise<SendableChannels | null> {
    try {
      const channel = await this.deps.client.channels.fetch(this.record.textChannelId);
      return channel?.isSendable() ? channel : null;
    } catch {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------------

  status(): RadioStatus {
    const counts = this.round.tally(this.listenerIds());
    return {
      prompt: this.current?.prompt ?? this.record.plan.prompt,
      nextTarget: this.record.plan.transition?.to ?? null,
      round: this.round.data.number,
      roundEndsAt: this.roundEndsAt,
      suggestions: this.round.data.suggestions.map((s, i) => ({ prompt: s.prompt, votes: counts[i] })),
      buffered: this.stream.queued,
      generating: this.inflight,
      listeners: this.listenerIds().size,
      paused: this.paused,
      held: this.record.held ?? false,
      volume: this.record.volume ?? 1,
      stay: this.record.stay ?? false,
      fallingBehind: this.fallingBehind,
      clipsPlayed: this.clipsPlayed,
      loops: this.stream.loops,
    };
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async save(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.deps.store.save(this.record);
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not save the radio state');
    }
  }

  private clearTimers(): void {
    for (const t of [this.roundTimer, this.idleTimer, this.nowPlayingTimer, this.voteTimer, this.backoffTimer]) if (t) clearTimeout(t);
    this.roundTimer = this.idleTimer = this.nowPlayingTimer = this.voteTimer = null;
  }

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
    this.clearTimers();
    this.ended.abort();
    try {
      if (forget) await this.postNowPlaying(reason);
      else await this.deps.store.save(this.record);
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not record the radio stopping');
    }
    this.player.stop(true);
    const connection = this.connection;
    this.connection = null;
    try {
      if (connection) destroyConnection(connection);
    } catch (err) {
      this.deps.log.warn({ err, guildId: this.guildId }, 'could not leave the voice channel');
    }
    this.stream.destroy();
    if (forget) await this.deps.store.remove(this.guildId).catch((err: unknown) => this.deps.log.warn({ err, guildId: this.guildId }, 'could not forget the radio state'));
    this.emit('stopped', reason);
  }
}
