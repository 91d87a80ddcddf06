#!/usr/bin/env bash
# Measures how Halfpenny stands up to hostile input and faults, and writes
# RELIABILITY.md at the workspace root. Every figure in it is read from the
# tools' output, none is typed by hand.
#
#   scripts/reliability.sh [fuzz-seconds-per-target]      (default 300)
#   CRASH_CYCLES=N (default 100) kill/restart cycles per crash test
#
# 1. scripts/fuzz.sh: every fuzz target of fuzz/ for that long;
# 2. the bad-input tables: bank-server/tests/bad_input.rs on SQLite and on
#    PostgreSQL (scripts/postgres.sh starts it; skipped with a note if it
#    cannot), shop-server/tests/bad_input.rs on SQLite;
# 3. cargo deny (bans, licenses, sources; advisories where GitHub is reachable);
# 4. the crash and load suites (their section below).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-300}
# Kill/restart cycles per server per database (./test runs 8).
cycles=${CRASH_CYCLES:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf '\n==> %s\n' "$*"; }

say "fuzzing, $seconds s per target"
fuzz_status=0
scripts/fuzz.sh "$seconds" 2>&1 | tee "$work/fuzz.txt" || fuzz_status=$?

# Runs one bad-input table and keeps its summary lines.
bad_inputs() {
  local crate=$1
  cargo test -p "$crate" --locked --test bad_input -- --nocapture 2>&1 | tee -a "$work/bad.log" \
    | grep -E '^bad inputs \(|^test result:' | tee -a "$work/bad.txt"
}
say "bad-input tables"
: >"$work/bad.txt"
bad_inputs bank-server
bad_inputs shop-server
if (source scripts/postgres.sh >/dev/null && bad_inputs bank-server); then
  :
else
  echo "bad inputs (bank, PostgreSQL): not run here (scripts/postgres.sh could not start PostgreSQL)" | tee -a "$work/bad.txt"
fi

say "cargo deny"
cargo deny --version >/dev/null 2>&1 || cargo install cargo-deny --locked
deny_status=0
cargo deny --offline check bans licenses sources >"$work/deny.log" 2>&1 || deny_status=$?
deny_result=$(grep -E '^(bans|advisories|licenses|sources) (ok|FAILED)' "$work/deny.log" | tail -n 1)
deny_version=$(cargo deny --version)
echo "$deny_result"
if cargo deny check advisories >"$work/advisories.log" 2>&1; then
  advisories="advisories ok"
else
  advisories="not run here: \`cargo deny check advisories\` could not fetch the advisory database ($(grep -oE 'failed to fetch advisory database|failed to clone|could not [a-z ]+' "$work/advisories.log" | head -n 1 || true))"
fi
echo "advisories: $advisories"

# ---------------------------------------------------------------------------
# crash and load suites
#
# This section lists the commands of the crash/restart and load suites.
# Each appends the lines it wants in RELIABILITY.md to "$work/crash_load.txt";
# with no suite listed, the section prints nothing and RELIABILITY.md says so.
: >"$work/crash_load.txt"
crash_status=0
# Runs one crash or load test and keeps its summary lines (first line and
# the indented details under it), labelled with the database.
crash_load() {
  local label=$1
  shift
  "$@" 2>&1 | tee -a "$work/crash.log" \
    | grep -E '^(bank crash|shop crash|double-spend storm|wallet crash|soak):|^  [a-z0-9]' \
    | sed "s/^/[$label] /" | tee -a "$work/crash_lines.txt" || crash_status=1
}
say "crash and load suites, $cycles kill/restart cycles per server per database"
: >"$work/crash_lines.txt"
export HALFPENNY_CRASH_CYCLES=$cycles
crash_load sqlite cargo test -p bank-server --locked --test crash --test storm -- --nocapture
crash_load "shop, bank on sqlite" cargo test -p shop-server --locked --test crash -- --nocapture
if (source scripts/postgres.sh >/dev/null 2>&1 && [ -n "${HALFPENNY_TEST_POSTGRES:-}" ]); then
  crash_load postgres bash -c 'source scripts/postgres.sh >/dev/null && cargo test -p bank-server --locked --test crash --test storm -- --nocapture'
  crash_load "shop, bank on postgres" bash -c 'source scripts/postgres.sh >/dev/null && cargo test -p shop-server --locked --test crash -- --nocapture'
else
  echo "[postgres] not available here: the bank's and the shop's crash tests ran with the bank on SQLite only" >>"$work/crash_lines.txt"
