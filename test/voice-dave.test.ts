/**
 * DAVE end to end: the real @discordjs/voice client (with @snazzah/davey) against the voice
 * stand-in acting as Discord's voice gateway (the MLS external sender, with ts-mls) and as the
 * other members of the call (davey sessions). The stand-in hears the bot only by decrypting its
 * E2EE frames as a member: handshake, a member joining and one leaving (new epochs) while audio
 * plays, another member's commit winning an epoch, a downgrade to protocol version 0 mid-call and
 * the upgrade back (prepare epoch 1). What the bare library mishandles is in voice-dave-bot.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DaveOp } from './standin/voice/dave.ts';
import { daveOps, lostAcross, watchEscapes } from './support/dave-measure.ts';
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

  it('upgrades back to DAVE after a downgrade while audio plays: prepare epoch 1 (24), a new group, then only E2EE frames it decrypts', async () => {
    const world = await voiceWorld(cleanups, {}, 15);
    const { standin, voice, guildId } = world;
    const dave = () => voice.daveOf(guildId)!;
    const escaped = watchEscapes(cleanups);
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    const from = daveOps(world).length;
    const down = await lostAcross(world, () => dave().downgrade(), () => dave().stats.protocolVersion === 0, 'the downgrade');
    const decryptedAtUpgrade = dave().stats.decrypted;
    const up = await lostAcross(world, () => dave().upgrade(), () => dave().stats.transitions.at(-1)!.kind.startsWith('upgrade'), 'the upgrade');
    // A loaded machine can be a frame or two slow to send the next half second: wait for it.
    await standin.waitFor(() => dave().stats.decrypted - decryptedAtUpgrade >= 25 || undefined, 10_000, 'E2EE audio after the upgrade');
    const restart = dave().stats.restarts.at(-1)!;
    const upgradeMs = restart.firstDecryptedAt! - restart.at;
    const executedMs = dave().stats.transitions.at(-1)!.at - restart.at;
    console.log(
      `DAVE upgrade: op 24 to first decrypted frame ${upgradeMs.toFixed(0)} ms (execute at ${executedMs.toFixed(0)} ms); frames lost across the downgrade ${down.sequenceGaps} (${down.undecryptable} undecryptable), ` +
        `across the upgrade ${up.sequenceGaps} (${up.undecryptable} undecryptable); plain frames in flight at the execute ${dave().stats.plainAtUpgradeSeam}`,
    );
    expect(daveOps(world, from)).toEqual(['out:21', 'in:23', 'out:22', 'out:24', 'in:26', 'out:27', 'in:28', 'out:29', 'in:23', 'out:22']);
    expect(dave().stats).toMatchObject({ protocolVersion: 1, epoch: 1, undecryptable: 0, plainWhileE2ee: 0 });
    expect(dave().stats.decrypted - decryptedAtUpgrade).toBeGreaterThanOrEqual(25);
    expect(voice.daveErrors).toEqual([]);
    expect(escaped).toEqual([]);
    const audio = voice.audio(guildId).frames;
    expect(Math.max(...audio.slice(-20).flatMap((f) => [...f.pcm.subarray(0, 400)].map(Math.abs)))).toBeGreaterThan(1000);
    // Measured: no frame lost across either transition, 1 plain frame in flight at the execute, E2EE 71-178 ms after op 24.
    expect(down.sequenceGaps + up.sequenceGaps).toBeLessThanOrEqual(2);
    expect(dave().stats.plainAtUpgradeSeam).toBeLessThanOrEqual(2);
    expect(upgradeMs).toBeLessThan(3_000);
  }, 45_000);

  it("another member's commit wins the epoch: the bot's own op 28 is dropped, it processes the member's and stays E2EE", async () => {
    const world = await voiceWorld(cleanups, { daveMembers: 2 }, 12);
    const { standin, voice, guildId } = world;
    const dave = () => voice.daveOf(guildId)!;
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    const first = dave().members()[0];
    const from = daveOps(world).length;
    const joined = await lostAcross(world, () => void dave().addMember({ winner: 'member' }), () => dave().stats.transitions.length === 2, "a member's commit adding a member");
    const left = await lostAcross(world, () => dave().removeMember(first, { winner: 'member' }), () => dave().stats.transitions.length === 3, "a member's commit removing one");
    console.log(`DAVE, a member's commit winning: frames lost across an add ${joined.sequenceGaps} (${joined.undecryptable} undecryptable), a remove ${left.sequenceGaps} (${left.undecryptable})`);
    expect(dave().stats.transitions.map((t) => t.kind)).toEqual(['epoch 1 (create)', "epoch 2 (add, a member's commit)", "epoch 3 (remove, a member's commit)"]);
    // The gateway announced the member's commit (29) before the bot's (28) arrived, and dropped the bot's.
    expect(daveOps(world, from)).toEqual(['out:27', 'out:29', 'in:28', 'in:23', 'out:22', 'out:27', 'out:29', 'in:28', 'in:23', 'out:22']);
    expect(dave().stats.droppedCommits).toBe(2);
    expect(dave().members()).not.toContain(first);
    expect(dave().stats).toMatchObject({ epoch: 3, undecryptable: 0, plainWhileE2ee: 0 });
    expect(voice.daveErrors).toEqual([]);
    expect(joined.sequenceGaps + left.sequenceGaps).toBe(0);
  }, 45_000);

  it('upgrades with the external sender (25) sent again after prepare epoch (24), as the docs allow', async () => {
    const world = await voiceWorld(cleanups, {}, 8);
    const { standin, voice, guildId } = world;
    const dave = () => voice.daveOf(guildId)!;
    const escaped = watchEscapes(cleanups);
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    dave().downgrade();
    await standin.waitFor(() => dave().stats.protocolVersion === 0 || undefined, 10_000, 'the downgrade');
    const decryptedAtUpgrade = dave().stats.decrypted;
    dave().upgrade({ externalSender: 'after' });
    await standin.waitFor(() => dave().stats.decrypted >= decryptedAtUpgrade + 25 || undefined, 10_000, 'E2EE audio after the upgrade');
    expect(dave().stats.transitions.at(-1)!.kind).toBe('upgrade to 1: epoch 1 (create)');
    expect(voice.daveErrors).toEqual([]);
    expect(escaped).toEqual([]);
  }, 30_000);
});
