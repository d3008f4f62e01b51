/**
 * Votes that blend: a round's result as a weighted mix of its top suggestions, written in the
 * prompt-weight syntax the text embedding already applies ("(jazz drums:1.20), (ambient
 * pads:0.80)"; pipeline/diffusion/prompt-weights.ts), and read back for display as shares.
 */
import { MAX_PROMPT_CHARS } from '../jobs/types.ts';

/** Suggestions mixed at most. */
export const MAX_BLEND_PARTS = 3;

export interface BlendPart {
  prompt: string;
  /** Share of the votes among the blended parts, (0, 1], summing to 1. */
  share: number;
}

const escape = (s: string) => s.replace(/[\\()[\]]/g, '\\$&');
const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
const GROUP = /\(((?:\\.|[^\\)])+):(\d+\.\d\d)\)/gy;

/** The top suggestions by votes (ties: the earlier one), at most MAX_BLEND_PARTS with a vote each. */
export function blendParts(suggestions: readonly { prompt: string }[], counts: readonly number[]): BlendPart[] {
  const ranked = suggestions
    .map((s, i) => ({ prompt: s.prompt, votes: counts[i] ?? 0, i }))
    .filter((s) => s.votes > 0)
    .sort((a, b) => b.votes - a.votes || a.i - b.i)
    .slice(0, MAX_BLEND_PARTS);
  const total = ranked.reduce((n, s) => n + s.votes, 0);
  return ranked.map((s) => ({ prompt: s.prompt, share: s.votes / total }));
}

/**
 * The weighted prompt of a blend: each part weighted by share x parts (so an even split weighs
 * 1 each), each part's text shortened as needed to keep the whole within MAX_PROMPT_CHARS.
 */
export function blendPrompt(parts: readonly BlendPart[]): string {
  if (parts.length === 1) return parts[0].prompt;
  const overhead = parts.length * 8 + (parts.length - 1) * 2; // "(" ":1.23" ")" and ", "
  const room = Math.floor((MAX_PROMPT_CHARS - overhead) / parts.length);
  return parts
    .map((p) => {
      let text = escape(p.prompt);
      if (text.length > room) text = escape(p.prompt.slice(0, room)).slice(0, room).replace(/\\$/, '');
      return `(${text}:${(p.share * parts.length).toFixed(2)})`;
    })
    .join(', ');
}

/** The parts of a prompt blendPrompt made, with shares; null for any other prompt. */
export function parseBlend(prompt: string): BlendPart[] | null {
  const found: { prompt: string; weight: number }[] = [];
  let at = 0;
  while (at < prompt.length) {
    if (found.length > 0) {
      if (!prompt.startsWith(', ', at)) return null;
      at += 2;
    }
    GROUP.lastIndex = at;
    const m = GROUP.exec(prompt);
    if (!m) return null;
    found.push({ prompt: unescape(m[1]), weight: Number(m[2]) });
    at = GROUP.lastIndex;
  }
  if (found.length < 2) return null;
  const total = found.reduce((n, f) => n + f.weight, 0);
  if (!(total > 0)) return null;
  return found.map((f) => ({ prompt: f.prompt, share: f.weight / total }));
}

/** Whole percentages that add up to 100 (largest remainder; ties to the earlier part). */
export function percentages(shares: readonly number[]): number[] {
  const raw = shares.map((s) => s * 100);
  const out = raw.map(Math.floor);
  const order = raw.map((r, i) => ({ rest: r - Math.floor(r), i })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let k = 0, left = 100 - out.reduce((a, b) => a + b, 0); k < order.length && left > 0; k++, left--) out[order[k].i]++;
  return out;
}

/** How a prompt reads in messages: a blend as "a 60% + b 40%", anything else as it is. */
export function describePrompt(prompt: string): string {
  const parts = parseBlend(prompt);
  if (!parts) return prompt;
  const pct = percentages(parts.map((p) => p.share));
  return parts.map((p, i) => `${p.prompt} ${pct[i]}%`).join(' + ');
}
