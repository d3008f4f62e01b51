/**
 * Uploaded audio bytes -> spectrogram PNG for remix jobs, in the serving model's spectrogram
 * params and image width (the first `width` frames of the upload, 5.12 s for both shipped formats).
 */
import { decodeAudio, AudioDecodeError } from '../pipeline/audio/decode.ts';
import { samplesToImage } from '../pipeline/spectrogram/index.ts';
import { RIFFUSION_DEFAULTS, samplesForFrames, type SpectrogramParams } from '../pipeline/spectrogram/params.ts';
import { JobInputError } from './errors.ts';

export async function uploadedAudioToPng(bytes: Uint8Array, width = 512, params: SpectrogramParams = { ...RIFFUSION_DEFAULTS }): Promise<Uint8Array> {
  const seconds = samplesForFrames(width, params) / params.sampleRate;
  let channels: Float32Array[];
  try {
    ({ channels } = await decodeAudio(bytes, { sampleRate: params.sampleRate, channels: 1, durationSeconds: seconds }));
  } catch (err) {
    if (err instanceof AudioDecodeError) throw new JobInputError(`the uploaded audio could not be read: ${err.message}`);
    throw err;
  }
  if (channels[0].length < params.sampleRate * 0.5) throw new JobInputError('the uploaded audio is shorter than half a second');
  const { bytes: png } = await samplesToImage(channels, params);
  return png;
}
