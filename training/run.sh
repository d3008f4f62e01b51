#!/usr/bin/env bash
# Builds riffcord-small v2 from nothing: corpus -> images -> VAE + UNet -> ONNX export -> ONNX check.
# Every step is seeded and resumable: re-running continues from the last checkpoint in data/
# (delete data/corpus2 or data/checkpoints2 to start that part over). Losses go to
# data/checkpoints2/train.log. RIFFCORD_TRAIN_THREADS sets torch's threads (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CORPUS=data/corpus2
CKPT=data/checkpoints2
[ -f $CORPUS/clips.jsonl ] || $PY training/render_corpus.py --per-style 150 --out $CORPUS
[ -f $CORPUS/images.u8 ] || npx tsx training/convert-images.ts $CORPUS
# VAE v2 (8 x 32 x 32 latents), then the UNet and text encoder on its latents. The UNet ran as one
# cosine schedule over UNET_STEPS. The shipped v2.1: v2 was the step-1,200 checkpoint of a run
# whose total was cut from 2,000 to 1,500 to 1,300 as it went; v2.1 went on from those shipped
# weights with FROM_SHIPPED=1200 UNET_STEPS=2500 UNET_LR=4e-4, and v2.2 from v2.1's with
# FROM_SHIPPED=2500 UNET_STEPS=5000 UNET_LR=3e-4, and v2.3 from v2.2's with FROM_SHIPPED=5000
# UNET_STEPS=7500 UNET_LR=3e-4 (see the model card).
UNET_STEPS=${UNET_STEPS:-1300}
UNET_LR=${UNET_LR:-6e-4}
# FROM_SHIPPED=<unet step>: with no checkpoints yet, go on from the shipped ONNX weights instead of
# training from nothing (training/import_onnx.py; the VAE is taken as shipped).
if [ -n "${FROM_SHIPPED:-}" ] && [ ! -f $CKPT/unet.pt ]; then
  $PY training/import_onnx.py --model models/riffcord-small --corpus $CORPUS --ckpt $CKPT --step "$FROM_SHIPPED"
fi
$PY training/train.py --corpus $CORPUS --ckpt $CKPT --vae-config v2 --vae-steps 1600 --vae-crop 96 --vae-lr 1.5e-3 --unet-steps "$UNET_STEPS" --unet-batch 24 --unet-lr "$UNET_LR"
$PY training/export.py --ckpt $CKPT --out models/riffcord-small
cp $CKPT/train.log models/riffcord-small/training-log.txt
npx tsx training/verify-onnx.ts models/riffcord-small $CKPT
