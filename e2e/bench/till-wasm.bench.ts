import fs from "node:fs";
import path from "node:path";
import { test } from "@playwright/test";
import { BENCH_BANK } from "../playwright.bench.config";
import { median, report } from "./report";

// The till's acceptance throughput in wasm32, in headless Chromium: the core's
// Till::accept + SellerPurse::apply for one-token payments, the same code as
// the native criterion bench (halfpenny/benches/common/till.rs), built by
// scripts/bench.sh with scripts/wasm-page.sh (halfpenny-bench-wasm, release) into
// HALFPENNY_BENCH_WASM_DIR. The module is served to the page by Playwright
// itself (page.route), under the bench bank's origin; nothing is fetched.

const pkg = process.env.HALFPENNY_BENCH_WASM_DIR ?? path.resolve(__dirname, "../../target/halfpenny-bench-wasm/pkg");
// A warm-up of one run, then RUNS runs of at least MS each.
const ms = Number(process.env.HALFPENNY_BENCH_MS ?? 600);
const RUNS = 5;
const base = `${BENCH_BANK}/halfpenny-bench/`;

const page_html = `<!doctype html>
<meta charset="utf-8"><title>halfpenny bench</title>
<script type="module">
  import init, * as bench from "./halfpenny_bench_wasm.js";
  await init();
  window.halfpennyBench = bench;
  document.title = "ready";
</script>`;

test("till acceptance throughput in wasm32 (Chromium)", async ({ page, browserName }) => {
  for (const file of ["halfpenny_bench_wasm.js", "halfpenny_bench_wasm_bg.wasm"]) {
    if (!fs.existsSync(path.join(pkg, file))) throw new Error(`${file} is missing in ${pkg}: run scripts/bench.sh (it builds halfpenny-bench-wasm)`);
  }
  await page.route(`${base}**`, async (route) => {
    const name = new URL(route.request().url()).pathname.replace(/^\/halfpenny-bench\//, "");
    if (name === "" || name === "index.html") {
      return route.fulfill({ contentType: "text/html", body: page_html });
    }
    const file = path.join(pkg, path.basename(name));
    if (!fs.existsSync(file)) return route.fulfill({ status: 404, body: "" });
    const contentType = file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    return route.fulfill({ contentType, body: fs.readFileSync(file) });
  });
  await page.goto(`${base}index.html`);
  await page.waitForFunction(() => document.title === "ready");
  const version = await page.evaluate(() => navigator.userAgent);
  for (const suite of ["rsa2048-sha256", "ed25519"]) {
    for (const policy of ["verify_all", "verify_1_in_10"]) {
      const flat = await page.evaluate(
        ({ suite, policy, ms, runs }) => (window as any).halfpennyBench.till_payments(suite, policy, ms, runs) as number[],
        { suite, policy, ms, runs: RUNS },
      );
      const rates: number[] = [];
      let payments = 0;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        payments += flat[i];
        rates.push((flat[i] * 1000) / flat[i + 1]);
      }
      if (rates.length !== RUNS) throw new Error(`${rates.length} runs measured, not ${RUNS}`);
      report({
        figure: "till_wasm",
        suite,
        policy,
        runs: RUNS,
        ms_per_run: ms,
        payments,
        per_second: median(rates),
        min_per_second: Math.min(...rates),
        max_per_second: Math.max(...rates),
        browser: `${browserName} ${version}`,
      });
    }
  }
});
