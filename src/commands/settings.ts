/** /settings: server admins choose the audio format, where the bot posts, and tighter per-person limits. */
import {
  ChannelType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { BotContext } from '../services/context.ts';
import { UserFacingError } from '../discord/errors.ts';
import { NO_MENTIONS } from '../discord/respond.ts';
import { MAX_ALLOWED_CHANNELS, type GuildSettings } from '../services/settings.ts';
import { blocklistSubcommand, runBlocklistSettings } from './blocklist-settings.ts';
import type { SlashCommand } from './types.ts';

const data = new SlashCommandBuilder()
  .setName('settings')
  .setDescription('Server settings for riffcord (admins)')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => s.setName('show').setDescription('Show the current settings'))
  .addSubcommand((s) =>
    s
      .setName('audio')
      .setDescription('Audio format of results')
      .addStringOption((o) => o.setName('format').setDescription('MP3 plays everywhere; OGG/Opus is smaller').setRequired(true).addChoices({ name: 'MP3', value: 'mp3' }, { name: 'OGG/Opus', value: 'opus' })),
  )
  .addSubcommand((s) =>
    s
      .setName('channels')
      .setDescription('Where the bot may post music')
      .addStringOption((o) =>
        o.setName('action').setDescription('Allow or disallow a channel, or allow every channel again').setRequired(true).addChoices(
          { name: 'allow', value: 'allow' },
          { name: 'disallow', value: 'disallow' },
          { name: 'everywhere', value: 'everywhere' },
        ),
      )
      .addChannelOption((o) => o.setName('channel').setDescription('The channel (for allow and disallow)').addChannelTypes(ChannelType.GuildText, ChannelType.GuildVoice)),
  )
  .addSubcommand((s) =>
    s
      .setName('limits')
      .setDescription("Per-person limits on this server (within the operator's)")
      .addIntegerOption((o) => o.setName('per_minute').setDescription('Jobs per person per minute').setMinValue(1).setMaxValue(1000))
      .addIntegerOption((o) => o.setName('at_once').setDescription('Jobs per person at once').setMinValue(1).setMaxValue(100)),
  )
  .addSubcommand(blocklistSubcommand)
  .addSubcommand((s) => s.setName('reset').setDescription('Back to the defaults'));

function describe(s: GuildSettings, ctx: BotContext): string {
  const l = ctx.config.limits;
  return [
    `**Audio format:** ${s.audioFormat === 'opus' ? 'OGG/Opus' : 'MP3'}`,
    `**Channels:** ${s.channels.length ? s.channels.map((c) => `<#${c}>`).join(', ') : 'every channel'}`,
    `**Per person:** ${s.userInFlight ?? l.userInFlight} at once${s.userInFlight === null ? ' (operator limit)' : ''}, ${s.userPerMinute ?? l.userPerMinute} per minute${s.userPerMinute === null ? ' (operator limit)' : ''}`,
  ].join('\n');
}

async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild() || !interaction.guildId) throw new UserFacingError('Settings belong to a server: run /settings in one.');
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    throw new UserFacingError('Only members with the Manage Server permission can change riffcord settings. Ask an admin.');
  }
  const guildId = interaction.guildId;
  const sub = interaction.options.getSubcommand(true);
  const l = ctx.config.limits;
  if (sub === 'blocklist') {
    await interaction.reply({ content: await runBlocklistSettings(interaction, ctx, guildId), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  let note = '';
  let settings: GuildSettings;
  switch (sub) {
    case 'audio': {
      const format = interaction.options.getString('format', true) as GuildSettings['audioFormat'];
      settings = await ctx.settings.update(guildId, (s) => ({ ...s, audioFormat: format }));
      note = 'Audio format saved.';
      break;
    }
    case 'channels': {
      const action = interaction.options.getString('action', true);
      const channel = interaction.options.getChannel('channel');
      if (action !== 'everywhere' && !channel) throw new UserFacingError(`Pick the channel to ${action} in the \`channel\` option.`);
      settings = await ctx.settings.update(guildId, (s) => {
        if (action === 'everywhere') return { ...s, channels: [] };
        const set = new Set(s.channels);
        if (action === 'allow') set.add(channel!.id);
        else set.delete(channel!.id);
        if (set.size > MAX_ALLOWED_CHANNELS) throw new UserFacingError(`At most ${MAX_ALLOWED_CHANNELS} channels can be listed.`);
        return { ...s, channels: [...set] };
      });
      note = action === 'everywhere' ? 'The bot may post in every channel again.' : `Channel ${action === 'allow' ? 'allowed' : 'removed'}.`;
      break;
    }
    case 'limits': {
      const perMinute = interaction.options.getInteger('per_minute');
      const atOnce = interaction.options.getInteger('at_once');
      if (perMinute === null && atOnce === null) throw new UserFacingError('Give `per_minute`, `at_once` or both.');
      if (perMinute !== null && perMinute > l.userPerMinute) throw new UserFacingError(`The operator allows at most ${l.userPerMinute} jobs per person per minute; pick ${l.userPerMinute} or fewer.`);
      if (atOnce !== null && atOnce > l.userInFlight) throw new UserFacingError(`The operator allows at most ${l.userInFlight} jobs per person at once; pick ${l.userInFlight} or fewer.`);
      settings = await ctx.settings.update(guildId, (s) => ({
        ...s,
        ...(perMinute !== null ? { userPerMinute: perMinute } : {}),
        ...(atOnce !== null ? { userInFlight: atOnce } : {}),
      }));
      note = 'Limits saved.';
      break;
    }
    case 'reset':
      await ctx.settings.reset(guildId);
      settings = await ctx.settings.get(guildId);
      note = 'Settings reset to the defaults.';
      break;
    default:
      settings = await ctx.settings.get(guildId);
  }
  const blocked = (await ctx.blocklist.get(guildId)).length;
  const blockLine = `**Blocked in prompts:** ${blocked ? `${blocked} entr${blocked === 1 ? 'y' : 'ies'} (/settings blocklist action:show lists them)` : 'nothing'}`;
  await interaction.reply({ content: `${note ? `${note}\n` : ''}${describe(settings, ctx)}\n${blockLine}`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}

export const settings: SlashCommand = { data, execute };
