#!/usr/bin/env bash
# Starts the demo shop for the end-to-end tests: a fresh seller (new keys,
# new SQLite file) each run, talking to the test bank. The operator token
# comes from the environment (SHOP_OPERATOR_TOKEN).
set -euo pipefail
port="$1"
bank_port="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
# The binary cargo built: in $CARGO_TARGET_DIR if set (relative to the root),
# a debug build unless HALFPENNY_SERVER_PROFILE=release (scripts/bench.sh).
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$root/$target"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$target/${HALFPENNY_SERVER_PROFILE:-debug}/shop-server" serve \
  --listen "127.0.0.1:$port" \
  --bank-url "http://127.0.0.1:$bank_port" \
  --data-dir "$data" \
  --wallet-url "http://127.0.0.1:$bank_port/wallet/" \
  --site-dir "$root/static/shop" \
  --widget-dir "$root/static/widget"
