import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClipTokenizer, type ClipTokenizer } from '../src/pipeline/diffusion/tokenizer.ts';
import { writeClipVocab } from './clip-vocab.ts';

const REF = join(import.meta.dirname, 'fixtures', 'reference');
interface Detail {
  prompt: string;
  truncated: boolean;
  bpe_ids: number[];
  ids_77: number[];
}

describe('CLIP tokenizer parity with OpenAI CLIP', () => {
  let dir: string;
  let tok: ClipTokenizer;
  const ref = JSON.parse(readFileSync(join(REF, 'clip_tokenizer.json'), 'utf8')) as { details: Detail[] };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'riffcord-clip-'));
    writeClipVocab(join(import.meta.dirname, '..', 'assets', 'clip', 'bpe_simple_vocab_16e6.txt.gz'), dir);
    tok = loadClipTokenizer(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the SD 1.x special ids', () => {
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([49406, 49407, 49407]);
  });

  for (const d of ref.details) {
    it(`matches the reference ids for ${JSON.stringify(d.prompt.slice(0, 40))}`, () => {
      expect(tok.encodeContent(d.prompt)).toEqual(d.bpe_ids);
      const enc = tok.encode(d.prompt, 77);
      expect(enc.ids).toEqual(d.ids_77);
      expect(enc.truncated).toBe(d.truncated);
    });
  }

  it('names the fix when tokenizer files are missing', () => {
    expect(() => loadClipTokenizer(join(dir, 'nope'))).toThrow(/tokenizer file missing.*copy the tokenizer\/ folder/);
  });
});
