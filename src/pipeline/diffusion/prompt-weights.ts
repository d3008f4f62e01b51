/**
 * Attention-weighted prompts in the "long prompt weighting" syntax Riffusion uses:
 *   (text)      weight x1.1        [text]     weight /1.1
 *   (text:1.3)  weight x1.3        \( \) \[ \]  literal brackets
 * Nesting multiplies. Unclosed brackets apply to the end of the prompt.
 */
import { InvalidRequestError } from './errors.ts';

export interface WeightedSegment {
  text: string;
  weight: number;
}

const ROUND = 1.1;
const SQUARE = 1 / 1.1;
// escapes | open brackets | ":number)" closer | closers | plain text | a lone colon
const TOKEN = /\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:([+-]?[.\d]+)\)|\)|\]|[^\\()[\]:]+|:/gu;

export function parsePromptWeights(prompt: string): WeightedSegment[] {
  const out: WeightedSegment[] = [];
  const round: number[] = [];
  const square: number[] = [];
  const scaleFrom = (start: number, k: number): void => {
    for (let i = start; i < out.length; i++) out[i].weight *= k;
  };
  for (const m of prompt.matchAll(TOKEN)) {
    const tok = m[0];
    const explicit = m[1];
    if (tok.startsWith('\\')) out.push({ text: tok.length > 1 ? tok.slice(1) : tok, weight: 1 });
    else if (tok === '(') round.push(out.length);
    else if (tok === '[') square.push(out.length);
    else if (explicit !== undefined && round.length > 0) {
      const w = Number(explicit);
      if (!Number.isFinite(w)) {
        throw new InvalidRequestError(`prompt weight "${explicit}" in "${tok}" is not a number; write it like (word:1.3)`);
      }
      scaleFrom(round.pop()!, w);
    } else if (tok === ')' && round.length > 0) scaleFrom(round.pop()!, ROUND);
    else if (tok === ']' && square.length > 0) scaleFrom(square.pop()!, SQUARE);
    else out.push({ text: tok, weight: 1 });
  }
  for (const start of round) scaleFrom(start, ROUND);
  for (const start of square) scaleFrom(start, SQUARE);
  if (out.length === 0) return [{ text: '', weight: 1 }];
  const merged: WeightedSegment[] = [out[0]];
  for (const seg of out.slice(1)) {
    const last = merged[merged.length - 1];
    if (last.weight === seg.weight) last.text += seg.text;
    else merged.push(seg);
  }
  return merged;
}
