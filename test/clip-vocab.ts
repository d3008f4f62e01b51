/**
 * Test helper: builds CLIP's vocab.json + merges.txt from OpenAI's bpe_simple_vocab_16e6.txt.gz
 * following CLIP's construction (byte alphabet, byte+</w>, 48,894 merges, specials).
 */
import { gunzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function byteAlphabet(): string[] {
  const bs: number[] = [];
  for (let c = 33; c <= 126; c++) bs.push(c);
  for (let c = 161; c <= 172; c++) bs.push(c);
  for (let c = 174; c <= 255; c++) bs.push(c);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return cs.map((c) => String.fromCharCode(c));
}

export function writeClipVocab(gzPath: string, outDir: string): void {
  const lines = gunzipSync(readFileSync(gzPath)).toString('utf8').split('\n');
  const merges = lines.slice(1, 49152 - 256 - 2 + 1);
  const chars = byteAlphabet();
  const vocab = [...chars, ...chars.map((c) => c + '</w>'), ...merges.map((m) => m.split(' ').join(''))];
  vocab.push('<|startoftext|>', '<|endoftext|>');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'vocab.json'), JSON.stringify(Object.fromEntries(vocab.map((t, i) => [t, i]))));
  writeFileSync(join(outDir, 'merges.txt'), '#version: 0.2\n' + merges.join('\n') + '\n');
  const special = { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
  writeFileSync(join(outDir, 'special_tokens_map.json'), JSON.stringify(special));
  writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify({ ...special, model_max_length: 77 }));
}
