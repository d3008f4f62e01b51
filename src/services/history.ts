/** What each user ran recently (for /info), newest first, a short list per user in Redis. */
import type { RedisConnection } from '../jobs/connection.ts';
import { z } from 'zod';

export const HISTORY_LENGTH = 10;
const HISTORY_TTL_SECONDS = 7 * 24 * 3600;

const entrySchema = z.object({
  title: z.string(),
  outcome: z.enum(['delivered', 'cancelled', 'failed']),
  at: z.number(),
  /** The audio file's name, for a delivered result. */
  file: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof entrySchema>;

export class JobHistory {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(userId: string): string {
    return `${this.prefix}:bot:history:${userId}`;
  }

  async record(userId: string, entry: HistoryEntry): Promise<void> {
    const key = this.key(userId);
    await this.redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, HISTORY_LENGTH - 1).expire(key, HISTORY_TTL_SECONDS).exec();
  }

  async recent(userId: string, count = HISTORY_LENGTH): Promise<HistoryEntry[]> {
    const raw = await this.redis.lrange(this.key(userId), 0, count - 1);
    const out: HistoryEntry[] = [];
    for (const r of raw) {
      try {
        out.push(entrySchema.parse(JSON.parse(r)));
      } catch {
        // an unreadable entry is skipped
      }
    }
    return out;
  }
}
