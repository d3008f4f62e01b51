/** /morph: a clip that moves from one prompt to another, with an animated spectrogram. */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { MAX_MORPH_CLIPS, MAX_PROMPT_CHARS } from '../jobs/types.ts';
import type { BotContext } from '../services/context.ts';
import { deliverJob } from '../services/deliver.ts';
import { checkChannel, checkPrompt, checkSeedImage, DEFAULT_DENOISING, DEFAULT_GUIDANCE, randomSeed, seedImageChoices, settingsFor } from './shared.ts';
import { jobTitle } from './riff.ts';
import type { SlashCommand } from './types.ts';

export const DEFAULT_MORPH_CLIPS = 4;

const data = new SlashCommandBuilder()
  .setName('morph')
  .setDescription('Morph from one prompt to another: stitched audio and a scrolling spectrogram')
  .addStringOption((o) => o.setName('from').setDescription('Where the music starts').setRequired(true).setMaxLength(MAX_PROMPT_CHARS))
  .addStringOption((o) => o.setName('to').setDescription('Where the music ends up').setRequired(true).setMaxLength(MAX_PROMPT_CHARS))
  .addIntegerOption((o) => o.setName('steps').setDescription(`Clips along the way (2-${MAX_MORPH_CLIPS}, default ${DEFAULT_MORPH_CLIPS})`).setMinValue(2).setMaxValue(MAX_MORPH_CLIPS))
  .addIntegerOption((o) => o.setName('seed_from').setDescription('Seed of the start (random if omitted)').setMinValue(0).setMaxValue(2 ** 32 - 1))
  .addIntegerOption((o) => o.setName('seed_to').setDescription('Seed of the end (the start seed if omitted)').setMinValue(0).setMaxValue(2 ** 32 - 1))
  .addNumberOption((o) => o.setName('denoising').setDescription('How far to move from the seed image (0.05-1)').setMinValue(0.05).setMaxValue(1))
  .addStringOption((o) => o.setName('seed_image').setDescription('Start every clip from a shipped spectrogram').setAutocomplete(true))
  .addStringOption((o) => o.setName('animation').setDescription('Animated spectrogram format (default WebP)').addChoices({ name: 'WebP', value: 'webp' }, { name: 'GIF', value: 'gif' }));

async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const o = interaction.options;
  const from = checkPrompt(o.getString('from', true), ctx.config.maxPromptChars, 'The `from` prompt');
  const to = checkPrompt(o.getString('to', true), ctx.config.maxPromptChars, 'The `to` prompt');
  const seedImage = checkSeedImage(o.getString('seed_image'));
  const clips = o.getInteger('steps') ?? DEFAULT_MORPH_CLIPS;
  const seedFrom = o.getInteger('seed_from') ?? randomSeed();
  const denoising = o.getNumber('denoising') ?? DEFAULT_DENOISING;
  await ctx.blocklist.check(interaction.guildId, [from, to]);

  await interaction.deferReply();
  const settings = await settingsFor(interaction, ctx);
  checkChannel(interaction, settings);
  await deliverJob(
    interaction,
    ctx,
    {
      kind: 'morph',
      clips,
      animation: (o.getString('animation') as 'webp' | 'gif' | null) ?? 'webp',
      request: {
        model: ctx.config.model,
        start: { prompt: from, seed: seedFrom, denoising, guidance: DEFAULT_GUIDANCE },
        end: { prompt: to, seed: o.getInteger('seed_to') ?? seedFrom, denoising, guidance: DEFAULT_GUIDANCE },
        ...(seedImage ? { init: { seedImageId: seedImage } } : {}),
      },
    },
    jobTitle('Morph', `${from} → ${to}`),
    settings,
  );
}

export const morph: SlashCommand = { data, execute, autocomplete: seedImageChoices };
