/**
 * Discord's size limits for what the bot sends (developer docs: resources/message,
 * components/reference, interactions), and the cutting that keeps every message within them.
 * Discord counts characters as Unicode code points, so the cutting does too and never splits one.
 */

export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  /** Title, description, field names and values, footer and author over all embeds of a message. */
  embedTotal: 6000,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
} as const;

const ELLIPSIS = '…';

export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** `text` cut to at most `max` characters, ending in "…" when something was cut. */
export function cut(text: string, max: number): string {
  if (charCount(text) <= max) return text;
  if (max <= 0) return '';
  return [...text].slice(0, max - 1).join('') + ELLIPSIS;
}

/**
 * Renders `texts` (the variable parts of a message: prompts, names) into a message of at most
 * `max` characters. When the whole does not fit, the longest texts are cut first, to the largest
 * common length that fits; only if that is not enough is the rendered message itself cut.
 */
export function fitTexts(texts: readonly string[], render: (texts: string[]) => string, max: number = DISCORD_LIMITS.content): string {
  const whole = render([...texts]);
  if (charCount(whole) <= max) return whole;
  const longest = Math.max(0, ...texts.map(charCount));
  let lo = 1;
  let hi = longest;
  let best: string | null = null;
  while (lo <= hi) {
    const cap = Math.floor((lo + hi) / 2);
    const rendered = render(texts.map((t) => cut(t, cap)));
    if (charCount(rendered) <= max) {
      best = rendered;
      lo = cap + 1;
    } else hi = cap - 1;
  }
  return best ?? cut(render(texts.map((t) => cut(t, 1))), max);
}
