/**
 * A radio's now-playing message: posted with the first clip, then edited as clips start and the
 * radio pauses or resumes, at most once every `nowPlayingIntervalMs`; its last edit says why the
 * radio stopped.
 */
import type { SendableChannels } from 'discord.js';
import type { Logger } from '../jobs/logging.ts';
import type { RadioClipMeta } from './clip-source.ts';
import { nowPlayingMessage, type NowPlayingView } from './messages.ts';
import type { RadioRecord } from './store.ts';

export interface NowPlayingDeps {
  /** Holds the message's id and the edit interval. */
  record: RadioRecord;
  /** The clip playing now; null before the first (nothing is posted until then). */
  playing(): RadioClipMeta | null;
  /** What the message shows, read when it is written (only once a clip plays). */
  view(): Omit<NowPlayingView, 'stoppedReason'>;
  textChannel(): Promise<SendableChannels | null>;
  save(): Promise<void>;
  log: Logger;
}

export class NowPlayingMessage {
  private timer: NodeJS.Timeout | null = null;
  private lastAt = 0;

  constructor(private readonly deps: NowPlayingDeps) {}

  /** Updates the message once the interval since the last update has passed. */
  schedule(): void {
    if (this.timer || !this.deps.playing()) return;
    const wait = Math.max(0, this.lastAt + this.deps.record.settings.nowPlayingIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.post();
    }, wait);
  }

  /** Posts or edits the message now. Never rejects. */
  async post(stoppedReason?: string): Promise<void> {
    if (!this.deps.playing()) return;
    this.lastAt = Date.now();
    const channel = await this.deps.textChannel();
    if (!channel) return;
    const { record } = this.deps;
    const payload = nowPlayingMessage({ ...this.deps.view(), stoppedReason });
    try {
      if (record.nowPlayingMessageId) {
        const msg = await channel.messages.fetch(record.nowPlayingMessageId);
        await msg.edit({ ...payload, attachments: [] });
      } else {
        const msg = await channel.send(payload);
        record.nowPlayingMessageId = msg.id;
        await this.deps.save();
      }
    } catch (err) {
      this.deps.log.warn({ err, guildId: record.guildId }, 'could not update the now-playing message');
    }
  }

  /** The radio is ending: no more timed updates. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
