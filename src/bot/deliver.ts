/**
 * From an accepted request to the result on screen: checks the guild's own limits, enqueues the
 * job, shows its place in the queue and then a live progress bar (edits throttled), and finally
 * edits the deferred reply into the result with its buttons. The interaction must be deferred.
 */
import { randomUUID } from 'node:crypto';
import type { RepliableInteraction } from 'discord.js';
import type { JobHandle } from '../jobs/client.ts';
import type { JobOutput, JobSpec } from '../jobs/types.ts';
import type { BotContext } from './context.ts';
import { ResultTimeoutError } from './errors.ts';
import { progressText, queuedText } from './progress.ts';
import { NO_MENTIONS } from './respond.ts';
import { fitFiles, resultFiles, resultMessage } from './result-message.ts';
import type { GuildSettings } from './settings.ts';
import { ThrottledEditor } from './throttled-editor.ts';

/** Discord's default upload limit, for payloads that do not state one. */
const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

export interface Delivery {
  jobId: string;
  output: JobOutput;
  progressEdits: number;
}

export async function deliverJob(interaction: RepliableInteraction, ctx: BotContext, spec: JobSpec, title: string, settings: GuildSettings): Promise<Delivery> {
  const requester = { userId: interaction.user.id, ...(interaction.guildId ? { guildId: interaction.guildId } : {}) };
  const admission = await ctx.guildLimits.admit(interaction.guildId, interaction.user.id, settings, randomUUID());
  try {
    const handle = await ctx.jobs.enqueue(spec, { requester, format: settings.audioFormat });
    const log = ctx.log.child({ jobId: handle.id, kind: spec.kind, interactionId: interaction.id });
    log.info({ fromCache: handle.fromCache }, 'job accepted');
    const { output, edits } = await follow(interaction, ctx, handle, title);
    const { files, pngName, imageName } = resultFiles(output);
    const fitted = fitFiles(files, interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT);
    const last = output.requests[output.requests.length - 1];
    const clipId = await ctx.clips.put({ request: { ...last, model: output.model }, pngName });
    await interaction.editReply(resultMessage(output, fitted, imageName, clipId, interaction.user.username));
    log.info({ progressEdits: edits, files: fitted.map((f) => f.name) }, 'result delivered');
    return { jobId: handle.id, output, progressEdits: edits };
  } finally {
    await admission.release().catch(() => undefined);
  }
}

/** Shows queue place and progress until the result arrives (or the bot stops waiting). */
async function follow(interaction: RepliableInteraction, ctx: BotContext, handle: JobHandle, title: string): Promise<{ output: JobOutput; edits: number }> {
  const edit = (content: string) => interaction.editReply({ content, allowedMentions: NO_MENTIONS });
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
    const output = await Promise.race([
      handle.result(),
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new ResultTimeoutError(seconds)), seconds * 1000);
      }),
    ]).catch(async (err: unknown) => {
      if (err instanceof ResultTimeoutError) await handle.cancel().catch(() => undefined);
      throw err;
    });
    return { output, edits: editor.edits };
  } finally {
    stopProgress();
    if (poll) clearInterval(poll);
    if (timeout) clearTimeout(timeout);
    await editor.finish();
  }
}
