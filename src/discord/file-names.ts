/**
 * Names of the files the bot sends, made from their prompt (`jazz-sax-seed42.mp3`), so a
 * download is findable later. Only [a-z0-9-] survive: safe in every file system, in Discord's
 * `attachment://` references and in URLs. Lengths are bounded whatever the prompt.
 */

/** Longest slug taken from one prompt. */
export const MAX_SLUG_CHARS = 40;
/** Longest base name (before the extension). */
export const MAX_BASE_CHARS = 90;

/** Lower-case ASCII words of `text` joined by '-', cut at a word boundary; '' when nothing is left. */
export function promptSlug(text: string, maxChars = MAX_SLUG_CHARS): string {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // accents off: "café" -> "cafe"
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let out = '';
  for (const w of words) {
    const next = out ? `${out}-${w}` : w;
    if (next.length > maxChars) {
      if (!out) out = w.slice(0, maxChars);
      break;
    }
    out = next;
  }
  return out;
}

export interface FileNameParts {
  prompt: string;
  seed: number;
  /** A morph's target prompt. */
  endPrompt?: string;
  /** Added after the prompt, e.g. "extended", "remix", "radio". */
  tag?: string;
  /** Used when the prompt leaves no ASCII word (e.g. a prompt in Japanese). */
  fallback: string;
}

/** `<prompt>[-to-<end>][-<tag>]-seed<N>`, at most MAX_BASE_CHARS characters. */
export function fileBaseName(p: FileNameParts): string {
  const start = promptSlug(p.prompt);
  const end = p.endPrompt === undefined ? '' : promptSlug(p.endPrompt, 30);
  const words = [start || promptSlug(p.fallback) || 'clip', ...(end ? ['to', end] : []), ...(p.tag ? [promptSlug(p.tag, 20)] : [])].filter(Boolean);
  const seed = `seed${Math.max(0, Math.trunc(p.seed))}`;
  const head = words.join('-').slice(0, MAX_BASE_CHARS - seed.length - 1).replace(/-+$/, '');
  return `${head}-${seed}`;
}
