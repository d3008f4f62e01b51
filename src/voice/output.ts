/**
 * The radio's way out: PCM -> volume -> Opus -> recorder tap -> the voice player. The same
 * prism-media stages @discordjs/voice builds for a raw resource with inline volume, assembled
 * here so the recorder sees exactly the packets that are sent.
 */
import { pipeline, type Readable } from 'node:stream';
import { createAudioResource, StreamType, type AudioResource } from '@discordjs/voice';
import prism from 'prism-media';
import { CHANNELS, FRAME_SAMPLES, SAMPLE_RATE } from './crossfade-stream.ts';
import type { RadioRecorder } from './recorder.ts';

export interface RadioOutput {
  resource: AudioResource;
  setVolume(volume: number): void;
}

export function createRadioOutput(pcm: Readable, recorder: RadioRecorder, volume: number, onError: (err: Error) => void): RadioOutput {
  const gain = new prism.VolumeTransformer({ type: 's16le', volume });
  const encoder = new prism.opus.Encoder({ rate: SAMPLE_RATE, channels: CHANNELS, frameSize: FRAME_SAMPLES });
  const tap = recorder.tap();
  pipeline(pcm, gain, encoder, tap, (err) => {
    if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') onError(err);
  });
  return { resource: createAudioResource(tap, { inputType: StreamType.Opus }), setVolume: (v) => gain.setVolume(v) };
}
