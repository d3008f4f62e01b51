/** The radio's pure parts: the crossfading stream, the generation planner and vote rounds. */
import { describe, expect, it } from 'vitest';
import { beatJoinSeconds } from '../src/voice/beat-join.ts';
import { CrossfadeStream, FRAME_SAMPLES, SAMPLE_RATE, type StreamClip } from '../src/voice/crossfade-stream.ts';
import { initialPlan, planNext, retarget, type PlanSettings } from '../src/voice/plan.ts';
import { radioSettingsFromEnv, RadioSettingsError } from '../src/voice/settings.ts';
import { VoteRound } from '../src/voice/votes.ts';
import { blendParts, blendPrompt, describePrompt, parseBlend, percentages } from '../src/voice/blend.ts';
import { mayUse } from '../src/voice/permissions.ts';
import { RadioRecorder } from '../src/voice/recorder.ts';
import { estimatedBytes, secondsThatFit } from '../src/voice/recording.ts';
import { recordingText, tooLargeText } from '../src/commands/radio-record.ts';
import { parsePromptWeights } from '../src/pipeline/diffusion/prompt-weights.ts';
import { MAX_PROMPT_CHARS } from '../src/jobs/types.ts';
import { PermissionFlagsBits } from 'discord.js';

const tone = (freq: number, seconds: number, amp = 0.5, phase = 0): Float32Array =>
  Float32Array.from({ length: Math.round(seconds * SAMPLE_RATE) }, (_, i) => amp * Math.sin(phase + (2 * Math.PI * freq * i) / SAMPLE_RATE));
const clip = (name: string, samples: Float32Array): StreamClip<string> => ({ channels: [samples, samples.slice()], meta: name });