fi
if [ -f static/wallet/pkg/wallet_wasm_bg.wasm ] || ls static/wallet/pkg/*.wasm >/dev/null 2>&1; then
  crash_load chromium bash -c 'cargo build -p bank-server -p shop-server --locked && cd e2e && npx playwright test tests/wallet-crash.spec.ts'
else
  echo "[chromium] the wallet page is not built (scripts/wallet.sh --dev): wallet crash test not run" >>"$work/crash_lines.txt"
fi
crash_load soak scripts/soak.sh "${SOAK_SECONDS:-60}"
{
  echo "SIGKILL at seeded random moments under load, $cycles times per server per"
  echo "database (real binaries, restarted on the same database; the shop keeps"
  echo "its own SQLite file and its bank ran on each database), 64 clients racing for the same tokens, the wallet"
  echo "window closed mid-payment in Chromium, and a ${SOAK_SECONDS:-60} s soak of mixed"
  echo "traffic. Each test asserts its invariants; the timings are only printed."
  echo
  echo '```'
  cat "$work/crash_lines.txt"
  echo '```'
  echo
  echo "After the last restart each crash test checks that money is conserved across"
  echo "the three parties: the buyers' bank balances, plus what the seller was"
  echo "credited, plus the tokens still open (her unspent halves), is exactly what"
  echo "the buyers were funded; and that no token was paid twice."
  echo
  echo "Rerun: \`HALFPENNY_CRASH_CYCLES=$cycles cargo test -p bank-server --test crash --test storm -- --nocapture\`"
  echo "(PostgreSQL: \`source scripts/postgres.sh\` first), \`cargo test -p shop-server"
  echo "--test crash -- --nocapture\`, \`cd e2e && npx playwright test"
  echo "tests/wallet-crash.spec.ts\` and \`scripts/soak.sh [seconds]\`."
} >"$work/crash_load.txt"
# ---------------------------------------------------------------------------

fuzz_rows=$(awk '/^fuzz [a-z_]+: / {
  sub(/:$/, "", $2); printf "| `%s` | %s | %s |\n", $2, $3, $5 }' "$work/fuzz.txt")
crash_load=$(cat "$work/crash_load.txt")

cat >RELIABILITY.md <<EOF
# Reliability

Written by \`scripts/reliability.sh $seconds\` on $(date -u +%Y-%m-%d) on a machine
with $(nproc) cores; do not edit by hand. \`./test\` runs shorter versions of the
same suites on every change (fuzzing 60 s per target, the bad-input tables,
\`cargo deny\`).

## Fuzzing (cargo-fuzz, libFuzzer)

Each target ran for $seconds s from its checked-in starting inputs (\`fuzz/starts/\`) and
the corpus earlier runs grew (\`fuzz/corpus/\`, not checked in).

| target | executions | crashes |
|---|---:|---:|
$fuzz_rows

- \`decode\`: every decoder of outside bytes, binary and text: signed token,
  half, payment, payment request, receipt, forwarded purse request, mint
  response, sealed box, signed letter, letter, every message body of
  \`messages.rs\`, buyer and seller purses, bank public info, keys. A value
  that decodes must re-encode to exactly its input and decode to itself.
- \`http_bodies\`: the JSON bodies and path parameters of every endpoint of
  the bank and the shop, parsed as their handlers parse them.
- \`till_accept\`: \`Till::accept\` with fuzzed payments (raw bytes, or real
  halves picked, mixed across purses and damaged) against real RSA and
  Ed25519 purses; a judged payment leaves the purse unchanged, an accepted
  one holds only the bank's tokens, pays enough and is taken once.
- \`bank_letters\`: \`Bank::open\`/\`authenticate\` with fuzzed sealed boxes,
  fuzzed letters sealed for the bank, and fuzzed bodies signed by the right,
  a wrong or an unknown key; only fresh letters for this bank open, and
  only the signer's own account authenticates them. It is slow by nature:
  every input costs an RSA decryption (and often a signature) in pure Rust
  under AddressSanitizer.

Crashes found and fixed: none so far. A crash would be fixed and kept as a
regression unit test in the crate that owns the decoder.

## Bad input at every HTTP endpoint

Every case is sent twice (the second time a byte-for-byte replay); each must
get a 4xx with its exact stable code, and the ledger totals and the row count
of every table (and, for the shop, its summary) must be unchanged.

\`\`\`
$(grep -E '^bad inputs' "$work/bad.txt")
\`\`\`

Replays of requests the bank or the shop *took* are answered with their first
answer, byte for byte, and change nothing (the idempotent retry the clients
rely on). A token of another bank handed in for redemption is refused line by
line inside the bank's 200 answer (the protocol tells the seller which tokens
were not paid); no money moves and no token changes, only the request's nonce
and answer are kept so that a retry gets the same answer. The shop writes each
refused payment to its refusal log for the operator, by design.

## Supply chain (cargo deny, $deny_version)

- \`cargo deny --offline check bans licenses sources\`: **$deny_result**
- advisories: $advisories. This machine reaches crates.io but not GitHub,
  where the RustSec advisory database lives; where GitHub is reachable run
  \`cargo deny check advisories\` (or \`cargo deny check\` for everything). See
  \`deny.toml\` for the allowed licenses and the duplicate versions that are
  accepted, each with its reason.

## Crash and load

$(if [ -n "$crash_load" ]; then echo "$crash_load"; else echo "No crash or load suite was run by this script."; fi)

## How to rerun

- Everything above: \`scripts/reliability.sh [seconds-per-fuzz-target]\`
- Fuzzing only: \`scripts/fuzz.sh [seconds]\`; one target:
  \`cd fuzz && cargo +nightly-2026-05-20 fuzz run decode\`; replay a crash:
  \`cargo +nightly-2026-05-20 fuzz run <target> fuzz/artifacts/<target>/<file>\`;
  regenerate the starting inputs: \`cargo run --manifest-path fuzz/Cargo.toml --example starts\`.
- Bad inputs: \`cargo test -p bank-server --test bad_input -- --nocapture\`
  (PostgreSQL: \`source scripts/postgres.sh\` first) and
  \`cargo test -p shop-server --test bad_input -- --nocapture\`.
- Dependencies: \`cargo deny --offline check bans licenses sources\`.
EOF
echo
echo "wrote RELIABILITY.md"
[ "$fuzz_status" -eq 0 ] && [ "$deny_status" -eq 0 ] && [ "$crash_status" -eq 0 ]
