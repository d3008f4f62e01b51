#!/usr/bin/env bash
# Set up what is missing, then make music from a prompt with riffcord's embedded model, on the
# CPU, offline: writes a spectrogram PNG, a WAV and the settings used into out/demo/.
#   bash scripts/demo.sh ["prompt"]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
prompt="${1:-smooth jazz saxophone solo}"
node bin/riffcord.js riff "$prompt" --seed 42 --out out/demo
node bin/riffcord.js morph "$prompt" "fast techno drums" --steps 4 --out out/demo/morph
echo "demo: listen to out/demo/riff-42.wav and out/demo/morph/morph.wav"
