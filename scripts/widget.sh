#!/usr/bin/env bash
# Builds the pay button: shop-widget with wasm-pack into static/widget/pkg/,
# next to static/widget/halfpenny-pay.js (the element a shop includes).
#
#   scripts/widget.sh            # release build (what a shop serves)
#   scripts/widget.sh --dev      # faster to build, for the tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=wasm-tools.sh
source "$root/scripts/wasm-tools.sh"
profile="${1:---release}"
case "$profile" in
  --release | --dev) ;;
  *) echo "usage: scripts/widget.sh [--release|--dev]" >&2; exit 2 ;;
esac
cd "$root"
wasm-pack --log-level warn build shop-widget "$profile" --mode no-install \
  --target web --no-typescript --no-pack --out-dir ../static/widget/pkg
