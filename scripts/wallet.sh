#!/usr/bin/env bash
# Builds the wallet page: wallet-wasm with wasm-pack into static/wallet/pkg/.
#
#   scripts/wallet.sh            # release build (what ./run serves)
#   scripts/wallet.sh --dev      # faster to build, for the tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=wasm-tools.sh
source "$root/scripts/wasm-tools.sh"
profile="${1:---release}"
cd "$root"
wasm-pack --log-level warn build wallet-wasm "$profile" --mode no-install \
  --target web --no-typescript --no-pack --out-dir ../static/wallet/pkg
