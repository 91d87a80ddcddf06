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
