#!/usr/bin/env bash
# Builds the till page: till-wasm with wasm-pack into static/till/pkg/.
#
#   scripts/till.sh            # release build (what ./run serves)
#   scripts/till.sh --dev      # faster to build, for the tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=wasm-tools.sh
source "$root/scripts/wasm-tools.sh"
profile="${1:---release}"
cd "$root"
wasm-pack --log-level warn build till-wasm "$profile" --mode no-install \
  --target web --no-typescript --no-pack --out-dir ../static/till/pkg
