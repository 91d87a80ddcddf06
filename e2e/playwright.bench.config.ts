import { defineConfig } from "@playwright/test";

// Benchmarks in the browser (e2e/bench/*.bench.ts), run by scripts/bench.sh,
// never by ./test: they print figures and hold no timing goal. The servers
// are those of playwright.config.ts, on their own ports, so that a bench can
// run while the end-to-end tests do.

// Debian's Chromium, never a downloaded browser (see ../shared/BRIEF.md).
const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export const BENCH_BANK_PORT = 8795;
export const BENCH_SHOP_PORT = 8796;
export const BENCH_BANK = `http://127.0.0.1:${BENCH_BANK_PORT}`;
export const BENCH_SHOP = `http://127.0.0.1:${BENCH_SHOP_PORT}`;
export const BENCH_OPERATOR_TOKEN = "bench-operator-token-0123456789";
const BENCH_SHOP_OPERATOR_TOKEN = "bench-seller-token-9876543210";

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
  webServer: [
    {
      // A real bank on a fresh SQLite file, serving the wallet page.
      command: `bash ./start-bank.sh ${BENCH_BANK_PORT}`,
      url: `${BENCH_BANK}/v1/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { HALFPENNY_OPERATOR_TOKEN: BENCH_OPERATOR_TOKEN },
    },
    {
      // A real seller server (its own SQLite file) with the demo newspaper.
      command: `bash ./start-shop.sh ${BENCH_SHOP_PORT} ${BENCH_BANK_PORT}`,
      url: `${BENCH_SHOP}/`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { SHOP_OPERATOR_TOKEN: BENCH_SHOP_OPERATOR_TOKEN },
    },
  ],
});
