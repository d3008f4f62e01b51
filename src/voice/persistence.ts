/**
 * A session's saved state: the record every part of the session reads and changes, written to
 * Redis after each change so a restarted bot resumes the radio; kept on suspend, forgotten on stop.
 */
import type { Logger } from '../jobs/logging.ts';
import type { RadioRecord, RadioStore } from './store.ts';

export class SessionPersistence {
  constructor(
    readonly record: RadioRecord,
    private readonly store: RadioStore,
    private readonly log: Logger,
    /** True once the radio is ending: what changes after that is not saved. */
    private readonly ending: () => boolean,
  ) {}

  /** Never rejects: a failure is logged, and the next change saves the whole record again. */
  async save(): Promise<void> {
    if (this.ending()) return;
    try {
      await this.store.save(this.record);
    } catch (err) {
      this.log.warn({ err, guildId: this.record.guildId }, 'could not save the radio state');
    }
  }

  /** Saves even while ending (start, suspend); rejects when Redis does. */
  saveNow(): Promise<void> {
    return this.store.save(this.record);
  }

  /** Never rejects. */
  async forget(): Promise<void> {
    await this.store.remove(this.record.guildId).catch((err: unknown) => this.log.warn({ err, guildId: this.record.guildId }, 'could not forget the radio state'));
  }
}
