/** The spectrogram engine's public face: audio files <-> Riffusion spectrogram image files. */
import { decodeAudio } from '../audio/decode.ts';
import { audioToMel, melToAudio, type MelToAudioOptions, type MelToAudioTimings } from './converter.ts';
import { decodeImageFile, melToImageFile, type ImageFileFormat } from './image.ts';
import { withDefaults, type SpectrogramParams } from './params.ts';

export * from './params.ts';
export { audioToMel, melToAudio, mixToMono, type MelToAudioOptions } from './converter.ts';
export { decodeImageFile, melToImageFile, readImageParams, rgbToMel, melToRgb, type MelSpectrogram } from './image.ts';

export interface AudioToImageOptions {
  params?: Partial<SpectrogramParams>;
  startSeconds?: number;
  durationSeconds?: number;
  format?: ImageFileFormat;
}

export async function audioFileToImage(input: Uint8Array | string, opts: AudioToImageOptions = {}) {
  const params = withDefaults(opts.params);
  const audio = await decodeAudio(input, {
    sampleRate: params.sampleRate,
    // Two channels always: mono is then the plain average of left and right, as Riffusion mixes.
    channels: 2,
    startSeconds: opts.startSeconds,
    durationSeconds: opts.durationSeconds,
  });
  return samplesToImage(audio.channels, params, opts.format);
}

export async function samplesToImage(channels: Float32Array[], params: SpectrogramParams, format: ImageFileFormat = 'png') {
  const mel = audioToMel(channels, params);
  const file = await melToImageFile(mel, params, format);
  return { bytes: file.bytes, params: file.params, width: mel.frames, height: mel.numMels };
}

export interface ImageToAudioResult {
  channels: Float32Array[];
  sampleRate: number;
  params: SpectrogramParams;
  warnings: string[];
  timings: MelToAudioTimings;
}

export async function imageFileToAudio(
  bytes: Uint8Array,
  opts: MelToAudioOptions & { params?: Partial<SpectrogramParams> } = {},
): Promise<ImageToAudioResult> {
  const decoded = await decodeImageFile(bytes, opts.params);
  const audio = await melToAudio(decoded.mel, decoded.params, opts);
  return { ...audio, params: decoded.params, warnings: decoded.warnings };
}
