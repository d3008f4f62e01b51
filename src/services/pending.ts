/**
 * Deliveries in progress, kept in Redis so a result still reaches its user when the bot process
 * that accepted the job stops (restart, deploy, crash) before the job ends. Each record holds
 * what is needed to edit the reply through the interaction webhook (token, valid 15 minutes) and
 * a lease its follower renews; a record whose lease lapsed is adopted by any bot process. A sorted
 * set of the job ids, scored by when their record expires, lets adoption read only the deliveries
 * in progress (no SCAN over the key space).
 */
import type { RedisConnection } from '../jobs/connection.ts';
import { z } from 'zod';

/** Discord's interaction tokens live 15 minutes; past that the reply cannot be edited. */
export const INTERACTION_TOKEN_MS = 15 * 60_000;
export const LEASE_MS = 30_000;

const recordSchema = z.object({
  jobId: z.string().min(1),
  model: z.string().min(1),
  applicationId: z.string().min(1),
  token: z.string().min(1),
  interactionId: z.string().min(1),
  userId: z.string().min(1),
  userName: z.string(),
  guildId: z.string().nullable(),
  /** Key counted by the guild's own limits, released when the delivery ends. */
  guildLimitKey: z.string().nullable(),
  title: z.string(),
  uploadLimit: z.number().int().positive(),
  createdAt: z.number(),
});
export type PendingDelivery = z.infer<typeof recordSchema>;

export class PendingDeliveries {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    /** Who holds leases taken by this process. */
    readonly owner: string,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:bot:pending:${jobId}`;
  }
  private lease(jobId: string): string {
    return `${this.prefix}:bot:pending-lease:${jobId}`;
  }
  private get index(): string {
    return `${this.prefix}:bot:pending-index`;
  }

  /** Records a delivery this process follows (its lease taken at once). */
  async add(p: PendingDelivery): Promise<void> {
    const ttl = Math.max(1000, p.createdAt + INTERACTION_TOKEN_MS - Date.now());
    await this.redis
      .multi()
      .set(this.key(p.jobId), JSON.stringify(p), 'PX', ttl)
      .set(this.lease(p.jobId), this.owner, 'PX', LEASE_MS)
      .zadd(this.index, Date.now() + ttl, p.jobId)
      .exec();
  }

  async renew(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const m = this.redis.multi();
    for (const id of jobIds) m.set(this.lease(id), this.owner, 'PX', LEASE_MS);
    await m.exec();
  }

  /** Lets another process adopt the delivery at once (this one is stopping). */
  async release(jobIds: string[]): Promise<void> {
    if (jobIds.length) await this.redis.del(...jobIds.map((id) => this.lease(id)));
  }

  /** The delivery record of a job still being delivered, or null. */
  async get(jobId: string): Promise<PendingDelivery | null> {
    const raw = await this.redis.get(this.key(jobId));
    if (!raw) return null;
    try {
      const parsed = recordSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async done(jobId: string): Promise<void> {
    await this.redis.multi().del(this.key(jobId), this.lease(jobId)).zrem(this.index, jobId).exec();
  }

  /** Deliveries nobody follows any more, each now leased to this process. */
  async adoptOrphans(): Promise<PendingDelivery[]> {
    await this.redis.zremrangebyscore(this.index, '-inf', Date.now());
    const adopted: PendingDelivery[] = [];
    for (const jobId of await this.redis.zrange(this.index, 0, -1)) {
      const claimed = await this.redis.set(this.lease(jobId), this.owner, 'PX', LEASE_MS, 'NX');
      if (claimed !== 'OK') continue;
      const raw = await this.redis.get(this.key(jobId));
      const parsed = raw ? recordSchema.safeParse(JSON.parse(raw)) : null;
      if (!parsed?.success) {
        await this.done(jobId);
        continue;
      }
      adopted.push(parsed.data);
    }
    return adopted;
  }
}
