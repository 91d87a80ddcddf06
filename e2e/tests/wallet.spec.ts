import { expect, test } from "@playwright/test";
import { OPERATOR_TOKEN } from "../playwright.config";
import { WalletPage } from "./wallet-page";

test("a buyer creates her wallet, keeps it across reloads and sees her bank balance", async ({ page, request }) => {
  const wallet = new WalletPage(page);
  await wallet.open();
  await wallet.create();
  const account = await wallet.accountId();
  expect(account).toMatch(/^[0-9a-f]{64}$/);
  await expect(wallet.balance()).toHaveText("USD 0.00");

  // Demo funding goes through the bank's operator path, not the wallet.
  const funded = await request.post("/v1/operator/fund", {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    data: { account, amount_minor: 500, currency: "USD", idempotency_key: "e2e-fund-1" },
  });
  expect(funded.status()).toBe(200);

  await page.reload();
  await expect(page.getByTestId("account-id")).toHaveText(account);
  await expect(wallet.balance()).toHaveText("USD 5.00");
  await expect(page.getByTestId("create-identity")).toHaveCount(0);
  // Her statement at the bank: the one funding.
  await expect(page.getByTestId("statement-amount")).toHaveText(["+USD 5.00"]);

  // The wallet asked the browser to keep its storage, and says what the
  // browser answered (with a backup suggested when it did not).
  const kept = await page.evaluate(() => navigator.storage.persisted());
  await expect(page.getByTestId("storage-kept")).toHaveAttribute("data-kept", String(kept));
  await expect(page.getByTestId("storage-kept")).toContainText(kept ? "keeps your wallet's storage" : "save a backup");
});

test("a backup restores her wallet in a fresh browser, and only with its passphrase", async ({ browser }, testInfo) => {
  const first = await browser.newContext();
  const original = new WalletPage(await first.newPage());
  await original.open();
  await original.create();
  const account = await original.accountId();
  const file = testInfo.outputPath("wallet.backup");
  await original.backup("a long passphrase 42", file);
  await first.close();

  const fresh = await browser.newContext();
  const restored = new WalletPage(await fresh.newPage());
  await restored.open();
  await expect(restored.page.getByTestId("create-identity")).toBeVisible();
  await restored.restore(file, "not the passphrase");
  await expect(restored.error()).toHaveText("The passphrase is wrong, or the file is damaged.");
  await expect(restored.page.getByTestId("account-id")).toHaveCount(0);

  await restored.restore(file, "a long passphrase 42");
  await expect(restored.page.getByTestId("account-id")).toHaveText(account);
  await fresh.close();
});

test("a short backup passphrase is refused with a plain sentence", async ({ page }) => {
  const wallet = new WalletPage(page);
  await wallet.open();
  await wallet.create();
  await page.getByTestId("backup-passphrase").fill("short");
  await page.getByTestId("backup-save").click();
  await expect(wallet.error()).toHaveText("A backup passphrase needs at least 10 characters.");
});
