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
# 4. BENCHMARKS.md at the workspace root: every figure in it is read from the
#    tools' output, none is typed by hand.
#
# Settings (environment): OPENSSL_SECONDS (3), WARM_UP_SECS (1), MEASURE_SECS (3),
# BENCH_POSTGRES (1). About ten minutes on two cores, once the bench profile and the
# release wallet are built (the first build of both adds about fifteen).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

openssl_seconds="${OPENSSL_SECONDS:-3}"
warm_up="${WARM_UP_SECS:-1}"
measure="${MEASURE_SECS:-3}"

for tool in openssl cargo python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Build first, so that compiling is not timed and does not disturb openssl.
echo "== building the benches" >&2
cargo bench -p halfpenny --bench core --no-run
cargo bench -p halfpenny-aws-lc --bench backends --no-run
cargo bench -p bank-server --bench bank --no-run
cargo build -q -p halfpenny --example sizes
scripts/wallet.sh --release

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== openssl speed -seconds $openssl_seconds rsa2048" >&2
openssl speed -seconds "$openssl_seconds" rsa2048 >"$work/openssl.txt" 2>"$work/openssl.err"
cat "$work/openssl.txt" >&2
echo "== openssl speed -seconds $openssl_seconds ed25519" >&2
openssl speed -seconds "$openssl_seconds" ed25519 >"$work/openssl-ed25519.txt" 2>"$work/openssl-ed25519.err"
cat "$work/openssl-ed25519.txt" >&2

cargo run -q -p halfpenny --example sizes >"$work/sizes.jsonl"

# Criterion keeps older results; only those written from now on are reported.
touch "$work/started"

echo "== criterion benches" >&2
criterion_args=(--warm-up-time "$warm_up" --measurement-time "$measure")
cargo bench -p halfpenny --bench core -- "${criterion_args[@]}"
cargo bench -p halfpenny-aws-lc --bench backends -- "${criterion_args[@]}"

echo "== the bank over HTTP" >&2
env -u HALFPENNY_TEST_POSTGRES cargo bench -p bank-server --bench bank >"$work/bank.jsonl"
if [ "${BENCH_POSTGRES:-1}" != 0 ]; then
    # shellcheck source=postgres.sh
    source "$root/scripts/postgres.sh"
    cargo bench -p bank-server --bench bank >>"$work/bank.jsonl"
fi

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

BANK_OUT="$work/bank.jsonl" \
OPENSSL_OUT="$work/openssl.txt" \
OPENSSL_ED25519_OUT="$work/openssl-ed25519.txt" \
SIZES_OUT="$work/sizes.jsonl" \
WALLET_WASM="$root/static/wallet/pkg/wallet_wasm_bg.wasm" \
WALLET_JS="$root/static/wallet/pkg/wallet_wasm.js" \
STARTED="$work/started" \
CRITERION_DIR="$target_dir/criterion" \
OUT="$root/BENCHMARKS.md" \
LOAD_BEFORE="$load_before" \
OPENSSL_SECONDS="$openssl_seconds" WARM_UP="$warm_up" MEASURE="$measure" \
OPENSSL_VERSION="$(openssl version)" \
RUSTC_VERSION="$(rustc --version)" \
NPROC="$(nproc)" \
python3 - <<'PY'
import datetime
import glob
import json
import os
import re
import sys

env = os.environ


def fail(message):
    sys.exit(f"bench: {message}")


# --- openssl: the "sign/s verify/s" header and the "rsa 2048 bits" row.
text = open(env["OPENSSL_OUT"]).read().splitlines()
header = next((l.split() for l in text if "sign/s" in l and "verify/s" in l), None)
row = next((l for l in text if re.match(r"\s*rsa\s+2048\s+bits\b", l)), None)
if header is None or row is None:
    fail("could not read the output of openssl speed")
values = row.split()[3:]  # after "rsa 2048 bits"
# The header names every column after the key size: times first, then rates.
if len(values) != len(header):
    fail(f"openssl speed printed {len(values)} values for {len(header)} columns")
columns = dict(zip(header, values))
openssl_sign = float(columns["sign/s"])
openssl_verify = float(columns["verify/s"])

# --- openssl ed25519: the row "253 bits EdDSA (Ed25519)  <sign s> <verify s> <sign/s> <verify/s>".
ed_row = next((l for l in open(env["OPENSSL_ED25519_OUT"]).read().splitlines() if "(Ed25519)" in l), None)
if ed_row is None:
    fail("could not read the output of openssl speed ed25519")
ed_values = ed_row.split(")", 1)[1].split()
if len(ed_values) != 4:
    fail(f"openssl speed ed25519 printed {len(ed_values)} values, not 4")
openssl_ed_sign, openssl_ed_verify = float(ed_values[2]), float(ed_values[3])
yardstick = {
    ("rsa2048", "sign"): openssl_sign,
    ("rsa2048", "verify"): openssl_verify,
    ("ed25519", "sign"): openssl_ed_sign,
    ("ed25519", "verify"): openssl_ed_verify,
}

