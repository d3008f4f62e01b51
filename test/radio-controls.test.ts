/**
 * Radio controls end to end on the voice stand-in with a real worker (tiny model): pause and
 * resume (silence and no new jobs while paused), volume per guild (heard in the decoded audio),
 * a DJ role and vote-skip off (permissions from Discord's roles and the guild's settings), 24/7,
 * and votes that blend the top suggestions by vote share.
 */
import { Queue } from 'bullmq';
import { OverwriteType } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlocklistStore } from '../src/services/blocklist.ts';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import { estimatedBytes, secondsThatFit } from '../src/voice/recording.ts';
import { NUMBER_EMOJIS } from '../src/voice/votes.ts';
import type { TestUser } from './standin/index.ts';
import { rms, toChannels } from './standin/voice/analysis.ts';
import { RadioWorld } from './standin/voice/radio-world.ts';

let world: RadioWorld;
let queue: Queue;
let djRoleId: string;
beforeAll(async () => {
  world = await RadioWorld.start({
    guilds: 1,
    usersPerGuild: 4,
    settings: { roundSeconds: 600, idleLeaveSeconds: 3, nowPlayingIntervalMs: 1000, plan: { exploreSteps: 4, transitionSteps: 2, denoising: 0.75, guidance: 7 } },
  });
  const { guild, users } = world.guilds[0];
  const record = world.standin.state.guild(guild.id);
  const role = (name: string, permissions: bigint) => {
    const id = world.standin.state.ids.next();
    record.guild.roles.push({ ...record.guild.roles[0], id, name, position: 2, permissions: permissions.toString() });
    return id;
  };
  record.members.get(users[0].id)!.roles.push(role('admins', 1n << 5n)); // Manage Server
  djRoleId = role('DJ', 0n);
  record.members.get(users[1].id)!.roles.push(djRoleId);
  queue = new Queue('tiny-sd', { connection: world.redis, prefix: `${world.prefix}:gen` });
}, 100_000);
afterAll(async () => {
  await queue?.close();
  await world?.stop();
}, 30_000);

