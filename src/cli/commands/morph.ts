/** `riffcord morph`: Riffusion's interpolation from one prompt to another, clip by clip, stitched. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { encodeAudio } from '../../pipeline/audio/encode.ts';
import { stitchClips } from '../../pipeline/audio/stitch.ts';
import type { SchedulerName } from '../../pipeline/diffusion/schedulers/types.ts';
import { CliError } from '../errors.ts';
import { writeFileAtomic } from '../io.ts';
import { numberOption } from '../options.ts';
import {
  denoisingOption,
  guidanceOption,
  imageRef,
  openGenerator,
  schedulerOption,
  seedOption,
  stepsOption,
  withCancel,
} from './riff.ts';

interface MorphOptions {
  steps: number;
  inferenceSteps?: number;
  seedA: number;
  seedB: number;
  denoising?: number;
  guidance?: number;
  scheduler?: SchedulerName;
  init: string;
  mask?: string;
  model?: string;
  crossfade: number;
  out: string;
}

/** N alphas from 0 to 1 inclusive (one alpha 0 when N = 1). */
export function morphAlphas(n: number): number[] {
  if (n === 1) return [0];
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : i / (n - 1)));
}

export function register(program: Command): void {
  program
    .command('morph')
    .description('interpolate from prompt A to prompt B (Riffusion riffuse), writing each clip and the stitched audio')
    .argument('<a>', 'start prompt')
    .argument('<b>', 'end prompt')
    .requiredOption('--steps <n>', 'number of clips from A to B (2-100)', numberOption('--steps', { integer: true, min: 1, max: 100 }))
    .option('--inference-steps <n>', 'denoising steps per clip (default from the model)', stepsOption)
    .option('--seed-a <n>', 'seed of prompt A', seedOption('--seed-a'), 0)
    .option('--seed-b <n>', 'seed of prompt B', seedOption('--seed-b'), 1)
    .option('--denoising <d>', 'how much of the init image each clip repaints, (0, 1]', denoisingOption('--denoising'))
    .option('--guidance <g>', 'guidance scale for both prompts', guidanceOption)
    .option('--scheduler <name>', 'sampler', schedulerOption)
    .option('--init <image|seed-id>', 'init image every clip starts from', 'og_beat')
    .option('--mask <image|id>', 'white is repainted, black kept')
    .option('--model <id|dir>', 'model id or folder')
    .option('--crossfade <s>', 'crossfade between clips in seconds', numberOption('--crossfade', { min: 0, max: 5 }), 0.25)
    .requiredOption('--out <dir>', 'output folder')
    .action(async (a: string, b: string, opts: MorphOptions) => {
      const gen = await openGenerator(opts.model);
      try {
        const d = gen.model.manifest.defaults;
        const init = imageRef(opts.init, '--init');
        if (!init) throw new CliError('--init is required for morph');
        const mask = imageRef(opts.mask, '--mask');
        const common = { guidance: opts.guidance ?? d.guidance, denoising: opts.denoising ?? d.denoising };
        const clips: Float32Array[] = [];
        let sampleRate = 0;
        const alphas = morphAlphas(opts.steps);
        for (const [i, alpha] of alphas.entries()) {
          const result = await withCancel(
            (o) =>
              gen.generate(
                {
                  start: { prompt: a, seed: opts.seedA, ...common },
                  end: { prompt: b, seed: opts.seedB, ...common },
                  alpha,
                  init,
                  ...(mask ? { mask } : {}),
                  ...(opts.inferenceSteps !== undefined ? { steps: opts.inferenceSteps } : {}),
                  ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
                },
                o,
              ),
            `clip ${i + 1}/${alphas.length}`,
          );
          const base = join(opts.out, `clip-${String(i).padStart(2, '0')}`);
          await writeFileAtomic(`${base}.png`, result.png);
          await writeFileAtomic(`${base}.wav`, await encodeAudio(result.audio, result.sampleRate, 'wav'));
          clips.push(result.audio);
          sampleRate = result.sampleRate;
          console.log(`${base}.png: alpha ${alpha.toFixed(3)}, ${result.timings.totalMs.toFixed(0)} ms`);
        }
        const stitched = stitchClips(clips, sampleRate, opts.crossfade);
        const path = join(opts.out, 'morph.wav');
        await writeFileAtomic(path, await encodeAudio(stitched, sampleRate, 'wav'));
        console.log(`${path}: ${(stitched.length / sampleRate).toFixed(2)} s from ${clips.length} clips`);
      } finally {
        await gen.close();
      }
    });
}
