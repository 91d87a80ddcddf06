import { defineConfig } from "@playwright/test";
import { chromium, port, servers } from "./servers";

// The ports, 8790–8792 unless the environment says otherwise, so that two
// runs on one machine do not meet: HALFPENNY_E2E_BANK_PORT, _SHOP_PORT, and
// _TILL_BANK_PORT for the bank story 4 starts, stops and restarts itself.
export const BANK_PORT = port("HALFPENNY_E2E_BANK_PORT", 8790);
export const SHOP_PORT = port("HALFPENNY_E2E_SHOP_PORT", 8791);
export const TILL_BANK_PORT = port("HALFPENNY_E2E_TILL_BANK_PORT", 8792);
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
    // A short trace of every test (actions, DOM snapshots, console and
    // network; no screencast) kept in test-results/ as the run's artifact.
    trace: { mode: "on", screenshots: false, snapshots: true, sources: false },
  },
  webServer: servers(BANK_PORT, SHOP_PORT, OPERATOR_TOKEN, SHOP_OPERATOR_TOKEN),
});
