#!/usr/bin/env bash
# Builds one browser crate with wasm-pack into static/<folder>/pkg/:
#
#   scripts/wasm-page.sh <crate> <folder> [--release|--dev]
#
# --release (the default, what ./run serves) uses the `wasm-release` cargo
# profile: optimised for size, with LTO. --dev is faster to build, for tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=wasm-tools.sh
source "$root/scripts/wasm-tools.sh"
crate="$1"
folder="$2"
case "${3:---release}" in
  --release) profile=(--profile wasm-release) ;;
  --dev) profile=(--dev) ;;
  *) echo "usage: scripts/wasm-page.sh <crate> <folder> [--release|--dev]" >&2; exit 2 ;;
esac
cd "$root"
wasm-pack --log-level warn build "$crate" "${profile[@]}" --mode no-install \
  --target web --no-typescript --no-pack --out-dir "../static/$folder/pkg"
