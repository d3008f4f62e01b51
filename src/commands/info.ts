/**
 * /info (ephemeral): the caller's jobs in the queue with places and ETAs (each with a Cancel
 * button), what they ran recently, what is left of their limits, and the workers serving this
 * server's model. Everything is read from Redis and the queue, so it is the same on every shard.
 */
import {
  ActionRowBuilder,
  EmbedBuilder,
  MessageFlags,
  SlashCommandBuilder,
  type ButtonBuilder,
  type ChatInputCommandInteraction,
  type MessageComponentInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { cancelButton, onCancelButton, parseCancelId } from '../services/cancel.ts';
import type { BotContext } from '../services/context.ts';
import { UserFacingError } from '../discord/errors.ts';
import { formatSeconds } from '../services/progress.ts';
import { NO_MENTIONS } from '../discord/respond.ts';
import { medianRuntimeMs } from '../jobs/eta.ts';
import { limitUsage, type LimitUsage } from '../jobs/usage.ts';
import { settingsFor } from './shared.ts';
import type { SlashCommand } from './types.ts';

/** Jobs listed (and buttons shown): one action row holds at most 5 buttons. */
const MAX_LISTED_JOBS = 5;
const RECENT_SHOWN = 5;
const FIELD_MAX = 1024;

const data = new SlashCommandBuilder().setName('info').setDescription('Your jobs and their places in the queue, what you ran recently, your limits, the workers');

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const when = (ms: number) => `<t:${Math.ceil(ms / 1000)}:R>`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** The job title without its leading emoji and markdown, for a one-line list. */
const shortTitle = (title: string) => clip(title.replace(/\*\*/g, '').replace(/^\S+\s/, ''), 150);

interface ListedJob {
  jobId: string;
  line: string;
}

async function myJobs(ctx: BotContext, usage: LimitUsage): Promise<ListedJob[]> {
  const listed: ListedJob[] = [];
  for (const jobId of usage.inFlightIds.slice(0, MAX_LISTED_JOBS)) {
    const delivery = await ctx.pending.get(jobId);
    const model = delivery?.model ?? ctx.config.model;
    const place = await (await ctx.jobs.attach(model, jobId).catch(() => null))?.position();
    if (!place || place.state === 'completed' || place.state === 'failed' || place.state === 'unknown') continue;
    const eta = place.etaSeconds === null ? 'ETA not known yet' : `ETA about ${formatSeconds(place.etaSeconds)}`;
    const where = place.state === 'active' ? 'running' : place.ahead === 0 ? 'next in line' : `#${place.ahead + 1} in line (${place.ahead} ahead)`;
    listed.push({ jobId, line: `**${listed.length + 1}.** ${delivery ? shortTitle(delivery.title) : 'a job'}: ${where}, ${eta}` });
  }
  return listed;
}

function limitsText(ctx: BotContext, mine: LimitUsage, guildLimits: { perMinute: number | null; atOnce: number | null }, guildUsage: LimitUsage | null): string {
  const l = ctx.config.limits;
  const perMinute = Math.min(l.userPerMinute, guildLimits.perMinute ?? Infinity);
  const atOnce = Math.min(l.userInFlight, guildLimits.atOnce ?? Infinity);
  const usedMinute = Math.max(mine.lastMinute, guildUsage?.lastMinute ?? 0);
  const usedAtOnce = Math.max(mine.inFlightIds.length, guildUsage?.inFlightIds.length ?? 0);
  const left = Math.max(0, perMinute - usedMinute);
  const frees = [mine.nextFreeAt, guildUsage?.nextFreeAt ?? null].filter((t): t is number => t !== null);
  const lines = [
    `${left} of ${perMinute} jobs left this minute${left < perMinute && frees.length ? ` (one more frees up ${when(Math.min(...frees))})` : ''}`,
    `${Math.max(0, atOnce - usedAtOnce)} of ${atOnce} at once free`,
  ];
  if (guildLimits.perMinute !== null || guildLimits.atOnce !== null) lines.push("(this server's admins set tighter limits than the operator's)");
  return lines.join('\n');
}

async function workersText(ctx: BotContext): Promise<string> {
  const model = ctx.config.model;
  const [models, median, counts] = await Promise.all([
    ctx.jobs.models(),
    medianRuntimeMs(ctx.redis, ctx.jobs.keys, model),
    ctx.jobs.queue(model).getJobCounts('wait', 'prioritized', 'delayed', 'active'),
  ]);
  const serving = models.find((m) => m.modelId === model);
  const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
  if (!serving) return `**${model}**: no worker is online, so new jobs are refused until one starts.`;
  return [
    `**${model}**: ${plural(serving.workers, 'worker')} online, ${plural(serving.slots, 'job')} at a time`,
    `${counts.active ?? 0} running, ${waiting} waiting${median === null ? '' : `; a job takes about ${formatSeconds(median / 1000)}`}`,
  ].join('\n');
}

async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const userId = interaction.user.id;
  const guildId = interaction.guildId;
  const [mine, settings, recent, workers] = await Promise.all([
    limitUsage(ctx.redis, ctx.jobs.keys, 'user', userId),
    settingsFor(interaction, ctx),
    ctx.history.recent(userId, RECENT_SHOWN),
    workersText(ctx),
  ]);
  const guildUsage = guildId && (settings.userPerMinute !== null || settings.userInFlight !== null) ? await ctx.guildLimits.usage(guildId, userId) : null;
  const jobs = await myJobs(ctx, mine);
  const more = mine.inFlightIds.length - Math.min(mine.inFlightIds.length, MAX_LISTED_JOBS);
  const jobsText = jobs.length ? `${jobs.map((j) => j.line).join('\n')}${more > 0 ? `\nand ${more} more` : ''}` : 'Nothing queued or running.';
  const icon = { delivered: '✅', cancelled: '⏹️', failed: '⚠️' } as const;
  const recentText = recent.length
    ? recent.map((r) => `${icon[r.outcome]} ${shortTitle(r.title)} ${when(r.at)}${r.file ? ` · \`${r.file}\`` : ''}`).join('\n')
    : 'Nothing yet.';
  const embed = new EmbedBuilder()
    .setTitle('Your riffcord')
    .setColor(0x5865f2)
    .addFields(
      { name: 'Queued and running', value: clip(jobsText, FIELD_MAX) },
      { name: 'Recently', value: clip(recentText, FIELD_MAX) },
      { name: 'Your limits here', value: clip(limitsText(ctx, mine, { perMinute: settings.userPerMinute, atOnce: settings.userInFlight }, guildUsage), FIELD_MAX) },
      { name: 'Workers for this server', value: clip(workers, FIELD_MAX) },
    );
  const components = jobs.length
    ? [new ActionRowBuilder<ButtonBuilder>().addComponents(jobs.map((j, i) => cancelButton(j.jobId, `Cancel ${i + 1}`)))]
    : [];
  await interaction.editReply({ embeds: [embed], components, allowedMentions: NO_MENTIONS });
}

async function component(interaction: MessageComponentInteraction | ModalSubmitInteraction, ctx: BotContext): Promise<void> {
  const jobId = parseCancelId(interaction.customId);
  if (!jobId || !interaction.isButton()) throw new UserFacingError('That button belongs to an older version of riffcord and no longer works. Run /info again.');
  await onCancelButton(interaction, ctx, jobId);
}

export const info: SlashCommand = { data, execute, component };
