/**
 * The message a finished job becomes: an embed (prompt, seed, settings, model, time taken), the
 * spectrogram PNG as generated (its params metadata intact), the audio, for a morph the animated
 * spectrogram, and the four clip buttons. Files are kept under the interaction's upload limit.
 */
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  type InteractionEditReplyOptions,
} from 'discord.js';
import type { JobOutput } from '../jobs/types.ts';
import { AUDIO_EXTENSIONS } from '../pipeline/audio/formats.ts';
import type { GenerationRequest } from '../pipeline/generation.ts';
import { buttonId } from './custom-ids.ts';
import { fileBaseName } from '../discord/file-names.ts';
import { cut } from '../discord/limits.ts';
import { UserFacingError } from '../discord/errors.ts';
import { formatSeconds } from './progress.ts';
import { NO_MENTIONS } from '../discord/respond.ts';

const KIND_TITLES: Record<string, string> = {
  riff: 'Riff',
  variation: 'Variation',
  extend: 'Extension',
  remix: 'Remix',
  morph: 'Morph',
  'radio-clip': 'Radio clip',
};

export interface ResultFile {
  name: string;
  bytes: Uint8Array;
  /** Dropped first when the upload limit is reached (lower first). */
  keepRank: number;
}

const KIND_TAGS: Partial<Record<JobOutput['kind'], string>> = { extend: 'extended', remix: 'remix' };

/** The result's files are named after its prompt: `jazz-sax-seed42`, a morph `a-to-b-seed3`. */
export function fileBase(out: JobOutput): string {
  const first = out.requests[0];
  return fileBaseName({
    prompt: first?.start.prompt ?? '',
    seed: first?.start.seed ?? 0,
    ...(out.kind === 'morph' && first?.end ? { endPrompt: first.end.prompt } : {}),
    ...(KIND_TAGS[out.kind] ? { tag: KIND_TAGS[out.kind] } : {}),
    fallback: out.kind,
  });
}

/** Which files the result carries; the name of the PNG the buttons act on. */
export function resultFiles(out: JobOutput): { files: ResultFile[]; pngName: string; imageName: string } {
  const base = fileBase(out);
  const audio: ResultFile = { name: `${base}${AUDIO_EXTENSIONS[out.format] ?? '.audio'}`, bytes: out.audio, keepRank: 3 };
  const lastPng = out.pngs[out.pngs.length - 1];
  const png: ResultFile = { name: out.kind === 'morph' ? `${base}-end.png` : `${base}.png`, bytes: lastPng, keepRank: out.kind === 'morph' ? 1 : 2 };
  const files = [audio, png];
  let imageName = png.name;
  if (out.animationBytes && out.animation) {
    const anim: ResultFile = { name: `${base}.${out.animation}`, bytes: out.animationBytes, keepRank: 2 };
    files.push(anim);
    imageName = anim.name;
  }
  return { files, pngName: png.name, imageName };
}

/** Drops the least important files until the total fits `limit`; the audio must fit. */
export function fitFiles(files: ResultFile[], limit: number): ResultFile[] {
  const kept = [...files].sort((a, b) => b.keepRank - a.keepRank);
  const total = () => kept.reduce((s, f) => s + f.bytes.byteLength, 0);
  while (total() > limit && kept.length > 1) kept.pop();
  if (total() > limit) {
    const size = (n: number) => (n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
    throw new UserFacingError(
      `The result is too large to upload here (${size(total())}, this server allows ${size(limit)}). Ask for a shorter clip (a morph with fewer steps) or have an admin pick the smaller OGG/Opus format with /settings audio.`,
    );
  }
  return files.filter((f) => kept.includes(f));
}

function describe(out: JobOutput, requesterName: string): EmbedBuilder {
  const first: GenerationRequest = out.requests[0];
  const last: GenerationRequest = out.requests[out.requests.length - 1];
  const s = first.start;
  const embed = new EmbedBuilder().setTitle(`${KIND_TITLES[out.kind] ?? 'Result'} · ${out.durationSeconds.toFixed(1)} s`).setColor(0x5865f2);
  if (out.kind === 'morph' && first.end) {
    embed.setDescription(`**From** ${cut(s.prompt, 900)}\n**To** ${cut(first.end.prompt, 900)}`);
  } else {
    embed.setDescription(cut(s.prompt, 2000));
  }
  if (out.heardAs) {
    const heard = out.kind === 'morph' && out.heardAs.end !== undefined ? `${out.heardAs.start}\n**to** ${out.heardAs.end}` : out.heardAs.start;
    embed.addFields({ name: 'Heard as', value: cut(heard, 1024) });
  }
  const seeds = out.kind === 'morph' && first.end ? `${s.seed} → ${first.end.seed}` : String(s.seed);
  embed.addFields(
    { name: 'Seed', value: seeds, inline: true },
    { name: 'Steps', value: last.steps === undefined ? 'model default' : String(last.steps), inline: true },
    { name: 'Guidance', value: String(s.guidance), inline: true },
  );
  if (first.init) {
    const src = 'seedImageId' in first.init ? first.init.seedImageId : 'uploaded image';
    embed.addFields({ name: 'Init image', value: `${cut(src, 100)} · denoising ${s.denoising}`, inline: true });
  }
  if (first.scheduler) embed.addFields({ name: 'Scheduler', value: first.scheduler, inline: true });
  if (s.negativePrompt) embed.addFields({ name: 'Negative prompt', value: cut(s.negativePrompt, 1000) });
  if (out.kind === 'morph') embed.addFields({ name: 'Clips', value: String(out.requests.length), inline: true });
  embed.addFields(
    { name: 'Model', value: out.model, inline: true },
    { name: 'Time taken', value: `${formatSeconds(out.generationMs / 1000)}${out.fromCache ? ' (made before; from the cache)' : ''}`, inline: true },
  );
  embed.setFooter({ text: cut(`Requested by ${requesterName}`, 200) });
  return embed;
}

export function clipButtons(clipId: string): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(buttonId('variation', clipId)).setLabel('Variation').setStyle(ButtonStyle.Primary).setEmoji('🎲'),
    new ButtonBuilder().setCustomId(buttonId('extend', clipId)).setLabel('Extend').setStyle(ButtonStyle.Secondary).setEmoji('➡️'),
    new ButtonBuilder().setCustomId(buttonId('morph', clipId)).setLabel('Morph to…').setStyle(ButtonStyle.Secondary).setEmoji('🌀'),
    new ButtonBuilder().setCustomId(buttonId('remix', clipId)).setLabel('Remix').setStyle(ButtonStyle.Secondary).setEmoji('🎛️'),
  );
}

export function resultMessage(out: JobOutput, files: ResultFile[], imageName: string, clipId: string, requesterName: string): InteractionEditReplyOptions {
  const embed = describe(out, requesterName);
  if (files.some((f) => f.name === imageName)) embed.setImage(`attachment://${imageName}`);
  return {
    content: '',
    embeds: [embed],
    files: files.map((f) => new AttachmentBuilder(Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength), { name: f.name })),
    components: [clipButtons(clipId)],
    allowedMentions: NO_MENTIONS,
  };
}
