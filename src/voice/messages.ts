/**
 * The radio's messages: now playing (per clip), the vote of a round, its result, /radio status.
 * Pure builders; prompts are cut where needed so every message stays within Discord's limits.
 */
import { AttachmentBuilder, EmbedBuilder } from 'discord.js';
import { DISCORD_LIMITS, fitTexts } from '../discord/limits.ts';
import { fileBaseName } from '../discord/file-names.ts';
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
  const render = ([prompt, target, next, reason]: string[]) => {
    const lines = [
      v.clip.phase === 'moving' && v.clip.target
        ? `Moving from **${prompt}** to **${target}** (alpha ${v.clip.alpha.toFixed(2)})`
        : `Exploring **${prompt}** (alpha ${v.clip.alpha.toFixed(2)})`,
      `Next target: ${v.nextTarget ? `**${next}**` : 'none yet (use /radio suggest)'}`,
      `Listeners: ${v.listeners} · buffered clips: ${v.buffered}${v.volume !== undefined && v.volume !== 1 ? ` · volume ${Math.round(v.volume * 100)}%` : ''}`,
    ];
    if (v.held) lines.push('⏸️ Paused with /radio pause: no sound and no new clips until /radio resume.');
    if (v.fallingBehind) lines.push('⚠️ Generation is falling behind: repeating the current clip until the next one is ready.');
    if (v.paused) lines.push('⏸️ Paused: nobody is listening.');
    if (v.stoppedReason) lines.push(`⏹️ The radio stopped: ${reason}`);
    return lines.join('\n');
  };
  const texts = [shown(v.clip.prompt), v.clip.target ? shown(v.clip.target) : '', v.nextTarget ? shown(v.nextTarget) : '', v.stoppedReason ?? ''];
  const description = fitTexts(texts, render, DISCORD_LIMITS.embedDescription);
  const embed = new EmbedBuilder().setTitle('📻 Now playing').setDescription(description).setThumbnail(`attachment://${file.name}`);
  return { content: '', embeds: [embed], files: [file] };
}

/** A prompt as listeners read it: a blend as its parts with their shares, labelled. */
function shown(prompt: string): string {
  const text = describePrompt(prompt);
  return text === prompt ? prompt : `🎛️ blend of ${text}`;
}

/** The round's vote; `closed` once the round is over. Long suggestions are cut to fit one message. */
export function voteMessage(round: number, suggestions: Suggestion[], counts: number[], endsAt: number, closed = false): string {
  const render = (prompts: string[]) =>
    [
      `🗳️ **Radio round ${round}**: react with a number to vote for the next style (listeners in the voice channel only; one vote each). Ends <t:${Math.ceil(endsAt / 1000)}:R>.`,
      ...prompts.map((p, i) => `${NUMBER_EMOJIS[i]} ${p} — ${counts[i]} vote${counts[i] === 1 ? '' : 's'}`),
      ...(closed ? ['**Closed.**'] : []),
    ].join('\n');
  return fitTexts(
    suggestions.map((s) => s.prompt),
    render,
  );
}

export function roundResultMessage(round: number, winner: { suggestion: Suggestion; votes: number } | null): string {
  if (!winner) return `🗳️ Radio round ${round} ended with no suggestions: the radio keeps exploring the current style.`;
  const render = ([prompt]: string[]) =>
    `🏆 Radio round ${round}: **${prompt}** wins with ${winner.votes} vote${winner.votes === 1 ? '' : 's'}; the music moves there next.`;
  return fitTexts([winner.suggestion.prompt], render);
}

export function blendResultMessage(round: number, parts: readonly BlendPart[]): string {
  const pct = percentages(parts.map((p) => p.share));
  const render = (prompts: string[]) =>
    `🎛️ Radio round ${round}: the votes blend ${prompts.map((p, i) => `**${p}** ${pct[i]}%`).join(' + ')}; the music moves to that mix next.`;
  return fitTexts(
    parts.map((p) => p.prompt),
    render,
  );
}

/** What /radio status shows (the session's status, as plain data). */
export interface RadioStatusView {
  prompt: string;
  nextTarget: string | null;
  round: number;
  roundEndsAt: number;
  suggestions: { prompt: string; votes: number }[];
  buffered: number;
  generating: number;
  listeners: number;
  paused: boolean;
  fallingBehind: boolean;
  /** Paused with /radio pause. */
  held?: boolean;
  volume?: number;
  /** 24/7: stays in its channel when empty. */
  stay?: boolean;
}

/** The /radio status reply: one message, the prompts cut (longest first) when all of them would not fit. */
export function statusMessage(s: RadioStatusView): string {
  const render = ([prompt, next, ...suggested]: string[]) => {
    const votes = suggested.length ? suggested.map((p, i) => `${NUMBER_EMOJIS[i]} ${p}: ${s.suggestions[i].votes}`).join('\n') : 'no suggestions yet';
    const state = s.held ? ' (paused with /radio pause)' : s.paused ? ' (paused: nobody is listening)' : '';
    return [
      `📻 Playing **${prompt}**${state}${s.fallingBehind ? ' (falling behind: repeating a clip)' : ''}`,
      `Next target: ${s.nextTarget ? `**${next}**` : 'none'}`,
      `Round ${s.round}, ends <t:${Math.ceil(s.roundEndsAt / 1000)}:R>; votes so far:\n${votes}`,
      `Buffer: ${s.buffered} clip(s) ready, ${s.generating} generating · listeners: ${s.listeners}` +
        `${s.volume !== undefined ? ` · volume ${Math.round(s.volume * 100)}%` : ''}${s.stay ? ' · 24/7' : ''}`,
    ].join('\n');
  };
  return fitTexts([describePrompt(s.prompt), s.nextTarget ? describePrompt(s.nextTarget) : '', ...s.suggestions.map((x) => x.prompt)], render);
}
