/**
 * ADAPTER (small, on purpose): uploaded audio bytes -> spectrogram PNG for remix jobs.
 * The spectrogram engine has no single `audioToImage` export yet, so this composes its pieces
 * (decodeAudio -> audioToMel -> melToImageFile) with Riffusion's default params and the first
 * 5.12 s (512 columns) of the upload. Replace the body with the engine's audioToImage once it exists.
 */
import { decodeAudio, AudioDecodeError } from '../pipeline/audio/decode.ts';
import { audioToMel } from '../pipeline/spectrogram/converter.ts';
import { melToImageFile } from '../pipeline/spectrogram/image.ts';
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
  const { bytes: png } = await melToImageFile(audioToMel(channels, params), params, 'png');
  return png;
}
