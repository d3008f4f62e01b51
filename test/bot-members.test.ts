/**
 * What members expect of a generation bot, end to end through the Discord stand-in with a real
 * worker process (the job system's stand-in generator: fixed step times, so a job can be caught
 * while it waits or runs): a per-server prompt blocklist checked before anything is queued,
 * /info with places, ETAs, history, limits and workers, and the Cancel button.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeys } from '../src/jobs/keys.ts';
import { limitUsage } from '../src/jobs/usage.ts';
import type { InteractionHandle, MessageSnapshot, StoredMessage, TestUser } from './standin/index.ts';
import { BotWorld } from './support/bot-harness.ts';
import { SHARED_REDIS } from './support/jobs-harness.ts';

let world: BotWorld;
let redis: Redis;
let queue: Queue;
beforeAll(async () => {
  // One worker slot, 5 steps of 100 ms ("[slow]": 1 s a step), so jobs queue up behind each other.
  world = await BotWorld.start({ worker: 'standin', users: 6, stepMs: 100, steps: 5, env: { RIFFCORD_MODEL: 'tiny-sd' } });
  world.makeAdmin(world.users[0]);
  redis = new Redis(SHARED_REDIS);
  queue = new Queue('tiny-sd', { connection: redis, prefix: `${world.prefix}:gen` });
}, 60_000);
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await world?.stop();
});

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;

/** The ephemeral text the user got; nothing public of this interaction is left. */
async function ephemeral(h: InteractionHandle, timeoutMs = 15_000): Promise<string> {
  const entry = await world.standin.waitFor(
    () => h.timeline().find((e) => e.kind !== 'delete' && e.snapshot?.ephemeral && (e.snapshot.content || e.snapshot.embeds.length)),
    timeoutMs,
    `an ephemeral answer to ${h.id}`,
  );
  const original = h.original();
  if (original && !original.visibleTo && h.record.type === 2) expect(original.deleted).toBe(true);
  expect(h.record.lateCallbacks).toEqual([]);
  return entry.snapshot!.content;
}

