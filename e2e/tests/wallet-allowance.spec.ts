import { expect, test } from "@playwright/test";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";

test("a per-seller allowance pays without asking until it is used up, then she is asked again", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 500, "wallet-allowance");
  const herald = new ShopPage(await context.newPage());
  await herald.open();

  // She buys a purse, pays article-1 herself and lets the shop take 5 cents more.
  const first = await herald.clickPay("article-1");
  await first.expectAsk("USD 0.01", "article-1");
  await first.buyPurse("1.00", 1);
  await first.allow("0.05");
  await first.pay();
  await herald.expectUnlocked("article-1");

  await wallet.page.reload();
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.99");
  await expect(wallet.page.getByTestId("purse-allowance")).toHaveText("USD 0.05");

  // 2 + 3 cents: paid from the allowance, no click; each popup closes by itself.
  for (const item of ["article-2", "article-3"]) {
    const popup = await herald.clickPay(item);
    await popup.paidAutomatically();
    await herald.expectUnlocked(item);
  }
  await wallet.page.reload();
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.94");
  await expect(wallet.page.getByTestId("purse-allowance")).toHaveText("USD 0.00");

  // 5 cents: the allowance is used up, so she is asked again.
  const fourth = await herald.clickPay("article-4");
  await fourth.expectAsk("USD 0.05", "article-4");
  await fourth.ready();
  await expect(fourth.page.getByTestId("pay-approve")).toBeVisible();
  await expect(fourth.page.getByTestId("pay-result")).toHaveCount(0);
  await herald.expectLocked("article-4");
  await wallet.page.reload();
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.94");
  await fourth.pay();
  await herald.expectUnlocked("article-4");

  // 1 + 2 + 3 + 5 cents spent of the USD 1.00 purse; the allowance stays spent.
  await wallet.page.reload();
  await expect(wallet.balance()).toHaveText("USD 4.00");
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.89");
  await expect(wallet.page.getByTestId("purse-allowance")).toHaveText("USD 0.00");
  const purse = await onlyPurse(wallet.page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({
    unspent_minor: 89,
    spent: 11,
  });
});

test("she changes a shop's allowance on the wallet page, then removes it, with exact amounts", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 500, "wallet-allowance-change");
  const herald = new ShopPage(await context.newPage());
  await herald.open();
  const first = await herald.clickPay("article-1");
  await first.buyPurse("1.00", 1);
  await first.allow("0.05");
  await first.pay();
  await herald.expectUnlocked("article-1");
  await wallet.page.reload();
  await expect(wallet.available()).toHaveText("USD 0.99");
  await expect(wallet.allowance()).toHaveText("USD 0.05");

  // A mistake is told in a sentence and changes nothing; the form stays open.
  await wallet.changeAllowance("0.015");
  await expect(wallet.error()).toHaveText(
    "The allowance could not be read: Write an amount like 1.50, with at most 2 digits after the point.",
  );
  await expect(wallet.allowance()).toHaveText("USD 0.05");
  await wallet.retypeAllowance("-1");
  await expect(wallet.error()).toContainText("The allowance could not be read");
  await expect(wallet.allowance()).toHaveText("USD 0.05");

  // Lowered to 2 cents: article-2 (2c) takes all of it, without asking.
  await wallet.retypeAllowance("0.02");
  await expect(wallet.allowance()).toHaveText("USD 0.02");
  await expect(wallet.error()).toHaveCount(0);
  await wallet.page.reload();
  await expect(wallet.allowance()).toHaveText("USD 0.02");
  const second = await herald.clickPay("article-2");
  await second.paidAutomatically();
  await herald.expectUnlocked("article-2");
  await wallet.page.reload();
  await expect(wallet.available()).toHaveText("USD 0.97");
  await expect(wallet.allowance()).toHaveText("USD 0.00");

  // Raised, then removed: article-3 (3c) must ask her again.
  await wallet.changeAllowance("0.10");
  await expect(wallet.allowance()).toHaveText("USD 0.10");
  await wallet.removeAllowance();
  await expect(wallet.allowance()).toHaveCount(0);
  await wallet.page.reload();
  await expect(wallet.allowance()).toHaveCount(0);
  const third = await herald.clickPay("article-3");
  await third.expectAsk("USD 0.03", "article-3");
  await third.ready();
  await expect(third.page.getByTestId("pay-result")).toHaveCount(0);
  await herald.expectLocked("article-3");
  await third.pay();
  await herald.expectUnlocked("article-3");

  // 1 + 2 + 3 cents spent of the USD 1.00 purse.
  await wallet.page.reload();
  await expect(wallet.available()).toHaveText("USD 0.94");
  await expect(wallet.spent()).toHaveText("USD 0.06");
  await expect(wallet.allowance()).toHaveCount(0);
  const purse = await onlyPurse(wallet.page);
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({
    unspent_minor: 94,
    spent: 6,
  });
});
