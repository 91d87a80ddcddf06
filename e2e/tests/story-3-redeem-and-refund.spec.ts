import { expect, test } from "@playwright/test";
import { SHOP, SHOP_OPERATOR_TOKEN } from "../playwright.config";
import { bankTotals, fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";

test("3. the seller redeems, the buyer takes back the rest, the seller's return comes first, and the books balance", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 300, "story-3");
  // What other stories left in the till is redeemed first, so the totals
  // below move by this story's purse alone.
  const flush = await request.post(`${SHOP}/shop/v1/operator/redeem`, { headers: { authorization: `Bearer ${SHOP_OPERATOR_TOKEN}` } });
  expect(flush.status()).toBe(200);
  const before = await bankTotals(request);
  const herald = new ShopPage(await context.newPage());
  await herald.open();
  const popup = await herald.clickPay("article-4");
  await popup.buyPurse("0.20", 1);
  await popup.pay();
  await herald.expectUnlocked("article-4");

  // The seller redeems from his desk.
  const desk = await context.newPage();
  await desk.goto(`${SHOP}/seller.html#token=${SHOP_OPERATOR_TOKEN}`);
  await desk.getByTestId("desk-redeem").click();
  await expect(desk.getByTestId("desk-redeem-result")).toContainText("The bank credited");

  // She takes back the 15 cents she did not spend.
  await wallet.page.reload();
  const purse = await onlyPurse(wallet.page);
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.15");
  await wallet.page.getByTestId("purse-refund").click();
  await expect(wallet.page.getByTestId("purse-refund")).toHaveCount(0);

  // The bank asks the shop for its return, then refunds her.
  await expect(async () => {
    await wallet.page.getByTestId("refresh").click();
    await expect(wallet.page.getByTestId("purse-refunding")).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.00");
  await expect(wallet.balance()).toHaveText("USD 2.95");

  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ state: "returned" });
  expect(seller.returns.find((r: { purse: string }) => r.purse === purse)).toMatchObject({ state: "answered" });

  // Every cent is where it should be: nothing of this purse is still open.
  const after = await bankTotals(request);
  expect(after.sum_of_balances.USD).toBe(0);
  expect((after.open_token_value.USD ?? 0) - (before.open_token_value.USD ?? 0)).toBe(0);
});
