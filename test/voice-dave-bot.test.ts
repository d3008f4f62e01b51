/**
 * DAVE through the bot's own voice connection (src/voice/connection.ts) against the voice
 * stand-in, for what the bare @discordjs/voice 0.19.2 mishandles: an external sender (25) sent
 * again while the bot still holds the group of before a downgrade, and the recovery from an
 * invalid commit followed by an invalid welcome (31, then removal and re-add).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUDITED_VOICE_VERSION, installDaveGuard } from '../src/voice/dave-guard.ts';
import { daveOps, lostAcross, watchEscapes } from './support/dave-measure.ts';
import { voiceWorld } from './support/voice-client.ts';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("DAVE on the bot's voice connection", () => {
  it('applies its DAVE fixes to the @discordjs/voice release they were written against', () => {
    // A new release needs its DAVESession read again (dave-guard.ts) before this passes.
    expect(installDaveGuard(), `dave-guard.ts was written against @discordjs/voice ${AUDITED_VOICE_VERSION}`).toBe(true);
  });

  it('upgrades when the gateway sends the external sender (25) again before prepare epoch (24): no uncaught error, E2EE again', async () => {
    const world = await voiceWorld(cleanups, {}, 15, 'bot');
    const { standin, voice, guildId } = world;
    const dave = () => voice.daveOf(guildId)!;
    const escaped = watchEscapes(cleanups);
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    const down = await lostAcross(world, () => dave().downgrade(), () => dave().stats.protocolVersion === 0, 'the downgrade');
    const decryptedAtUpgrade = dave().stats.decrypted;
    // The docs allow op 25 "at a later time when the call is upgrading"; the bot still holds the group of before the downgrade.
    const upgraded = () => dave().stats.transitions.at(-1)!.kind.startsWith('upgrade') && dave().stats.decrypted >= decryptedAtUpgrade + 25;
    const up = await lostAcross(world, () => dave().upgrade({ externalSender: 'before' }), upgraded, 'the upgrade').catch((err: Error) => {
      throw new Error(`${err.message}; DAVE ops ${daveOps(world).join(' ')}; escaped: ${escaped.map(String).join('; ')}`);
    });
    const restart = dave().stats.restarts.at(-1)!;
    console.log(
      `DAVE upgrade on the bot's connection: op 24 to first decrypted frame ${(restart.firstDecryptedAt! - restart.at).toFixed(0)} ms; ` +
        `frames lost across the downgrade ${down.sequenceGaps} (${down.silenced} silenced), across the upgrade ${up.sequenceGaps} (${up.silenced} silenced); plain in flight at the execute ${dave().stats.plainAtUpgradeSeam}`,
    );
    expect(dave().stats.transitions.at(-1)!.kind).toBe('upgrade to 1: epoch 1 (create)');
    // Until the upgrade executes the call is at version 0: the bot's audio stays plain Opus, not silence.
    expect(down.sequenceGaps + down.silenced + up.sequenceGaps + up.silenced).toBeLessThanOrEqual(2);
    expect(dave().stats.plainWhileE2ee).toBe(0);
    expect(voice.daveErrors).toEqual([]);
    expect(escaped).toEqual([]);
  }, 60_000);

  it('recovers from an invalid commit, then an invalid welcome: op 31 each time, removed and re-added with a new key package, E2EE again', async () => {
    const world = await voiceWorld(cleanups, { daveMembers: 2 }, 15, 'bot');
    const { standin, voice, guildId } = world;
    const dave = () => voice.daveOf(guildId)!;
    const escaped = watchEscapes(cleanups);
    await standin.waitFor(() => dave()?.stats.decrypted >= 25 || undefined, 15_000, 'E2EE audio');
    const from = daveOps(world).length;
    dave().plantInvalid('commit');
    dave().plantInvalid('welcome');
    const recovered = () => dave().stats.invalidCommits === 2 && dave().stats.restarts.at(-1)!.firstDecryptedAt !== null;
    const recovery = await lostAcross(world, () => void dave().addMember(), recovered, 'the recovery').catch((err: Error) => {
      throw new Error(`${err.message}; transitions ${JSON.stringify(dave().stats.transitions.map((t) => t.kind))}; DAVE ops ${daveOps(world, from).join(' ')}`);
    });
    const [commitFlag, welcomeFlag] = dave().stats.restarts;
    console.log(
      `DAVE recovery: op 31 for the commit to the bot's re-welcome ${(commitFlag.rejoinedAt! - commitFlag.at).toFixed(0)} ms; op 31 for the welcome to its first decrypted frame ${(welcomeFlag.firstDecryptedAt! - welcomeFlag.at).toFixed(0)} ms; ` +
        `frames lost ${recovery.sequenceGaps} (${recovery.undecryptable} undecryptable), silenced ${recovery.silenced}, non-silence frames sent without E2EE ${recovery.plain}`,
    );
    // 29 (bad commit) -> 31 + 26 -> a member's commit re-adds the bot: 30 (bad welcome) -> 31 + 26 -> 30 -> 23, 22.
    expect(daveOps(world, from)).toEqual(['out:27', 'in:28', 'out:29', 'in:31', 'in:26', 'out:30', 'in:31', 'in:26', 'out:30', 'in:23', 'out:22']);
    expect(dave().stats.transitions.map((t) => t.kind)).toEqual([
      'epoch 1 (create)',
      'epoch 2 (add) without the bot',
      "epoch 3 (re-add the bot, a member's commit) without the bot",
      "epoch 4 (re-add the bot, a member's commit)",
    ]);
    expect(voice.daveErrors).toEqual([]);
    expect(escaped).toEqual([]);
    // While the bot had no group it sent silence, not its audio in the clear.
    expect(recovery.plain).toBe(0);
    expect(dave().stats.plainWhileE2ee).toBe(0);
    // Measured: 2 frames silenced, none missing; E2EE again 66-391 ms after the second op 31.
    expect(recovery.sequenceGaps + recovery.silenced).toBeLessThanOrEqual(10);
    expect(welcomeFlag.firstDecryptedAt! - welcomeFlag.at).toBeLessThan(3_000);
  }, 45_000);
});
