/** The radio's messages: now playing (per clip), the vote of a round, its result. Pure builders. */
import { AttachmentBuilder, EmbedBuilder } from 'discord.js';
import { fileBaseName } from '../bot/file-names.ts';
import type { RadioClipMeta } from './clip-source.ts';
import { describePrompt, percentages, type BlendPart } from './blend.ts';
import { NUMBER_EMOJIS, type Suggestion } from './votes.ts';

export interface NowPlayingView {
  clip: RadioClipMeta;
  nextTarget: string | null;
  fallingBehind: boolean;
  listeners: number;
  buffered: number;
  paused: boolean;
  /** Paused with /radio pause. */
  held?: boolean;
  volume?: number;
  stoppedReason?: string;
}

export function nowPlayingMessage(v: NowPlayingView): { embeds: EmbedBuilder[]; files: AttachmentBuilder[]; content: string } {
  const file = new AttachmentBuilder(Buffer.from(v.clip.png), { name: `${fileBaseName({ prompt: v.clip.prompt, seed: v.clip.seed, tag: `radio-${v.clip.index}`, fallback: 'radio' })}.png` });
  const lines = [
    v.clip.phase === 'moving' && v.clip.target
      ? `Moving from **${shown(v.clip.prompt)}** to **${shown(v.clip.target)}** (alpha ${v.clip.alpha.toFixed(2)})`
      : `Exploring **${shown(v.clip.prompt)}** (alpha ${v.clip.alpha.toFixed(2)})`,
    `Next target: ${v.nextTarget ? `**${shown(v.nextTarget)}**` : 'none yet (use /radio suggest)'}`,
    `Listeners: ${v.listeners} · buffered clips: ${v.buffered}${v.volume !== undefined && v.volume !== 1 ? ` · volume ${Math.round(v.volume * 100)}%` : ''}`,
  ];
  if (v.held) lines.push('⏸️ Paused with /radio pause: no sound and no new clips until /radio resume.');
  if (v.fallingBehind) lines.push('⚠️ Generation is falling behind: repeating the current clip until the next one is ready.');
  if (v.paused) lines.push('⏸️ Paused: nobody is listening.');
  if (v.stoppedReason) lines.push(`⏹️ The radio stopped: ${v.stoppedReason}`);
  const embed = new EmbedBuilder().setTitle('📻 Now playing').setDescription(lines.join('\n')).setThumbnail(`attachment://${file.name}`);
  return { content: '', embeds: [embed], files: [file] };
}

/** A prompt as listeners read it: a blend as its parts with their shares, labelled. */
function shown(prompt: string): string {
  const text = describePrompt(prompt);
  return text === prompt ? prompt : `🎛️ blend of ${text}`;
}

export function voteMessage(round: number, suggestions: Suggestion[], counts: number[], endsAt: number): string {
  const lines = suggestions.map((s, i) => `${NUMBER_EMOJIS[i]} ${s.prompt} — ${counts[i]} vote${counts[i] === 1 ? '' : 's'}`);
  return [`🗳️ **Radio round ${round}**: react with a number to vote for the next style (listeners in the voice channel only; one vote each). Ends <t:${Math.ceil(endsAt / 1000)}:R>.`, ...lines].join('\n');
}

export function roundResultMessage(round: number, winner: { suggestion: Suggestion; votes: number } | null): string {
  if (!winner) return `🗳️ Radio round ${round} ended with no suggestions: the radio keeps exploring the current style.`;
  return `🏆 Radio round ${round}: **${winner.suggestion.prompt}** wins with ${winner.votes} vote${winner.votes === 1 ? '' : 's'}; the music moves there next.`;
}

export function blendResultMessage(round: number, parts: readonly BlendPart[]): string {
  const pct = percentages(parts.map((p) => p.share));
  const mix = parts.map((p, i) => `**${p.prompt}** ${pct[i]}%`).join(' + ');
  return `🎛️ Radio round ${round}: the votes blend ${mix}; the music moves to that mix next.`;
}