const waitFor = (probe: () => boolean, ms: number, what: string) => world.standin.waitFor(probe, ms, what);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const g = () => world.guilds[0];
async function radio(user: TestUser, sub: string, options: Record<string, string | number | boolean | { id: string }> = {}) {
  const h = user.runSlashCommand(g().guild, g().text, `radio ${sub}`, options);
  return h.waitForOriginal((v) => !v.loading && v.content.length > 0, 15_000);
}
const jobCount = async () => Object.values(await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed')).reduce((a, b) => a + b, 0);
const busy = async () => Object.values(await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active')).reduce((a, b) => a + b, 0);

describe('radio controls', () => {
  it('starts, then pauses (no sound, no new clips) and resumes', async () => {
    const { guild, voice, users } = g();
    for (const u of users.slice(0, 3)) u.setVoiceChannel(guild, voice);
    expect((await radio(users[2], 'start', { prompt: 'lofi piano' })).content).toMatch(/Radio on in/);
    const audio = world.voice.audio(guild.id);
    await waitFor(() => audio.count > 100, 40_000, 'two seconds of radio');

    const paused = await radio(users[2], 'pause');
    expect(paused.ephemeral).toBe(false);
    expect(paused.content).toMatch(/Radio paused by/);
    expect((await radio(users[2], 'pause')).content).toMatch(/already paused/);
    await sleep(500);
    const framesAtPause = audio.count;
    // Clips already asked for may finish; after that nothing new is queued.
    const idleBy = Date.now() + 30_000;
    while ((await busy()) > 0) {
      expect(Date.now()).toBeLessThan(idleBy);
      await sleep(200);
    }
    const jobsAtPause = await jobCount();
    await sleep(3000);
    expect(await jobCount()).toBe(jobsAtPause);
    expect(audio.count - framesAtPause).toBeLessThanOrEqual(10); // at most the few silence frames a pause sends
    expect(world.manager().get(guild.id)!.status()).toMatchObject({ held: true });

    expect((await radio(users[2], 'resume')).content).toMatch(/Radio resumed by/);
    await waitFor(() => audio.count > framesAtPause + 100, 10_000, 'sound again after resume');
    const resumedBy = Date.now() + 30_000;
    while ((await jobCount()) === jobsAtPause) {
      expect(Date.now()).toBeLessThan(resumedBy);
      await sleep(200);
    }
  }, 120_000);

  it('plays quieter at a lower volume, kept per guild', async () => {
    const { guild, users } = g();
    const audio = world.voice.audio(guild.id);
    await sleep(1000);
    const before = rms(toChannels(audio.frames.slice(-150)));
    const reply = await radio(users[2], 'volume', { percent: 25 });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Radio volume on this server: 25%/);
    const mark = audio.count;
    await waitFor(() => audio.count > mark + 250, 12_000, 'five seconds at the new volume');
    // From 2 s after the change: packets already encoded at the old volume wait in the stream buffers.
    const after = rms(toChannels(audio.frames.slice(mark + 100, mark + 250)));
    console.info(`radio volume 25%: RMS ratio after/before ${(after / before).toFixed(3)}`);
    // Expected 0.25; clips differ in loudness by a few dB around the radio's -16 LUFS, hence the margin.
    expect(after / before).toBeGreaterThan(0.1);
    expect(after / before).toBeLessThan(0.5);
    expect((await radio(users[2], 'settings')).content).toMatch(/\*\*Volume:\*\* 25%/);
    await radio(users[2], 'volume', { percent: 100 });
  }, 60_000);

  it('records the last minutes exactly as the channel heard them, with what played when', async () => {
    const { guild, voice, users } = g();
    const audio = world.voice.audio(guild.id);
    expect((await radio(users[3], 'record', { minutes: 1 })).content).toMatch(/Only listeners in <#\d+>, or members with the Manage Server permission, can record the radio/);
    const h = users[2].runSlashCommand(guild, g().text, 'radio record', { minutes: 1 });
    const v = await h.waitForOriginal((s) => !s.loading && s.attachments.length === 1, 30_000);
    const heardUntil = audio.count;
    const file = v.attachments[0];
    expect(file.filename).toMatch(/^lofi-piano-radio-last-1min-\d{8}-\d{4}\.ogg$/);
    const shown = /The last (\d+):(\d\d) of the radio in <#(\d+)>/.exec(v.content)!;
    expect(shown[3]).toBe(voice.id);
    expect(v.content).toMatch(/\n`0:00` lofi piano/);
    const seconds = Number(shown[1]) * 60 + Number(shown[2]);
    const rec = await decodeAudio(file.bytes, { sampleRate: 48_000, channels: 2 });
    const recSeconds = rec.channels[0].length / 48_000;
    expect(Math.abs(recSeconds - seconds)).toBeLessThan(1.1);
    // The recording is the packets that were sent: a 2 s stretch of it lines up, on a 20 ms
    // frame boundary, with what the voice server received (only the file's own Opus re-encode differs).
    const heard = toChannels(audio.frames.slice(0, heardUntil))[0];
    const probeLen = 96_000;
    const probeStart = rec.channels[0].length - probeLen - 5 * 48_000;
    const probe = rec.channels[0].subarray(probeStart, probeStart + probeLen);
    let best = { corr: -1, offset: -1 };
    for (let offset = 0; offset + probeLen <= heard.length; offset += 960) {
      let xy = 0, xx = 0, yy = 0;
      for (let i = 0; i < probeLen; i += 4) {
        const x = probe[i], y = heard[offset + i];
        xy += x * y; xx += x * x; yy += y * y;
      }
      const corr = xy / Math.sqrt(xx * yy + 1e-12);
      if (corr > best.corr) best = { corr, offset };
    }
    console.info(`radio record: best correlation with the received audio ${best.corr.toFixed(4)} at frame ${best.offset / 960}`);
    expect(best.corr).toBeGreaterThan(0.9);
    // Aligned where the recording says it is: the file's end is (nearly) the last frame heard before the command.
    const endsAt = (best.offset - probeStart + rec.channels[0].length) / 48_000;
    expect(Math.abs(heard.length / 48_000 - endsAt)).toBeLessThan(2);
  }, 60_000);

  it('records as MP3 too, and a recording over the server’s upload limit says how much fits', async () => {
    const { guild, users } = g();
    const v = await users[2].runSlashCommand(guild, g().text, 'radio record', { minutes: 1, format: 'mp3' }).waitForOriginal((s) => !s.loading && s.attachments.length === 1, 30_000);
    expect(v.attachments[0].filename).toMatch(/^lofi-piano-radio-last-1min-\d{8}-\d{4}\.mp3$/);
    const shown = /The last (\d+):(\d\d) of the radio/.exec(v.content)!;
    const rec = await decodeAudio(v.attachments[0].bytes, { sampleRate: 48_000, channels: 2 });
    expect(Math.abs(rec.channels[0].length / 48_000 - (Number(shown[1]) * 60 + Number(shown[2])))).toBeLessThan(1.1);
    expect(rms(rec.channels)).toBeGreaterThan(0.01);

    // A server whose uploads take only half of what has played so far.
    const played = world.manager().get(guild.id)!.recording(1).seconds;
    const limit = estimatedBytes(played / 2, 'opus');
    world.standin.setAttachmentSizeLimit(limit);
    try {
      const refused = await radio(users[2], 'record', { minutes: 1 });
      expect(refused.ephemeral).toBe(true);
      expect(refused.attachments).toEqual([]);
      const fits = secondsThatFit(limit, 'opus');
      const clock = `${Math.floor(fits / 60)}:${String(fits % 60).padStart(2, '0')}`;
      expect(refused.content).toMatch(new RegExp(`as OGG/Opus is about [\\d.]+ MB, and this server takes uploads up to [\\d.]+ MB: the most that fits is ${clock}`));
    } finally {
      world.standin.setAttachmentSizeLimit(25 * 1024 * 1024);
    }
  }, 60_000);

  it('without a DJ role the listeners run it; others are told who can, by their permissions in the channel (overwrites included)', async () => {
    const { guild, text, users } = g();
    const outsider = users[3]; // not in the voice channel
    const who = /Only listeners in the radio’s voice channel, or members with the Manage Channels or Manage Server permission can change the radio’s volume on this server\./;
    const refused = await radio(outsider, 'volume', { percent: 50 });
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(who);
    expect((await radio(outsider, 'stop')).content).toMatch(/Only listeners in the radio’s voice channel, or members with the Manage Channels or Manage Server permission can stop the radio/);
    expect((await radio(outsider, 'pause')).content).toMatch(/can pause or resume the radio/);

    // Manage Channels from a role, but this channel's overwrite denies it to that role: still refused.
    const record = world.standin.state.guild(guild.id);
    const mods = world.standin.state.ids.next();
    record.guild.roles.push({ ...record.guild.roles[0], id: mods, name: 'mods', position: 3, permissions: (1n << 4n).toString() });
    record.members.get(outsider.id)!.roles.push(mods);
    const deny = { id: mods, type: OverwriteType.Role, allow: '0', deny: (1n << 4n).toString() };
    world.standin.state.setPermissionOverwrites(text.id, [deny]);
    try {
      expect((await radio(outsider, 'volume', { percent: 50 })).content).toMatch(who);
      // The member's own overwrite comes last and allows it.
      world.standin.state.setPermissionOverwrites(text.id, [deny, { id: outsider.id, type: OverwriteType.Member, allow: (1n << 4n).toString(), deny: '0' }]);
      expect((await radio(outsider, 'volume', { percent: 100 })).content).toMatch(/Radio volume on this server: 100%/);
      // Without overwrites the role's Manage Channels counts.
      world.standin.state.setPermissionOverwrites(text.id, []);
      expect((await radio(outsider, 'volume', { percent: 100 })).content).toMatch(/Radio volume on this server: 100%/);
    } finally {
      world.standin.state.setPermissionOverwrites(text.id, []);
      const roles = record.members.get(outsider.id)!.roles;
      roles.splice(roles.indexOf(mods), 1);
    }
    expect(world.manager().get(guild.id)!.isStopped).toBe(false);
  }, 60_000);

  it('with a DJ role, stop, skip-now, pause and settings are the DJ’s; vote-skip can be switched off', async () => {
    const { guild, users } = g();
    const [admin, dj, listener] = users;
    const session = world.manager().get(guild.id)!;
    const refused = await radio(listener, 'settings', { vote_skip: false });
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/Only members with the Manage Server permission \(or a DJ role, once they set one\) can change the radio’s settings/);
    const saved = await radio(admin, 'settings', { dj_role: { id: djRoleId }, vote_skip: false });
    expect(saved.content).toContain(`**DJ role:** <@&${djRoleId}>`);
    expect(saved.content).toContain('**Vote-skip:** off');
    // The DJ runs the radio's settings, but 24/7 and the DJ role stay the admins'.
    expect((await radio(dj, 'settings', { clear_dj_role: true })).content).toMatch(/Only members with the Manage Server permission can change 24\/7 mode or the DJ role/);

    const who = new RegExp(`Only members with the DJ role <@&${djRoleId}>, or members with the Manage Server permission can stop the radio`);
    const stop = await radio(listener, 'stop');
    expect(stop.ephemeral).toBe(true);
    expect(stop.content).toMatch(who);
    expect((await radio(listener, 'pause')).content).toMatch(/DJ role .* can pause or resume the radio/);
    expect((await radio(listener, 'skip', { now: true })).content).toMatch(/DJ role .* can skip to the next round at once/);
    const vote = await radio(listener, 'skip');
    expect(vote.ephemeral).toBe(true);
    expect(vote.content).toMatch(new RegExp(`Vote-skip is off on this server\\. Only members with the DJ role <@&${djRoleId}>, or members with the Manage Server permission can end the round`));
    // The DJ pauses, resumes and sets the volume; a listener without the role may not.
    expect((await radio(listener, 'volume', { percent: 50 })).content).toMatch(/DJ role .* can change the radio’s volume/);
    expect((await radio(dj, 'pause')).content).toMatch(/Radio paused by/);
    expect((await radio(dj, 'resume')).content).toMatch(/Radio resumed by/);
    expect((await radio(dj, 'volume', { percent: 100 })).content).toMatch(/Radio volume on this server: 100%/);
    expect((await radio(dj, 'settings', { stay_24_7: true })).content).toMatch(/Only members with the Manage Server permission can change 24\/7/);

    const round = session.status().round;
    expect((await radio(dj, 'skip', { now: true })).content).toMatch(/ended the round/);
    await waitFor(() => session.status().round === round + 1, 5000, 'the next round');
    expect((await radio(dj, 'settings', { vote_skip: true })).content).toContain('**Vote-skip:** on');
    expect(session.isStopped).toBe(false);
  }, 60_000);

  it('blends the top suggestions by vote share and shows the blend', async () => {
    const { guild, text, users } = g();
    const [admin, dj, listener] = users;
    const session = world.manager().get(guild.id)!;
    expect((await radio(dj, 'settings', { votes: 'blend' })).content).toMatch(/\*\*Votes:\*\* blend of the top suggestions/);
    const round = session.status().round;
    expect((await radio(admin, 'suggest', { prompt: 'jazz drums' })).content).toMatch(/Added as 1️⃣/);
    expect((await radio(dj, 'suggest', { prompt: 'ambient (pads)' })).content).toMatch(/Added as 2️⃣/);
    const voteMsg = () => world.botMessages(text.id).find((m) => m.message.content.includes(`Radio round ${round}`));
    await waitFor(() => (voteMsg()?.reactions.size ?? 0) === 2, 10_000, 'the vote message');
    const rounds: { winner: string | null }[] = [];
    session.on('round', (r: { winner: string | null }) => rounds.push(r));
    admin.react(voteMsg()!, NUMBER_EMOJIS[0]);
    dj.react(voteMsg()!, NUMBER_EMOJIS[0]);
    listener.react(voteMsg()!, NUMBER_EMOJIS[1]);
    await waitFor(() => rounds.length === 1, 10_000, 'the round to end once all voted');
    expect(rounds[0].winner).toBe('(jazz drums:1.33), (ambient \\(pads\\):0.67)');
    await waitFor(() => world.botMessages(text.id).some((m) => m.message.content.includes('the votes blend **jazz drums** 67% + **ambient (pads)** 33%')), 5000, 'the blend announcement');
    // The clips moving there ask the worker for the weighted prompt.
    const jobsBy = Date.now() + 30_000;
    let blended = false;
    while (!blended) {
      expect(Date.now()).toBeLessThan(jobsBy);
      const jobs = await queue.getJobs(['wait', 'prioritized', 'active', 'completed']);
      blended = jobs.some((j) => (j.data as { request: { end?: { prompt: string } } }).request.end?.prompt === rounds[0].winner);
      if (!blended) await sleep(200);
    }
    const status = await radio(listener, 'status');
    expect(status.content).toMatch(/jazz drums 67% \+ ambient \(pads\) 33%/);
    const np = world.botMessages(text.id).find((m) => m.history.some((h) => h.embeds[0]?.title === '📻 Now playing'))!;
    await waitFor(() => np.history.some((h) => (h.embeds[0]?.description ?? '').includes('🎛️ blend of jazz drums 67% + ambient (pads) 33%')), 30_000, 'now-playing to show the blend');
  }, 90_000);

  it('on 24/7 stays in an empty channel (generation paused); off again, it leaves', async () => {
    const { guild, voice, users } = g();
    const [admin] = users;
    expect((await radio(admin, 'settings', { stay_24_7: true })).content).toContain('**24/7:** on');
    const session = world.manager().get(guild.id)!;
    for (const u of users) u.setVoiceChannel(guild, null);
    await waitFor(() => session.status().paused, 5000, 'the radio to pause');
    await sleep(3000 + 2500); // past the 3 s idle timeout
    expect(session.isStopped).toBe(false);
    expect(world.standin.state.guild(guild.id).voiceStates.has(world.standin.botUser.id)).toBe(true);
    users[0].setVoiceChannel(guild, voice);
    await waitFor(() => !session.status().paused, 5000, 'the radio to play for the returning listener');
    users[0].setVoiceChannel(guild, null);
    expect((await radio(admin, 'settings', { stay_24_7: false })).content).toContain('**24/7:** off');
    await waitFor(() => session.isStopped, 10_000, 'the radio to leave the empty channel');
  }, 60_000);

  it('refuses to start on a prompt with a blocked word, before joining or queueing anything', async () => {
    const { guild, voice, users } = g();
    await new BlocklistStore(world.redis, world.prefix).add(guild.id, ['kazoo']);
    users[0].setVoiceChannel(guild, voice);
    const before = await jobCount();
    const reply = await radio(users[0], 'start', { prompt: 'Kazoo marching band' });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/blocked "kazoo" in prompts, so I did not queue anything/);
    expect(world.manager().get(guild.id)).toBeUndefined();
    expect(await jobCount()).toBe(before);
  }, 20_000);

  it('with the DJ role still set, a listener cannot stop the radio and the DJ can', async () => {
    const { guild, voice, users } = g();
    const [, dj, listener] = users;
    dj.setVoiceChannel(guild, voice);
    listener.setVoiceChannel(guild, voice);
    expect((await radio(dj, 'start', { prompt: 'calm harp' })).content).toMatch(/Radio on in/);
    const session = world.manager().get(guild.id)!;
    const refused = await radio(listener, 'stop');
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(new RegExp(`Only members with the DJ role <@&${djRoleId}>, or members with the Manage Server permission can stop the radio`));
    expect(session.isStopped).toBe(false);
    expect((await radio(dj, 'stop')).content).toMatch(/Radio stopped/);
    await waitFor(() => session.isStopped, 10_000, 'the radio to stop');
  }, 60_000);
});
