"""CLIP BPE tokenizer files and a Python tokenizer for captions, built from OpenAI's merges file.

    /usr/bin/python3 training/clip_bpe.py <out tokenizer dir>   # writes vocab.json, merges.txt, configs

The vocabulary follows CLIP's own construction (assets/clip/NOTICE): 256 byte characters, the same with
"</w>", 48,894 merges, then <|startoftext|> 49406 and <|endoftext|> 49407. Prompts are padded to
77 ids with the end token (SD 1.x). The merges data is MIT, Copyright (c) 2021 OpenAI.
"""
import gzip
import html
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MERGES_GZ = os.path.normpath(os.path.join(HERE, "..", "assets", "clip", "bpe_simple_vocab_16e6.txt.gz"))
BOS, EOS = 49406, 49407
MAX_LEN = 77
# Python's re has no \p{L}; [^\W\d_] is "letter", \d a digit, and the last class the rest.
SPLIT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+", re.IGNORECASE)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def load_merges(path=MERGES_GZ):
    lines = gzip.open(path).read().decode("utf-8").split("\n")
    return [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]


def build_vocab(merges):
    chars = list(bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(vocab)}


class ClipTokenizer:
    def __init__(self):
        self.byte_encoder = bytes_to_unicode()
        merges = load_merges()
        self.vocab = build_vocab(merges)
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {}

    def _bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(word, word[1:]))]
            rank, _ = min(pairs)
            if rank == 1 << 30:
                break
            first, second = next((w1, w2) for (w1, w2) in zip(word, word[1:]) if self.ranks.get((w1, w2)) == rank)
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    out.append(first + second)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = out
        self.cache[token] = word
        return word

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()
        text = re.sub(r"\s+", " ", text).strip().lower()
        ids = []
        for piece in SPLIT.findall(text):
            piece = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.vocab[t] for t in self._bpe(piece))
        return ids

    def __call__(self, text):
        ids = [BOS] + self.encode(text)[: MAX_LEN - 2] + [EOS]
        return ids + [EOS] * (MAX_LEN - len(ids))


def write_tokenizer_dir(out):
    os.makedirs(out, exist_ok=True)
    merges = load_merges()
    vocab = build_vocab(merges)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>"}
    with open(os.path.join(out, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({**special, "model_max_length": MAX_LEN, "do_lower_case": True, "tokenizer_class": "CLIPTokenizer",
                   "add_prefix_space": False, "errors": "replace"}, f, indent=2)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: clip_bpe.py <tokenizer dir>")
    write_tokenizer_dir(sys.argv[1])
    # Self-check against the reference ids (ASCII prompts only: no ftfy here).
    ref = json.load(open(os.path.join(os.path.dirname(MERGES_GZ), "clip_tokenizer.json")))
    tok = ClipTokenizer()
    ok = bad = 0
    for prompt, ids in ref["ids"].items():
        if not prompt.isascii():
            continue
        if tok(prompt) == ids:
            ok += 1
        else:
            bad += 1
            print("MISMATCH", repr(prompt[:60]))
    print(f"tokenizer written to {sys.argv[1]}; {ok} ASCII reference prompts match, {bad} differ")
