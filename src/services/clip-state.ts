/**
 * What a result's buttons need to know about their clip (prompt, seed, settings), kept in Redis
 * with a TTL under a short random id that goes into the buttons' custom ids. Nothing lives in the
 * bot's memory, so buttons keep working across restarts and on every shard. The clip's image is
 * not stored: it is downloaded again from the result message's attachment.
 */
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../jobs/connection.ts';
import { z } from 'zod';
import type { GenerationRequest } from '../pipeline/generation.ts';
import { promptInputSchema } from '../jobs/types.ts';
import { SCHEDULER_NAMES } from '../pipeline/diffusion/schedulers/types.ts';

export interface ClipState {
  /** The request of the clip the buttons act on (for a morph, its last clip). */
  request: GenerationRequest;
  /** File name of the clip's spectrogram among the message's attachments. */
  pngName: string;
}

const schema = z.object({
  request: z.object({
    model: z.string().optional(),
    start: promptInputSchema,
    steps: z.number().int().optional(),
    scheduler: z.enum(SCHEDULER_NAMES).optional(),
    init: z.object({ seedImageId: z.string() }).optional(),
  }),
  pngName: z.string(),
});

export const CLIP_ID = /^[A-Za-z0-9_-]{12}$/;

export class ClipStateStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:bot:clip:${id}`;
  }

  async put(state: ClipState): Promise<string> {
    const id = randomBytes(9).toString('base64url');
    const { request } = state;
    // An interpolated clip (a morph's last one, alpha 1) sounds like the end it is nearer to.
    const heard = request.end && (request.alpha ?? 0) >= 0.5 ? request.end : request.start;
    const keep: GenerationRequest = { start: heard };
    if (request.model) keep.model = request.model;
    if (request.steps !== undefined) keep.steps = request.steps;
    if (request.scheduler) keep.scheduler = request.scheduler;
    if (request.init && 'seedImageId' in request.init && request.init.seedImageId !== '(uploaded image)') keep.init = { seedImageId: request.init.seedImageId };
    await this.redis.set(this.key(id), JSON.stringify({ request: keep, pngName: state.pngName }), 'EX', this.ttlSeconds);
    return id;
  }

  async get(id: string): Promise<ClipState | null> {
    if (!CLIP_ID.test(id)) return null;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return null;
    try {
      return schema.parse(JSON.parse(raw)) as ClipState;
    } catch {
      return null;
    }
  }
}
