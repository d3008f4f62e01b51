/**
 * DAVE end to end: the real @discordjs/voice client (with @snazzah/davey) against the voice
 * stand-in acting as Discord's voice gateway (the MLS external sender, with ts-mls) and as the
 * other members of the call (davey sessions). The stand-in hears the bot only by decrypting its
 * E2EE frames as a member: handshake, a member joining and one leaving (new epochs) while audio
 * plays, and a downgrade to protocol version 0 mid-call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DaveOp } from './standin/voice/dave.ts';
import { voiceWorld } from './support/voice-client.ts';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('DAVE on the voice stand-in', () => {
  it('creates the group, then the stand-in hears only E2EE frames it decrypts as a member', async () => {
    const { standin, voice, guildId } = await voiceWorld(cleanups, {}, 4);
    const dave = () => voice.daveOf(guildId)!;
    await standin.waitFor(() => dave()?.stats.decrypted >= 50 || undefined, 15_000, '50 decrypted E2EE frames');
    const stats = dave().stats;
    expect(voice.daveErrors).toEqual([]);
    expect(stats.epoch).toBe(1);
    expect(stats.transitions.map((t) => t.kind)).toEqual(['epoch 1 (create)']);
    expect(stats.undecryptable).toBe(0);
    expect(stats.plainWhileE2ee).toBe(0);
    // The opcodes ran in Discord's order: 25 external sender, 26 key package, 27 proposals, 28 commit, 29 announce, 23 ready, 22 execute.
    const ops = voice.log.filter((e) => e.guildId === guildId && e.op >= 21 && e.op <= 31).map((e) => `${e.direction}:${e.op}`);
    expect(ops).toEqual(['out:25', 'in:26', 'out:27', 'in:28', 'out:29', 'in:23', 'out:22']);
    const handshakeMs = stats.firstDecryptedAt! - stats.startedAt;
    console.log(`DAVE: session description to first decrypted frame ${handshakeMs.toFixed(0)} ms`);
    expect(handshakeMs).toBeLessThan(10_000);
    const audio = voice.audio(guildId).frames;
    const peak = Math.max(...audio.slice(-20).flatMap((f) => [...f.pcm.subarray(0, 400)].map(Math.abs)));
    expect(peak).toBeGreaterThan(1000);
  }, 30_000);

  it('a member joins and another leaves while audio plays: new epochs, frames lost across each change counted', async () => {
    const { standin, voice, guildId } = await voiceWorld(cleanups, {}, 8);
    const dave = () => voice.daveOf(guildId)!;
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    const first = dave().members()[0];
    const lostAcross = async (change: () => void, epoch: number) => {
      const before = { undecryptable: dave().stats.undecryptable, frames: voice.audio(guildId).frames.length };
      change();
      await standin.waitFor(() => dave().stats.epoch === epoch && dave().stats.transitions.length === epoch || undefined, 10_000, `epoch ${epoch}`);
      const at = voice.audio(guildId).frames.length;
      await standin.waitFor(() => voice.audio(guildId).frames.length >= at + 25 || undefined, 10_000, 'audio after the change');
      const frames = voice.audio(guildId).frames.slice(before.frames);
      let gaps = 0;
      for (let i = 1; i < frames.length; i++) gaps += ((frames[i].sequence - frames[i - 1].sequence + 65536) % 65536) - 1;
      return { undecryptable: dave().stats.undecryptable - before.undecryptable, sequenceGaps: gaps };
    };
    const joined = await lostAcross(() => void dave().addMember(), 2);
    expect(dave().members()).toHaveLength(2);
    const left = await lostAcross(() => dave().removeMember(first), 3);
    expect(dave().members()).not.toContain(first);
    console.log(`DAVE: frames lost across a member joining ${joined.undecryptable} undecryptable + ${joined.sequenceGaps} missing; leaving ${left.undecryptable} + ${left.sequenceGaps}`);
    expect(voice.daveErrors).toEqual([]);
    expect(joined.undecryptable + joined.sequenceGaps).toBe(0);
    expect(left.undecryptable + left.sequenceGaps).toBe(0);
    expect(dave().stats.plainWhileE2ee).toBe(0);
  }, 45_000);

  it('downgrades to protocol version 0 mid-call: prepare, ready, execute, then transport-only Opus', async () => {
    const { standin, voice, guildId } = await voiceWorld(cleanups, {}, 6);
    const dave = () => voice.daveOf(guildId)!;
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    dave().downgrade();
    await standin.waitFor(() => dave().stats.protocolVersion === 0 || undefined, 10_000, 'the downgrade to execute');
    const decryptedAtDowngrade = dave().stats.decrypted;
    const at = voice.audio(guildId).frames.length;
    await standin.waitFor(() => voice.audio(guildId).frames.length >= at + 25 || undefined, 10_000, 'audio after the downgrade');
    const ops = voice.log.filter((e) => e.guildId === guildId && (e.op === DaveOp.PrepareTransition || e.op === DaveOp.TransitionReady || e.op === DaveOp.ExecuteTransition)).map((e) => `${e.direction}:${e.op}`);
    expect(ops.slice(-3)).toEqual(['out:21', 'in:23', 'out:22']);
    // After the execute the bot sends plain Opus: no more E2EE frames, and the audio still decodes.
    expect(dave().stats.decrypted - decryptedAtDowngrade).toBeLessThanOrEqual(3);
    expect(dave().stats.undecryptable).toBe(0);
    expect(voice.daveErrors).toEqual([]);
  }, 30_000);
});
