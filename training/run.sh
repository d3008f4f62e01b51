#!/usr/bin/env bash
# Builds riffcord-small from nothing: corpus -> images -> VAE + UNet -> ONNX export -> ONNX check.
# Every step is seeded; re-running resumes from what exists (delete data/ to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
[ -f data/corpus/clips.jsonl ] || $PY training/render_corpus.py --per-style 150 --out data/corpus
[ -f data/corpus/images.u8 ] || npx tsx training/convert-images.ts data/corpus
# The shipped weights came from three runs: 700 UNet steps (cosine over 700), then resumed to 1100
# (cosine over 1100), then to 1500 (cosine over 1500). Each run is deterministic; run all three.
$PY training/train.py --corpus data/corpus --ckpt data/checkpoints --vae-steps 800 --unet-steps 700 --unet-batch 24 --unet-lr 6e-4
$PY training/train.py --corpus data/corpus --ckpt data/checkpoints --phase unet --unet-steps 1100 --unet-batch 24 --unet-lr 6e-4
$PY training/train.py --corpus data/corpus --ckpt data/checkpoints --phase unet --unet-steps 1500 --unet-batch 24 --unet-lr 6e-4
$PY training/export.py --ckpt data/checkpoints --out models/riffcord-small
cp data/checkpoints/train.log models/riffcord-small/training-log.txt
npx tsx training/verify-onnx.ts models/riffcord-small data/checkpoints
