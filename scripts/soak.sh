#!/usr/bin/env bash
# The soak test (not in CI): a real bank and a real shop on 127.0.0.1, each
# on a fresh SQLite file, and mixed traffic against them for a set time —
# purses minted through the shop, one-at-a-time payments, refunds the till
# answers, redemptions every second. Prints throughput, p50/p99 latency per
# kind of request and the bank's ledger check (exit 1 if out of balance).
#
#   scripts/soak.sh [seconds]      # default 60
#   SOAK_PROFILE=--release scripts/soak.sh 600
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
profile="${SOAK_PROFILE:-}"
target=debug
[ "$profile" = "--release" ] && target=release

cargo build $profile -p bank-server -p shop-server --bins --example soak

data="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bank_port="$(free_port)"
shop_port="$(free_port)"
export HALFPENNY_OPERATOR_TOKEN="soak-bank-operator-$RANDOM$RANDOM"
export SHOP_OPERATOR_TOKEN="soak-shop-operator-$RANDOM$RANDOM"
export RUST_LOG="${RUST_LOG:-warn}"

"target/$target/bank-server" serve --listen "127.0.0.1:$bank_port" \
  --keys "$data/bank-keys" --database "sqlite://$data/bank.db" \
  --return-window-secs 30 --sweep-every-secs 5 --allow-private-addresses &
pids+=($!)
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$bank_port/v1/health" >/dev/null && break
  sleep 0.1
done
"target/$target/shop-server" serve --listen "127.0.0.1:$shop_port" \
  --bank-url "http://127.0.0.1:$bank_port" --data-dir "$data/shop" \
  --redeem-every-secs 3600 &
pids+=($!)
for _ in $(seq 1 600); do
  curl -fs -o /dev/null -X POST -H 'content-type: application/json' \
    -d '{"item":"article-1"}' "http://127.0.0.1:$shop_port/shop/v1/offers" && break
  sleep 0.1
done

echo "soak: ${seconds} s of mixed traffic against a bank on :$bank_port and a shop on :$shop_port ($target build)"
"target/$target/examples/soak" "http://127.0.0.1:$bank_port" "http://127.0.0.1:$shop_port" "$seconds"
