#!/usr/bin/env bash
# Set up what is missing, then run the whole test suite. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx vitest run "$@"
