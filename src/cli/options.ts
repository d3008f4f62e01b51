/** Shared option parsers and the spectrogram params flags used by several commands. */
import { InvalidArgumentError, type Command } from 'commander';
import type { SpectrogramParams } from '../pipeline/spectrogram/params.ts';

export function numberOption(flag: string, { integer = false, min = -Infinity, max = Infinity } = {}) {
  return (raw: string): number => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`${flag} expects a number, got "${raw}"`);
    if (integer && !Number.isInteger(v)) throw new InvalidArgumentError(`${flag} expects a whole number, got "${raw}"`);
    if (v < min || v > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${v}`);
    return v;
  };
}

const PARAM_FLAGS: Array<[keyof SpectrogramParams, string, string]> = [
  ['sampleRate', '--sample-rate <hz>', 'audio sample rate (default 44100)'],
  ['stepSizeMs', '--step-size-ms <ms>', 'hop between frames (default 10)'],
  ['windowDurationMs', '--window-duration-ms <ms>', 'analysis window (default 100)'],
  ['paddedDurationMs', '--padded-duration-ms <ms>', 'FFT length (default 400)'],
  ['numFrequencies', '--num-frequencies <n>', 'mel bins = image height (default 512)'],
  ['minFrequency', '--min-frequency <hz>', 'lowest mel frequency (default 0)'],
  ['maxFrequency', '--max-frequency <hz>', 'highest mel frequency (default 10000)'],
  ['powerForImage', '--power-for-image <p>', 'exponent of the image mapping (default 0.25)'],
];

export function addParamsOptions(cmd: Command): Command {
  for (const [, flag, help] of PARAM_FLAGS) cmd.option(flag, help, numberOption(flag.split(' ')[0]));
  return cmd;
}

export function paramsFromOptions(opts: Record<string, unknown>): Partial<SpectrogramParams> {
  const out: Partial<SpectrogramParams> = {};
  for (const [key] of PARAM_FLAGS) {
    const v = opts[key];
    if (typeof v === 'number') (out as Record<string, number>)[key] = v;
  }
  if (opts.stereo === true) out.stereo = true;
  return out;
}
