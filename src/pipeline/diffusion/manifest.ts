/**
 * riffcord.json: what a model folder adds to the diffusers ONNX layout, so a model that is not
 * shaped like Stable Diffusion 1.x (another latent size, image size or spectrogram format) is
 * served by the same pipeline code. Every field is optional; absent fields take SD 1.x /
 * Riffusion values (see SD15_MANIFEST_DEFAULTS).
 */
import type { SpectrogramParams } from '../spectrogram/params.ts';
import type { SchedulerName } from './schedulers/types.ts';

export interface ModelManifest {
  /** Stable id used by the queue and the bot, e.g. "riffcord-small" or "riffusion-v1". */
  id: string;
  /** Human-readable name shown in /help and embeds. */
  displayName: string;
  /** Pixel size of the images the VAE decoder produces. */
  image: { width: number; height: number };
  latent: {
    channels: number;
    /** Image pixels per latent pixel along each axis (8 for SD). */
    downsample: number;
    /** Multiplier applied to VAE encoder latents (SD 1.x: 0.18215). */
    scalingFactor: number;
  };
  /** Token sequence length the text encoder takes (77 for CLIP). */
  maxTokens: number;
  /** Spectrogram params the images are in; Riffusion's defaults for the real checkpoint. */
  spectrogram: Partial<SpectrogramParams>;
  defaults: { steps: number; guidance: number; scheduler?: SchedulerName; denoising: number };
}

export const SD15_MANIFEST_DEFAULTS: Omit<ModelManifest, 'id' | 'displayName'> = {
  image: { width: 512, height: 512 },
  latent: { channels: 4, downsample: 8, scalingFactor: 0.18215 },
  maxTokens: 77,
  spectrogram: {},
  defaults: { steps: 50, guidance: 7, denoising: 0.75 },
};
