import { defineConfig } from "@playwright/test";

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

export const BANK_PORT = 8790;
export const OPERATOR_TOKEN = "e2e-operator-token-0123456789";

export default defineConfig({
  testDir: "./tests",
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  outputDir: "./test-results",
  use: {
    baseURL: `http://127.0.0.1:${BANK_PORT}`,
    launchOptions: chromium,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  webServer: {
    // A real bank on a fresh SQLite file, serving the wallet page.
    command: `bash ./start-bank.sh ${BANK_PORT}`,
    url: `http://127.0.0.1:${BANK_PORT}/v1/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: { HALFPENNY_OPERATOR_TOKEN: OPERATOR_TOKEN },
  },
});
