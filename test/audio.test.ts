import { describe, expect, it } from 'vitest';
import { decodeAudio, AudioDecodeError } from '../src/pipeline/audio/decode.ts';
import { encodeAudio, encodeWav } from '../src/pipeline/audio/encode.ts';
import { integratedLoudness, normalizeLoudness, peak } from '../src/pipeline/audio/loudness.ts';
import { stitchClips, StitchError } from '../src/pipeline/audio/stitch.ts';

const sine = (hz: number, seconds: number, amp: number, rate = 44100) =>
  Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));

describe('loudness', () => {
  it('measures a full-scale 997 Hz sine at -3.01 LUFS (BS.1770 reference)', () => {
    expect(integratedLoudness([sine(997, 5, 1, 48000)], 48000)).toBeCloseTo(-3.01, 1);
  });
  it('normalises clips of different levels to the same loudness', () => {
    const quiet = [sine(440, 3, 0.01)];
    const loud = [sine(440, 3, 0.5)];
    normalizeLoudness(quiet, 44100, { lufs: -20, peakDbfs: -1 });
    normalizeLoudness(loud, 44100, { lufs: -20, peakDbfs: -1 });
    expect(integratedLoudness(quiet, 44100)).toBeCloseTo(-20, 1);
    expect(integratedLoudness(loud, 44100)).toBeCloseTo(-20, 1);
  });
  it('respects the peak ceiling and leaves silence silent', () => {
    const x = [sine(440, 1, 0.1)];
    normalizeLoudness(x, 44100, { lufs: 0, peakDbfs: -1 });
    expect(peak(x)).toBeLessThanOrEqual(10 ** (-1 / 20) + 1e-6);
    const silent = [new Float32Array(44100)];
    expect(normalizeLoudness(silent, 44100)).toBe(1);
    expect(peak(silent)).toBe(0);
  });
});

describe('equal-power stitching', () => {
  it('keeps the length arithmetic and a steady level across the join of uncorrelated clips', () => {
    const rate = 44100;
    let seed = 1;
    const noise = () => Float32Array.from({ length: rate }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5));
    const out = stitchClips([noise(), noise()], rate, 0.25);
    expect(out.length).toBe(2 * rate - Math.round(0.25 * rate));
    const rms = (a: Float32Array, s: number, e: number) => Math.sqrt(a.subarray(s, e).reduce((x, v) => x + v * v, 0) / (e - s));
    const before = rms(out, 0, rate / 2);
    const during = rms(out, rate - Math.round(0.2 * rate), rate - Math.round(0.05 * rate));
    expect(during / before).toBeGreaterThan(0.85);
    expect(during / before).toBeLessThan(1.15);
  });
  it('has no step at the join of a continuous tone', () => {
    const a = sine(220, 1, 0.5);
    const out = stitchClips([a, a.slice()], 44100, 0.1);
    let maxStep = 0;
    for (let i = 1; i < out.length; i++) maxStep = Math.max(maxStep, Math.abs(out[i] - out[i - 1]));
    expect(maxStep).toBeLessThan(0.1);
  });
  it('rejects nonsense', () => {
    expect(() => stitchClips([], 44100)).toThrow(StitchError);
    expect(() => stitchClips([new Float32Array(10)], 44100, -1)).toThrow(/0 seconds or more/);
  });
});

