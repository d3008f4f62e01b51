/**
 * The studio's side of listen-along: one Redis subscription per guild with pages open, each
 * published radio clip copied into the clip cache once and announced to that guild's pages.
 */
import type { RedisConnection } from '../jobs/connection.ts';
import type { Logger } from '../jobs/logging.ts';
import { AUDIO_EXTENSIONS } from '../pipeline/audio/formats.ts';
import { listenKeys, type ListenEvent } from '../voice/listen-along.ts';
import { radioClipNameOf, type ClipCache } from './clip-cache.ts';
import type { ServerMessage } from './protocol.ts';

type Listener = (m: ServerMessage) => void;

export class ListenRelay {
  private readonly guilds = new Map<string, Set<Listener>>();
  /**
   * Each guild's events are relayed in the order the radio published them: a clip waits for its
   * audio to be copied, and a state published after it (the stop, above all) must not overtake it.
   */
  private readonly inOrder = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly subscriber: RedisConnection,
    private readonly prefix: string,
    private readonly clips: ClipCache,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (channel: string, raw: string) => this.enqueue(channel, raw));
  }

  private enqueue(channel: string, raw: string): void {
    const guildId = channel.slice(`${this.prefix}:listen:`.length);
    const next = (this.inOrder.get(guildId) ?? Promise.resolve())
      .then(() => this.relay(guildId, raw))
      .catch((err: unknown) => this.warn(err, guildId));
    this.inOrder.set(guildId, next);
    void next.then(() => {
      if (this.inOrder.get(guildId) === next) this.inOrder.delete(guildId);
    });
  }

  /** A page joins a guild's radio; returns the function that makes it leave. */
  join(guildId: string, listener: Listener): () => void {
    let set = this.guilds.get(guildId);
    if (!set) {
      set = new Set();
      this.guilds.set(guildId, set);
      void this.subscriber.subscribe(listenKeys(this.prefix, guildId).channel).catch((err: unknown) => this.warn(err, guildId));
    }
    set.add(listener);
    void this.redis.get(listenKeys(this.prefix, guildId).state).then(
      (raw) => listener({ type: 'radio', radio: raw ? JSON.parse(raw) : { prompt: '', nextTarget: null, round: 0, roundEndsAt: 0, suggestions: [], listeners: 0, fallingBehind: false, stopped: 'No radio is playing in this server right now.' } }),
      (err: unknown) => this.warn(err, guildId),
    );
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.guilds.get(guildId) === set) {
        this.guilds.delete(guildId);
        void this.subscriber.unsubscribe(listenKeys(this.prefix, guildId).channel).catch(() => undefined);
      }
    };
  }

  private async relay(guildId: string, raw: string): Promise<void> {
    const listeners = this.guilds.get(guildId);
    if (!listeners?.size) return;
    let e: ListenEvent;
    try {
      e = JSON.parse(raw) as ListenEvent;
    } catch {
      return;
    }
    if (e.type === 'state') {
      for (const l of listeners) l({ type: 'radio', radio: e.state });
      return;
    }
    const [audio, png] = await Promise.all([this.redis.getBuffer(e.audioKey), this.redis.getBuffer(e.pngKey)]);
    if (!this.guilds.get(guildId)?.size) return;
    if (!audio || !png) return this.warn(new Error('a radio clip expired before the studio copied it'), guildId);
    const name = radioClipNameOf(e.prompt, e.index);
    const id = this.clips.put({ audio, png, mime: 'audio/wav', ext: AUDIO_EXTENSIONS.wav, name });
    const clip = { id, index: e.index, prompt: e.prompt, target: e.target, seed: 0, alpha: e.alpha, denoising: 0, seedImage: '', audioUrl: `/api/clips/${id}/audio`, fileName: `${name}${AUDIO_EXTENSIONS.wav}`, pngUrl: `/api/clips/${id}/png`, generationMs: 0, ...(e.fadeInSeconds !== undefined ? { fadeInSeconds: e.fadeInSeconds } : {}) };
    for (const l of this.guilds.get(guildId) ?? []) l({ type: 'clip', clip });
  }

  private warn(err: unknown, guildId: string): void {
    this.log.warn({ err: err instanceof Error ? err.message : String(err), guildId }, 'listen-along relay');
  }

  async close(): Promise<void> {
    this.guilds.clear();
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
