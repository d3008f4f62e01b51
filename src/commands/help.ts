/** /help: what the bot does, its limits here, and the model with live workers. */
import { EmbedBuilder, MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../services/context.ts';
import { cut, DISCORD_LIMITS } from '../discord/limits.ts';
import { NO_MENTIONS } from '../discord/respond.ts';
import { settingsFor } from './shared.ts';
import type { SlashCommand } from './types.ts';

const data = new SlashCommandBuilder().setName('help').setDescription('What riffcord can do, its limits here and the model in use');

async function execute(listed: readonly SlashCommand[], interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const [models, settings] = await Promise.all([ctx.jobs.models(), settingsFor(interaction, ctx)]);
  const { config } = ctx;
  const serving = models.find((m) => m.modelId === config.model);
  const modelLine = serving
    ? `**${config.model}**: ${serving.workers} worker${serving.workers === 1 ? '' : 's'} online, ${serving.slots} job${serving.slots === 1 ? '' : 's'} at a time`
    : `**${config.model}**: no worker online right now, so new jobs are refused until one starts`;
  const perMinute = Math.min(config.limits.userPerMinute, settings.userPerMinute ?? Infinity);
  const inFlight = Math.min(config.limits.userInFlight, settings.userInFlight ?? Infinity);
  const embed = new EmbedBuilder()
    .setTitle('riffcord: music from text')
    .setColor(0x5865f2)
    .setDescription(
      [
        ...listed.map((c) => `\`/${c.data.name}\`: ${c.data.toJSON().description}`),
        '',
        'Buttons under each result: **Variation** (new seed), **Extend** (continue it), **Morph to…** and **Remix** (ask for a new prompt).',
        '`/riff` options: `negative`, `seed`, `seed_image`, `denoising`, `steps`, `guidance`, `scheduler`, and `audio` to remix a clip of your own.',
      ].join('\n'),
    )
    .addFields(
      { name: 'Model', value: modelLine },
      {
        name: 'Limits for you here',
        value: [
          `${inFlight} job${inFlight === 1 ? '' : 's'} at once, ${perMinute} per minute`,
          `prompts up to ${config.maxPromptChars} characters, up to ${config.maxSteps} steps`,
          `uploads up to ${Math.round(config.maxUploadBytes / 1024 / 1024)} MB and ${config.maxUploadSeconds} s`,
        ].join('\n'),
      },
      { name: 'Audio format here', value: settings.audioFormat === 'opus' ? 'OGG/Opus' : 'MP3', inline: true },
    );
  if (models.length > 1) embed.addFields({ name: 'Other models online', value: cut(models.filter((m) => m.modelId !== config.model).map((m) => m.modelId).join(', '), DISCORD_LIMITS.embedFieldValue) || 'none', inline: true });
  await interaction.editReply({ embeds: [embed], allowedMentions: NO_MENTIONS });
}

/** /help lists the commands it is registered with; they are passed in, so the list need not import it back. */
export function helpCommand(listed: () => readonly SlashCommand[]): SlashCommand {
  return { data, execute: (interaction, ctx) => execute(listed(), interaction, ctx) };
}
