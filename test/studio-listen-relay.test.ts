/**
 * The studio's listen-along relay on a real Redis: events reach a guild's pages in the order the
 * radio published them, though a clip waits for its audio to be copied and a state does not.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type RedisConnection } from '../src/jobs/connection.ts';
import { ClipCache } from '../src/studio/clip-cache.ts';
import { ListenRelay } from '../src/studio/listen-relay.ts';
import type { ServerMessage } from '../src/studio/protocol.ts';
import { listenKeys, type ListenEvent } from '../src/voice/listen-along.ts';
import type { ListenState } from '../src/voice/listen-state.ts';
import { deletePrefix, SHARED_REDIS, testPrefix } from './support/jobs-harness.ts';

const prefix = testPrefix();
const guildId = '4242';
let publisher: RedisConnection;
let relay: ListenRelay;

const state = (stopped: string | null): ListenState => ({ prompt: 'lofi piano', nextTarget: null, round: 1, roundEndsAt: 0, suggestions: [], listeners: 1, fallingBehind: false, stopped });

beforeAll(async () => {
  publisher = connect(SHARED_REDIS);
  relay = new ListenRelay(connect(SHARED_REDIS), connect(SHARED_REDIS), prefix, new ClipCache(), pino({ level: 'silent' }));
});
afterAll(async () => {
  await relay?.close();
  await publisher?.quit();
  await deletePrefix(SHARED_REDIS, prefix);
});

describe('the listen-along relay', () => {
  it('relays a clip before the stop published after it, though the clip waits for its audio to be copied', async () => {
    const keys = listenKeys(prefix, guildId);
    const got: ServerMessage[] = [];
    const leave = relay.join(guildId, (m) => got.push(m));
    // The join's snapshot (no radio yet), then the subscription is live.
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    got.length = 0;

    const audio = Buffer.alloc(2_000_000, 7); // a large clip: its copy takes a while
    await publisher.multi().set(keys.audio(0), audio, 'EX', 60).set(keys.png(0), Buffer.from('png'), 'EX', 60).exec();
    const clip: ListenEvent = { type: 'clip', audioKey: keys.audio(0), pngKey: keys.png(0), index: 0, prompt: 'lofi piano', target: null, alpha: 0, looped: false, seconds: 5.12, fadeInSeconds: 1.024 };
    const playing: ListenEvent = { type: 'state', state: state(null) };
    const stopped: ListenEvent = { type: 'state', state: state('stopped by a member') };
    // One round trip: the three messages reach the relay together.
    await publisher.multi().publish(keys.channel, JSON.stringify(clip)).publish(keys.channel, JSON.stringify(playing)).publish(keys.channel, JSON.stringify(stopped)).exec();

    await expect.poll(() => got.length, { timeout: 5000 }).toBe(3);
    expect(got.map((m) => (m.type === 'radio' ? `radio:${m.radio.stopped ?? 'playing'}` : m.type))).toEqual(['clip', 'radio:playing', 'radio:stopped by a member']);
    // The radio's beat join travels with the clip, so the page joins it as the voice channel did.
    expect(got[0].type === 'clip' && got[0].clip.fadeInSeconds).toBe(1.024);
    leave();
  });
});
