/**
 * /radio pause, resume, volume and settings, and the permission check every radio control goes
 * through (voice/permissions.ts): the guild's DJ role from its controls, the member's
 * permissions and roles from the interaction. A member without it hears who can, privately.
 */
import { MessageFlags, type ChatInputCommandInteraction, type SlashCommandBuilder, type SlashCommandSubcommandsOnlyBuilder } from 'discord.js';
import { UserFacingError } from '../discord/errors.ts';
import { NO_MENTIONS } from '../discord/respond.ts';
import { MAX_VOLUME_PERCENT, MIN_VOLUME_PERCENT, RadioControlsStore, VOTE_MODES, type RadioControls } from '../voice/controls.ts';
import { mayUse, type RadioAction } from '../voice/permissions.ts';
import type { RadioSession } from '../voice/session.ts';

export const CONTROL_SUBCOMMANDS = ['pause', 'resume', 'volume', 'settings'] as const;

const ACTION_WORDS: Record<RadioAction, string> = {
  stop: 'stop the radio',
  'skip-now': 'skip to the next round at once',
  pause: 'pause or resume the radio',
  volume: 'change the radio’s volume',
  settings: 'change the radio’s settings',
  'admin-settings': 'change 24/7 mode or the DJ role',
};

export function addControlSubcommands(b: SlashCommandSubcommandsOnlyBuilder | SlashCommandBuilder): SlashCommandSubcommandsOnlyBuilder {
  return b
    .addSubcommand((s) => s.setName('pause').setDescription('Pause the radio (no sound, no new clips) until /radio resume'))
    .addSubcommand((s) => s.setName('resume').setDescription('Resume a paused radio'))
    .addSubcommand((s) =>
      s
        .setName('volume')
        .setDescription('The radio’s volume on this server')
        .addIntegerOption((o) => o.setName('percent').setDescription(`${MIN_VOLUME_PERCENT}-${MAX_VOLUME_PERCENT}, 100 = as made`).setRequired(true).setMinValue(MIN_VOLUME_PERCENT).setMaxValue(MAX_VOLUME_PERCENT)),
    )
    .addSubcommand((s) =>
      s
        .setName('settings')
        .setDescription('Radio settings for this server (DJ or admins; 24/7 and the DJ role: admins)')
        .addBooleanOption((o) => o.setName('stay_24_7').setDescription('Stay in the voice channel when everyone leaves (admins)'))
        .addRoleOption((o) => o.setName('dj_role').setDescription('Members with this role control stop, skip-now, pause, volume, settings (admins)'))
        .addBooleanOption((o) => o.setName('clear_dj_role').setDescription('No DJ role: listeners control the radio again (admins)'))
        .addBooleanOption((o) => o.setName('vote_skip').setDescription('Whether /radio skip votes count'))
        .addStringOption((o) =>
          o
            .setName('votes')
            .setDescription('A round’s result: the winner, or a blend of the top suggestions by vote share')
            .addChoices(...VOTE_MODES.map((m) => ({ name: m === 'winner' ? 'winner takes all' : 'blend by vote share', value: m }))),
        ),
    );
}

export function controlsStore(ctx: { redis: ConstructorParameters<typeof RadioControlsStore>[0]; config: { redisPrefix: string } }): RadioControlsStore {
  return new RadioControlsStore(ctx.redis, ctx.config.redisPrefix);
}

/** Who may use `action` on this server, in words (what a member with no permissions is told). */
export function whoMay(action: RadioAction, controls: RadioControls): string {
  const verdict = mayUse(action, { permissions: 0n, roleIds: new Set(), listening: false }, controls);
  return verdict.ok ? 'anyone' : verdict.who;
}

/** Throws the plain answer when the member may not use `action`. */
export function requireControl(interaction: ChatInputCommandInteraction<'cached'>, action: RadioAction, controls: RadioControls, session: RadioSession | undefined): void {
  const verdict = mayUse(action, {
    permissions: interaction.memberPermissions.bitfield,
    roleIds: new Set(interaction.member.roles.cache.keys()),
    listening: session?.listenerIds().has(interaction.user.id) ?? false,
  }, controls);
  if (!verdict.ok) throw new UserFacingError(`Only ${verdict.who} can ${ACTION_WORDS[action]} on this server.`);
}

