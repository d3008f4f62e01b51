/**
 * Replies that must always arrive: an ephemeral error whatever state the interaction is in
 * (not answered yet, deferred publicly, already answered), and the wrapper every handler runs in,
 * so nothing stays on "thinking…" and every failure reaches its user.
 */
import { MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import type { Logger } from '../jobs/logging.ts';
import { cut, DISCORD_LIMITS } from './limits.ts';
import { userMessageFor } from './errors.ts';

export const NO_MENTIONS = { parse: [] as never[] };

/** Shows `text` to the interaction's user only. A public "thinking…" reply is removed first. */
export async function replyEphemeral(interaction: RepliableInteraction, text: string): Promise<void> {
  const content = cut(text, DISCORD_LIMITS.content);
  const payload = { content, flags: MessageFlags.Ephemeral as const, allowedMentions: NO_MENTIONS };
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply(payload);
    return;
  }
  if (interaction.deferred && !interaction.ephemeral) {
    // A public deferred reply cannot turn ephemeral: remove it, then answer privately.
    await interaction.deleteReply().catch(() => undefined);
  }
  await interaction.followUp(payload);
}

/** Runs `handler`; any error becomes an ephemeral message in plain words (and a log line). */
export async function guarded(interaction: Interaction, log: Logger, what: string, handler: () => Promise<void>): Promise<void> {
  try {
    await handler();
  } catch (err) {
    const { text, internal } = userMessageFor(err);
    if (internal) log.error({ err, what, interactionId: interaction.id }, 'handler failed');
    else log.info({ what, interactionId: interaction.id, reason: err instanceof Error ? err.message : String(err) }, 'request refused');
    if (!interaction.isRepliable()) return;
    try {
      await replyEphemeral(interaction, text);
    } catch (replyErr) {
      log.warn({ err: replyErr, what, interactionId: interaction.id }, 'could not tell the user about the failure');
    }
  }
}