/** Reads up to `frames` 20 ms frames (fewer if the stream ends) as float left-channel samples. */
async function read(stream: CrossfadeStream<string>, frames: number): Promise<Float32Array> {
  const out: number[] = [];
  while (out.length < frames * FRAME_SAMPLES) {
    const chunk = stream.read() as Buffer | null;
    if (chunk === null) {
      if (stream.readableEnded) break;
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    for (let i = 0; i + 3 < chunk.length; i += 4) out.push(chunk.readInt16LE(i) / 32768);
  }
  return Float32Array.from(out);
}

describe('CrossfadeStream', () => {
  it('joins clips with an equal-power crossfade: no click, steady level, each clip announced once', async () => {
    const s = new CrossfadeStream<string>({ crossfadeSeconds: 0.1 });
    const started: string[] = [];
    s.on('clip', (m: string) => started.push(m));
    // Two unrelated tones (uncorrelated at the join), with a hard phase jump had they been butted.
    s.enqueue(clip('a', tone(220, 0.5)));
    s.enqueue(clip('b', tone(330, 0.5, 0.5, 1.3)));
    s.end();
    const out = await read(s, 60);
    expect(started).toEqual(['a', 'b']);
    // Length: 0.5 + 0.5 - 0.1 s of audio, then the stream ends.
    const expected = Math.round(0.9 * SAMPLE_RATE);
    expect(out.length).toBe(expected);
    let maxStep = 0;
    for (let i = 1; i < expected; i++) maxStep = Math.max(maxStep, Math.abs(out[i] - out[i - 1]));
    // A 330 Hz sine of amplitude 0.5 steps at most 2π·330/48000·0.5 ≈ 0.022 per sample; a click would be far more.
    expect(maxStep).toBeLessThan(0.03);
    // RMS per 20 ms through the join stays near the clips' 0.354 (equal power: no dip, no bump).
    for (let f = 1; f < 44; f++) {
      const w = out.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES);
      const rms = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
      expect(rms).toBeGreaterThan(0.25);
      expect(rms).toBeLessThan(0.45);
    }
  });

  it('loops the current clip into its own start when the next one is late, and says so', async () => {
    const s = new CrossfadeStream<string>({ crossfadeSeconds: 0.05 });
    const events: Array<[string, boolean]> = [];
    s.on('clip', (m: string, how: { looped: boolean }) => events.push([m, how.looped]));
    s.enqueue(clip('only', tone(440, 0.3)));
    const out = await read(s, 40); // 0.8 s from a 0.3 s clip
    expect(events[0]).toEqual(['only', false]);
    expect(events.filter(([, looped]) => looped).length).toBeGreaterThanOrEqual(2);
    expect(s.loops).toBeGreaterThanOrEqual(2);
    let silent = 0;
    for (const v of out) silent = Math.abs(v) < 1e-4 ? silent + 1 : 0;
    expect(silent).toBeLessThan(10); // never silence, only the zero crossings of the sine
    s.enqueue(clip('late', tone(440, 0.3)));
    await read(s, 20);
    expect(events.some(([m, looped]) => m === 'late' && !looped)).toBe(true);
    s.destroy();
  });

  it('fades a clip on a beat grid in over whole beats, so its beats and its kick-snare pattern run on across the join', async () => {
    const beat = 0.15;
    // The seed loops' pattern: a loud kick on even beats, a softer snare on odd ones.
    const pattern = (beats: number): Float32Array => {
      const x = new Float32Array(Math.round(beats * beat * SAMPLE_RATE));
      for (let b = 0; b < beats; b++) x[Math.round(b * beat * SAMPLE_RATE)] = b % 2 === 0 ? 0.9 : 0.45;
      return x;
    };
    for (const beats of [4, 5]) {
      const s = new CrossfadeStream<string>({ crossfadeSeconds: 0.25 });
      const fadeInSeconds = beatJoinSeconds(beats * beat, beats);
      // Even: two beats (the next clip moves by 2 beats, one whole pattern); odd: one beat.
      expect(fadeInSeconds).toBeCloseTo(beat * (beats % 2 === 0 ? 2 : 1), 9);
      for (const name of ['a', 'b', 'c']) s.enqueue({ ...clip(name, pattern(beats)), fadeInSeconds });
      s.end();
      const out = await read(s, 200);
      const peaks: { at: number; loud: boolean }[] = [];
      for (let i = 0; i < out.length; i++) if (Math.abs(out[i]) > 0.3) peaks.push({ at: i, loud: Math.abs(out[i]) > 0.7 });
      expect(peaks.length).toBeGreaterThanOrEqual(2 * beats);
      for (let k = 1; k < peaks.length; k++) {
        // Every beat one beat after the last, joins included (a 0.25 s crossfade would put them 0.1 s off),
        expect(Math.abs(peaks[k].at - peaks[k - 1].at - beat * SAMPLE_RATE), `${beats} beats, peak ${k}`).toBeLessThanOrEqual(1);
        // and kick and snare still alternate (a one-beat join of an even count plays two snares in a row).
        expect(peaks[k].loud, `${beats} beats, peak ${k}`).toBe(!peaks[k - 1].loud);
      }
    }
    expect(beatJoinSeconds(5.12, undefined)).toBeUndefined();
  });

  it('rejects clips it cannot play', () => {
    const s = new CrossfadeStream<string>();
    expect(() => s.enqueue({ channels: [new Float32Array(10), new Float32Array(9)], meta: 'x' })).toThrow(/differ in length/);
    expect(() => s.enqueue({ channels: [new Float32Array(0), new Float32Array(0)], meta: 'x' })).toThrow(/empty/);
    expect(() => new CrossfadeStream({ crossfadeSeconds: -1 })).toThrow(/0 seconds or more/);
    s.destroy();
  });
});

