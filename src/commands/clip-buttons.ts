/**
 * The buttons under every result and the modals two of them open. Variation and Extend start a
 * job at once; Morph to… and Remix first ask for a prompt. The clip's settings come from Redis
 * (clip-state.ts), its spectrogram from the result message's attachment, never from memory.
 */
import {
  LabelBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type Message,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { JobSpec } from '../jobs/types.ts';
import { DEFAULT_MORPH_CLIPS } from './morph.ts';
import { jobTitle } from './riff.ts';
import { checkChannel, checkPrompt } from './shared.ts';
import { download } from '../services/attachments.ts';
import type { ClipState } from '../services/clip-state.ts';
import type { BotContext } from '../services/context.ts';
import { modalId, type ClipAction, type ClipCustomId } from '../services/custom-ids.ts';
import { deliverJob } from '../services/deliver.ts';
import { UserFacingError } from '../discord/errors.ts';

const PROMPT_FIELD = 'prompt';
const MAX_PNG_BYTES = 25 * 1024 * 1024;

async function stateOf(ctx: BotContext, clipId: string): Promise<ClipState> {
  const state = await ctx.clips.get(clipId);
  if (!state) {
    const days = Math.round(ctx.config.buttonTtlSeconds / 86_400);
    throw new UserFacingError(`These buttons have expired (results keep them for ${days} days). Run /riff again to make a new clip.`);
  }
  return state;
}

async function clipPng(message: Message | null, state: ClipState): Promise<Uint8Array> {
  const attachment = message?.attachments.find((a) => a.name === state.pngName);
  if (!attachment) throw new UserFacingError("This result's spectrogram is no longer attached to the message, so I cannot continue it. Use Variation, or run /riff again.");
  return download(attachment.url, MAX_PNG_BYTES, "the clip's spectrogram");
}

export async function onClipButton(interaction: ButtonInteraction, ctx: BotContext, id: ClipCustomId): Promise<void> {
  if (id.action === 'morph' || id.action === 'remix') {
    await interaction.showModal(promptModal(id.action, id.clipId, ctx.config.maxPromptChars));
    return;
  }
  const state = await stateOf(ctx, id.clipId);
  const prompt = state.request.start.prompt;
  // The list may have grown since the clip was made.
  await ctx.blocklist.check(interaction.guildId, [prompt, state.request.start.negativePrompt]);
  await interaction.deferReply();
  const settings = await ctx.settings.get(interaction.guildId);
  checkChannel(interaction, settings);
  let spec: JobSpec;
  if (id.action === 'variation') {
    spec = { kind: 'variation', request: state.request };
  } else {
    spec = { kind: 'extend', request: state.request, previous: { png: await clipPng(interaction.message, state) } };
  }
  await deliverJob(interaction, ctx, spec, jobTitle(id.action === 'variation' ? 'Variation' : 'Extension', prompt), settings);
}

/** A prompt modal in Discord's current form: the text input inside a Label (type 18). */
function promptModal(action: Extract<ClipAction, 'morph' | 'remix'>, clipId: string, maxPromptChars: number): ModalBuilder {
  const input = new TextInputBuilder()
    .setCustomId(PROMPT_FIELD)
    .setPlaceholder(action === 'morph' ? 'e.g. epic orchestral strings' : 'e.g. the same groove as a jazz trio')
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(maxPromptChars);
  const label = new LabelBuilder().setLabel(action === 'morph' ? 'Morph to what?' : 'Remix as what?').setTextInputComponent(input);
  return new ModalBuilder()
    .setCustomId(modalId(action, clipId))
    .setTitle(action === 'morph' ? 'Morph this clip' : 'Remix this clip')
    .addLabelComponents(label);
}

export async function onClipModal(interaction: ModalSubmitInteraction, ctx: BotContext, id: ClipCustomId): Promise<void> {
  const prompt = checkPrompt(interaction.fields.getTextInputValue(PROMPT_FIELD), ctx.config.maxPromptChars);
  await ctx.blocklist.check(interaction.guildId, [prompt]);
  await interaction.deferReply();
  const settings = await ctx.settings.get(interaction.guildId);
  checkChannel(interaction, settings);
  const state = await stateOf(ctx, id.clipId);
  const from = state.request.start;
  let spec: JobSpec;
  if (id.action === 'morph') {
    spec = {
      kind: 'morph',
      clips: DEFAULT_MORPH_CLIPS,
      animation: 'webp',
      request: { ...state.request, end: { ...from, prompt, negativePrompt: undefined } },
    };
    await deliverJob(interaction, ctx, spec, jobTitle('Morph', `${from.prompt} → ${prompt}`), settings);
    return;
  }
  const { init: _ignored, ...request } = state.request;
  spec = { kind: 'remix', request: { ...request, start: { ...from, prompt } }, source: { png: await clipPng(interaction.message, state) } };
  await deliverJob(interaction, ctx, spec, jobTitle('Remix', prompt), settings);
}
