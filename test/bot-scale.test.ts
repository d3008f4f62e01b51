/**
 * Load and connection trouble: 30 users at once (every one is answered, the limits hold) and a
 * gateway disconnect in the middle of a job (the bot resumes and still delivers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionHandle, MessageSnapshot } from './standin/index.ts';
import { BotWorld } from './support/bot-harness.ts';

let world: BotWorld;
beforeAll(async () => {
  world = await BotWorld.start({ worker: 'standin', users: 30, stepMs: 300, steps: 5, workerConcurrency: 2 });
}, 60_000);
afterAll(async () => {
  await world?.stop();
});

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;

type Outcome = { kind: 'result' } | { kind: 'refused'; text: string };

async function outcome(h: InteractionHandle): Promise<Outcome> {
  return world.standin.waitFor(
    () => {
      const last = h.originalHistory().at(-1);
      if (last && isResult(last)) return { kind: 'result' as const };
      const eph = h.timeline().find((e) => e.kind !== 'delete' && e.snapshot?.ephemeral && e.snapshot.content);
      return eph ? { kind: 'refused' as const, text: eph.snapshot!.content } : undefined;
    },
    60_000,
    `an answer to ${h.id}`,
  );
}

describe('30 users at once', () => {
  it('everyone is acknowledged in time and answered; the server-wide in-flight limit holds', async () => {
    const handles = world.users.map((u, i) => u.runSlashCommand(world.guild, world.channel, 'riff', { prompt: `crowd ${i}`, seed: 1000 + i }));
    const acks = await Promise.all(handles.map((h) => h.waitForAck(3500)));
    for (const a of acks) expect(a.latencyMs).toBeLessThan(3000);
    const outcomes = await Promise.all(handles.map(outcome));
    const results = outcomes.filter((o) => o.kind === 'result');
    const refused = outcomes.filter((o): o is Extract<Outcome, { kind: 'refused' }> => o.kind === 'refused');
    expect(results.length + refused.length).toBe(30);
    // Jobs take 1.5 s each on 2 slots: while the first ones run, at most 6 of this server's jobs are admitted.
    expect(results.length).toBeGreaterThanOrEqual(6);
    expect(results.length).toBeLessThanOrEqual(10);
    for (const r of refused) expect(r.text).toMatch(/this server has 6 jobs waiting or running, the most allowed at once; try again when one finishes/);
    for (const h of handles) {
      expect(h.record.lateCallbacks).toEqual([]);
      expect(h.record.duplicateCallbacks).toEqual([]);
      const original = h.original()!;
      // Nothing left on "thinking": a refusal removed the public reply, a result replaced it.
      if (!original.deleted) expect(original.history.at(-1)!.loading).toBe(false);
    }
  }, 80_000);
});

describe('bot restart mid-job', () => {
  it('the restarted bot adopts the delivery and edits the same reply into the result', async () => {
    const h = world.users[2].runSlashCommand(world.guild, world.channel, 'riff', { prompt: '[slow] across the restart', seed: 77 });
    await h.waitForOriginal((v) => /diffusion step/.test(v.content), 20_000);
    await world.stopBot();
    const stoppedAt = Date.now();
    await world.startBot();
    const result = await h.waitForOriginal(isResult, 40_000);
    expect(result.embeds[0].description).toBe('[slow] across the restart');
    expect(result.at).toBeGreaterThan(stoppedAt);
    expect(world.botLogs.some((l) => l.msg === 'adopted deliveries of a stopped bot process')).toBe(true);
  }, 60_000);
});

describe('gateway disconnect mid-job', () => {
  it('the bot resumes its session and still delivers the result', async () => {
    const user = world.users[0];
    const h = user.runSlashCommand(world.guild, world.channel, 'riff', { prompt: 'through the storm', seed: 5 });
    await h.waitForOriginal((v) => /diffusion step/.test(v.content), 20_000);
    const [session] = await world.standin.waitForSessions(1);
    const resumesBefore = session.resumes;
    world.standin.dropSocket(0);
    await world.standin.waitFor(() => session.resumes > resumesBefore, 15_000, 'the bot to resume');
    await h.waitForOriginal(isResult, 30_000);
    // And the resumed session takes new commands.
    const after = world.users[1].runSlashCommand(world.guild, world.channel, 'riff', { prompt: 'after the storm', seed: 6 });
    await after.waitForOriginal(isResult, 30_000);
  }, 60_000);
});
