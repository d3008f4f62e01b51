/**
 * The radio's side of listen-along: each clip that starts in the voice channel, and the radio's
 * now-playing and vote state, are published on Redis for the studio, which relays them to the
 * browsers holding a signed link. The clip's audio sits in Redis only briefly (the studio copies
 * it as it arrives).
 */
import type { RedisConnection } from '../jobs/connection.ts';
import type { Logger } from '../jobs/logging.ts';
import type { RadioClipMeta } from './clip-source.ts';
import type { RadioSession } from './session.ts';
import type { ListenState } from './listen-state.ts';

const AUDIO_TTL_SECONDS = 120;
const STATE_TTL_SECONDS = 30;
const STATE_EVERY_MS = 2000;

export const listenKeys = (prefix: string, guildId: string) => ({
  channel: `${prefix}:listen:${guildId}`,
  state: `${prefix}:listen:${guildId}:state`,
  audio: (n: number) => `${prefix}:listen:${guildId}:clip:${n}`,
  png: (n: number) => `${prefix}:listen:${guildId}:clip:${n}:png`,
});

export type ListenEvent =
  | { type: 'clip'; audioKey: string; pngKey: string; index: number; prompt: string; target: string | null; alpha: number; looped: boolean; seconds: number; fadeInSeconds?: number }
  | { type: 'state'; state: ListenState };

/** Publishes one session's clips and state until it stops. */
export function publishListenAlong(session: RadioSession, redis: RedisConnection, prefix: string, log: Logger): void {
  const keys = listenKeys(prefix, session.guildId);
  let published = 0;
  const state = (stopped: string | null): ListenState => {
    const s = session.status();
    return { prompt: s.prompt, nextTarget: s.nextTarget, round: s.round, roundEndsAt: s.roundEndsAt, suggestions: s.suggestions, listeners: s.listeners, fallingBehind: s.fallingBehind, stopped };
  };
  const publish = async (e: ListenEvent) => {
    const m = redis.multi();
    if (e.type === 'state') m.set(keys.state, JSON.stringify(e.state), 'EX', STATE_TTL_SECONDS);
    await m.publish(keys.channel, JSON.stringify(e)).exec();
  };
  const warn = (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err), guildId: session.guildId }, 'listen-along publish failed');
  // One queue for everything published, so the stop is the last word: a clip's state published
  // after the stop would tell the page the radio still plays.
  let queue: Promise<void> = Promise.resolve();
  let ended = false;
  const enqueue = (work: () => Promise<unknown>) => {
    queue = queue.then(work).then(() => undefined, warn);
  };
  const onClip = (meta: RadioClipMeta, how: { looped: boolean }) => {
    const n = published++;
    const audioKey = keys.audio(n);
    const pngKey = keys.png(n);
    enqueue(async () => {
      if (ended) return;
      await redis
        .multi()
        .set(audioKey, Buffer.from(meta.audio), 'EX', AUDIO_TTL_SECONDS)
        .set(pngKey, Buffer.from(meta.png), 'EX', AUDIO_TTL_SECONDS)
        .exec();
      await publish({ type: 'clip', audioKey, pngKey, index: meta.index, prompt: meta.prompt, target: meta.target, alpha: meta.alpha, looped: how.looped, seconds: meta.seconds, ...(meta.fadeInSeconds !== undefined ? { fadeInSeconds: meta.fadeInSeconds } : {}) });
      await publish({ type: 'state', state: state(null) });
    });
  };
  const onRound = () => enqueue(async () => (ended ? undefined : publish({ type: 'state', state: state(null) })));
  const timer = setInterval(onRound, STATE_EVERY_MS);
  timer.unref();
  session.on('clip', onClip);
  session.on('round', onRound);
  session.once('stopped', (reason: string) => {
    ended = true;
    clearInterval(timer);
    session.off('clip', onClip);
    session.off('round', onRound);
    if (reason !== 'suspended') enqueue(() => publish({ type: 'state', state: state(reason) }));
  });
}