const run = (user: TestUser, command: string, options: Record<string, string | number>) => user.runSlashCommand(world.guild, world.channel, command, options);
const jobTotal = async () => Object.values(await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed')).reduce((a, b) => a + b, 0);
const buttonsOf = (v: { components?: unknown[] }) => ((v.components?.[0] as { components?: { custom_id: string; label: string }[] } | undefined)?.components ?? []);
const cancelIdOf = (m: StoredMessage) => buttonsOf(m.message).find((b) => b.label === 'Cancel')?.custom_id;

describe('prompt blocklist', () => {
  it('only members with Manage Server edit it; the list is shown in spoilers', async () => {
    const [admin, member] = world.users;
    expect(await ephemeral(run(member, 'settings blocklist', { action: 'add', words: 'gore' }))).toMatch(/Only members with the Manage Server permission/);
    const added = await ephemeral(run(admin, 'settings blocklist', { action: 'add', words: 'Gore, screaming  baby' }));
    expect(added).toMatch(/Blocked 2 entries/);
    expect(added).toContain('||gore||');
    expect(added).toContain('||screaming baby||');
    expect(await ephemeral(run(admin, 'settings blocklist', { action: 'add', words: ' , ;' }))).toMatch(/Give one or more words/);
    expect(await ephemeral(run(admin, 'settings show', {}))).toMatch(/\*\*Blocked in prompts:\*\* 2 entries/);
  });

  it('refuses a prompt with a blocked word before anything is queued, whatever its case, accents or dots', async () => {
    const user = world.users[1];
    const before = await jobTotal();
    for (const prompt of ['Gore-soaked METAL riff', 'góre drums', 'doom g.o.r.e bass']) {
      const text = await ephemeral(run(user, 'riff', { prompt }));
      expect(text).toMatch(/This server's admins have blocked "gore" in prompts, so I did not queue anything\. Rephrase/);
    }
    expect(await ephemeral(run(user, 'riff', { prompt: 'calm', negative: 'gore' }))).toMatch(/blocked "gore"/);
    expect(await ephemeral(run(user, 'morph', { from: 'lullaby', to: 'a screaming baby' }))).toMatch(/blocked "screaming baby"/);
    expect(await jobTotal()).toBe(before);
    expect((await limitUsage(redis, makeKeys(world.prefix), 'user', user.id)).lastMinute).toBe(0);
    // Whole words only: "gorgeous" and "screaming" alone are fine.
    const ok = run(user, 'riff', { prompt: 'gorgeous screaming guitar', seed: 5 });
    const result = await ok.waitForOriginal(isResult, 30_000);
    expect(result.ephemeral).toBe(false);
  }, 60_000);

  it('buttons and modals are checked too, against the list as it is now', async () => {
    const [admin, , user] = world.users;
    const source = run(user, 'riff', { prompt: 'calm harp', seed: 9 });
    await source.waitForOriginal(isResult, 30_000);
    const message = source.original()!;
    await ephemeral(run(admin, 'settings blocklist', { action: 'add', words: 'harp' }));
    const variation = buttonsOf(message.message).find((b) => b.label === 'Variation')!.custom_id;
    expect(await ephemeral(user.clickButton(message.message.id, variation))).toMatch(/blocked "harp"/);
    const remix = user.clickButton(message.message.id, buttonsOf(message.message).find((b) => b.label === 'Remix')!.custom_id);
    await remix.waitForModal();
    expect(await ephemeral(user.submitModal(remix, { prompt: 'gore beats' }))).toMatch(/blocked "gore"/);
    const shown = await ephemeral(run(admin, 'settings blocklist', { action: 'remove', words: 'harp' }));
    expect(shown).not.toContain('||harp||');
    expect(shown).toContain('||gore||');
    const again = user.clickButton(message.message.id, variation);
    expect((await again.waitForOriginal(isResult, 30_000)).embeds[0].description).toBe('calm harp');
  }, 60_000);
});

describe('/info and Cancel', () => {
  const infoOf = async (user: TestUser) => {
    const h = run(user, 'info', {});
    const v = await h.waitForOriginal((s) => !s.loading && s.embeds.length > 0, 10_000);
    expect(v.ephemeral).toBe(true);
    const fields = Object.fromEntries((v.embeds[0].fields ?? []).map((f) => [f.name, f.value]));
    return { v, fields, handle: h };
  };

  it('lists my running and waiting jobs with places and ETAs, my limits and the workers; the owner cancels both', async () => {
    const owner = world.users[3];
    const running = run(owner, 'riff', { prompt: '[slow] long drone', seed: 21 });
    await running.waitForOriginal((v) => /diffusion step/.test(v.content), 15_000);
    const waiting = run(owner, 'riff', { prompt: '[slow] second drone', seed: 22 });
    await waiting.waitForOriginal((v) => /Queued/.test(v.content), 10_000);

    const { v, fields, handle } = await infoOf(owner);
    expect(fields['Queued and running']).toMatch(/\*\*1\.\*\* Riff · “\[slow\] long drone”: running, ETA/);
    expect(fields['Queued and running']).toMatch(/\*\*2\.\*\* Riff · “\[slow\] second drone”: #2 in line \(1 ahead\), ETA/);
    expect(fields['Your limits here']).toMatch(/^8 of 10 jobs left this minute \(one more frees up <t:\d+:R>\)\n0 of 2 at once free/);
    expect(fields['Workers for this server']).toMatch(/\*\*tiny-sd\*\*: 1 worker online, 1 job at a time\n1 running, 1 waiting/);
    expect(buttonsOf(v).map((b) => b.label)).toEqual(['Cancel 1', 'Cancel 2']);
    expect(handle.original()!.visibleTo).toBe(owner.id);

    // The job's own message carries a Cancel button; someone else cannot press it.
    const waitingMessage = waiting.original()!;
    const cancelWaiting = cancelIdOf(waitingMessage)!;
    expect(cancelWaiting).toMatch(/^info:cancel:[0-9a-f-]{36}$/);
    expect(cancelWaiting.length).toBeLessThanOrEqual(100);
    expect(await ephemeral(world.users[4].clickButton(waitingMessage.message.id, cancelWaiting))).toMatch(
      new RegExp(`Only <@${owner.id}>, who started this job, or a member with the Manage Server permission can cancel it`),
    );

    // Waiting: removed from the queue at once, here through /info's own Cancel button for it.
    const infoCancel = buttonsOf(v)[1].custom_id;
    expect(infoCancel).toBe(cancelWaiting);
    expect(await ephemeral(owner.clickButton(handle.original()!.message.id, infoCancel))).toMatch(/taken out of the queue, and its slot is free again/);
    const cancelled = await waiting.waitForOriginal((s) => /Cancelled by user3/.test(s.content), 5000);
    expect(cancelled.components).toEqual([]);
    const waitingJobId = cancelWaiting.split(':')[2];
    expect(await queue.getJob(waitingJobId)).toBeUndefined();

    // Running: the worker stops at its next step (1 s apart), long before the 5 s job would end.
    const runningMessage = running.original()!;
    const cancelRunning = cancelIdOf(runningMessage)!;
    const pressed = Date.now();
    expect(await ephemeral(owner.clickButton(runningMessage.message.id, cancelRunning))).toMatch(/stops the job at its next diffusion step/);
    await running.waitForOriginal((s) => /Cancelled by user3/.test(s.content), 5000);
    console.info(`cancel of a running job: message says cancelled ${Date.now() - pressed} ms after the press (steps are 1 s apart)`);
    expect(Date.now() - pressed).toBeLessThan(3500);
    const runningJob = await queue.getJob(cancelRunning.split(':')[2]);
    expect(runningJob?.failedReason).toBe('cancelled');
    expect(runningJob?.attemptsMade).toBe(1);
    expect(running.originalHistory().some(isResult)).toBe(false);

    // Both slots are free again, and /info tells what happened.
    const freedBy = Date.now() + 5000;
    while ((await limitUsage(redis, makeKeys(world.prefix), 'user', owner.id)).inFlightIds.length > 0) {
      expect(Date.now()).toBeLessThan(freedBy);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await infoOf(owner);
    expect(after.fields['Queued and running']).toBe('Nothing queued or running.');
    expect(after.fields['Your limits here']).toMatch(/2 of 2 at once free/);
    expect(after.fields.Recently).toMatch(/^⏹️ Riff · “\[slow\] long drone” <t:\d+:R>\n⏹️ Riff · “\[slow\] second drone”/);
    expect(after.v.components).toEqual([]);
  }, 60_000);

  it('a member with Manage Server may cancel anyone’s job; a delivered one shows in Recently with its file', async () => {
    const [admin, , , , , user] = world.users;
    const job = run(user, 'riff', { prompt: '[slow] someone else', seed: 31 });
    await job.waitForOriginal((v) => /diffusion step/.test(v.content), 15_000);
    const message = job.original()!;
    expect(await ephemeral(admin.clickButton(message.message.id, cancelIdOf(message)!))).toMatch(/Cancelling/);
    await job.waitForOriginal((s) => /Cancelled by user0/.test(s.content), 5000);
    const done = run(user, 'riff', { prompt: 'bright marimba', seed: 32 });
    await done.waitForOriginal(isResult, 30_000);
    const { fields } = await infoOf(user);
    expect(fields.Recently).toMatch(/^✅ Riff · “bright marimba” <t:\d+:R> · `bright-marimba-seed32\.mp3`\n⏹️ Riff · “\[slow\] someone else”/);
  }, 60_000);
});
