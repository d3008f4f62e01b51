/**
 * From an accepted request to the result on screen: checks the guild's own limits, enqueues the
 * job, records the delivery in Redis (so another bot process can finish it if this one stops),
 * shows the place in the queue and then a live progress bar (edits throttled), and finally edits
 * the deferred reply into the result with its buttons. The interaction must be deferred.
 */
import { randomUUID } from 'node:crypto';
import type { InteractionEditReplyOptions, RepliableInteraction } from 'discord.js';
import type { JobHandle } from '../jobs/client.ts';
import { JobCancelledError } from '../jobs/errors.ts';
import type { JobOutput, JobSpec } from '../jobs/types.ts';
import { cancellerOf, cancelRow } from './cancel.ts';
import type { BotContext } from './context.ts';
import { ResultTimeoutError } from '../discord/errors.ts';
import type { PendingDelivery } from './pending.ts';
import { progressText, queuedText } from './progress.ts';
import { NO_MENTIONS, replyEphemeral } from '../discord/respond.ts';
import { fitFiles, resultFiles, resultMessage } from './result-message.ts';
import type { GuildSettings } from './settings.ts';
import { ThrottledEditor } from './throttled-editor.ts';

/** Discord's default upload limit, for payloads that do not state one. */
const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** Where a delivery shows up: the live interaction, or its webhook after a restart. */
export interface ReplyTarget {
  edit(options: InteractionEditReplyOptions): Promise<unknown>;
  /** Tells the user (only them) what went wrong, removing the public "thinking…" reply. */
  fail(text: string): Promise<void>;
}

/** Thrown (and swallowed) when the bot stops while following a job: the delivery is left to another process. */
export class StoppingError extends Error {
  constructor() {
    super('the bot is stopping');
    this.name = 'StoppingError';
  }
}

export async function deliverJob(interaction: RepliableInteraction, ctx: BotContext, spec: JobSpec, title: string, settings: GuildSettings): Promise<void> {
  const requester = { userId: interaction.user.id, ...(interaction.guildId ? { guildId: interaction.guildId } : {}) };
  const guildLimitKey = randomUUID();
  const admission = await ctx.guildLimits.admit(interaction.guildId, interaction.user.id, settings, guildLimitKey);
  let handle: JobHandle;
  try {
    handle = await ctx.jobs.enqueue(spec, { requester, format: settings.audioFormat });
  } catch (err) {
    await admission.release().catch(() => undefined);
    throw err;
  }
  ctx.log.info({ jobId: handle.id, kind: spec.kind, interactionId: interaction.id, fromCache: handle.fromCache }, 'job accepted');
  const pending: PendingDelivery = {
    jobId: handle.id,
    model: handle.model,
    applicationId: interaction.applicationId,
    token: interaction.token,
    interactionId: interaction.id,
    userId: interaction.user.id,
    userName: interaction.user.username,
    guildId: interaction.guildId,
    guildLimitKey: admission.counted ? guildLimitKey : null,
    title,
    uploadLimit: interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT,
    createdAt: interaction.createdTimestamp,
  };
  if (!handle.fromCache) await ctx.pending.add(pending);
  const target: ReplyTarget = {
    edit: (options) => interaction.editReply(options),
    fail: (text) => replyEphemeral(interaction, text),
  };
  try {
    await followAndDeliver(target, ctx, handle, pending);
  } catch (err) {
    if (err instanceof StoppingError) return; // another bot process adopts the delivery
    throw err;
  }
}

/**
 * Follows `handle` and edits the reply into the result. Errors propagate (the caller tells the
 * user) except when the bot is stopping, which throws StoppingError and leaves the record in Redis.
 */
