/**
 * Radio clips are decoded and levelled on their own thread (src/voice/clip-prep.ts): the result is
 * what the inline path gave, a bad clip fails with the decoder's own error, and a thread that dies
 * fails what it held and is replaced.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AudioDecodeError, decodeAudio } from '../src/pipeline/audio/decode.ts';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import { DEFAULT_LOUDNESS, integratedLoudness } from '../src/pipeline/audio/loudness.ts';
import { levelClip } from '../src/voice/level.ts';
import { ClipPrepCrashedError, prepareClip, stopClipPrep } from '../src/voice/clip-prep.ts';

function toneWav(seconds: number, sampleRate = 44_100): Uint8Array {
  const x = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / sampleRate) + 0.1 * Math.sin((2 * Math.PI * 3300 * i) / sampleRate);
  return encodeWav([x], sampleRate);
}

afterAll(() => stopClipPrep());

describe('clip preparation thread', () => {
  it('gives the same stereo 48 kHz PCM at the loudness target as decoding and levelling inline', async () => {
    const wav = toneWav(5.12);
    const [left, right] = await prepareClip(wav, 48_000, DEFAULT_LOUDNESS);
    const inline = (await decodeAudio(wav, { sampleRate: 48_000, channels: 2 })).channels;
    await levelClip(inline, 48_000, DEFAULT_LOUDNESS);
    expect(left.length).toBe(inline[0].length);
    expect(right.length).toBe(inline[1].length);
    let maxDiff = 0;
    for (let i = 0; i < left.length; i++) maxDiff = Math.max(maxDiff, Math.abs(left[i] - inline[0][i]));
    expect(maxDiff).toBeLessThan(1e-6);
    expect(Math.abs(integratedLoudness([left, right], 48_000) - DEFAULT_LOUDNESS.lufs)).toBeLessThan(0.2);
  });

  it('fails a clip that is not audio with the decoder’s own error, and keeps serving', async () => {
    const err = await prepareClip(new TextEncoder().encode('not a wav file at all'), 48_000, DEFAULT_LOUDNESS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioDecodeError);
    expect((err as Error).message).toMatch(/could not be read as audio/);
    expect((await prepareClip(toneWav(1), 48_000, DEFAULT_LOUDNESS))[0].length).toBe(48_000);
  });

  it('fails the clips a stopped thread held, then starts a new one', async () => {
    const held = prepareClip(toneWav(5.12), 48_000, DEFAULT_LOUDNESS);
    await stopClipPrep();
    await expect(held).rejects.toBeInstanceOf(ClipPrepCrashedError);
    expect((await prepareClip(toneWav(1), 48_000, DEFAULT_LOUDNESS))[1].length).toBe(48_000);
  });
});
