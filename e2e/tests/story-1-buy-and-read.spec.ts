import { expect, test } from "@playwright/test";
import { SHOP } from "../playwright.config";
import { bankTotals, fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";

test("1. a buyer buys a purse through the shop, pays for three articles, and every balance is exact", async ({ page, context, request }) => {
  const before = await bankTotals(request);
  const { wallet } = await fundedBuyer(page, request, 500, "story-1");

  const herald = new ShopPage(await context.newPage());
  await herald.open();
  await herald.expectLocked("article-1");

  const first = await herald.clickPay("article-1");
  await first.expectAsk("USD 0.01", "article-1");
  await first.buyPurse("1.00", 1);
  await first.pay();
  await herald.expectUnlocked("article-1");

  for (const [item, price] of [["article-2", "USD 0.02"], ["article-3", "USD 0.03"]]) {
    const popup = await herald.clickPay(item);
    await popup.expectAsk(price, item);
    await popup.pay();
    await herald.expectUnlocked(item);
  }
  await herald.expectLocked("article-4");

  // The wallet: USD 5.00 - 1.00 for the purse; 1 + 2 + 3 cents spent of it.
  await wallet.page.reload();
  await expect(wallet.balance()).toHaveText("USD 4.00");
  // Her statement, newest first: the purse, then the funding.
  await expect(wallet.page.getByTestId("statement-amount")).toHaveText(["−USD 1.00", "+USD 5.00"]);
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.94");
  // Today's bar of her spending chart: the three payments.
  await expect(wallet.page.getByTestId("spending-bar")).toHaveCount(14);
  await expect(wallet.page.getByTestId("spending-bar").last()).toHaveAttribute("data-minor", "6");
  const purse = await onlyPurse(wallet.page);

  // The seller: six 1-cent halves joined, 94 left; he never sees who paid.
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({
    currency: "USD",
    state: "open",
    unspent_minor: 94,
    halves_left: 94,
    spent: 6,
  });
  expect(JSON.stringify(seller)).not.toContain(await wallet.accountId());

  // The bank: USD 5.00 came in, USD 1.00 of it is now in open tokens, and
  // the books still sum to zero.
  const after = await bankTotals(request);
  expect(after.funded.USD - (before.funded.USD ?? 0)).toBe(500);
  expect(after.open_token_value.USD - (before.open_token_value.USD ?? 0)).toBe(100);
  expect(after.sum_of_balances.USD).toBe(0);

  // The content stays locked to anyone without the access code.
  const locked = await request.get(`${SHOP}/articles/article-1`);
  expect(locked.status()).toBe(402);
  const forged = await request.get(`${SHOP}/articles/article-1`, { headers: { authorization: "Halfpenny not-a-real-code" } });
  expect(forged.status()).toBe(402);

  // A reload keeps what she paid for.
  await herald.page.reload();
  await herald.expectUnlocked("article-1");
});
