/**
 * What a radio's voice channel hears: one endless crossfading stream, played by the audio player
 * and recorded for /radio record. Playback starts with the first clip.
 */
import { AudioPlayerStatus, createAudioPlayer, NoSubscriberBehavior, type AudioPlayer, type VoiceConnection } from '@discordjs/voice';
import type { Logger } from '../jobs/logging.ts';
import { describePrompt } from './blend.ts';
import type { RadioClipMeta } from './clip-source.ts';
import { CrossfadeStream, type StreamClip } from './crossfade-stream.ts';
import { createRadioOutput, type RadioOutput } from './output.ts';
import { RadioRecorder, type RecordingSnapshot } from './recorder.ts';

export interface PlaybackEvents {
  /** A clip starts; `looped` when it is the current one again because the next was not ready. */
  onClip(meta: RadioClipMeta, looped: boolean): void;
  /** The player has nothing more to play (the stream ended or broke) after playback started. */
  onIdle(): void;
}

export class RadioPlayback {
  private readonly player: AudioPlayer;
  private readonly stream: CrossfadeStream<RadioClipMeta>;
  private readonly recorder = new RadioRecorder();
  private output: RadioOutput | null = null;
  private playing = false;
  private clip: RadioClipMeta | null = null;
  private behind = false;
  private played = 0;
  private firstSound: number | null = null;

  constructor(
    crossfadeSeconds: number,
    private readonly log: Logger,
    private readonly guildId: string,
    private readonly events: PlaybackEvents,
  ) {
    this.stream = new CrossfadeStream<RadioClipMeta>({ crossfadeSeconds });
    this.stream.on('clip', (meta: RadioClipMeta, how: { looped: boolean }) => this.onClipStart(meta, how.looped));
    this.player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    this.player.on('error', (err) => this.log.error({ err, guildId: this.guildId }, 'radio player error'));
    this.player.on(AudioPlayerStatus.Idle, () => {
      if (this.playing) this.events.onIdle();
    });
  }

  /** True from the first clip on. */
  get started(): boolean {
    return this.playing;
  }

  /** The clip playing now; null before the first. */
  get current(): RadioClipMeta | null {
    return this.clip;
  }

  /** The current clip is repeating because the next one was not ready. */
  get fallingBehind(): boolean {
    return this.behind;
  }

  get clipsPlayed(): number {
    return this.played;
  }

  /** Wall clock of the first clip starting. */
  get firstSoundAt(): number | null {
    return this.firstSound;
  }

  /** Clips ready and waiting to play. */
  get queued(): number {
    return this.stream.queued;
  }

  get loops(): number {
    return this.stream.loops;
  }

  subscribe(connection: VoiceConnection): void {
    connection.subscribe(this.player);
  }

  /** Queues a clip; the first one starts the player (paused at once when the radio is held). */
  enqueue(clip: StreamClip<RadioClipMeta>, o: { volume: number; held: boolean }): void {
    this.stream.enqueue(clip);
    if (this.playing) return;
    this.playing = true;
    this.output = createRadioOutput(this.stream, this.recorder, o.volume, (err) => this.log.error({ err, guildId: this.guildId }, 'radio output stream failed'));
    this.player.play(this.output.resource);
    if (o.held) this.player.pause();
  }

  pause(): void {
    this.player.pause();
  }

  unpause(): void {
    this.player.unpause();
  }

  setVolume(volume: number): void {
    this.output?.setVolume(volume);
  }

  /** No more clips will come: what is queued plays out, then the player goes idle. */
  finish(): void {
    this.stream.end();
  }

  /** The last `minutes` as the channel heard them (Opus packets) with what played when. */
  recording(minutes: number): RecordingSnapshot {
    return this.recorder.snapshot(minutes);
  }

  stopPlayer(): void {
    this.player.stop(true);
  }

  destroyStream(): void {
    this.stream.destroy();
  }

  private onClipStart(meta: RadioClipMeta, looped: boolean): void {
    this.firstSound ??= Date.now();
    this.behind = looped;
    if (!looped) this.played++;
    this.clip = meta;
    this.recorder.mark(meta.phase === 'moving' && meta.target ? `moving from ${describePrompt(meta.prompt)} to ${describePrompt(meta.target)}` : describePrompt(meta.prompt));
    this.events.onClip(meta, looped);
  }
}
