/** Spectrogram PNG -> mono samples for the diffusion generator, wired by the worker's composition root. */
import type { ToAudio } from '../pipeline/diffusion/generator.ts';
import { melToAudio, mixToMono } from '../pipeline/spectrogram/converter.ts';
import { decodeImageFile } from '../pipeline/spectrogram/image.ts';

export const pngToAudio: ToAudio = async (png) => {
  const { mel, params } = await decodeImageFile(png);
  const { channels, sampleRate } = await melToAudio(mel, params);
  return { audio: channels.length === 1 ? channels[0] : mixToMono(channels), sampleRate };
};