# --- criterion: every benchmark measured during this run.
started = os.path.getmtime(env["STARTED"])
rows = []
for estimates_path in glob.glob(os.path.join(env["CRITERION_DIR"], "**", "new", "estimates.json"), recursive=True):
    mtime = os.path.getmtime(estimates_path)
    if mtime < started:
        continue
    new_dir = os.path.dirname(estimates_path)
    with open(os.path.join(new_dir, "benchmark.json")) as f:
        bench = json.load(f)
    with open(estimates_path) as f:
        estimates = json.load(f)
    median_ns = float(estimates["median"]["point_estimate"])
    throughput = bench.get("throughput") or {}
    if isinstance(throughput, list):  # older layouts keep a list
        throughput = throughput[0] if throughput else {}
    elements = throughput.get("Elements") or throughput.get("ElementsAndBytes", {}).get("elements") or 1
    nbytes = throughput.get("Bytes") or throughput.get("BytesDecimal")
    rows.append({
        "id": bench["full_id"],
        "median_ns": median_ns,
        "ops": float(elements) * 1e9 / median_ns,
        "elements": int(elements),
        "bytes": nbytes,
        "mtime": mtime,
    })
if not rows:
    fail(f"no criterion results newer than the start of this run in {env['CRITERION_DIR']}")
rows.sort(key=lambda r: r["mtime"])


def kind(full_id):
    parts = full_id.split("/")
    if any(p == "sign" or p.startswith("sign_many") for p in parts):
        return "sign"
    if "verify" in parts:
        return "verify"
    return None


def scheme(full_id):
    return "ed25519" if "ed25519" in full_id else "rsa2048"


