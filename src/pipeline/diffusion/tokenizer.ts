/**
 * CLIP BPE tokenizer for Stable Diffusion 1.x, built from a model's tokenizer/ folder
 * (vocab.json + merges.txt) on top of @huggingface/tokenizers. The pipeline pieces it assembles
 * are CLIP's: whitespace collapse + lowercase, CLIP's split regex, byte-level alphabet without a
 * prefix space, BPE with "</w>" word ends. Start/end tokens and 77-token padding are added here,
 * the way CLIPTokenizer(padding="max_length", truncation=True) does for SD 1.x.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from './errors.ts';

const CLIP_SPLIT =
  "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

export interface TokenizedPrompt {
  /** Exactly `maxLength` ids: start, content, end, then padding. */
  ids: number[];
  /** Content tokens the prompt had before truncation. */
  contentTokens: number;
  truncated: boolean;
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  private readonly tok: Tokenizer;

  constructor(vocab: Record<string, number>, merges: string[], config: TokenizerFiles['config']) {
    const bos = config.bos_token ?? '<|startoftext|>';
    const eos = config.eos_token ?? '<|endoftext|>';
    const pad = config.pad_token ?? eos;
    const idOf = (t: string, what: string): number => {
      const id = vocab[t];
      if (id === undefined) {
        throw new ModelLoadError(`tokenizer vocab.json has no ${what} token "${t}"; use the CLIP tokenizer files of the model's export`);
      }
      return id;
    };
    this.bosId = idOf(bos, 'start');
    this.eosId = idOf(eos, 'end');
    this.padId = idOf(pad, 'padding');
    const added = [bos, eos].map((content) => ({
      id: vocab[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: true,
      special: true,
    }));
    const tokenizerJson = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'NFC' },
          { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
          { type: 'Lowercase' },
        ],
      },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: eos,
        continuing_subword_prefix: '',
        end_of_word_suffix: '</w>',
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges,
      },
    };
    this.tok = new Tokenizer(tokenizerJson, { ...config });
  }

  /** Content token ids without start/end tokens. */
  encodeContent(text: string): number[] {
    const cleaned = cleanText(text);
    if (cleaned.length === 0) return [];
    return this.tok.encode(cleaned, { add_special_tokens: false }).ids;
  }

  /** Start + at most maxLength-2 content tokens + end, padded to maxLength. */
  encode(text: string, maxLength = 77): TokenizedPrompt {
    return this.pack(this.encodeContent(text), maxLength);
  }

  pack(content: number[], maxLength = 77): TokenizedPrompt {
    const room = maxLength - 2;
    const kept = content.slice(0, room);
    const ids = [this.bosId, ...kept, this.eosId];
    while (ids.length < maxLength) ids.push(this.padId);
    return { ids, contentTokens: content.length, truncated: content.length > room };
  }

  decode(ids: number[]): string {
    return this.tok.decode(ids, { skip_special_tokens: true });
  }
}

/** CLIP's clean-up before BPE: HTML entities, trim, whitespace runs to one space. */
function cleanText(text: string): string {
  return decodeEntities(text).trim().replace(/\s+/gu, ' ');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/giu, (m, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

export interface TokenizerFiles {
  vocab: Record<string, number>;
  merges: string[];
  config: { bos_token?: string; eos_token?: string; pad_token?: string; unk_token?: string; [k: string]: unknown };
}

/** Reads vocab.json, merges.txt and the token configs from a model's tokenizer/ folder. */
export function readTokenizerFiles(dir: string): TokenizerFiles {
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new ModelLoadError(`tokenizer file missing: ${join(dir, name)}; copy the tokenizer/ folder of the model's ONNX export`);
    }
  };
  const parse = (name: string, text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ModelLoadError(`tokenizer file ${join(dir, name)} is not valid JSON (${(e as Error).message}); re-export the model`);
    }
  };
  const vocab = parse('vocab.json', read('vocab.json'));
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new ModelLoadError(`${join(dir, 'vocab.json')} must map token strings to ids; re-export the model`);
  }
  const merges = read('merges.txt')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#version'));
  const config: TokenizerFiles['config'] = {};
  for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue; // optional: CLIP's defaults apply
    }
    const obj = parse(name, text) as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      // special_tokens_map.json may hold {"content": "..."} objects instead of strings
      const value = typeof v === 'object' && v !== null && 'content' in v ? (v as { content: unknown }).content : v;
      if (config[k] === undefined) config[k] = value;
    }
  }
  return { vocab: vocab as Record<string, number>, merges, config };
}

export function loadClipTokenizer(dir: string): ClipTokenizer {
  const { vocab, merges, config } = readTokenizerFiles(dir);
  return new ClipTokenizer(vocab, merges, config);
}