describe('codecs (ffmpeg)', () => {
  it('round-trips WAV, MP3 and OGG/Opus with the right duration', async () => {
    const x = sine(440, 2, 0.5);
    for (const format of ['wav', 'mp3', 'opus'] as const) {
      const bytes = await encodeAudio(x, 44100, format);
      const back = await decodeAudio(bytes, { sampleRate: 44100 });
      expect(Math.abs(back.channels[0].length / 44100 - 2)).toBeLessThan(0.08);
      expect(peak(back.channels)).toBeGreaterThan(0.3);
    }
  });
  it('decodes 8/24/32-bit int and float WAV at other rates, mixing channels down', async () => {
    const { runFfmpeg } = await import('../src/pipeline/audio/ffmpeg.ts');
    const stereo = encodeWav([sine(440, 1, 0.5, 22050), sine(440, 1, 0.5, 22050)], 22050);
    for (const codec of ['pcm_u8', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le', 'flac']) {
      const run = await runFfmpeg(['-i', 'pipe:0', '-c:a', codec, '-f', codec === 'flac' ? 'flac' : 'wav', 'pipe:1'], stereo);
      expect(run.code).toBe(0);
      const back = await decodeAudio(run.stdout);
      expect(back.channels).toHaveLength(1);
      expect(Math.abs(back.channels[0].length - 44100)).toBeLessThan(200);
      expect(peak(back.channels)).toBeGreaterThan(0.4);
    }
  });
  it('reads plain WAV at the target rate directly, sample for sample what ffmpeg gives', async () => {
    const { runFfmpeg } = await import('../src/pipeline/audio/ffmpeg.ts');
    const { parseWav } = await import('../src/pipeline/audio/wav.ts');
    const stereo = encodeWav([sine(440, 1.5, 0.5), sine(660, 1.5, 0.25)], 44100);
    const mono = encodeWav([sine(440, 1.5, 0.5)], 44100);
    // Direct: stereo as stereo, mono as mono or duplicated; stereo to mono stays with ffmpeg.
    const cases = [[stereo, [2]], [mono, [1, 2]]] as const;
    for (const codec of ['pcm_u8', 'pcm_s16le', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le', 'pcm_f64le']) for (const [source, wanted] of cases) {
      const file = (await runFfmpeg(['-i', 'pipe:0', '-c:a', codec, '-f', 'wav', 'pipe:1'], source)).stdout;
      expect(parseWav(file), codec).toBeDefined();
      for (const channels of wanted) {
        const opts = { sampleRate: 44100, channels, startSeconds: 0.25, durationSeconds: 1.0 };
        const direct = await decodeAudio(file, opts);
        const viaFfmpeg = await runFfmpeg(
          ['-i', 'pipe:0', '-ss', '0.25', '-t', '1', '-vn', '-ac', String(channels), '-ar', '44100', '-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1'],
          file,
        );
        const ref = new Float32Array(viaFfmpeg.stdout.buffer.slice(viaFfmpeg.stdout.byteOffset, viaFfmpeg.stdout.byteOffset + viaFfmpeg.stdout.length));
        expect(direct.channels).toHaveLength(channels);
        expect(direct.channels[0].length * channels, `${codec} ${channels} ch`).toBe(ref.length);
        let worst = 0;
        for (let i = 0; i < direct.channels[0].length; i++) {
          for (let c = 0; c < channels; c++) worst = Math.max(worst, Math.abs(direct.channels[c][i] - ref[i * channels + c]));
        }
        expect(worst, `${codec} ${channels} ch`).toBeLessThan(1e-6);
      }
    }
    // Not at the target rate: left to ffmpeg, whose seek on piped input now yields samples too.
    const at22k = encodeWav([sine(440, 1, 0.5, 22050)], 22050);
    expect((await decodeAudio(at22k, { sampleRate: 44100 })).channels[0].length).toBe(44100);
    expect((await decodeAudio(at22k, { sampleRate: 44100, startSeconds: 0.5 })).channels[0].length).toBe(22050);
  });
  it('gives clear errors for empty, truncated and non-audio input', async () => {
    await expect(decodeAudio(new Uint8Array())).rejects.toThrow(/empty/);
    await expect(decodeAudio(Buffer.from('this is not audio at all, just text'))).rejects.toThrow(AudioDecodeError);
    const wav = encodeWav([sine(440, 1, 0.5)], 44100);
    await expect(decodeAudio(wav.subarray(0, 30))).rejects.toThrow(AudioDecodeError);
    const headerOnly = encodeWav([new Float32Array(0).fill(0)].map(() => new Float32Array(1)), 44100).subarray(0, 44);
    await expect(decodeAudio(headerOnly)).rejects.toThrow(/no audio samples|could not be read/);
  });
});