def duration(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns / scale < 100 else f"{ns / scale:.0f} {unit}"
    return f"{ns:.3g} ns" if ns < 100 else f"{ns:.0f} ns"


def rate(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.3g}"


def ratio(r):
    k = kind(r["id"])
    if k is None:
        return ""
    return f"{r['ops'] / yardstick[(scheme(r['id']), k)]:.2f}× openssl {scheme(r['id'])} {k}/s"


cpu = "unknown"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass

out = []
w = out.append
w("# Benchmarks")
w("")
w("Written by `scripts/bench.sh`; every figure below comes from the tools' output.")
w("Run it again to refresh this file.")
w("")
w(f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
w(f"- Machine: {env['NPROC']} cores, {cpu}")
w(f"- Load average before the run: {env['LOAD_BEFORE']} (other builds may have been running)")
w(f"- Toolchain: {env['RUSTC_VERSION']}; {env['OPENSSL_VERSION']}")
w(f"- Criterion: warm-up {env['WARM_UP']} s, measurement {env['MEASURE']} s per benchmark; median of the samples")
w("")
w(f"## OpenSSL yardsticks (`openssl speed -seconds {env['OPENSSL_SECONDS']} rsa2048` and `ed25519`, one core)")
w("")
w("| | sign/s | verify/s |")
w("|---|---:|---:|")
w(f"| RSA-2048 | {rate(openssl_sign)} | {rate(openssl_verify)} |")
w(f"| Ed25519 | {rate(openssl_ed_sign)} | {rate(openssl_ed_verify)} |")
w("")

# --- the wallet page as served: raw and gzip (level 9), release build, no wasm-opt.
import gzip
w("## Wallet page size")
w("")
w("`scripts/wallet.sh --release` (wasm-pack, no wasm-opt yet); the target is under 400 KB gzip.")
w("")
w("| File | Raw | Gzip | Within 400 KB gzip |")
w("|---|---:|---:|---|")
total_gz = 0
for label, path in (("wallet_wasm_bg.wasm", env["WALLET_WASM"]), ("wallet_wasm.js", env["WALLET_JS"])):
    data = open(path, "rb").read()
    gz = len(gzip.compress(data, 9))
    total_gz += gz
    w(f"| `{label}` | {len(data) / 1024:,.0f} KB | {gz / 1024:,.0f} KB | |")
w(f"| together | | {total_gz / 1024:,.0f} KB | {'yes' if total_gz <= 400 * 1024 else 'no'} |")
w("")

# --- bytes per token and per half, per suite (examples/sizes.rs).
sizes = [json.loads(l) for l in open(env["SIZES_OUT"]) if l.strip().startswith("{")]
if not sizes:
    fail("the sizes example printed nothing")
w("## Bytes per half")
w("")
w("A money token as minted, and one half of it (purse id, session serial, share) in binary and")
w("as text (`hph1.` + base64url), for three token values. The seed expects 20–500 bytes;")
w("the Ed25519 targets are at most 120 bytes and 170 characters.")
w("")
w("| Suite | Value (minor units) | Token bytes | Half bytes | Half characters | Within 20–500 bytes | Within the Ed25519 targets |")
w("|---|---:|---:|---:|---:|---|---|")
for z in sizes:
    seed_ok = "yes" if 20 <= z["half_bytes"] <= 500 else "no"
    target = ""
    if z["suite"] == "ed25519":
        target = "yes" if z["half_bytes"] <= 120 and z["half_chars"] <= 170 else "no"
    w(f"| {z['suite']} | {z['value_minor']:,} | {z['token_bytes']} | {z['half_bytes']} | {z['half_chars']} | {seed_ok} | {target} |")
w("")

# A summary per implementation from the one-message rows (`<scheme>/<op>/<implementation>`).
def per_implementation(scheme_name):
    found = {}
    for r in rows:
        parts = r["id"].split("/")
        if len(parts) == 3 and parts[0] == scheme_name and parts[1] in ("sign", "verify"):
            found.setdefault(parts[2], {})[parts[1]] = r["ops"]
    return found


for scheme_name, title in (("rsa2048", "RSA-2048 per backend"), ("ed25519", "Ed25519")):
    found = per_implementation(scheme_name)
    if not found:
        continue
    sign_ref, verify_ref = yardstick[(scheme_name, "sign")], yardstick[(scheme_name, "verify")]
    w(f"## {title} (one core, one message at a time)")
    w("")
    w("| Implementation | sign/s | × openssl | verify/s | × openssl |")
    w("|---|---:|---:|---:|---:|")
    for name, ops in found.items():
        s, v = ops.get("sign"), ops.get("verify")
        w(
            f"| {name} | {rate(s) if s else '–'} | {f'{s / sign_ref:.2f}' if s else '–'} "
            f"| {rate(v) if v else '–'} | {f'{v / verify_ref:.2f}' if v else '–'} |"
        )
    w("")
batch = [r for r in rows if any(p.startswith("sign_many") for p in r["id"].split("/"))]
for r in batch:
    w(
        f"`{r['id']}`: {rate(r['ops'])} signatures/s on {env['NPROC']} cores "
        f"({r['ops'] / yardstick[(scheme(r['id']), 'sign')]:.2f}× openssl's one-core {scheme(r['id'])} sign/s)."
    )
    w("")

w("## Every benchmark")
w("")
w("ops/s counts iterations per second, or elements per second where the bench declares them")
w("(`sign_many_1000` signs 1,000 messages per iteration). Ratios compare with openssl on one core.")
w("")
w("| Benchmark | Median | ops/s | vs openssl |")
w("|---|---:|---:|---|")
for r in rows:
    extra = ""
    if r["bytes"]:
        extra = f" ({float(r['bytes']) * 1e9 / r['median_ns'] / 1e6:,.0f} MB/s)"
    w(f"| `{r['id']}` | {duration(r['median_ns'])} | {rate(r['ops'])}{extra} | {ratio(r)} |")
w("")

# --- the bank over HTTP: one JSON object per figure.
bank = [json.loads(l) for l in open(env["BANK_OUT"]) if l.strip().startswith("{")]
if bank:
    cores = int(env["NPROC"])
    suite_scheme = {"rsa2048-sha256": "rsa2048", "ed25519": "ed25519"}
    mint = {(b["database"], b["suite"]): b["median"] for b in bank if b["figure"] == "bank_minting"}
    w("## The bank over HTTP (bank-server, 127.0.0.1)")
    w("")
    w("Minting: one purse of 1,000 tokens per request, every core signing, compared with openssl")
    w(f"sign/s for the suite's scheme × {cores} cores; per core, the Ed25519 target is 10,000 tokens/s.")
    w("`minting_concurrent`: four buyers' requests at once, as a bank serves many buyers.")
    w("Redemption: 1,000 joined tokens per request, no signature per token, compared with minting on the")
    w("same database and suite. Each run checks its own output (every token minted in the suite asked")
    w("for, every token credited exactly once, books balanced). Median of 5 runs after one warm-up.")
    w("")
    w("| Figure | Suite | Database | Median tokens/s | Min | Max | Per core | Ratio |")
    w("|---|---|---|---:|---:|---:|---:|---|")
    for b in bank:
        sch = suite_scheme[b["suite"]]
        if b["figure"].startswith("bank_minting"):
            r = f"{b['median'] / (yardstick[(sch, 'sign')] * cores):.2f}× openssl {sch} sign/s × {cores}"
        else:
            key = (b["database"], b["suite"])
            r = f"{b['median'] / mint[key]:.1f}× minting" if key in mint else ""
        w(
            f"| {b['figure'].replace('bank_', '')} | {b['suite']} | {b['database']} | {rate(b['median'])} "
            f"| {rate(b['min'])} | {rate(b['max'])} | {rate(b['median'] / cores)} | {r} |"
        )
    w("")

with open(env["OUT"], "w") as f:
    f.write("\n".join(out))
print(f"bench: wrote {env['OUT']} ({len(rows)} benchmarks)", file=sys.stderr)
PY
