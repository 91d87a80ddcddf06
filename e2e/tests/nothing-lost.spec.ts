import { expect, test, type Request } from "@playwright/test";
import { bankBalance, bankStatement, money, paidOnce, setBankClockAhead, setPageClockAhead } from "./nothing-lost";
import { PendingSection } from "./pending-page";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";
import { WalletPage } from "./wallet-page";

// Every way the buyer could lose money, reproduced in Chromium against the
// real bank and shop, and her money coming home to the cent (README, "The
// life of a cent"): a refund that never reached the bank, a purse whose
// answer was lost on its way back, an older backup restored, a purse
// taken back in two refunds, a refund result read eight days late, and
// storage the browser cleared. Amounts are minor units (cents): the bank's
// own JSON answers, the money table's `data-minor`, the seller's desk.

const FUNDED = 300;

/** Whether a request is the wallet's refund letter to the bank. */
const isRefund = (r: Request) => new URL(r.url()).pathname === "/v1/refunds" && r.method() === "POST";

test("1. a refund that never reached the bank is sent again, the same bytes, and comes home", async ({ page, context, request }) => {
  const { wallet, purse } = await paidOnce(page, context, request, FUNDED, "nothing-lost-1");
  await expect(wallet.available()).toHaveText("USD 0.19");
  await expect.poll(() => bankBalance(page)).toBe(FUNDED - 20);

  // Every refund letter the page sends is lost on its way to the bank.
  const lost: string[] = [];
  const refunds = (url: URL) => url.pathname === "/v1/refunds";
  await page.route(
    refunds,
    async (route) => {
      lost.push(route.request().postData() ?? "");
      await route.abort("connectionreset");
    },
  );
  await page.getByTestId("purse-refund").click();

  // Her halves are refunding and the refund waits for the bank.
  const pending = new PendingSection(page);
  await expect(pending.refunds()).toHaveCount(1);
  await expect(pending.refunds().first()).toHaveAttribute("data-purse", purse);
  await expect(pending.refunds().first().getByTestId("pending-refund-amount")).toHaveText("USD 0.19");
  await expect(page.getByTestId("purse-refunding")).toHaveText("USD 0.19");
  await expect(wallet.available()).toHaveText("USD 0.00");
  expect(await money(page)).toEqual({ spendable: 0, pending: 0, spent: 1, refunding: 19, refunded: 0, expired: 0 });
  expect(lost.length, "the refund letter was sent").toBeGreaterThanOrEqual(1);
  const first = lost[0];
  expect(first).toContain('"letter"');
  // Every attempt so far carried the very same letter.
  for (const body of lost) expect(body).toBe(first);
  await page.unroute(refunds);

  // "Check with the bank" sends it again: byte for byte the letter she signed.
  const resent = page.waitForRequest(isRefund);
  const answered = page.waitForResponse((r) => isRefund(r.request()));
  await pending.refunds().first().getByTestId("pending-check-bank").click();
  expect((await resent).postData()).toBe(first);
  expect((await answered).status(), "the bank opened a case").toBe(200);

  // The bank asks the shop for its return, then refunds her the 19 cents.
  await expect(async () => {
    await page.getByTestId("refresh").click();
    await expect(page.getByTestId("purse-refunding")).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await pending.expectEmpty();
  await expect(wallet.available()).toHaveText("USD 0.00");
  expect(await money(page)).toEqual({ spendable: 0, pending: 0, spent: 1, refunding: 0, refunded: 19, expired: 0 });
  const statement = await bankStatement(page);
  expect(statement).toEqual({ balance: FUNDED - 1, mints: 1, refunds: [19] });
  await expect(wallet.balance()).toHaveText("USD 2.99");
  await expect(wallet.history().first()).toHaveText("Refunded: USD 0.19");

  // The seller handed back nothing of hers: he holds the one cent he was paid.
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ spent: 1, state: "returned" });
});

