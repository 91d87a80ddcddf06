#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for a while.
#
#   scripts/fuzz.sh [seconds-per-target]      (default 60)
#
# Installs what is missing: the pinned nightly toolchain below (`rustup
# toolchain install <it> --profile minimal`; pinned so that every machine
# fuzzes with the compiler this was tested with) and cargo-fuzz (`cargo install cargo-fuzz
# --locked`). Each target starts from its checked-in starting inputs (fuzz/starts/<target>,
# regenerate with `cargo run --manifest-path fuzz/Cargo.toml --example starts`)
# and the corpus earlier runs grew (fuzz/corpus/<target>, not checked in).
# Prints one line per target:
#
#   fuzz <target>: <execs> execs, <crashes> crashes
#
# and exits non-zero if any target crashed; the crashing input is in
# fuzz/artifacts/<target>/ (replay: cargo +nightly-2026-05-20 fuzz run
# <target> <file>).
# FUZZ_TARGETS="decode till_accept" runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2; exit 2 ;; esac
targets=${FUZZ_TARGETS:-decode http_bodies till_accept bank_letters}
nightly=nightly-2026-05-20

rustup toolchain list 2>/dev/null | grep -q "^$nightly" \
  || rustup toolchain install "$nightly" --profile minimal
cargo "+$nightly" fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

cd fuzz
echo "fuzz: building the targets ($(cargo "+$nightly" fuzz --version), $nightly)"
cargo "+$nightly" fuzz build >/dev/null 2>build.log || { cat build.log >&2; rm -f build.log; exit 1; }
rm -f build.log

failed=0
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log=$(mktemp)
  before=$(find "artifacts/$t" -type f | wc -l)
  status=0
  cargo "+$nightly" fuzz run "$t" "corpus/$t" "starts/$t" -- \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  execs=$(awk '/^stat::number_of_executed_units:/ { n = $NF } END { print n + 0 }' "$log")
  crashes=$(($(find "artifacts/$t" -type f | wc -l) - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # libFuzzer stopped with an error but left no input: count it.
  fi
  echo "fuzz $t: $execs execs, $crashes crashes"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -n 20 >&2 || tail -n 40 "$log" >&2
  fi
  rm -f "$log"
done
exit "$failed"
