/**
 * The Cancel button on a queued or running job's message (and in /info). Only the job's owner,
 * as recorded in the queue, or a member with Manage Server in the job's server may press it. A
 * waiting job is removed from the queue; a running one is told to stop and its worker aborts at
 * the next diffusion step. The message that follows the job then says it was cancelled.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, MessageFlags, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import { jobRecord } from '../jobs/job-owner.ts';
import type { BotContext } from './context.ts';
import { UserFacingError } from '../discord/errors.ts';
import { NO_MENTIONS } from '../discord/respond.ts';

/** Routed to /info's component handler by the `info:` prefix. */
const CANCEL_PREFIX = 'info:cancel:';
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CANCELLER_TTL_SECONDS = 3600;

export function cancelButtonId(jobId: string): string {
  return `${CANCEL_PREFIX}${jobId}`;
}

export function parseCancelId(customId: string): string | null {
  if (!customId.startsWith(CANCEL_PREFIX)) return null;
  const id = customId.slice(CANCEL_PREFIX.length);
  return JOB_ID.test(id) ? id : null;
}

export function cancelButton(jobId: string, label = 'Cancel'): ButtonBuilder {
  return new ButtonBuilder().setCustomId(cancelButtonId(jobId)).setLabel(label).setStyle(ButtonStyle.Danger).setEmoji('✖️');
}

export function cancelRow(jobId: string): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(cancelButton(jobId));
}

function cancellerKey(ctx: BotContext, jobId: string): string {
  return `${ctx.config.redisPrefix}:bot:cancelled-by:${jobId}`;
}

/** Who pressed Cancel on the job, for the message that follows it. */
export async function cancellerOf(ctx: BotContext, jobId: string): Promise<string | null> {
  return ctx.redis.get(cancellerKey(ctx, jobId));
}

export async function onCancelButton(interaction: ButtonInteraction, ctx: BotContext, jobId: string): Promise<void> {
  const delivery = await ctx.pending.get(jobId);
  const model = delivery?.model ?? ctx.config.model;
  const record = await jobRecord(ctx.jobs, model, jobId);
  if (!record) throw new UserFacingError('That job has already finished (or expired), so there is nothing to cancel.');
  const owner = record.requester;
  const isOwner = owner.userId === interaction.user.id;
  const isManager = !!owner.guildId && owner.guildId === interaction.guildId && (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false);
  if (!isOwner && !isManager) {
    throw new UserFacingError(`Only <@${owner.userId}>, who started this job, or a member with the Manage Server permission can cancel it.`);
  }
  await ctx.redis.set(cancellerKey(ctx, jobId), interaction.user.username, 'EX', CANCELLER_TTL_SECONDS);
  const outcome = await (await ctx.jobs.attach(model, jobId)).cancel();
  ctx.log.info({ jobId, by: interaction.user.id, outcome }, 'job cancel requested');
  const text = {
    removed: 'Cancelled: the job was taken out of the queue, and its slot is free again.',
    stopping: 'Cancelling: the worker stops the job at its next diffusion step, and its slot is freed then.',
    'already-finished': 'That job had already finished, so there was nothing to cancel.',
  }[outcome];
  await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
}
