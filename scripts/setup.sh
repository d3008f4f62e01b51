#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh Debian machine for riffcord: system packages, a local
# Redis, and the npm dependencies exactly as locked. Safe to run again; it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ffmpeg redis-server fluidsynth fluid-soundfont-gm python3-torch python3-numpy chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "setup: starting a local redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# onnxruntime-node's install script downloads CUDA files from outside the npm registry; the CPU
# build that riffcord uses by default is inside the package already.
export ONNXRUNTIME_NODE_INSTALL=skip
stamp=node_modules/.riffcord-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# The compiled build bin/riffcord.js and bin/riffcord-worker.js run while it matches src/ (about
# 1 s; without it they run the sources through tsx, which starts 0.5-1 s slower).
node scripts/build.mjs
