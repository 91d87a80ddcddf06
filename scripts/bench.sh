#!/usr/bin/env bash
# Measures Halfpenny and writes BENCHMARKS.md.
#
#   scripts/bench.sh
#
# 1. `openssl speed rsa2048` and `openssl speed ed25519` on one core, as the
#    yardsticks for the two token suites;
# 2. the criterion benches of `halfpenny` (benches/core.rs) and
#    `halfpenny-aws-lc` (benches/backends.rs), with short settings;
# 3. the bank over HTTP (bank-server/benches/bank.rs): minting and redemption
#    on a SQLite file and, unless BENCH_POSTGRES=0, on PostgreSQL
#    (scripts/postgres.sh installs and starts it when missing);
#    Both token suites run everywhere: the core benches, minting, redemption;
#    `cargo run -p halfpenny --example sizes` gives the bytes per half;
# 4. the till's acceptance throughput: natively in the criterion rows
#    `till/pay_1_token/*` (halfpenny/benches/common/till.rs), and the same code
#    compiled to wasm32 (halfpenny-bench-wasm, scripts/wasm-page.sh --bench) and timed
#    in headless Debian Chromium (e2e/bench/till-wasm.bench.ts);
# 5. the pay button's size (scripts/widget.sh --release) beside the wallet's;
# 6. the wallet in Chromium against a real bank and seller server
#    (e2e/bench/wallet.bench.ts, e2e/playwright.bench.config.ts, ports
#    8795/8796, the servers built with the benches' profile): approve → the
#    seller's receipt over 200 one-cent payments, and key generation; unless
#    BENCH_BROWSER=0;
# 7. the memory of a till holding 100,000 halves
#    (halfpenny-aws-lc/examples/till_memory.rs);
# 8. BENCHMARKS.md at the workspace root: every figure in it is read from the
#    tools' output, none is typed by hand. Each bench checks its own output
#    (every payment accepted, every token credited once) and fails otherwise.
#
# Settings (environment): OPENSSL_SECONDS (3), WARM_UP_SECS (1), MEASURE_SECS (2),
# BENCH_POSTGRES (1), BENCH_BROWSER (1), and for the browser benches
# HALFPENNY_BENCH_MS (600 per run of a wasm till figure, five runs),
# HALFPENNY_BENCH_PAYMENTS (200), HALFPENNY_BENCH_KEYGEN_RUNS (5).
# After ./test (which builds the benches and the release pages) it builds
# little more; BENCHMARKS.md says how long the run took.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

openssl_seconds="${OPENSSL_SECONDS:-3}"
warm_up="${WARM_UP_SECS:-1}"
measure="${MEASURE_SECS:-2}"

for tool in openssl cargo python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Build first, so that compiling is not timed and does not disturb openssl.
# The same cargo invocations as ./test (`--workspace`, so the same features):
# after ./test they find everything built.
section() { printf '== %s (%d s into the run)\n' "$*" "$SECONDS" >&2; }
section "building the benches"
cargo bench --workspace --no-run --locked
# The examples, and the servers the browser benches start, optimised as the benches are.
cargo build --profile bench --workspace --examples --bins --locked
scripts/wallet.sh --release
scripts/widget.sh --release
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
examples="$target_dir/release/examples"
bench_wasm_dir="$target_dir/halfpenny-bench-wasm/pkg"
browser="${BENCH_BROWSER:-1}"
if [ "$browser" != 0 ]; then
    # shellcheck source=browser.sh
    source "$root/scripts/browser.sh"
    scripts/wasm-page.sh halfpenny-bench-wasm "$bench_wasm_dir" --bench
    if [ ! -d e2e/node_modules/@playwright/test ]; then
        (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    fi
fi
built_at=$SECONDS

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

section "openssl speed -seconds $openssl_seconds rsa2048"
openssl speed -seconds "$openssl_seconds" rsa2048 >"$work/openssl.txt" 2>"$work/openssl.err"
cat "$work/openssl.txt" >&2
section "openssl speed -seconds $openssl_seconds ed25519"
openssl speed -seconds "$openssl_seconds" ed25519 >"$work/openssl-ed25519.txt" 2>"$work/openssl-ed25519.err"
cat "$work/openssl-ed25519.txt" >&2

"$examples/sizes" >"$work/sizes.jsonl"
section "a till holding 100,000 halves, per suite (mints them first)"
"$examples/till_memory" 100000 >"$work/memory.jsonl"

# Criterion keeps older results; only those written from now on are reported.
touch "$work/started"

section "criterion benches"
criterion_args=(--warm-up-time "$warm_up" --measurement-time "$measure")
cargo bench --workspace --locked --bench core -- "${criterion_args[@]}"
cargo bench --workspace --locked --bench backends -- "${criterion_args[@]}"

section "the bank over HTTP"
env -u HALFPENNY_TEST_POSTGRES cargo bench --workspace --locked --bench bank >"$work/bank.jsonl"
if [ "${BENCH_POSTGRES:-1}" != 0 ]; then
    # shellcheck source=postgres.sh
    source "$root/scripts/postgres.sh"
    cargo bench --workspace --locked --bench bank >>"$work/bank.jsonl"
fi

: >"$work/browser.jsonl"
# The files as measured (the wallet and button builds of this run).
snapshot() {
    mkdir -p "$work/served"
    cp static/wallet/pkg/wallet_wasm_bg.wasm static/wallet/pkg/wallet_wasm.js \
        static/widget/pkg/shop_widget_bg.wasm static/widget/pkg/shop_widget.js \
        static/widget/halfpenny-pay.js "$work/served/"
}
load_browser=""
if [ "$browser" != 0 ]; then
    section "in headless Chromium: the till in wasm32, the wallet against a real bank and shop"
    load_browser="$(cut -d' ' -f1-3 /proc/loadavg)"
    snapshot
    (
        cd e2e
        HALFPENNY_SERVER_PROFILE=release \
        HALFPENNY_BENCH_OUT="$work/browser.jsonl" HALFPENNY_BENCH_WASM_DIR="$bench_wasm_dir" \
            npx playwright test -c playwright.bench.config.ts
    ) >&2
fi
[ -d "$work/served" ] || snapshot

section "writing BENCHMARKS.md"
BANK_OUT="$work/bank.jsonl" \
MEMORY_OUT="$work/memory.jsonl" \
BUILD_SECONDS="$built_at" \
RUN_SECONDS="$SECONDS" \
OPENSSL_OUT="$work/openssl.txt" \
OPENSSL_ED25519_OUT="$work/openssl-ed25519.txt" \
SIZES_OUT="$work/sizes.jsonl" \
WALLET_WASM="$work/served/wallet_wasm_bg.wasm" \
WALLET_JS="$work/served/wallet_wasm.js" \
WIDGET_WASM="$work/served/shop_widget_bg.wasm" \
WIDGET_JS="$work/served/shop_widget.js" \
WIDGET_ELEMENT="$work/served/halfpenny-pay.js" \
BROWSER_OUT="$work/browser.jsonl" \
LOAD_BROWSER="$load_browser" \
CHROMIUM_VERSION="$(/usr/bin/chromium --version 2>/dev/null || echo unknown)" \
STARTED="$work/started" \
CRITERION_DIR="$target_dir/criterion" \
OUT="$root/BENCHMARKS.md" \
LOAD_BEFORE="$load_before" \
OPENSSL_SECONDS="$openssl_seconds" WARM_UP="$warm_up" MEASURE="$measure" \
OPENSSL_VERSION="$(openssl version)" \
RUSTC_VERSION="$(rustc --version)" \
NPROC="$(nproc)" \
python3 "$root/scripts/bench_report.py"
