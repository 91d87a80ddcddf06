# Sourced by ./test: what the browser tests need, installed when missing.
# - Debian's chromium and chromium-driver from apt (no browser is ever
#   downloaded by a test tool);
# - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock: its
#   wasm-bindgen-test-runner drives headless Chromium through chromedriver.
# The Chromium flags (root in CI: no sandbox) are in each crate's webdriver.json.

browser_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

missing_packages=()
for package in chromium chromium-driver; do
  dpkg -s "$package" >/dev/null 2>&1 || missing_packages+=("$package")
done
if [ "${#missing_packages[@]}" -gt 0 ]; then
  as_root=()
  [ "$(id -u)" = 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing_packages[@]}"
fi

wasm_bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' "$browser_root/Cargo.lock")"
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wasm_bindgen_version"; then
  # Not --locked: a dependency it pins is missing from the registry.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
