/**
 * The prompt lexicon of a model with a closed caption vocabulary (riffcord-small): any prompt a
 * person types becomes a caption in the form the model was trained on ("sad slow piano ballad"),
 * together with what was understood ("heard as: piano, sad, slow"). Genre, instrument, mood,
 * tempo, era and place words each point at styles with weights; the best-scoring style wins, a
 * tempo or mood the style cannot play is dropped and said so, and a prompt with no known word gets
 * the lexicon's stated default instead of whatever the text encoder makes of unknown ids.
 *
 * Models without a lexicon.json (Riffusion's checkpoint) take prompts as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from './errors.ts';
import { parsePromptWeights } from './prompt-weights.ts';

export const LEXICON_FILE = 'lexicon.json';

const TEMPO_WORDS = ['slow', 'medium', 'fast'] as const;
type TempoWord = (typeof TEMPO_WORDS)[number];
const MODES = ['major', 'minor'] as const;

const termSchema = z.object({
  kind: z.enum(['genre', 'instrument', 'mood', 'tempo', 'era', 'place']),
  label: z.string().min(1),
  styles: z.record(z.string(), z.number()),
  mood: z.string().optional(),
  tempo: z.enum(TEMPO_WORDS).optional(),
});

const lexiconSchema = z.object({
  version: z.literal(1),
  styles: z.record(
    z.string(),
    z.object({
      caption: z.string().min(1),
      label: z.string().min(1),
      bpm: z.tuple([z.number(), z.number()]),
      modes: z.array(z.enum(MODES)).min(1),
      /** Seed image whose 5.12 s hold a whole number of beats near the style's tempo; null for styles without drums. */
      seedImage: z.string().nullable().optional(),
      /** Beats the seed image holds in its 5.12 s. */
      seedBeats: z.number().int().positive().nullable().optional(),
    }),
  ),
  terms: z.record(z.string(), termSchema),
  aliases: z.record(z.string(), z.string()),
  moods: z.record(z.string(), z.enum(MODES)),
  tempos: z.record(z.enum(TEMPO_WORDS), z.tuple([z.number(), z.number()])),
  fallback: z.string(),
  /** For a model that knows fewer styles: the style standing in for each one it lacks. */
  standIns: z.record(z.string(), z.string()).optional(),
});

export type LexiconData = z.infer<typeof lexiconSchema>;
export type { BeatSeed } from '../generation.ts';
import type { BeatSeed } from '../generation.ts';
type Term = z.infer<typeof termSchema>;

/** What one prompt was understood as. */
export interface PromptReading {
  /** The text the model's text encoder is given. */
  caption: string;
  /** Style id the prompt landed on. */
  style: string;
  /** Human words for what was recognised, in prompt order ("jazz, tenor sax, medium tempo"). */
  heard: string[];
  /** Words that were recognised but could not be honoured, with why ("fast: dubstep is never fast"). */
  dropped: string[];
  /** Words with no meaning to the model (stop words excluded). */
  ignored: string[];
  /** True when nothing in the prompt was known and the default style was used. */
  fallback: boolean;
}

/** Words that carry no musical meaning; never reported as ignored. */
const STOP_WORDS = new Set(
  'a an the and or with of in on at to for from by some very really music song songs track tune style sound sounds sounding like type kind vibe vibes feel playing played solo instrumental ft feat featuring plus mix bpm'.split(
    ' ',
  ),
);
const MAX_PHRASE_WORDS = 4;
/** How much a requested tempo or mood moves a style that can (or cannot) play it. */
const TEMPO_FIT_BONUS = 0.8;
const MOOD_FIT_BONUS = 0.4;

export class Lexicon {
  private readonly phrases: Map<string, Term>;
  private readonly aliasList: [RegExp, string][];
  private readonly styleOrder: string[];

  constructor(readonly data: LexiconData) {
    for (const [phrase, t] of Object.entries(data.terms)) {
      for (const s of Object.keys(t.styles)) {
        if (!(s in data.styles)) throw new Error(`lexicon term "${phrase}" points at unknown style "${s}"`);
      }
    }
    if (!(data.fallback in data.styles)) throw new Error(`lexicon fallback "${data.fallback}" is not one of its styles`);
    this.phrases = new Map(Object.entries(data.terms).map(([p, t]) => [tokenize(p).join(' '), t]));
    this.aliasList = Object.entries(data.aliases)
      .sort((a, b) => b[0].length - a[0].length)
      .map(([from, to]) => [new RegExp(`(^|[^a-z0-9])${escapeRegExp(from)}(?=$|[^a-z0-9])`, 'g'), `$1${to}`]);
    this.styleOrder = Object.keys(data.styles);
  }

  /** The style this model plays for `style` (itself, or its stand-in). */
  playedAs(style: string): string {
    return this.data.standIns?.[style] ?? style;
  }

  get styleCount(): number {
    return this.styleOrder.length;
  }

  styleLabel(style: string): string {
    return this.data.styles[style]?.label ?? style;
  }

  /** Reads one plain prompt (no weight brackets). */
  read(prompt: string): PromptReading {
    let text = prompt.toLowerCase();
    for (const [re, to] of this.aliasList) text = text.replace(re, to);
    const heard: string[] = [];
    const dropped: string[] = [];
    const ignored: string[] = [];
    let tempo: { word: TempoWord; label: string } | undefined;
    let mood: { word: string; label: string } | undefined;
    const scores = new Map<string, number>();
    const note = (label: string): void => {
      if (!heard.includes(label)) heard.push(label);
    };

    const bpm = /(\d{2,3})\s*bpm/.exec(text);
    if (bpm) {
      const n = Number(bpm[1]);
      const word = TEMPO_WORDS.find((w) => n >= this.data.tempos[w][0] && n < this.data.tempos[w][1]);
      if (word) tempo = { word, label: `${n} bpm` };
      text = text.replace(bpm[0], ' ');
    }

    const words = tokenize(text);
    let known = tempo !== undefined;
    for (let i = 0; i < words.length; ) {
      let matched = 0;
      for (let n = Math.min(MAX_PHRASE_WORDS, words.length - i); n > 0; n--) {
        const term = this.phrases.get(words.slice(i, i + n).join(' '));
        if (!term) continue;
        matched = n;
        known = true;
        for (const [s, w] of Object.entries(term.styles)) scores.set(s, (scores.get(s) ?? 0) + w);
        if (term.tempo) tempo ??= { word: term.tempo, label: term.label };
        if (term.mood) mood ??= { word: term.mood, label: term.label };
        note(term.label);
        break;
      }
      if (matched === 0) {
        if (!STOP_WORDS.has(words[i]) && !/^\d+$/.test(words[i])) ignored.push(words[i]);
        i += 1;
      } else i += matched;
    }
    if (bpm && tempo) heard.unshift(tempo.label);

    if (!known) {
      const style = this.data.fallback;
      return { caption: this.data.styles[style].caption, style, heard: [], dropped: [], ignored, fallback: true };
    }

    for (const s of this.styleOrder) {
      let score = scores.get(s) ?? 0;
      if (tempo) score += this.playsTempo(s, tempo.word) ? TEMPO_FIT_BONUS : -TEMPO_FIT_BONUS;
      if (mood) score += this.playsMood(s, mood.word) ? MOOD_FIT_BONUS : -MOOD_FIT_BONUS;
      scores.set(s, score);
    }
    // Highest score; ties go to the earlier style, so a reading never depends on chance.
    let style = this.styleOrder[0];
    for (const s of this.styleOrder) if ((scores.get(s) ?? 0) > (scores.get(style) ?? 0)) style = s;

    const parts: string[] = [];
    const label = this.styleLabel(style);
    if (mood) {
      if (this.playsMood(style, mood.word)) parts.push(mood.word);
      else dropped.push(`${mood.label}: riffcord-small plays ${label} only in ${this.data.styles[style].modes.join(' or ')}`);
    }
    if (tempo) {
      if (this.playsTempo(style, tempo.word)) parts.push(tempo.word);
      else dropped.push(`${tempo.label}: ${label} is played at ${this.data.styles[style].bpm.join('-')} bpm`);
    }
    parts.push(this.data.styles[style].caption);
    return { caption: parts.join(' '), style, heard, dropped, ignored, fallback: false };
  }

