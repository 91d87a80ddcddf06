# Sourced by scripts/browser.sh and scripts/wallet.sh: the wasm tools, at the
# versions this workspace needs, installed with cargo when missing.
# - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (its
#   wasm-bindgen-test-runner also drives the browser tests). The pages are
#   built by scripts/wasm-page.sh with cargo and wasm-bindgen; no wasm-pack.

wasm_tools_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wasm_bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' "$wasm_tools_root/Cargo.lock")"
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wasm_bindgen_version"; then
  # Not --locked: a dependency it pins is missing from the registry.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi
