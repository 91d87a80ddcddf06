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
export const SHOP_PORT = 8791;
export const BANK = `http://127.0.0.1:${BANK_PORT}`;
export const SHOP = `http://127.0.0.1:${SHOP_PORT}`;
export const OPERATOR_TOKEN = "e2e-operator-token-0123456789";
export const SHOP_OPERATOR_TOKEN = "e2e-seller-token-9876543210";

export default defineConfig({
  testDir: "./tests",
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  outputDir: "./test-results",
  use: {
    baseURL: BANK,
    launchOptions: chromium,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  webServer: [
    {
      // A real bank on a fresh SQLite file, serving the wallet page.
      command: `bash ./start-bank.sh ${BANK_PORT}`,
      url: `${BANK}/v1/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { HALFPENNY_OPERATOR_TOKEN: OPERATOR_TOKEN },
    },
    {
      // A real seller server (its own SQLite file) with the demo newspaper.
      command: `bash ./start-shop.sh ${SHOP_PORT} ${BANK_PORT}`,
      url: `${SHOP}/`,
      reuseExistingServer: false,
      timeout: 120_000,
      env: { SHOP_OPERATOR_TOKEN },
    },
  ],
});
