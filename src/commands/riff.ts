/** /riff: text to music, optionally from a seed image or an uploaded clip (remix). */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { MAX_PROMPT_CHARS, MAX_STEPS, type JobSpec } from '../jobs/types.ts';
import { SCHEDULER_NAMES } from '../pipeline/diffusion/schedulers/types.ts';
import type { GenerationRequest } from '../pipeline/generation.ts';
import { checkAudioAttachment, loadAudioAttachment } from '../services/attachments.ts';
import type { BotContext } from '../services/context.ts';
import { deliverJob } from '../services/deliver.ts';
import { cut } from '../discord/limits.ts';
import { UserFacingError } from '../discord/errors.ts';
import { checkChannel, checkPrompt, checkSeedImage, DEFAULT_DENOISING, DEFAULT_GUIDANCE, randomSeed, seedImageChoices, settingsFor } from './shared.ts';
import type { SlashCommand } from './types.ts';

/** How much of a prompt the progress message's first line shows. */
const JOB_TITLE_PROMPT_CHARS = 150;

export function jobTitle(kind: string, prompt: string): string {
  const p = cut(prompt, JOB_TITLE_PROMPT_CHARS);
  return `🎵 **${kind}** · “${p}”`;
}

const data = new SlashCommandBuilder()
  .setName('riff')
  .setDescription('Make a short music clip from a text prompt')
  .addStringOption((o) => o.setName('prompt').setDescription('What the music should sound like').setRequired(true).setMaxLength(MAX_PROMPT_CHARS))
  .addStringOption((o) => o.setName('negative').setDescription('What to steer away from').setMaxLength(MAX_PROMPT_CHARS))
  .addIntegerOption((o) => o.setName('seed').setDescription('Seed for a reproducible result (random if omitted)').setMinValue(0).setMaxValue(2 ** 32 - 1))
  .addStringOption((o) => o.setName('seed_image').setDescription('Start from a shipped spectrogram (img2img)').setAutocomplete(true))
  .addNumberOption((o) => o.setName('denoising').setDescription('How far to move from the seed image or upload (0.05-1)').setMinValue(0.05).setMaxValue(1))
  .addIntegerOption((o) => o.setName('steps').setDescription('Diffusion steps (more: slower, finer)').setMinValue(1).setMaxValue(MAX_STEPS))
  .addNumberOption((o) => o.setName('guidance').setDescription('How closely to follow the prompt (0-20)').setMinValue(0).setMaxValue(20))
  .addStringOption((o) => o.setName('scheduler').setDescription('Diffusion scheduler').addChoices(...SCHEDULER_NAMES.map((s) => ({ name: s, value: s }))))
  .addAttachmentOption((o) => o.setName('audio').setDescription('A clip of your own to remix (MP3, WAV, OGG, FLAC)'));

async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const o = interaction.options;
  const { config } = ctx;
  const prompt = checkPrompt(o.getString('prompt', true), config.maxPromptChars);
  const negative = o.getString('negative');
  if (negative && negative.length > config.maxPromptChars) throw new UserFacingError(`The negative prompt is ${negative.length} characters long; the most is ${config.maxPromptChars}.`);
  const steps = o.getInteger('steps');
  if (steps !== null && steps > config.maxSteps) throw new UserFacingError(`At most ${config.maxSteps} steps are allowed here; pick fewer.`);
  const seedImage = checkSeedImage(o.getString('seed_image'));
  const audio = o.getAttachment('audio');
  if (audio && seedImage) throw new UserFacingError('Give either `seed_image` or `audio`, not both: each one is the starting point of the clip.');
  if (audio) checkAudioAttachment(audio, config.maxUploadBytes);
  await ctx.blocklist.check(interaction.guildId, [prompt, negative]);

  await interaction.deferReply();
  const settings = await settingsFor(interaction, ctx);
  checkChannel(interaction, settings);

  const request: GenerationRequest = {
    start: {
      prompt,
      ...(negative ? { negativePrompt: negative } : {}),
      seed: o.getInteger('seed') ?? randomSeed(),
      denoising: o.getNumber('denoising') ?? DEFAULT_DENOISING,
      guidance: o.getNumber('guidance') ?? DEFAULT_GUIDANCE,
    },
    model: config.model,
    ...(steps !== null ? { steps } : {}),
    ...(o.getString('scheduler') ? { scheduler: o.getString('scheduler') as GenerationRequest['scheduler'] } : {}),
    ...(seedImage ? { init: { seedImageId: seedImage } } : {}),
  };
  let spec: JobSpec;
  if (audio) {
    const bytes = await loadAudioAttachment(audio, config.maxUploadBytes, config.maxUploadSeconds);
    spec = { kind: 'remix', request, source: { audio: bytes } };
  } else {
    spec = { kind: 'riff', request };
  }
  await deliverJob(interaction, ctx, spec, jobTitle(audio ? 'Remix' : 'Riff', prompt), settings);
}

export const riff: SlashCommand = {
  data,
  execute,
  autocomplete: seedImageChoices,
};
