/**
 * A minute of radio, heard as a listener hears it: the bot plays into the stand-in's voice
 * channel over the real voice stack, and the test analyses the decoded audio. On the real model
 * (models/riffcord-small, when installed) it also checks that a vote moves the music's spectrum
 * toward the winning style; the tiny test model is random noise, so there it checks that the
 * vote moves the plan and says the spectral check needs the real model.
 */
import { existsSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radioRequester } from '../src/voice/jobs.ts';
import { NUMBER_EMOJIS } from '../src/voice/votes.ts';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import { JobsClient } from '../src/jobs/client.ts';
import {
  arrivalGaps,
  averageSpectrum,
  JITTER_BUFFER_MS,
  longestSilenceMs,
  maxStep,
  playoutDropouts,
  rms,
  spectralDistance,
  toChannels,
  windowLoudness,
} from './standin/voice/analysis.ts';
import { RadioWorld, SMALL_MODEL_DIR, TINY_MODEL_DIR } from './standin/voice/radio-world.ts';
import { SHARED_REDIS } from './support/jobs-harness.ts';
import type { ReceivedFrame } from './standin/voice/sink.ts';
import { StallRecorder } from './support/stalls.ts';
import { integratedLoudness } from '../src/pipeline/audio/loudness.ts';

/**
 * Integrated loudness of each clip as received: from the moment a clip started fading in plus the
 * crossfade and 0.25 s of pipeline latency, to the next clip's fade-in. Clips too short for that
 * (the tiny model's 0.63 s) are measured in 3 s windows instead.
 */
function clipLoudness(frames: ReceivedFrame[], starts: number[], fadeSeconds: number): number[] {
  const from = fadeSeconds * 1000 + 250;
  const spans = starts.slice(0, -1).map((t, i) => [t + from, starts[i + 1]] as const).filter(([a, b]) => b - a >= 1000);
  if (spans.length < 3) return windowLoudness(toChannels(frames), 3).slice(1);
  return spans
    .map(([a, b]) => frames.filter((f) => f.arrivalMs >= a && f.arrivalMs < b))
    .filter((fs) => fs.length >= 50)
    .map((fs) => integratedLoudness(toChannels(fs), 48_000));
}

const REAL = existsSync(join(SMALL_MODEL_DIR, 'model_index.json'));
const LISTEN_SECONDS = 60;

let world: RadioWorld;
beforeAll(async () => {
  world = await RadioWorld.start({ guilds: 1, usersPerGuild: 2, modelDir: REAL ? SMALL_MODEL_DIR : TINY_MODEL_DIR, settings: { roundSeconds: 600, nowPlayingIntervalMs: 3000 } });
}, 100_000);
afterAll(async () => {
  await world?.stop();
}, 30_000);