test("2. a purse whose answer was lost on its way back comes home from the bank, charged once", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, FUNDED, "nothing-lost-2");
  const herald = new ShopPage(await context.newPage());
  await herald.open();

  // Her order reaches the shop, the bank mints and debits her, and the
  // answer is lost on its way back to her wallet.
  let reached = 0;
  await herald.page.route(
    (url) => url.pathname === "/shop/v1/purses",
    async (route) => {
      const answer = await route.fetch();
      reached = answer.status();
      await route.abort("connectionreset");
    },
    { times: 1 },
  );
  const popup = await herald.clickPay("article-1");
  await popup.orderPurse("0.20", 1);
  await expect(popup.error()).toBeVisible();
  expect(reached, "the shop forwarded the order and the bank minted").toBe(200);
  await popup.page.close();

  // Her wallet page, with the bank's recovery held back for a moment: the
  // order is pending, and the bank has already charged her.
  const recover = (url: URL) => url.pathname === "/v1/purses/recover";
  await page.route(recover, (route) => route.abort("connectionreset"));
  await wallet.page.reload();
  const orders = page.getByTestId("pending-list").getByTestId("pending-order");
  await expect(orders).toHaveCount(1);
  await expect(orders.first().getByTestId("pending-order-amount")).toHaveText("USD 0.20");
  await expect(page.getByTestId("purse")).toHaveCount(0);
  expect(await money(page)).toEqual({ spendable: 0, pending: 20, spent: 0, refunding: 0, refunded: 0, expired: 0 });
  expect(await bankStatement(page)).toEqual({ balance: FUNDED - 20, mints: 1, refunds: [] });

  // "Check with the bank": the bank hands her the purse it minted.
  await page.unroute(recover);
  const recovered = page.waitForResponse((r) => recover(new URL(r.url())));
  await orders.first().getByTestId("pending-check-bank").click();
  expect((await recovered).status()).toBe(200);
  await expect(orders).toHaveCount(0);
  await expect(wallet.available()).toHaveText("USD 0.20");
  await new PendingSection(page).expectEmpty();
  expect(await money(page)).toEqual({ spendable: 20, pending: 0, spent: 0, refunding: 0, refunded: 0, expired: 0 });
  // Charged exactly once.
  expect(await bankStatement(page)).toEqual({ balance: FUNDED - 20, mints: 1, refunds: [] });

  // The seller has his halves of it: she pays him from it.
  const purse = await onlyPurse(page);
  await herald.forgetAccess();
  const again = await herald.clickPay("article-1");
  await again.pay();
  await herald.expectUnlocked("article-1");
  await wallet.page.reload();
  await expect(wallet.available()).toHaveText("USD 0.19");
  expect(await money(page)).toEqual({ spendable: 19, pending: 0, spent: 1, refunding: 0, refunded: 0, expired: 0 });
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 19, spent: 1 });
  expect(await bankStatement(page)).toEqual({ balance: FUNDED - 20, mints: 1, refunds: [] });
});

