# Sourced by ./run and ./test: installs whatever this machine is missing.
# Needs only rustup and cargo (node and npm join when the browser parts land).
# Idempotent: every step is skipped when already done.

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed" >&2; exit 1; }; }
need rustup
need cargo

have_component() { rustup component list --installed 2>/dev/null | grep -q "^$1"; }
for component in rustfmt clippy; do
  have_component "$component" || rustup component add "$component"
done
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
