/** /radio: endless generated music in a voice channel, steered by the listeners' votes. */
import { MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type Client, type Guild } from 'discord.js';
import type { BotContext } from '../bot/context.ts';
import { UserFacingError } from '../bot/errors.ts';
import { MAX_PROMPT_CHARS } from '../jobs/types.ts';
import { listenLink, listenLinkConfigFromEnv, ListenLinkConfigError } from '../studio/listen-link.ts';
import { LISTEN_LINK_TTL_SECONDS } from '../studio/listen-token.ts';
import { publishListenAlong } from '../voice/listen-along.ts';
import { radioJobsClient } from '../voice/jobs.ts';
import { radioManagerFor, type RadioManager } from '../voice/manager.ts';
import type { RadioSession } from '../voice/session.ts';
import { radioSettingsFromEnv } from '../voice/settings.ts';
import { NUMBER_EMOJIS } from '../voice/votes.ts';
import { checkPrompt, checkSeedImage, seedImageChoices } from './shared.ts';
import type { SlashCommand } from './types.ts';

/** What /radio needs from the bot's context. */
export type RadioContext = Pick<BotContext, 'redis' | 'log'> & { config: Pick<BotContext['config'], 'redisUrl' | 'redisPrefix' | 'model' | 'maxPromptChars'> };

export const DEFAULT_RADIO_PROMPT = 'chill lofi hip hop beat';

const data = new SlashCommandBuilder()
  .setName('radio')
  .setDescription('Endless generated music in your voice channel, steered by votes')
  .addSubcommand((s) =>
    s
      .setName('start')
      .setDescription('Start the radio in the voice channel you are in')
      .addStringOption((o) => o.setName('prompt').setDescription(`The style to start from (default: ${DEFAULT_RADIO_PROMPT})`).setMaxLength(MAX_PROMPT_CHARS))
      .addStringOption((o) => o.setName('seed_image').setDescription('Shipped spectrogram every clip starts from (img2img)').setAutocomplete(true))
      .addNumberOption((o) => o.setName('denoising').setDescription('How far clips move from the seed image (0.05-1)').setMinValue(0.05).setMaxValue(1)),
  )
  .addSubcommand((s) =>
    s
      .setName('suggest')
      .setDescription('Suggest the next style for this round’s vote')
      .addStringOption((o) => o.setName('prompt').setDescription('The style to suggest').setRequired(true).setMaxLength(MAX_PROMPT_CHARS)),
  )
  .addSubcommand((s) => s.setName('skip').setDescription('Vote to end this round now'))
  .addSubcommand((s) => s.setName('stop').setDescription('Stop the radio'))
  .addSubcommand((s) => s.setName('status').setDescription('What is playing, what comes next, the votes so far'))
  .addSubcommand((s) => s.setName('listen').setDescription('Post a link to listen along in a browser'));

/** The bot process's radio manager for this client (made on first use, from the environment's radio settings). */
export function radioManagerOf(client: Client, ctx: RadioContext): RadioManager {
  return radioManagerFor(client, () => {
    const settings = radioSettingsFromEnv();
    const { redisUrl, redisPrefix, model } = ctx.config;
    const onRedisError = (err: Error) => ctx.log.warn({ err: err.message }, 'radio redis connection error (reconnecting)');
    return { client, jobs: radioJobsClient({ redisUrl, prefix: redisPrefix, model, settings, onRedisError }), redis: ctx.redis, redisPrefix, log: ctx.log, settings, onLaunch: listenAlongHook(ctx) };
  });
}

/** With listen-along set up, every radio publishes its clips and state for the studio. */
export function listenAlongHook(ctx: RadioContext): ((s: RadioSession) => void) | undefined {
  return listenConfig(ctx) ? (s) => publishListenAlong(s, ctx.redis, ctx.config.redisPrefix, ctx.log) : undefined;
}

function listenConfig(ctx: RadioContext) {
  try {
    return listenLinkConfigFromEnv();
  } catch (err) {
    if (err instanceof ListenLinkConfigError) ctx.log.warn({ err: err.message }, 'listen-along is off: bad configuration');
    return null;
  }
}

function managerOf(interaction: ChatInputCommandInteraction, ctx: RadioContext): RadioManager {
  return radioManagerOf(interaction.client, ctx);
}

function guildOf(interaction: ChatInputCommandInteraction): Guild {
  if (!interaction.inCachedGuild()) throw new UserFacingError('The radio plays in a server’s voice channel; use /radio in a server, not in DMs.');
  return interaction.guild;
}

function runningRadio(manager: RadioManager, guild: Guild): RadioSession {
  const session = manager.get(guild.id);
  if (!session) throw new UserFacingError('No radio is playing in this server. Start one with /radio start while you are in a voice channel.');
  return session;
}