describe('radio plan', () => {
  const settings: PlanSettings = { exploreSteps: 4, transitionSteps: 3, denoising: 0.75, guidance: 7, steps: 20, seedImageId: 'og_beat' };

  it('explores one prompt between seeds, alpha stepping 0, 1/4, 2/4, 3/4, then the next seed pair', () => {
    let state = initialPlan('lofi', 100);
    const clips = [];
    for (let i = 0; i < 6; i++) {
      const next = planNext(state, settings);
      clips.push(next.clip);
      state = next.state;
    }
    expect(clips.map((c) => c.alpha)).toEqual([0, 0.25, 0.5, 0.75, 0, 0.25]);
    expect(clips.every((c) => c.request.start.prompt === 'lofi' && c.request.end?.prompt === 'lofi')).toBe(true);
    expect(clips[0].request.start.seed).toBe(100);
    expect(clips[4].request.start.seed).toBe(clips[0].request.end!.seed); // the walk continues from where it got to
    expect(clips[0].request).toMatchObject({ steps: 20, init: { seedImageId: 'og_beat' } });
    expect(clips.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('moves to a new prompt over the configured clips, then settles and explores it', () => {
    let state = planNext(initialPlan('lofi', 1), settings).state;
    state = retarget(state, 'jazz');
    const clips = [];
    for (let i = 0; i < 5; i++) {
      const next = planNext(state, settings);
      clips.push(next.clip);
      state = next.state;
    }
    expect(clips.slice(0, 3).map((c) => [c.phase, c.request.start.prompt, c.request.end?.prompt, Number(c.alpha.toFixed(3))])).toEqual([
      ['moving', 'lofi', 'jazz', 0.333],
      ['moving', 'lofi', 'jazz', 0.667],
      ['moving', 'lofi', 'jazz', 1],
    ]);
    // The last move clip is the new prompt at its seed; exploring picks up from alpha 1/4 with that seed as start.
    expect(clips[3]).toMatchObject({ phase: 'exploring', prompt: 'jazz', alpha: 0.25 });
    expect(clips[3].request.start.seed).toBe(clips[2].request.end!.seed);
    expect(state.transition).toBeNull();
    expect(retarget(state, 'jazz')).toBe(state); // already there: nothing to do
  });

  it("makes only the radio's very first clip with firstClipSteps, and only when that is fewer steps", () => {
    const steps = (s: PlanSettings, n: number) => {
      let state = initialPlan('lofi', 1);
      const out = [];
      for (let i = 0; i < n; i++) {
        const next = planNext(state, s);
        out.push(next.clip.request.steps);
        state = next.state;
      }
      return out;
    };
    expect(steps({ ...settings, firstClipSteps: 8 }, 3)).toEqual([8, 20, 20]);
    expect(steps({ ...settings, steps: undefined, firstClipSteps: 8 }, 2)).toEqual([8, undefined]);
    expect(steps({ ...settings, steps: 6, firstClipSteps: 8 }, 2)).toEqual([6, 6]);
  });
});

describe('vote rounds', () => {
  const listeners = new Set(['a', 'b', 'c']);

  it('deduplicates suggestions, caps them at five, moves votes, ignores non-listeners and breaks ties by age', () => {
    const r = VoteRound.fresh(1, 0);
    expect(r.suggest('a', 'Jazz  drums')).toEqual({ ok: true, index: 0 });
    expect(r.suggest('b', ' jazz drums ')).toEqual({ ok: false, reason: 'duplicate', index: 0 });
    for (const p of ['b1', 'b2', 'b3', 'b4']) expect(r.suggest('b', p).ok).toBe(true);
    expect(r.suggest('c', 'sixth')).toEqual({ ok: false, reason: 'full' });
    expect(r.vote('a', 7)).toBe(false);
    r.vote('a', 1);
    r.vote('b', 2);
    r.vote('outsider', 2);
    expect(r.tally(listeners)).toEqual([0, 1, 1, 0, 0]);
    expect(r.winner(listeners)).toMatchObject({ index: 1, votes: 1 }); // tie: the earlier suggestion
    r.vote('a', 2); // moved
    r.unvote('a', 1); // removing the old reaction afterwards changes nothing
    expect(r.tally(listeners)).toEqual([0, 0, 2, 0, 0]);
    expect(r.allVoted(listeners)).toBe(false);
    r.vote('c', 0);
    expect(r.allVoted(listeners)).toBe(true);
    expect(r.winner(listeners)).toMatchObject({ suggestion: { prompt: 'b2' }, votes: 2 });
    r.unvote('c', 0);
    expect(r.allVoted(listeners)).toBe(false);
  });

  it('has no winner without suggestions, and skips once the share of listeners is reached', () => {
    const r = VoteRound.fresh(3, 0);
    expect(r.winner(listeners)).toBeNull();
    expect(r.allVoted(listeners)).toBe(false);
    expect(r.requestSkip('a', listeners, 0.5)).toEqual({ reached: false, count: 1, needed: 2 });
    expect(r.requestSkip('a', listeners, 0.5)).toEqual({ reached: false, count: 1, needed: 2 });
    expect(r.requestSkip('outsider', listeners, 0.5).count).toBe(1);
    expect(r.requestSkip('b', listeners, 0.5)).toEqual({ reached: true, count: 2, needed: 2 });
  });
});

describe('radio settings', () => {
  it('reads RADIO_* overrides and explains bad ones', () => {
    const s = radioSettingsFromEnv({ RADIO_ROUND_SECONDS: '30', RADIO_TRANSITION_CLIPS: '6', RADIO_SKIP_THRESHOLD: '0.75' });
    expect(s).toMatchObject({ roundSeconds: 30, skipThreshold: 0.75, plan: { transitionSteps: 6, firstClipSteps: 8 } });
    expect(radioSettingsFromEnv({ RADIO_FIRST_CLIP_STEPS: '4' }).plan.firstClipSteps).toBe(4);
    expect(() => radioSettingsFromEnv({ RADIO_ROUND_SECONDS: 'soon' })).toThrow(RadioSettingsError);
    expect(() => radioSettingsFromEnv({ RADIO_SKIP_THRESHOLD: '2' })).toThrow(/RADIO_SKIP_THRESHOLD must be at most 1/);
  });
});

describe('clip levelling', () => {
  it('brings clips of very different crest factors to the same loudness, under the peak ceiling, without clicks', async () => {
    const { levelClip } = await import('../src/voice/level.ts');
    const { integratedLoudness, peak } = await import('../src/pipeline/audio/loudness.ts');
    const sr = 48_000;
    // A steady tone, and sparse loud clicks over a quiet pad (crest factor above 25 dB).
    const steady = tone(440, 3, 0.1);
    const spiky = Float32Array.from(tone(220, 3, 0.01), (v, i) => v + (i % 12_000 < 48 ? 0.9 * Math.sin((Math.PI * (i % 12_000)) / 48) : 0));
    const out: number[] = [];
    for (const x of [steady, spiky]) {
      const channels = [x.slice(), x.slice()];
      const reached = await levelClip(channels, sr, { lufs: -16, peakDbfs: -1 });
      out.push(integratedLoudness(channels, sr));
      expect(reached).toBeCloseTo(out.at(-1)!, 5);
      expect(peak(channels)).toBeLessThanOrEqual(10 ** (-1 / 20) + 1e-6);
      let step = 0;
      for (let i = 1; i < channels[0].length; i++) step = Math.max(step, Math.abs(channels[0][i] - channels[0][i - 1]));
      expect(step).toBeLessThan(0.5);
    }
    expect(Math.abs(out[0] - -16)).toBeLessThan(0.3);
    expect(Math.abs(out[1] - -16)).toBeLessThan(1); // an extreme case: the loudness sits in the clicks the limiter flattens
    // Plain normalisation with the same ceiling leaves the spiky clip far quieter.
    const { normalizeLoudness } = await import('../src/pipeline/audio/loudness.ts');
    const plain = [spiky.slice(), spiky.slice()];
    normalizeLoudness(plain, sr, { lufs: -16, peakDbfs: -1 });
    expect(integratedLoudness(plain, sr)).toBeLessThan(-19);
  });
});

describe('votes that blend', () => {
  it('mixes the top suggestions with vote-share weights the pipeline reads back', () => {
    const parts = blendParts([{ prompt: 'jazz drums' }, { prompt: 'ambient (pads)' }, { prompt: 'none' }, { prompt: 'polka' }], [2, 1, 0, 1]);
    expect(parts.map((p) => p.prompt)).toEqual(['jazz drums', 'ambient (pads)', 'polka']);
    const prompt = blendPrompt(parts);
    expect(prompt).toBe('(jazz drums:1.50), (ambient \\(pads\\):0.75), (polka:0.75)');
    // The text embedding sees each part at its weight, brackets in the text kept as text.
    const segments = parsePromptWeights(prompt).filter((seg) => seg.text.trim() && seg.text.trim() !== ',');
    expect(segments.map((seg) => [seg.text.trim(), seg.weight])).toEqual([['jazz drums', 1.5], ['ambient (pads)', 0.75], ['polka', 0.75]]);
    expect(parseBlend(prompt)!.map((p) => [p.prompt, p.share])).toEqual([['jazz drums', 0.5], ['ambient (pads)', 0.25], ['polka', 0.25]]);
    expect(describePrompt(prompt)).toBe('jazz drums 50% + ambient (pads) 25% + polka 25%');
    expect(describePrompt('plain (old:1.2) prompt')).toBe('plain (old:1.2) prompt');
    expect(percentages([0.665, 0.335])).toEqual([67, 33]);
    expect(percentages([1 / 3, 1 / 3, 1 / 3])).toEqual([34, 33, 33]);
  });

  it('stays within the prompt limit and falls back to the winner when only one has votes', () => {
    const long = blendPrompt(blendParts([{ prompt: 'a'.repeat(500) }, { prompt: `${'b'.repeat(498)}((` }], [1, 1]));
    expect(long.length).toBeLessThanOrEqual(MAX_PROMPT_CHARS);
    expect(parseBlend(long)).toHaveLength(2);
    expect(blendParts([{ prompt: 'x' }, { prompt: 'y' }], [0, 3])).toEqual([{ prompt: 'y', share: 1 }]);
    expect(blendParts([{ prompt: 'x' }], [0])).toEqual([]);
  });
});

describe('who may use the radio controls', () => {
  const caller = (permissions: bigint, roles: string[] = [], listening = false) => ({ permissions, roleIds: new Set(roles), listening });
  it('without a DJ role: listeners and channel managers; settings and 24/7 are the admins\'', () => {
    const none = { djRoleId: null };
    expect(mayUse('stop', caller(0n, [], true), none).ok).toBe(true);
    expect(mayUse('stop', caller(0n), none)).toEqual({ ok: false, who: expect.stringMatching(/listeners in the radio’s voice channel/) });
    expect(mayUse('pause', caller(PermissionFlagsBits.ManageChannels), none).ok).toBe(true);
    expect(mayUse('settings', caller(0n, [], true), none).ok).toBe(false);
    expect(mayUse('settings', caller(PermissionFlagsBits.ManageGuild), none).ok).toBe(true);
    expect(mayUse('admin-settings', caller(PermissionFlagsBits.Administrator), none).ok).toBe(true);
  });

  it('with a DJ role: only the DJ (and admins), whoever is listening', () => {
    const dj = { djRoleId: '42' };
    expect(mayUse('stop', caller(0n, [], true), dj)).toEqual({ ok: false, who: expect.stringContaining('<@&42>') });
    expect(mayUse('stop', caller(PermissionFlagsBits.ManageChannels), dj).ok).toBe(false);
    expect(mayUse('skip-now', caller(0n, ['42']), dj).ok).toBe(true);
    expect(mayUse('settings', caller(0n, ['42']), dj).ok).toBe(true);
    expect(mayUse('admin-settings', caller(0n, ['42']), dj).ok).toBe(false);
    expect(mayUse('stop', caller(PermissionFlagsBits.ManageGuild), dj).ok).toBe(true);
  });
});

describe('the radio recorder', () => {
  it('keeps the last minutes of packets and the marks in force, in a bounded ring', () => {
    const r = new RadioRecorder(1); // 3000 packets
    r.mark('a');
    for (let i = 0; i < 1000; i++) r.push(Buffer.from([i & 255]));
    r.mark('b');
    r.mark('b'); // the same label again is not a new mark
    for (let i = 0; i < 2500; i++) r.push(Buffer.from([(1000 + i) & 255]));
    r.mark('c');
    for (let i = 0; i < 100; i++) r.push(Buffer.from([(3500 + i) & 255]));
    expect(r.seconds).toBe(60);
    const all = r.snapshot(1);
    expect(all.packets).toHaveLength(3000);
    expect(all.packets[0][0]).toBe(600 & 255); // packets 600..3599 are held
    expect(all.marks).toEqual([{ atMs: 0, label: 'a' }, { atMs: (1000 - 600) * 20, label: 'b' }, { atMs: (3500 - 600) * 20, label: 'c' }]);
    const last = r.snapshot(0.05); // 3 s: 150 packets, inside c after 100
    expect(last.packets).toHaveLength(150);
    expect(last.marks).toEqual([{ atMs: 0, label: 'b' }, { atMs: 50 * 20, label: 'c' }]);
  });

  it('estimates sizes, says what fits, and keeps its message under 2000 characters', () => {
    const limit = 8 * 1024 * 1024;
    expect(estimatedBytes(600, 'opus')).toBeLessThan(limit); // 10 minutes of Opus fit 8 MB
    expect(estimatedBytes(600, 'mp3')).toBeGreaterThan(limit);
    expect(estimatedBytes(secondsThatFit(limit, 'mp3'), 'mp3')).toBeLessThanOrEqual(limit);
    expect(estimatedBytes(secondsThatFit(limit, 'mp3') + 1, 'mp3')).toBeGreaterThan(limit);
    expect(tooLargeText(600, estimatedBytes(600, 'mp3'), 'mp3', limit)).toBe(
      '10:00 as MP3 is about 9.4 MB, and this server takes uploads up to 8.0 MB: the most that fits is 8:28 (/radio record minutes:8). OGG/Opus (the default) fits more.',
    );
    const marks = Array.from({ length: 200 }, (_, i) => ({ atMs: i * 3000, label: `prompt number ${i} `.repeat(5) }));
    const text = recordingText(600, 10, '123', marks);
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toMatch(/…and \d+ more changes$/);
    expect(recordingText(30, 2, '123', [{ atMs: 0, label: 'lofi' }])).toBe('🎙️ The last 0:30 of the radio in <#123>, as the channel heard it (it had played only that much of the 2 min asked for):\n`0:00` lofi');
  });
});
