import { defineConfig } from "@playwright/test";
import { chromium, servers } from "./servers";

// Benchmarks in the browser (e2e/bench/*.bench.ts), run by scripts/bench.sh,
// never by ./test: they print figures and hold no timing goal. The servers
// are those of playwright.config.ts, on their own ports, so that a bench can
// run while the end-to-end tests do.

export const BENCH_BANK_PORT = 8795;
export const BENCH_SHOP_PORT = 8796;
export const BENCH_BANK = `http://127.0.0.1:${BENCH_BANK_PORT}`;
export const BENCH_SHOP = `http://127.0.0.1:${BENCH_SHOP_PORT}`;
export const BENCH_OPERATOR_TOKEN = "bench-operator-token-0123456789";
export const BENCH_SHOP_OPERATOR_TOKEN = "bench-seller-token-9876543210";

export default defineConfig({
  testDir: "./bench",
  testMatch: "*.bench.ts",
  // 200 payments through the pay button take minutes on two cores.
  timeout: 60 * 60_000,
  expect: { timeout: 120_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "./test-results/bench",
  use: {
    baseURL: BENCH_BANK,
    launchOptions: chromium,
    screenshot: "only-on-failure",
    trace: "off",
  },
  webServer: servers(BENCH_BANK_PORT, BENCH_SHOP_PORT, BENCH_OPERATOR_TOKEN, BENCH_SHOP_OPERATOR_TOKEN),
});