function describeControls(c: RadioControls): string {
  return [
    `**Volume:** ${Math.round(c.volume * 100)}%`,
    `**24/7:** ${c.stayInChannel ? 'on (stays in the channel when it empties)' : 'off (leaves an empty channel after a while)'}`,
    `**DJ role:** ${c.djRoleId ? `<@&${c.djRoleId}>` : 'none (listeners control the radio)'}`,
    `**Vote-skip:** ${c.voteSkip ? 'on' : 'off'}`,
    `**Votes:** ${c.voteMode === 'blend' ? 'blend of the top suggestions by vote share' : 'winner takes all'}`,
  ].join('\n');
}

const ephemeral = (content: string) => ({ content, flags: MessageFlags.Ephemeral as const, allowedMentions: NO_MENTIONS });

export async function runRadioControl(
  interaction: ChatInputCommandInteraction<'cached'>,
  store: RadioControlsStore,
  session: RadioSession | undefined,
  sub: (typeof CONTROL_SUBCOMMANDS)[number],
): Promise<void> {
  const guildId = interaction.guildId;
  const controls = await store.get(guildId);
  const needSession = (): RadioSession => {
    if (!session) throw new UserFacingError('No radio is playing in this server. Start one with /radio start while you are in a voice channel.');
    return session;
  };
  switch (sub) {
    case 'pause': {
      const s = needSession();
      requireControl(interaction, 'pause', controls, s);
      await interaction.reply(s.hold() ? { content: `⏸️ Radio paused by <@${interaction.user.id}>: no sound and no new clips until /radio resume.`, allowedMentions: NO_MENTIONS } : ephemeral('The radio is already paused; /radio resume plays it again.'));
      return;
    }
    case 'resume': {
      const s = needSession();
      requireControl(interaction, 'pause', controls, s);
      await interaction.reply(s.resume() ? { content: `▶️ Radio resumed by <@${interaction.user.id}>.`, allowedMentions: NO_MENTIONS } : ephemeral('The radio is not paused.'));
      return;
    }
    case 'volume': {
      requireControl(interaction, 'volume', controls, session);
      const percent = interaction.options.getInteger('percent', true);
      if (percent < MIN_VOLUME_PERCENT || percent > MAX_VOLUME_PERCENT) throw new UserFacingError(`Pick a volume from ${MIN_VOLUME_PERCENT} to ${MAX_VOLUME_PERCENT} percent.`);
      await store.update(guildId, { volume: percent / 100 });
      session?.setVolume(percent / 100);
      await interaction.reply(ephemeral(`🔊 Radio volume on this server: ${percent}%.${session ? '' : ' It applies when the radio next plays.'}`));
      return;
    }
    case 'settings': {
      const o = interaction.options;
      const stay = o.getBoolean('stay_24_7');
      const dj = o.getRole('dj_role');
      const clearDj = o.getBoolean('clear_dj_role') ?? false;
      const voteSkip = o.getBoolean('vote_skip');
      const votes = o.getString('votes') as RadioControls['voteMode'] | null;
      if (dj && clearDj) throw new UserFacingError('Give either `dj_role` or `clear_dj_role`, not both.');
      const adminChange = stay !== null || dj !== null || clearDj;
      const anyChange = adminChange || voteSkip !== null || votes !== null;
      if (anyChange) requireControl(interaction, 'settings', controls, session);
      if (adminChange) requireControl(interaction, 'admin-settings', controls, session);
      if (dj?.id === guildId) throw new UserFacingError('@everyone cannot be the DJ role: pick a role only some members have, or leave the DJ role unset.');
      const change: Partial<RadioControls> = {
        ...(stay !== null ? { stayInChannel: stay } : {}),
        ...(dj ? { djRoleId: dj.id } : {}),
        ...(clearDj ? { djRoleId: null } : {}),
        ...(voteSkip !== null ? { voteSkip } : {}),
        ...(votes ? { voteMode: votes } : {}),
      };
      const next = anyChange ? await store.update(guildId, change) : controls;
      if (stay !== null) session?.setStay(stay);
      if (votes) session?.setVoteMode(votes);
      await interaction.reply(ephemeral(`${anyChange ? 'Radio settings saved.\n' : ''}${describeControls(next)}`));
      return;
    }
  }
}
