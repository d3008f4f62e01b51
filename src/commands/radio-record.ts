/**
 * /radio record minutes:N: the last N minutes as the channel heard them (the recorder's Opus
 * packets, after the volume), as one OGG/Opus or MP3 attachment within the server's upload
 * limit, with what played when. Too long for the limit: the answer says how much fits.
 */
import { AttachmentBuilder, PermissionFlagsBits, type ChatInputCommandInteraction, type SlashCommandSubcommandsOnlyBuilder } from 'discord.js';
import { UserFacingError } from '../discord/errors.ts';
import { promptSlug } from '../discord/file-names.ts';
import { NO_MENTIONS } from '../discord/respond.ts';
import { AUDIO_EXTENSIONS } from '../pipeline/audio/formats.ts';
import { encodeRecording, estimatedBytes, RECORDING_FORMATS, secondsThatFit, type RecordingFormat } from '../voice/recording.ts';
import { MAX_RECORD_MINUTES, type RecordingMark } from '../voice/recorder.ts';
import type { RadioSession } from '../voice/session.ts';

/** Discord's upload limit for interactions that do not state one. */
const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
const MAX_CONTENT = 2000;

export function addRecordSubcommand(b: SlashCommandSubcommandsOnlyBuilder): SlashCommandSubcommandsOnlyBuilder {
  return b.addSubcommand((s) =>
    s
      .setName('record')
      .setDescription('The last minutes of the radio as the channel heard them, as one file')
      .addIntegerOption((o) => o.setName('minutes').setDescription(`How many minutes (1-${MAX_RECORD_MINUTES})`).setRequired(true).setMinValue(1).setMaxValue(MAX_RECORD_MINUTES))
      .addStringOption((o) => o.setName('format').setDescription('OGG/Opus (default, smaller) or MP3').addChoices({ name: 'OGG/Opus', value: 'opus' }, { name: 'MP3', value: 'mp3' })),
  );
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** The message: how long, where, and what played when (as many marks as the content limit allows). */
export function recordingText(seconds: number, asked: number, channelId: string, marks: readonly RecordingMark[]): string {
  const head = `🎙️ The last ${clock(seconds * 1000)} of the radio in <#${channelId}>, as the channel heard it${seconds < asked * 60 - 1 ? ` (it had played only that much of the ${asked} min asked for)` : ''}:`;
  const lines: string[] = [];
  let length = head.length;
  for (const m of marks) {
    const line = `\`${clock(m.atMs)}\` ${m.label.length > 300 ? `${m.label.slice(0, 299)}…` : m.label}`;
    if (length + line.length + 30 > MAX_CONTENT) {
      lines.push(`…and ${marks.length - lines.length} more changes`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return [head, ...lines].join('\n');
}

/** What to say when a recording would not fit the upload limit: how much does. */
export function tooLargeText(seconds: number, bytes: number, format: RecordingFormat, limit: number): string {
  const fits = secondsThatFit(limit, format);
  const other = format === 'mp3' && secondsThatFit(limit, 'opus') > fits ? ' OGG/Opus (the default) fits more.' : '';
  const asMinutes = fits >= 60 ? ` (/radio record minutes:${Math.min(MAX_RECORD_MINUTES, Math.floor(fits / 60))})` : '';
  return `${clock(seconds * 1000)} as ${format === 'mp3' ? 'MP3' : 'OGG/Opus'} is about ${megabytes(bytes)}, and this server takes uploads up to ${megabytes(limit)}: the most that fits is ${clock(fits * 1000)}${asMinutes}.${other}`;
}

export async function runRecord(interaction: ChatInputCommandInteraction<'cached'>, session: RadioSession | undefined): Promise<void> {
  if (!session) throw new UserFacingError('No radio is playing in this server, so there is nothing to record. Start one with /radio start.');
  const manager = interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild);
  if (!manager && !session.listenerIds().has(interaction.user.id)) throw new UserFacingError(`Only listeners in <#${session.voiceChannelId}>, or members with the Manage Server permission, can record the radio: join the channel first.`);
  const minutes = interaction.options.getInteger('minutes', true);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_RECORD_MINUTES) throw new UserFacingError(`Record from 1 to ${MAX_RECORD_MINUTES} minutes.`);
  const format = (interaction.options.getString('format') ?? 'opus') as RecordingFormat;
  if (!RECORDING_FORMATS.includes(format)) throw new UserFacingError('Pick OGG/Opus or MP3 as the format.');
  const limit = interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
  const snap = session.recording(minutes);
  if (snap.packets.length === 0) throw new UserFacingError('The radio has not played anything yet; try again once it plays.');
  const tooBig = (bytes: number) => new UserFacingError(tooLargeText(snap.seconds, bytes, format, limit));
  const estimate = estimatedBytes(snap.seconds, format);
  if (estimate > limit) throw tooBig(estimate);
  await interaction.deferReply();
  const bytes = await encodeRecording(snap.packets, format);
  if (bytes.byteLength > limit) throw tooBig(bytes.byteLength);
  const current = session.status().prompt;
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  const name = `${promptSlug(current) || 'radio'}-radio-last-${minutes}min-${stamp}${AUDIO_EXTENSIONS[format]}`;
  await interaction.editReply({
    content: recordingText(snap.seconds, minutes, session.voiceChannelId, snap.marks),
    files: [new AttachmentBuilder(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name })],
    allowedMentions: NO_MENTIONS,
  });
}