test("3. an older backup restored: the halves spent since are refused once, marked spent, and the payment goes through", async ({ page, context, request, browser }, testInfo) => {
  const { wallet, account, herald, purse } = await paidOnce(page, context, request, FUNDED, "nothing-lost-3");
  await expect(wallet.available()).toHaveText("USD 0.19");

  // A backup now; then two more cents spent from this browser.
  const file = testInfo.outputPath("older.backup");
  await wallet.backup("an older backup 1234", file);
  const second = await herald.clickPay("article-2");
  await second.pay();
  await herald.expectUnlocked("article-2");
  await wallet.page.reload();
  await expect(wallet.available()).toHaveText("USD 0.17");
  const doubleSpends = async () =>
    (await sellerSummary(request)).refused.filter((r: { code: string }) => r.code === "double_spend").length;
  const refusedBefore = await doubleSpends();

  // The older backup, restored in a fresh browser: it thinks 19 cents are spendable.
  const fresh = await browser.newContext();
  const restored = new WalletPage(await fresh.newPage());
  await restored.open();
  await restored.restore(file, "an older backup 1234");
  await expect(restored.page.getByTestId("account-id")).toHaveText(account);
  await expect(restored.available()).toHaveText("USD 0.19");

  // She pays three cents: the two halves spent since the backup are refused
  // once as spent, marked spent, and the payment goes through with others.
  const heraldAgain = new ShopPage(await fresh.newPage());
  await heraldAgain.open();
  const third = await heraldAgain.clickPay("article-3");
  await third.pay();
  await heraldAgain.expectUnlocked("article-3");
  expect(await doubleSpends(), "refused once as spent").toBe(refusedBefore + 1);
  await restored.page.reload();
  await expect(restored.available()).toHaveText("USD 0.14");
  await expect(restored.spent()).toHaveText("USD 0.06");
  expect(await money(restored.page)).toEqual({ spendable: 14, pending: 0, spent: 6, refunding: 0, refunded: 0, expired: 0 });
  await expect(restored.history().filter({ hasText: "an earlier copy of this wallet" })).toHaveText([
    "Spent already by an earlier copy of this wallet (a restored backup): USD 0.02",
  ]);
  let seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 14, spent: 6 });

  // The next payment goes through at once: no halves refused again, no loop.
  const fourth = await heraldAgain.clickPay("article-4");
  await fourth.pay();
  await heraldAgain.expectUnlocked("article-4");
  expect(await doubleSpends(), "no second refusal").toBe(refusedBefore + 1);
  await restored.page.reload();
  expect(await money(restored.page)).toEqual({ spendable: 9, pending: 0, spent: 11, refunding: 0, refunded: 0, expired: 0 });
  seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 9, spent: 11 });
  expect((await bankStatement(restored.page)).balance).toBe(FUNDED - 20);
  await fresh.close();
});