export async function followAndDeliver(target: ReplyTarget, ctx: BotContext, handle: JobHandle, p: PendingDelivery): Promise<void> {
  ctx.following.add(p.jobId);
  let finished = false;
  try {
    const output = await follow(target, ctx, handle, p.title);
    const { files, pngName, imageName } = resultFiles(output);
    const fitted = fitFiles(files, p.uploadLimit);
    const last = output.requests[output.requests.length - 1];
    const clipId = await ctx.clips.put({ request: { ...last, model: output.model }, pngName });
    await target.edit(resultMessage(output, fitted, imageName, clipId, p.userName));
    ctx.log.info({ jobId: p.jobId, files: fitted.map((f) => f.name) }, 'result delivered');
    finished = true;
    await remember(ctx, p, 'delivered', fitted[0]?.name);
  } catch (err) {
    if (err instanceof JobCancelledError) {
      finished = true;
      const by = await cancellerOf(ctx, p.jobId).catch(() => null);
      await target.edit({ content: cancelledText(p.title, by), embeds: [], components: [], allowedMentions: NO_MENTIONS });
      ctx.log.info({ jobId: p.jobId }, 'job cancelled; delivery ended');
      await remember(ctx, p, 'cancelled');
      return;
    }
    if (ctx.lifecycle.stopping) throw new StoppingError();
    finished = true;
    await remember(ctx, p, 'failed');
    throw err;
  } finally {
    ctx.following.delete(p.jobId);
    if (finished) {
      await ctx.pending.done(p.jobId).catch(() => undefined);
      if (p.guildId && p.guildLimitKey) await ctx.guildLimits.release(p.guildId, p.userId, p.guildLimitKey).catch(() => undefined);
    } else {
      await ctx.pending.release([p.jobId]).catch(() => undefined); // adoptable at once
    }
  }
}

export function cancelledText(title: string, by: string | null): string {
  return `${title}\n⏹️ Cancelled${by ? ` by ${by}` : ''}. Nothing was made, and the slot is free for the next job.`;
}

async function remember(ctx: BotContext, p: PendingDelivery, outcome: 'delivered' | 'cancelled' | 'failed', file?: string): Promise<void> {
  await ctx.history.record(p.userId, { title: p.title, outcome, at: Date.now(), ...(file ? { file } : {}) }).catch((err: unknown) => ctx.log.warn({ err, jobId: p.jobId }, 'history write failed'));
}

/** Shows queue place and progress until the result arrives (or the bot stops waiting). */
async function follow(target: ReplyTarget, ctx: BotContext, handle: JobHandle, title: string): Promise<JobOutput> {
  // Queued and running jobs carry a Cancel button; the result's own buttons replace it.
  const edit = (content: string) => target.edit({ content, components: [cancelRow(handle.id)], allowedMentions: NO_MENTIONS });
  const editor = new ThrottledEditor(edit, ctx.config.progressEditMs, (err) => ctx.log.warn({ err, jobId: handle.id }, 'progress edit failed'));
  let startedAt: number | null = null;
  const stopProgress = handle.onProgress((p) => {
    startedAt ??= Date.now();
    editor.update(progressText(title, p, startedAt));
  });
  let poll: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;
  try {
    if (!handle.fromCache) {
      const showPlace = async () => {
        if (startedAt !== null) return;
        const place = await handle.position();
        if (startedAt === null && (place.state === 'waiting' || place.state === 'delayed' || place.state === 'active')) editor.update(queuedText(title, place));
      };
      await showPlace().catch((err: unknown) => ctx.log.warn({ err }, 'queue position failed'));
      poll = setInterval(() => void showPlace().catch(() => undefined), Math.max(3000, ctx.config.progressEditMs * 2));
    }
    const seconds = ctx.config.jobTimeoutSeconds;
    return await Promise.race([
      handle.result(),
      ctx.lifecycle.stopped.then(() => {
        throw new StoppingError();
      }),
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new ResultTimeoutError(seconds)), seconds * 1000);
      }),
    ]).catch(async (err: unknown) => {
      if (err instanceof ResultTimeoutError) await handle.cancel().catch(() => undefined);
      throw err;
    });
  } finally {
    stopProgress();
    if (poll) clearInterval(poll);
    if (timeout) clearTimeout(timeout);
    await editor.finish();
  }
}