function requireListener(session: RadioSession, userId: string, what: string): void {
  if (!session.listenerIds().has(userId)) throw new UserFacingError(`Only listeners can ${what}: join <#${session.voiceChannelId}> first.`);
}

const ephemeral = (content: string) => ({ content, flags: MessageFlags.Ephemeral as const });

export async function runRadio(interaction: ChatInputCommandInteraction, ctx: RadioContext): Promise<void> {
  const guild = guildOf(interaction);
  const manager = managerOf(interaction, ctx);
  const userId = interaction.user.id;
  switch (interaction.options.getSubcommand()) {
    case 'start': {
      const prompt = checkPrompt(interaction.options.getString('prompt') ?? DEFAULT_RADIO_PROMPT, ctx.config.maxPromptChars);
      const seedImageId = checkSeedImage(interaction.options.getString('seed_image'));
      const denoising = interaction.options.getNumber('denoising') ?? undefined;
      if (manager.get(guild.id)) throw new UserFacingError(`A radio is already playing in this server (in <#${manager.get(guild.id)!.voiceChannelId}>). Use /radio suggest to steer it or /radio stop to end it.`);
      const channelId = manager.voiceChannelOf(guild, userId);
      await interaction.deferReply();
      await manager.start({ guild, userId, textChannelId: interaction.channelId, prompt, seedImageId, denoising, model: ctx.config.model });
      await interaction.editReply(`📻 Radio on in <#${channelId}>, starting from **${prompt}**. Suggest the next style with /radio suggest; vote with the number reactions.`);
      return;
    }
    case 'suggest': {
      const session = runningRadio(manager, guild);
      requireListener(session, userId, 'suggest');
      const prompt = checkPrompt(interaction.options.getString('prompt', true), ctx.config.maxPromptChars);
      const result = await session.suggest(userId, prompt);
      if (result.ok) await interaction.reply(ephemeral(`Added as ${NUMBER_EMOJIS[result.index]}. Listeners vote with the number reactions on the round’s message.`));
      else if (result.reason === 'duplicate') await interaction.reply(ephemeral(`That is already suggestion ${NUMBER_EMOJIS[result.index]} this round; vote for it with its reaction.`));
      else await interaction.reply(ephemeral('This round already has its 5 suggestions. Vote for one of them, or suggest again next round.'));
      return;
    }
    case 'skip': {
      const session = runningRadio(manager, guild);
      requireListener(session, userId, 'skip');
      const verdict = session.skip(userId);
      await interaction.reply(
        verdict.reached ? '⏭️ Skipping to the next round now.' : ephemeral(`Skip vote counted: ${verdict.count} of ${verdict.needed} needed.`),
      );
      return;
    }
    case 'stop': {
      const session = runningRadio(manager, guild);
      const admin = interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels) ?? false;
      if (!admin) requireListener(session, userId, 'stop the radio');
      await interaction.deferReply();
      await session.stop(`stopped by <@${userId}> with /radio stop`);
      await interaction.editReply('⏹️ Radio stopped.');
      return;
    }
    case 'status': {
      const s = runningRadio(manager, guild).status();
      const votes = s.suggestions.length ? s.suggestions.map((x, i) => `${NUMBER_EMOJIS[i]} ${x.prompt}: ${x.votes}`).join('\n') : 'no suggestions yet';
      const lines = [
        `📻 Playing **${s.prompt}**${s.paused ? ' (paused: nobody is listening)' : ''}${s.fallingBehind ? ' (falling behind: repeating a clip)' : ''}`,
        `Next target: ${s.nextTarget ? `**${s.nextTarget}**` : 'none'}`,
        `Round ${s.round}, ends <t:${Math.ceil(s.roundEndsAt / 1000)}:R>; votes so far:\n${votes}`,
        `Buffer: ${s.buffered} clip(s) ready, ${s.generating} generating · listeners: ${s.listeners}`,
      ];
      await interaction.reply(ephemeral(lines.join('\n')));
      return;
    }
    case 'listen': {
      runningRadio(manager, guild);
      const listen = listenConfig(ctx);
      if (!listen) throw new UserFacingError('Listen-along is not set up on this bot (its operator sets STUDIO_PUBLIC_URL and STUDIO_SECRET and runs the studio).');
      const hours = Math.round(LISTEN_LINK_TTL_SECONDS / 3600);
      await interaction.reply(`🎧 Listen along in a browser: ${listenLink(listen, guild.id)} (works for ${hours} hours)`);
      return;
    }
    default:
      throw new UserFacingError('Unknown /radio subcommand; Discord may be showing an old command list.');
  }
}

export const radio: SlashCommand = {
  data,
  execute: runRadio,
  autocomplete: seedImageChoices,
};
