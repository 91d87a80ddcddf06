#!/usr/bin/env python3
"""Writes BENCHMARKS.md from what scripts/bench.sh measured.

Run by scripts/bench.sh, which passes every input in the environment (the
files it wrote, the machine, the tool versions); not meant to be run alone.
"""
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
    # Each sample's time per iteration: the fastest and the slowest.
    with open(os.path.join(new_dir, "sample.json")) as f:
        sample = json.load(f)
    per_iteration = [t / n for t, n in zip(sample["times"], sample["iters"]) if n > 0]
    if not per_iteration:
        fail(f"no samples in {new_dir}")
    throughput = bench.get("throughput") or {}
    if isinstance(throughput, list):  # older layouts keep a list
        throughput = throughput[0] if throughput else {}
    elements = throughput.get("Elements") or throughput.get("ElementsAndBytes", {}).get("elements") or 1
    nbytes = throughput.get("Bytes") or throughput.get("BytesDecimal")
    rows.append({
        "id": bench["full_id"],
        "median_ns": median_ns,
        "ops": float(elements) * 1e9 / median_ns,
        "min_ns": min(per_iteration),
        "max_ns": max(per_iteration),
        "min_ops": float(elements) * 1e9 / max(per_iteration),
        "max_ops": float(elements) * 1e9 / min(per_iteration),
        "samples": len(per_iteration),
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
w("- A shared machine: other engineers' builds may have run during the measurements, which lowers every figure")
w(f"- Toolchain: {env['RUSTC_VERSION']}; {env['OPENSSL_VERSION']}")
w(f"- Criterion: warm-up {env['WARM_UP']} s, measurement {env['MEASURE']} s per benchmark; median of the samples, with the fastest and slowest sample")
w(f"- The run took {int(env['RUN_SECONDS']) / 60:.1f} min, {int(env['BUILD_SECONDS']) / 60:.1f} min of it building what ./test had not built")
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
w("`scripts/wallet.sh --release` (cargo and wasm-bindgen, the size-optimised `wasm-release` profile: opt-level s, LTO, one codegen unit; wasm-bindgen drops the name section; no wasm-opt); the target is under 400 KB gzip.")
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

# --- the pay button as a shop serves it: raw and gzip (level 9), release build, no wasm-opt.
w("## Pay button size")
w("")
w("`scripts/widget.sh --release` (cargo and wasm-bindgen, no wasm-opt): what a shop page loads for `<halfpenny-pay>`;")
w("the target is under 150 KB gzip.")
w("")
w("| File | Raw | Gzip | Within 150 KB gzip |")
w("|---|---:|---:|---|")
total_raw = total_gz = 0
for label, path in (
    ("pkg/shop_widget_bg.wasm", env["WIDGET_WASM"]),
    ("pkg/shop_widget.js", env["WIDGET_JS"]),
    ("halfpenny-pay.js", env["WIDGET_ELEMENT"]),
):
    data = open(path, "rb").read()
    gz = len(gzip.compress(data, 9))
    total_raw += len(data)
    total_gz += gz
    w(f"| `{label}` | {len(data) / 1024:,.1f} KB | {gz / 1024:,.1f} KB | |")
w(f"| together | {total_raw / 1024:,.1f} KB | {total_gz / 1024:,.1f} KB | {'yes' if total_gz <= 150 * 1024 else 'no'} ({total_gz / (150 * 1024):.2f}× the target) |")
w("")

# --- bytes per token and per half, per suite (examples/sizes.rs).
sizes = [json.loads(l) for l in open(env["SIZES_OUT"]) if l.strip().startswith("{")]
if not sizes:
    fail("the sizes example printed nothing")
w("## Bytes per half")
w("")
w("A money token as minted, and one half of it (purse id, session serial, share) in binary and")
w("as text (`hph1.` + base64url), for three token values. The patent expects 20–500 bytes;")
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

# --- a till holding 100,000 halves (halfpenny-aws-lc/examples/till_memory.rs).
memory = [json.loads(l) for l in open(env["MEMORY_OUT"]) if l.strip().startswith("{")]
if not memory:
    fail("the till_memory example printed nothing")
w("## Memory of a till holding 100,000 halves")
w("")
w("`halfpenny-aws-lc/examples/till_memory.rs`: one process mints purses of 10,000 one-cent tokens with")
w("`Bank::mint` and writes the seller's purses to a file; a second, fresh process builds the native `Till`,")
w("reads every purse into memory (a map by purse id, as a till host keeps them) and reads its own")
w("`VmRSS` before and after, and its peak `VmHWM`, from /proc/self/status. Bytes per half: the growth of")
w("resident memory ÷ halves held, compared with the half's bytes on the wire. Checked by the process")
w("itself: it holds exactly the halves minted, worth exactly that many cents, and one payment per purse,")
w("every signature checked, is accepted and takes exactly one cent.")
w("")
w("| Suite | Halves | Purses | RSS before | RSS holding | Peak RSS | Bytes per half in memory | Bytes per half on the wire | Memory ÷ wire | Payments accepted |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for m in memory:
    per_half = (m["rss_holding_kib"] - m["rss_before_kib"]) * 1024 / m["halves"]
    wire = m["wire_bytes"] / m["halves"]
    w(
        f"| {m['suite']} | {m['halves']:,} | {m['purses']} | {m['rss_before_kib'] / 1024:,.1f} MiB "
        f"| {m['rss_holding_kib'] / 1024:,.1f} MiB | {m['peak_rss_kib'] / 1024:,.1f} MiB | {per_half:,.0f} "
        f"| {wire:,.0f} | {per_half / wire:.2f} | {m['payments_accepted']} of {m['purses']} |"
    )
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

# --- the till: natively (criterion `till/pay_1_token/<policy>/<suite>`) and in wasm32 in Chromium.
browser = [json.loads(l) for l in open(env["BROWSER_OUT"]) if l.strip().startswith("{")]
till_native = {}
for r in rows:
    parts = r["id"].split("/")
    if len(parts) == 4 and parts[0] == "till" and parts[1] == "pay_1_token":
        till_native[(parts[3], parts[2])] = r
till_wasm = {(b["suite"], b["policy"]): b for b in browser if b["figure"] == "till_wasm"}
if till_native or till_wasm:
    policy_label = {"verify_all": "all", "verify_1_in_10": "1 in 10"}
    suite_scheme = {"rsa2048-sha256": "rsa2048", "ed25519": "ed25519"}
    w("## Till acceptance (one-token payments)")
    w("")
    w("Payments per second on one core: each payment a different one-cent token, judged by `Till::accept`")
    w("and consumed by `SellerPurse::apply` (`halfpenny/benches/common/till.rs`, pure-Rust backend,")
    w("fixed `testing` keys, a purse minted by the real `Bank::mint`; minting and refilling the purse")
    w("are not timed). Signatures checked: all, or a random one in ten (`VerifyPolicy::Sample`).")
    w("Native: the criterion rows `till/pay_1_token/<policy>/<suite>` (median). Chromium: the same")
    w("source compiled to wasm32 (`halfpenny-bench-wasm`, `scripts/wasm-page.sh --bench`, no wasm-opt), run on")
    w("the page's main thread in headless Debian Chromium and timed with `performance.now()`")
    runs = next(iter(till_wasm.values()), {})
    w(f"around the payments only: one warm-up run, then {runs.get('runs', '–')} runs of at least {runs.get('ms_per_run', '–')} ms, the median run")
    w("reported (`e2e/bench/till-wasm.bench.ts`). Every payment of every run must be accepted and consume")
    w("its half, natively and in the browser, or the bench fails. Ratios compare with this run's `openssl speed rsa2048` verify/s")
    w("(one core), and with the suite's own scheme.")
    w("")
    w("| Suite | Checked | Native payments/s | Native min–max | × openssl rsa2048 verify/s | Chromium payments/s | Chromium min–max | × native | × openssl rsa2048 verify/s | × openssl verify/s of the suite |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    keys = list(dict.fromkeys(list(till_native) + list(till_wasm)))
    for suite, policy in keys:
        native = till_native.get((suite, policy))
        n = native["ops"] if native else None
        b = till_wasm.get((suite, policy))
        wasm_rate = b["per_second"] if b else None
        own = yardstick[(suite_scheme.get(suite, "rsa2048"), "verify")]
        cells = [
            suite,
            policy_label.get(policy, policy),
            rate(n) if n else "–",
            f"{rate(native['min_ops'])}–{rate(native['max_ops'])}" if native else "–",
            f"{n / openssl_verify:.2f}" if n else "–",
            rate(wasm_rate) if wasm_rate else "–",
            f"{rate(b['min_per_second'])}–{rate(b['max_per_second'])}" if b else "–",
            f"{wasm_rate / n:.2f}" if n and wasm_rate else "–",
            f"{wasm_rate / openssl_verify:.3f}" if wasm_rate else "–",
            f"native {n / own:.2f}" + (f", Chromium {wasm_rate / own:.3f}" if wasm_rate else "") if n else "–",
        ]
        w("| " + " | ".join(cells) + " |")
    w("")
    if till_wasm:
        w(f"Browser: {env.get('CHROMIUM_VERSION', 'unknown')}, headless.")
        w("")

w("## Every benchmark")
w("")
w("ops/s counts iterations per second, or elements per second where the bench declares them")
w("(`sign_many_1000` signs 1,000 messages per iteration). Ratios compare with openssl on one core.")
w("")
w("| Benchmark | Median | Min | Max | Samples | ops/s | vs openssl |")
w("|---|---:|---:|---:|---:|---:|---|")
for r in rows:
    extra = ""
    if r["bytes"]:
        extra = f" ({float(r['bytes']) * 1e9 / r['median_ns'] / 1e6:,.0f} MB/s)"
    w(
        f"| `{r['id']}` | {duration(r['median_ns'])} | {duration(r['min_ns'])} | {duration(r['max_ns'])} "
        f"| {r['samples']} | {rate(r['ops'])}{extra} | {ratio(r)} |"
    )
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

# --- the wallet in Chromium against a real bank and seller server.
approve = next((b for b in browser if b["figure"] == "wallet_approve_to_receipt"), None)
keygen = next((b for b in browser if b["figure"] == "wallet_keygen"), None)
if approve or keygen:
    w("## The wallet in Chromium (a real bank and seller server on 127.0.0.1)")
    w("")
    w("`e2e/bench/wallet.bench.ts` (Playwright, `e2e/playwright.bench.config.ts`): headless Debian Chromium,")
    w("the release wallet and pay button of this run, the bank and the shop server as the end-to-end tests")
    w("start them but optimised (the benches' release profile; fresh SQLite files, ports 8795/8796).")
    w(f"Load average when it started: {env.get('LOAD_BROWSER') or 'unknown'}.")
    w("")
    if approve:
        w(f"**Approve → the seller's receipt**: one buyer, one purse of {approve['payments'] / 100:.2f} USD in one-cent coins bought")
        w(f"through the demo shop's pay button, then {approve['payments']} payments of the one-cent article (the first")
        w("right after buying the purse; before each of the others the shop page forgets the article's access")
        w("code and reloads, and the button opens a new wallet popup). Each time runs from the buyer's click on")
        w("`pay-approve` (a capture-phase `click` listener in the wallet popup) to the `paid` event of")
        w("`<halfpenny-pay>` (a capture-phase listener on the shop page's document), both stamped inside the")
        w("pages with `performance.timeOrigin + performance.now()`: the wallet marks the half pending in")
        w("IndexedDB, posts it to the button, the button posts it to the shop server, whose till accepts and")
        w("stores it, and the button reads the receipt. Opening the popup and loading the wallet are not counted.")
        w(f"Checked at the end: {approve.get('checked', 'nothing (an older bench)')}.")
        w("")
        w("| Payments | Median | p99 | Min | Max | Median ÷ 50 ms target | p99 ÷ 50 ms target | Within 50 ms |")
        w("|---:|---:|---:|---:|---:|---:|---:|---|")
        t = approve["target_ms"]
        w(
            f"| {approve['payments']} | {approve['median_ms']:.1f} ms | {approve['p99_ms']:.1f} ms | {approve['min_ms']:.1f} ms "
            f"| {approve['max_ms']:.1f} ms | {approve['median_ms'] / t:.2f} | {approve['p99_ms'] / t:.2f} "
            f"| median {'yes' if approve['median_ms'] <= t else 'no'}, p99 {'yes' if approve['p99_ms'] <= t else 'no'} |"
        )
        w("")
    if keygen:
        w(f"**Key generation**: a fresh browser context (no IndexedDB) each time, {keygen['runs']} times; from the click on")
        w("`create-identity` (capture-phase listener) to the moment `account-id` is in the page and visible (a")
        w("MutationObserver, before the next paint). This includes generating the buyer's two RSA-2048 keys")
        w("(signing, sealing) in wasm, saving them in IndexedDB and registering the account at the bank (one")
        w("HTTP round trip).")
        w("")
        w("| Runs | Median | Min | Max |")
        w("|---:|---:|---:|---:|")
        w(f"| {keygen['runs']} | {keygen['median_ms']:,.0f} ms | {keygen['min_ms']:,.0f} ms | {keygen['max_ms']:,.0f} ms |")
        w("")

with open(env["OUT"], "w") as f:
    f.write("\n".join(out))
print(f"bench: wrote {env['OUT']} ({len(rows)} benchmarks)", file=sys.stderr)
