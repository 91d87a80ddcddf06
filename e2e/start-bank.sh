#!/usr/bin/env bash
# Starts a bank for the end-to-end tests: a fresh data folder each run, the
# wallet page at /wallet/. The operator token comes from the environment.
set -euo pipefail
port="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$root/target/debug/bank-server" serve \
  --listen "127.0.0.1:$port" \
  --database "sqlite://$data/bank.db" \
  --keys "$data/keys" \
  --wallet-dir "$root/static/wallet"