test("4. a purse taken back in part after paying from it, then another the same way: every unspent cent comes home", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, FUNDED, "nothing-lost-4");
  const herald = new ShopPage(await context.newPage());
  await herald.open();
  const pending = new PendingSection(page);
  // The wallet takes back every unspent half of a purse at once and none
  // while a payment is pending (halfpenny/src/wallet.rs, `refund_letter`):
  // a part of a purse is refunded by paying from it first.
  const refundRest = async () => {
    await page.getByTestId("purse-refund").click();
    await expect(page.getByTestId("purse-refund")).toHaveCount(0);
    await expect(async () => {
      await page.getByTestId("refresh").click();
      await expect(page.getByTestId("purse-refunding")).toHaveCount(0, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  };

  // First purse: 20 cents, 1 paid, 19 taken back.
  const first = await herald.clickPay("article-1");
  await first.buyPurse("0.20", 1);
  await first.pay();
  await herald.expectUnlocked("article-1");
  await wallet.page.reload();
  expect(await money(page)).toEqual({ spendable: 19, pending: 0, spent: 1, refunding: 0, refunded: 0, expired: 0 });
  await refundRest();
  await pending.expectEmpty();
  expect(await money(page)).toEqual({ spendable: 0, pending: 0, spent: 1, refunding: 0, refunded: 19, expired: 0 });
  expect(await bankStatement(page)).toEqual({ balance: FUNDED - 1, mints: 1, refunds: [19] });

  // Second purse for the same shop: 10 cents, 2 paid, 8 taken back.
  const second = await herald.clickPay("article-2");
  await second.buyPurse("0.10", 1);
  await second.pay();
  await herald.expectUnlocked("article-2");
  await wallet.page.reload();
  await expect(page.getByTestId("purse")).toHaveCount(2);
  expect(await money(page)).toEqual({ spendable: 8, pending: 0, spent: 3, refunding: 0, refunded: 19, expired: 0 });
  await refundRest();
  await pending.expectEmpty();
  expect(await money(page)).toEqual({ spendable: 0, pending: 0, spent: 3, refunding: 0, refunded: 27, expired: 0 });
  const statement = await bankStatement(page);
  expect(statement.balance).toBe(FUNDED - 3);
  expect(statement.mints).toBe(2);
  expect([...statement.refunds].sort((a, b) => a - b)).toEqual([8, 19]);
  await expect(wallet.balance()).toHaveText("USD 2.97");
});

const DAY_SECS = 24 * 3600;

test("5. a refund result read eight days after the bank wrote it still comes home", async ({ page, context, request }) => {
  const { wallet, purse } = await paidOnce(page, context, request, FUNDED, "nothing-lost-5");

  // She takes back the rest; her wallet never gets to read the result.
  const inbox = (url: URL) => url.pathname === "/v1/inbox";
  await page.route(inbox, (route) => route.abort("connectionreset"));
  const opened = page.waitForResponse((r) => isRefund(r.request()));
  await page.getByTestId("purse-refund").click();
  expect((await opened).status(), "the bank opened a case").toBe(200);
  // The shop hands its halves back and the bank refunds her: the result
  // waits in her inbox at the bank.
  await expect.poll(async () => (await bankStatement(page)).refunds, { timeout: 30_000 }).toEqual([19]);
  expect(await money(page)).toEqual({ spendable: 0, pending: 0, spent: 1, refunding: 19, refunded: 0, expired: 0 });

  // Eight days later (past the 7 days a purse letter is fresh) she opens
  // her wallet again, on the bank's time and her own.
  await setBankClockAhead(request, 8 * DAY_SECS);
  try {
    await page.unroute(inbox);
    await setPageClockAhead(page, 8 * DAY_SECS * 1000);
    await page.reload();
    await expect(async () => {
      await page.getByTestId("refresh").click();
      await expect(page.getByTestId("purse-refunding")).toHaveCount(0, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await new PendingSection(page).expectEmpty();
    expect(await money(page)).toEqual({ spendable: 0, pending: 0, spent: 1, refunding: 0, refunded: 19, expired: 0 });
    expect(await bankStatement(page)).toEqual({ balance: FUNDED - 1, mints: 1, refunds: [19] });
    await expect(wallet.history().first()).toHaveText("Refunded: USD 0.19");
  } finally {
    await setBankClockAhead(request, 0);
  }
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ spent: 1, state: "returned" });
});

test("6. storage the browser cleared: the backup it asked for brings every cent home", async ({ page, context, request }, testInfo) => {
  const { wallet, account, herald, purse } = await paidOnce(page, context, request, FUNDED, "nothing-lost-6");
  // The wallet asked the browser to keep its storage and says what it
  // answered; when the answer is no, it asks her for a backup.
  const kept = await page.evaluate(() => navigator.storage.persisted());
  await expect(page.getByTestId("storage-kept")).toHaveAttribute("data-kept", String(kept));
  if (!kept) await expect(page.getByTestId("storage-kept")).toContainText("save a backup");
  const file = testInfo.outputPath("wallet.backup");
  await wallet.backup("kept somewhere else 42", file);

  // The browser clears the wallet's storage, as it may under pressure.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Storage.clearDataForOrigin", { origin: new URL(page.url()).origin, storageTypes: "indexeddb" });
  await page.reload();
  await expect(page.getByTestId("create-identity")).toBeVisible();
  await expect(page.getByTestId("purse")).toHaveCount(0);

  // Her backup brings back her account and her purse, to the cent.
  await wallet.restore(file, "kept somewhere else 42");
  await expect(page.getByTestId("account-id")).toHaveText(account);
  expect(await onlyPurse(page)).toBe(purse);
  await expect(wallet.available()).toHaveText("USD 0.19");
  expect(await money(page)).toEqual({ spendable: 19, pending: 0, spent: 1, refunding: 0, refunded: 0, expired: 0 });

  // And she pays from it again.
  const second = await herald.clickPay("article-2");
  await second.pay();
  await herald.expectUnlocked("article-2");
  await wallet.page.reload();
  expect(await money(page)).toEqual({ spendable: 17, pending: 0, spent: 3, refunding: 0, refunded: 0, expired: 0 });
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 17, spent: 3 });
  expect(await bankStatement(page)).toEqual({ balance: FUNDED - 20, mints: 1, refunds: [] });
});
