#!/usr/bin/env bash
# Starts a bank for the end-to-end tests: a fresh data folder each run, the
# wallet page at /wallet/. The operator token comes from the environment.
# The shop under test listens on 127.0.0.1, so the bank may call addresses
# inside its own network (a production bank refuses them).
set -euo pipefail
port="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
# The binary cargo built: in $CARGO_TARGET_DIR if set (relative to the root),
# a debug build unless HALFPENNY_SERVER_PROFILE=release (scripts/bench.sh).
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$root/$target"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$target/${HALFPENNY_SERVER_PROFILE:-debug}/bank-server" serve \
  --listen "127.0.0.1:$port" \
  --database "sqlite://$data/bank.db" \
  --keys "$data/keys" \
  --wallet-dir "$root/static/wallet" \
  --allow-private-addresses
