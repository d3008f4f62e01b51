/**
 * Prompt safety for public servers: words and phrases a guild's admins block for prompts
 * (/settings blocklist), kept in Redis (one JSON list per guild) so every shard and the radio see
 * the same list. Matching is on whole words after folding case and accents, so "Bad", "bád" and
 * "b.a.d" match "bad" while "badminton" does not.
 */
import type { RedisConnection } from '../jobs/connection.ts';
import { z } from 'zod';
import { UserFacingError } from '../discord/errors.ts';

export const MAX_BLOCKED_ENTRIES = 200;
export const MAX_BLOCKED_ENTRY_CHARS = 50;

/**
 * Lower-case, accent-free words. Single letters spelled out with one separator ("b a d",
 * "g.o.r.e") are joined into one word; a change of separator starts a new word.
 */
export function promptWords(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  const out: string[] = [];
  let run = '';
  let runSep: string | null = null;
  let lastEnd = -1;
  const flush = () => {
    if (run) out.push(run);
    run = '';
    runSep = null;
  };
  for (const m of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = m[0];
    const sep = lastEnd < 0 ? '' : folded.slice(lastEnd, m.index);
    lastEnd = m.index + word.length;
    if ([...word].length !== 1) {
      flush();
      out.push(word);
      continue;
    }
    if (run && (runSep === null || runSep === sep)) {
      runSep = sep;
      run += word;
    } else {
      flush();
      run = word;
    }
  }
  flush();
  return out;
}

/** The blocked entry `texts` contain (as whole words, in order), or null. */
export function findBlocked(texts: readonly string[], blocked: readonly string[]): string | null {
  if (blocked.length === 0) return null;
  const prompts = texts.map(promptWords);
  for (const entry of blocked) {
    const words = promptWords(entry);
    if (words.length === 0) continue;
    for (const p of prompts) {
      for (let i = 0; i + words.length <= p.length; i++) {
        if (words.every((w, j) => p[i + j] === w)) return entry;
      }
    }
  }
  return null;
}

/** Splits what an admin typed ("a, b; c d") into entries, each checked for length. */
export function parseEntries(input: string): string[] {
  const entries = input
    .split(/[,;\n]+/)
    .map((e) => e.trim().replace(/\s+/g, ' ').toLowerCase())
    .filter(Boolean);
  for (const e of entries) {
    if (e.length > MAX_BLOCKED_ENTRY_CHARS) throw new UserFacingError(`"${e.slice(0, 60)}…" is longer than ${MAX_BLOCKED_ENTRY_CHARS} characters; block single words or short phrases.`);
    if (promptWords(e).length === 0) throw new UserFacingError(`"${e}" has no letters or digits, so it would match nothing. Give words, separated by commas.`);
  }
  if (entries.length === 0) throw new UserFacingError('Give one or more words or phrases, separated by commas, e.g. `words: gore, scream`.');
  return [...new Set(entries)];
}

const stored = z.array(z.string().max(MAX_BLOCKED_ENTRY_CHARS)).max(MAX_BLOCKED_ENTRIES);

export class BlocklistStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(guildId: string): string {
    return `${this.prefix}:bot:guild:${guildId}:blocklist`;
  }

  async get(guildId: string | null): Promise<string[]> {
    if (!guildId) return [];
    const raw = await this.redis.get(this.key(guildId));
    if (!raw) return [];
    try {
      return stored.parse(JSON.parse(raw));
    } catch {
      return []; // unreadable: the next change from /settings replaces it
    }
  }

  /** Adds entries; returns the whole list. Over MAX_BLOCKED_ENTRIES is refused in the admin's words. */
  async add(guildId: string, entries: string[]): Promise<string[]> {
    const next = [...new Set([...(await this.get(guildId)), ...entries])];
    if (next.length > MAX_BLOCKED_ENTRIES) throw new UserFacingError(`The blocklist holds at most ${MAX_BLOCKED_ENTRIES} entries (this would make ${next.length}). Remove some first.`);
    await this.redis.set(this.key(guildId), JSON.stringify(next));
    return next;
  }

  async remove(guildId: string, entries: string[]): Promise<string[]> {
    const drop = new Set(entries);
    const next = (await this.get(guildId)).filter((e) => !drop.has(e));
    await this.redis.set(this.key(guildId), JSON.stringify(next));
    return next;
  }

  async clear(guildId: string): Promise<void> {
    await this.redis.del(this.key(guildId));
  }

  /**
   * Throws the user's answer when a prompt uses a blocked word of the guild. Called before
   * anything is queued (or deferred), so the refusal is ephemeral and nothing public is left.
   */
  async check(guildId: string | null, texts: readonly (string | null | undefined)[]): Promise<void> {
    const list = await this.get(guildId);
    const hit = findBlocked(texts.filter((t): t is string => typeof t === 'string' && t.length > 0), list);
    if (hit !== null) {
      throw new UserFacingError(`This server's admins have blocked "${hit}" in prompts, so I did not queue anything. Rephrase your prompt without it and try again.`);
    }
  }
}
