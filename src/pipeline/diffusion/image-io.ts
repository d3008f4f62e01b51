/**
 * Pixels in and out of the pipeline: init images to [-1, 1] CHW tensors, masks to latent-sized
 * keep-maps (Riffusion's convention: white repainted, black kept), and VAE output to uint8 RGB.
 */
import sharp from 'sharp';
import { InvalidRequestError } from './errors.ts';

async function rawRgb(bytes: Uint8Array, width: number, height: number, what: string, kernel: 'lanczos3' | 'nearest', grey = false) {
  try {
    let img = sharp(bytes).removeAlpha().resize(width, height, { fit: 'fill', kernel });
    if (grey) img = img.greyscale();
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return { data, channels: info.channels };
  } catch (e) {
    throw new InvalidRequestError(`${what} is not a readable image (${(e as Error).message}); give a PNG or JPEG file or a seed image id`);
  }
}

/** Init image -> [3, height, width] floats in [-1, 1] (resized to the model's image size). */
export async function imageToTensor(bytes: Uint8Array, width: number, height: number): Promise<Float32Array> {
  const { data, channels } = await rawRgb(bytes, width, height, 'init image', 'lanczos3');
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (data[i * channels + Math.min(c, channels - 1)] / 255) * 2 - 1;
  }
  return out;
}

/**
 * Mask image -> per-latent-element keep factor: 1 - grey/255 at latent resolution (nearest),
 * repeated over the latent channels. 1 keeps the init image, 0 repaints.
 */
export async function maskToLatentKeep(bytes: Uint8Array, channels: number, height: number, width: number): Promise<Float32Array> {
  const { data, channels: ch } = await rawRgb(bytes, width, height, 'mask image', 'nearest', true);
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    const keep = 1 - data[i * ch] / 255;
    for (let c = 0; c < channels; c++) out[c * plane + i] = keep;
  }
  return out;
}

/** VAE output CHW in [-1, 1] -> interleaved uint8 RGB, as Riffusion: round(clamp(x/2+0.5) * 255). */
export function tensorToRgb(chw: Float32Array, width: number, height: number): Uint8Array {
  const plane = width * height;
  if (chw.length !== 3 * plane) throw new Error(`decoder output has ${chw.length} values, expected 3x${height}x${width}`);
  const out = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, chw[c * plane + i] / 2 + 0.5));
      out[i * 3 + c] = Math.round(v * 255);
    }
  }
  return out;
}
