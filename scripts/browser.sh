# Sourced by ./test: what the browser tests need, installed when missing.
# - Debian's chromium and chromium-driver from apt (no browser is ever
#   downloaded by a test tool);
# - the wasm tools (scripts/wasm-tools.sh): wasm-bindgen-test-runner drives
#   headless Chromium through chromedriver.
# The Chromium flags (root in CI: no sandbox) are in each crate's webdriver.json.

browser_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "browser: '$tool' is required but not installed" >&2; exit 1; }
done

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

# shellcheck source=wasm-tools.sh
source "$browser_root/scripts/wasm-tools.sh"

export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
