/** /radio: endless generated music in a voice channel, steered by the listeners' votes. */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction, type Guild } from 'discord.js';
import { UserFacingError } from '../discord/errors.ts';
import { MAX_PROMPT_CHARS } from '../jobs/types.ts';
import { listenLink, listenLinkConfigOrOff } from '../studio/listen-link.ts';
import { LISTEN_LINK_TTL_SECONDS } from '../studio/listen-token.ts';
import type { RadioManager } from '../voice/manager.ts';
import { statusMessage } from '../voice/messages.ts';
import type { RadioSession } from '../voice/session.ts';
import { NUMBER_EMOJIS } from '../voice/votes.ts';
import { checkPrompt, checkSeedImage, seedImageChoices } from './shared.ts';
import { addControlSubcommands, CONTROL_SUBCOMMANDS, controlsStore, requireControl, runRadioControl, whoMay } from './radio-controls.ts';
import { addRecordSubcommand, runRecord } from './radio-record.ts';
import type { CommandContext, SlashCommand } from './types.ts';

/** What /radio needs from the command context. */
export type RadioContext = Pick<CommandContext, 'redis' | 'log' | 'blocklist' | 'radios'> & { config: Pick<CommandContext['config'], 'redisPrefix' | 'model' | 'maxPromptChars'> };

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
  .addSubcommand((s) =>
    s
      .setName('skip')
      .setDescription('Vote to end this round now')
      .addBooleanOption((o) => o.setName('now').setDescription('End the round at once, without a vote (the DJ, or listeners when there is none)')),
  )
  .addSubcommand((s) => s.setName('stop').setDescription('Stop the radio'))
  .addSubcommand((s) => s.setName('status').setDescription('What is playing, what comes next, the votes so far'))
  .addSubcommand((s) => s.setName('listen').setDescription('Post a link to listen along in a browser'));
addRecordSubcommand(addControlSubcommands(data));

function cachedOf(interaction: ChatInputCommandInteraction): ChatInputCommandInteraction<'cached'> {
  if (!interaction.inCachedGuild()) throw new UserFacingError('The radio plays in a server’s voice channel; use /radio in a server, not in DMs.');
  return interaction;
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

export async function runRadio(raw: ChatInputCommandInteraction, ctx: RadioContext): Promise<void> {
  const interaction = cachedOf(raw);
  const guild = interaction.guild;
  const manager = ctx.radios;
  const userId = interaction.user.id;
  const sub = interaction.options.getSubcommand();
  const controls = controlsStore(ctx);
  if ((CONTROL_SUBCOMMANDS as readonly string[]).includes(sub)) {
    await runRadioControl(interaction, controls, manager.get(guild.id), sub as (typeof CONTROL_SUBCOMMANDS)[number]);
    return;
  }
  if (sub === 'record') {
    await runRecord(interaction, manager.get(guild.id));
    return;
  }
  switch (sub) {
    case 'start': {
      const prompt = checkPrompt(interaction.options.getString('prompt') ?? DEFAULT_RADIO_PROMPT, ctx.config.maxPromptChars);
      const seedImageId = checkSeedImage(interaction.options.getString('seed_image'));
      const denoising = interaction.options.getNumber('denoising') ?? undefined;
      if (manager.get(guild.id)) throw new UserFacingError(`A radio is already playing in this server (in <#${manager.get(guild.id)!.voiceChannelId}>). Use /radio suggest to steer it or /radio stop to end it.`);
      const channelId = manager.voiceChannelOf(guild, userId);
      await ctx.blocklist.check(guild.id, [prompt]);
      const c = await controls.get(guild.id);
      await interaction.deferReply();
      await manager.start({ guild, userId, textChannelId: interaction.channelId, prompt, seedImageId, denoising, model: ctx.config.model, controls: { volume: c.volume, stay: c.stayInChannel, voteMode: c.voteMode } });
      await interaction.editReply(`📻 Radio on in <#${channelId}>, starting from **${prompt}**. Suggest the next style with /radio suggest; vote with the number reactions.`);
      return;
    }
    case 'suggest': {
      const session = runningRadio(manager, guild);
      requireListener(session, userId, 'suggest');
      const prompt = checkPrompt(interaction.options.getString('prompt', true), ctx.config.maxPromptChars);
      await ctx.blocklist.check(guild.id, [prompt]);
      // Saving and posting the vote message takes several Redis and Discord calls: answer within 3 s first.
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const result = await session.suggest(userId, prompt);
      if (result.ok) await interaction.editReply(`Added as ${NUMBER_EMOJIS[result.index]}. Listeners vote with the number reactions on the round’s message.`);
      else if (result.reason === 'duplicate') await interaction.editReply(`That is already suggestion ${NUMBER_EMOJIS[result.index]} this round; vote for it with its reaction.`);
      else await interaction.editReply('This round already has its 5 suggestions. Vote for one of them, or suggest again next round.');
      return;
    }
    case 'skip': {
      const session = runningRadio(manager, guild);
      const c = await controls.get(guild.id);
      if (interaction.options.getBoolean('now')) {
        requireControl(interaction, 'skip-now', c, session);
        session.skipNow();
        await interaction.reply({ content: `⏭️ <@${userId}> ended the round: moving to the next one now.`, allowedMentions: { parse: [] } });
        return;
      }
      if (!c.voteSkip) {
        throw new UserFacingError(`Vote-skip is off on this server. Only ${whoMay('skip-now', c)} can end the round, with /radio skip now:True.`);
      }
      requireListener(session, userId, 'skip');
      const verdict = session.skip(userId);
      await interaction.reply(
        verdict.reached ? '⏭️ Skipping to the next round now.' : ephemeral(`Skip vote counted: ${verdict.count} of ${verdict.needed} needed.`),
      );
      return;
    }
    case 'stop': {
      const session = runningRadio(manager, guild);
      requireControl(interaction, 'stop', await controls.get(guild.id), session);
      await interaction.deferReply();
      await session.stop(`stopped by <@${userId}> with /radio stop`);
      await interaction.editReply('⏹️ Radio stopped.');
      return;
    }
    case 'status': {
      await interaction.reply(ephemeral(statusMessage(runningRadio(manager, guild).status())));
      return;
    }
    case 'listen': {
      runningRadio(manager, guild);
      const listen = listenLinkConfigOrOff(ctx.log);
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
