/**
 * The real @discordjs/voice client against the voice stand-in, once per transport encryption
 * mode Discord lists (aead_aes256_gcm_rtpsize, aead_xchacha20_poly1305_rtpsize): the stand-in
 * offers only that mode, the client selects it, and the stand-in decrypts and decodes what it
 * sends. Then a buffered resume (v8): a message sent while the socket is down is replayed after
 * the client's seq_ack, and the client's heartbeats acknowledge it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AES_GCM_RTPSIZE, VoiceOp, XCHACHA_RTPSIZE } from './standin/voice/server.ts';
import { voiceWorld } from './support/voice-client.ts';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
const world = (modes: string[], heartbeatIntervalMs?: number) => voiceWorld(cleanups, { modes, heartbeatIntervalMs });

describe('voice transport encryption modes', () => {
  for (const mode of [AES_GCM_RTPSIZE, XCHACHA_RTPSIZE]) {
    it(`${mode}: selected when it is the only mode offered, and every packet decrypts`, async () => {
      const { standin, voice, guildId } = await world([mode]);
      await standin.waitFor(() => voice.audio(guildId).frames.length >= 50, 15_000, '50 decoded frames');
      expect(voice.sessionOf(guildId)?.mode).toBe(mode);
      expect(voice.decryptFailures.get(guildId) ?? 0).toBe(0);
      const peak = Math.max(...voice.audio(guildId).frames.slice(-20).flatMap((f) => [...f.pcm.subarray(0, 400)].map(Math.abs)));
      expect(peak).toBeGreaterThan(1000); // the tone, not silence
    }, 30_000);
  }
});

describe('voice gateway v8 buffered resume', () => {
  it('replays what the client missed after its seq_ack; heartbeats acknowledge the latest seq', async () => {
    const { standin, voice, guildId } = await world([AES_GCM_RTPSIZE], 300);
    const session = () => voice.sessionOf(guildId)!;
    await standin.waitFor(() => session().seqAck === session().seq && session().seq > 0, 5_000, 'a heartbeat acknowledging every message');
    const before = session().seq;
    voice.dropSocket(guildId);
    expect(session().connected).toBe(false);
    // While the socket is down, another member starts speaking: Discord buffers the message.
    voice.sendToGuild(guildId, VoiceOp.Speaking, { user_id: '1', ssrc: 4242, speaking: 1 });
    const resumed = () => voice.log.filter((e) => e.guildId === guildId && e.op === VoiceOp.Resumed);
    await standin.waitFor(() => resumed().length === 1, 10_000, 'RESUMED');
    expect(resumed()[0].d).toEqual({ replayed: 1 });
    const resume = voice.log.filter((e) => e.guildId === guildId && e.direction === 'in' && e.op === VoiceOp.Resume).at(-1)!;
    expect((resume.d as { seq_ack: number }).seq_ack).toBe(before);
    await standin.waitFor(() => session().seqAck === before + 1 || undefined, 5_000, 'a heartbeat acknowledging the replayed message');
  }, 30_000);
});