  /**
   * Reads a prompt that may carry weights ("(jazz:1.3) [rock]"): each weighted part is read on its
   * own and keeps its weight, so blends of styles stay blends.
   */
  readWeighted(prompt: string): { caption: string; readings: PromptReading[] } {
    const segments = parsePromptWeights(prompt).filter((s) => s.text.trim() !== '');
    if (segments.every((s) => s.weight === 1)) {
      const r = this.read(segments.map((s) => s.text).join(' '));
      return { caption: r.caption, readings: [r] };
    }
    const readings: PromptReading[] = [];
    const captions: string[] = [];
    for (const seg of segments) {
      const r = this.read(seg.text);
      if (r.fallback) continue;
      readings.push(r);
      captions.push(seg.weight === 1 ? r.caption : `(${r.caption}:${Number(seg.weight.toFixed(3))})`);
    }
    if (readings.length === 0) {
      const r = this.read('');
      return { caption: r.caption, readings: [r] };
    }
    return { caption: captions.join(' '), readings };
  }

  /** The beat seed image of the style a prompt lands on (the first part of a weighted prompt). */
  beatSeedImage(prompt: string): BeatSeed | undefined {
    const first = this.readWeighted(prompt).readings[0];
    const style = first ? this.data.styles[first.style] : undefined;
    if (!style?.seedImage || !style.seedBeats) return undefined;
    return { seedImageId: style.seedImage, beats: style.seedBeats };
  }

  private playsTempo(style: string, word: TempoWord): boolean {
    const [lo, hi] = this.data.styles[style].bpm;
    const [tlo, thi] = this.data.tempos[word];
    return lo < thi && hi >= tlo;
  }

  private playsMood(style: string, word: string): boolean {
    const mode = this.data.moods[word];
    return mode === undefined || this.data.styles[style].modes.includes(mode);
  }
}

/** One line for people: "jazz, tenor sax, medium tempo → jazz sax". */
export function describeReadings(lexicon: Lexicon, readings: PromptReading[]): string {
  return readings
    .map((r) => {
      const label = lexicon.styleLabel(r.style);
      if (r.fallback) {
        const what = r.ignored.length > 0 ? `no word riffcord-small knows ("${r.ignored.slice(0, 3).join('", "')}")` : 'an empty prompt';
        return `${what}; playing its default, ${label}`;
      }
      let line = r.heard.length > 0 ? `${r.heard.join(', ')} → ${label}` : label;
      if (r.dropped.length > 0) line += ` (not ${r.dropped.join('; not ')})`;
      if (r.ignored.length > 0) line += `; ignored: ${r.ignored.slice(0, 5).join(', ')}`;
      return line;
    })
    .join(' + ');
}

export function loadLexicon(dir: string): Lexicon | undefined {
  const path = join(dir, LEXICON_FILE);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ModelLoadError(`${LEXICON_FILE} in ${dir} is not valid JSON (${(e as Error).message}); re-export the model`);
  }
  const parsed = lexiconSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelLoadError(`${LEXICON_FILE} in ${dir} is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  }
  try {
    return new Lexicon(parsed.data);
  } catch (e) {
    throw new ModelLoadError(`${LEXICON_FILE} in ${dir}: ${(e as Error).message}`);
  }
}

function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9&]+/)
    .filter((w) => w !== '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
