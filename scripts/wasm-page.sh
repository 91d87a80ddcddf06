#!/usr/bin/env bash
# Builds one browser crate into <out>/: cargo for wasm32, then wasm-bindgen,
# which writes <crate>.js and <crate>_bg.wasm (no TypeScript, no package.json).
#
#   scripts/wasm-page.sh <crate> <out> [--release|--dev|--bench]
#
# --release: the size-optimised `wasm-release` profile (the pages);
# --dev: unoptimised, for the tests; --bench: the speed-optimised `release`
# profile (halfpenny-bench-wasm). wasm-bindgen drops the name and producers
# sections (see `[profile.wasm-release]` in Cargo.toml for why not `strip`).
# No wasm-opt: Debian's binaryen is too old, and nothing may be downloaded.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=wasm-tools.sh
source "$root/scripts/wasm-tools.sh"
usage="usage: scripts/wasm-page.sh <crate> <out> [--release|--dev|--bench]"
crate="${1:?$usage}"
out="${2:?$usage}"
case "${3:---release}" in
  --release) profile=(--profile wasm-release) dir=wasm-release ;;
  --dev) profile=() dir=debug ;;
  --bench) profile=(--release) dir=release ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
cd "$root"
cargo build --locked -q -p "$crate" --lib --target wasm32-unknown-unknown "${profile[@]}"
target="${CARGO_TARGET_DIR:-target}"
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$out" "$target/wasm32-unknown-unknown/$dir/${crate//-/_}.wasm"
