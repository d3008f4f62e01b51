/**
 * Binary storage in Redis: content-addressed input blobs and results. Results are one hash per
 * cache key (meta JSON + audio + PNGs + optional animation) with a TTL, so any worker or client
 * that can reach Redis can write or read them, and they vanish after RESULT_TTL_SECONDS.
 */
import type { RedisConnection } from './connection.ts';
import type { Keys } from './keys.ts';
import type { BlobRef, ResultMeta } from './types.ts';
import { sha256 } from './canonical.ts';

export interface StoredResult {
  meta: ResultMeta;
  audio: Uint8Array;
  pngs: Uint8Array[];
  animation?: Uint8Array;
}

export class BinaryStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
  ) {}

  /** Stores bytes under their sha256 (refreshing the TTL if already there). */
  async putBlob(bytes: Uint8Array, ttlSeconds: number): Promise<BlobRef> {
    const digest = sha256(bytes);
    await this.redis.set(this.keys.blob(digest), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', ttlSeconds);
    return { blob: digest };
  }

  async getBlob(ref: BlobRef): Promise<Uint8Array | null> {
    const buf = await this.redis.getBuffer(this.keys.blob(ref.blob));
    return buf ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : null;
  }

  async putResult(cacheKey: string, result: StoredResult, ttlSeconds: number): Promise<void> {
    const key = this.keys.result(cacheKey);
    const fields: (string | Buffer)[] = ['meta', JSON.stringify(result.meta), 'audio', toBuf(result.audio), 'clips', String(result.pngs.length)];
    result.pngs.forEach((png, i) => fields.push(`png:${i}`, toBuf(png)));
    if (result.animation) fields.push('animation', toBuf(result.animation));
    await this.redis.multi().del(key).hset(key, ...fields).expire(key, ttlSeconds).exec();
  }

  async hasResult(cacheKey: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.result(cacheKey))) === 1;
  }

  async getResult(cacheKey: string): Promise<StoredResult | null> {
    const h = await this.redis.hgetallBuffer(this.keys.result(cacheKey));
    if (!h || !h.meta || !h.audio || !h.clips) return null;
    const clips = Number(h.clips.toString());
    const pngs: Uint8Array[] = [];
    for (let i = 0; i < clips; i++) {
      const png = h[`png:${i}`];
      if (!png) return null;
      pngs.push(png);
    }
    return {
      meta: JSON.parse(h.meta.toString()) as ResultMeta,
      audio: h.audio,
      pngs,
      ...(h.animation ? { animation: h.animation } : {}),
    };
  }
}

function toBuf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