describe(`a minute of radio on the ${REAL ? 'real' : 'tiny test'} model`, () => {
  it(`plays ${LISTEN_SECONDS} s without gaps, audibly, at a steady loudness, and a vote moves it`, async () => {
    const { guild, text, voice, users } = world.guilds[0];
    for (const u of users) u.setVoiceChannel(guild, voice);
    const calm = REAL ? 'soft solo piano, slow, quiet' : 'slow piano';
    const loud = REAL ? 'heavy distorted electric guitar rock, loud drums' : 'loud rock';
    await users[0].runSlashCommand(guild, text, 'radio start', { prompt: calm }).waitForOriginal((v) => !v.loading && /Radio on/.test(v.content), 20_000);
    const session = world.manager().get(guild.id)!;
    const clipStarts: number[] = [];
    session.on('clip', () => clipStarts.push(performance.now()));
    const audio = world.voice.audio(guild.id);
    await world.standin.waitFor(() => audio.count > 0, 60_000, 'first sound');
    const start = performance.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const stalls = new StallRecorder().start();
    const cpuAtStart = process.cpuUsage();

    // A third of the way in, the listeners vote for a contrasting style.
    await new Promise((r) => setTimeout(r, (LISTEN_SECONDS / 3) * 1000));
    await users[0].runSlashCommand(guild, text, 'radio suggest', { prompt: loud }).waitForOriginal((v) => /Added as/.test(v.content), 10_000);
    const voteMsg = () => world.botMessages(text.id).find((m) => m.message.content.includes('Radio round 1'));
    await world.standin.waitFor(() => (voteMsg()?.reactions.size ?? 0) === 1, 10_000, 'the vote message');
    for (const u of users) u.react(voteMsg()!, NUMBER_EMOJIS[0]);
    await world.standin.waitFor(() => session.status().nextTarget === loud || session.status().prompt === loud, 10_000, 'the winner to become the target');

    // The call is end-to-end encrypted (DAVE), as Discord requires: another member joins at two
    // thirds, the first one leaves five seconds later; each is a new MLS epoch while the radio plays.
    const dave = world.voice.daveOf(guild.id)!;
    const until = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, start + t * 1000 - performance.now())));
    await until((LISTEN_SECONDS * 2) / 3);
    const firstMember = dave.members()[0];
    dave.addMember();
    await until((LISTEN_SECONDS * 2) / 3 + 5);
    dave.removeMember(firstMember);

    await new Promise((r) => setTimeout(r, Math.max(0, start + LISTEN_SECONDS * 1000 - performance.now())));
    loopDelay.disable();
    stalls.stop();
    const cpu = process.cpuUsage(cpuAtStart);
    const frames = audio.since(start).filter((f) => f.arrivalMs < start + LISTEN_SECONDS * 1000);
    const channels = toChannels(frames);
    const status = session.status();

    const gaps = arrivalGaps(frames);
    const playout = playoutDropouts(frames, JITTER_BUFFER_MS);
    const loudness = clipLoudness(frames, clipStarts, world.settings.crossfadeSeconds);
    const spread = Math.max(...loudness) - Math.min(...loudness);
    console.log(
      `[voice.test] ${REAL ? 'riffcord-small' : 'tiny-sd'}: ${frames.length} frames (${(frames.length / 50).toFixed(1)} s) from ${new Set(frames.map((f) => f.ssrc)).size} ssrc, lost ${gaps.lostPackets}, ` +
        `max arrival gap ${gaps.maxGapMs.toFixed(0)} ms, dropouts with a ${JITTER_BUFFER_MS} ms jitter buffer: [${playout.dropouts.map((d) => d.toFixed(0)).join(', ')}] ms, ` +
        `longest silence ${longestSilenceMs(channels).toFixed(1)} ms, rms ${rms(channels).toFixed(3)}, loudness per clip (${loudness.length}) ${Math.min(...loudness).toFixed(1)}..${Math.max(...loudness).toFixed(1)} LUFS, ` +
        `bot+stand-in process CPU ${(((cpu.user + cpu.system) / 1000 / (LISTEN_SECONDS * 1000)) * 100).toFixed(0)}% of a core, event-loop delay max ${(loopDelay.max / 1e6).toFixed(0)} ms p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, clips played ${status.clipsPlayed}, loops (falling behind) ${status.loops}, max sample step ${maxStep(channels[0]).toFixed(3)}`,
    );

    const since = (t: number) => ((t - start) / 1000).toFixed(1);
    console.log(
      `[voice.test] timeline (s after first sound): clips at [${clipStarts.map(since).join(', ')}], dropouts at [${playout.at.map(since).join(', ')}], ` +
        `DAVE transitions at [${dave.stats.transitions.map((t) => since(t.at)).join(', ')}], event-loop stalls over 60 ms: ${stalls.describe(start)}`,
    );
    const e2ee = dave.stats;
    console.log(
      `[voice.test] DAVE: session description to first decrypted frame ${(e2ee.firstDecryptedAt! - e2ee.startedAt).toFixed(0)} ms, epochs ${e2ee.epoch}, ` +
        `transitions [${e2ee.transitions.map((t) => t.kind).join('; ')}], E2EE frames decrypted ${e2ee.decrypted}, undecryptable ${e2ee.undecryptable}, plain while E2EE ${e2ee.plainWhileE2ee}`,
    );
    // Heard only through DAVE: every frame an E2EE one a member decrypted, through both epoch changes.
    expect(world.voice.daveErrors).toEqual([]);
    expect(e2ee.epoch).toBe(3);
    expect(e2ee.undecryptable).toBe(0);
    expect(e2ee.plainWhileE2ee).toBe(0);
    expect(e2ee.decrypted).toBeGreaterThanOrEqual(frames.length);
    // Gapless: nothing lost, no silence, nothing late for a listener's jitter buffer.
    expect(frames.length).toBeGreaterThan(LISTEN_SECONDS * 50 * 0.97);
    expect(gaps.lostPackets).toBe(0);
    expect(longestSilenceMs(channels)).toBeLessThan(40);
    expect(playout.maxDropoutMs).toBeLessThan(40);
    // Audible, steady.
    expect(rms(channels)).toBeGreaterThan(0.02);
    expect(spread).toBeLessThanOrEqual(3);
    // The vote moved the plan.
    expect(status.prompt === loud || status.nextTarget === loud).toBe(true);

    if (REAL) {
      // The music moved toward the winning style: compare both ends with a clip made for it directly.
      const jobs = new JobsClient({ redisUrl: SHARED_REDIS, prefix: world.prefix, defaultModel: world.config.model });
      try {
        const ref = await (await jobs.enqueue({ kind: 'riff', request: { start: { prompt: loud, seed: 7, denoising: 0.75, guidance: 7 } } }, { requester: radioRequester('reference'), format: 'wav' })).result(120_000);
        const refMono = (await decodeAudio(ref.audio, { sampleRate: 48_000, channels: 1 })).channels[0];
        const third = Math.floor(channels[0].length / 3);
        const before = averageSpectrum(channels[0].subarray(0, third));
        const after = averageSpectrum(channels[0].subarray(channels[0].length - third));
        const target = averageSpectrum(refMono);
        expect(spectralDistance(after, target)).toBeLessThan(spectralDistance(before, target));
      } finally {
        await jobs.close();
      }
    } else {
      console.log('[voice.test] spectral move toward the winning style: needs the real model (models/riffcord-small); the tiny model makes random noise.');
    }
  }, 150_000);
});
