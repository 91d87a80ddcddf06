import { defineConfig } from "@playwright/test";
import { chromium, servers } from "./servers";

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
  webServer: servers(BANK_PORT, SHOP_PORT, OPERATOR_TOKEN, SHOP_OPERATOR_TOKEN),
});
