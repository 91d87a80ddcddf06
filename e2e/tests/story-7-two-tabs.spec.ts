import { expect, test } from "@playwright/test";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";

test("7. two tabs paying at once never spend one half twice", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 100, "story-7");
  const one = new ShopPage(await context.newPage());
  await one.open();
  const buy = await one.clickPay("article-1");
  await buy.buyPurse("0.03", 1);
  await buy.pay();
  await one.expectUnlocked("article-1");

  // Two cents left; two tabs each ask for two cents at the same moment.
  const two = new ShopPage(await context.newPage());
  await two.open();
  const a = await one.clickPay("article-2");
  const b = await two.clickPay("article-2");
  await a.ready();
  await b.ready();
  const doubleSpends = async () => (await sellerSummary(request)).refused.filter((r: { code: string }) => r.code === "double_spend").length;
  const refusedBefore = await doubleSpends();
  await Promise.all([a.approve(), b.approve()]);

  await expect(async () => {
    const unlocked = (await one.article("article-2").getByTestId("article-body").count()) + (await two.article("article-2").getByTestId("article-body").count());
    expect(unlocked).toBe(1);
  }).toPass({ timeout: 30_000 });

  await wallet.page.reload();
  const purse = await onlyPurse(wallet.page);
  await expect(wallet.page.getByTestId("purse-available")).toHaveText("USD 0.00");
  const seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 0, spent: 3 });
  // The losing tab never sent a half: its wallet saw them taken first.
  expect(await doubleSpends()).toBe(refusedBefore);
});
