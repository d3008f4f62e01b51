/**
 * Finishes deliveries whose bot process stopped before their job ended: adopts them from Redis
 * (pending.ts) and follows the job again, editing the reply through the interaction webhook.
 */
import { InteractionWebhook, MessageFlags, type Client } from 'discord.js';
import type { BotContext } from './context.ts';
import { followAndDeliver, StoppingError, type ReplyTarget } from './deliver.ts';
import { cut, DISCORD_LIMITS } from '../discord/limits.ts';
import { userMessageFor } from '../discord/errors.ts';
import type { PendingDelivery } from './pending.ts';
import { NO_MENTIONS } from '../discord/respond.ts';

function webhookTarget(client: Client<true>, p: PendingDelivery): ReplyTarget {
  const hook = new InteractionWebhook(client, p.applicationId, p.token);
  return {
    edit: (options) => hook.editMessage('@original', { ...options, content: options.content ?? undefined } as Parameters<typeof hook.editMessage>[1]),
    async fail(text) {
      await hook.deleteMessage('@original').catch(() => undefined);
      await hook.send({ content: cut(text, DISCORD_LIMITS.content), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    },
  };
}

export async function resumeDelivery(client: Client<true>, ctx: BotContext, p: PendingDelivery): Promise<void> {
  const target = webhookTarget(client, p);
  ctx.log.info({ jobId: p.jobId, interactionId: p.interactionId }, 'resuming a delivery left by a stopped bot process');
  try {
    const handle = await ctx.jobs.attach(p.model, p.jobId);
    await followAndDeliver(target, ctx, handle, p);
  } catch (err) {
    if (err instanceof StoppingError) return;
    await ctx.pending.done(p.jobId).catch(() => undefined);
    const { text, internal } = userMessageFor(err);
    if (internal) ctx.log.error({ err, jobId: p.jobId }, 'resumed delivery failed');
    await target.fail(text).catch((e: unknown) => ctx.log.warn({ err: e, jobId: p.jobId }, 'could not tell the user about the failure'));
  }
}

export async function adoptOrphans(client: Client<true>, ctx: BotContext): Promise<number> {
  const orphans = await ctx.pending.adoptOrphans();
  for (const p of orphans) void resumeDelivery(client, ctx, p);
  return orphans.length;
}
