import { expect, test } from "@playwright/test";
import { SHOP, SHOP_OPERATOR_TOKEN } from "../playwright.config";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage } from "./shop-page";
import { withNonceOf } from "./tamper";

test("2. halves sent twice are refused the second time, and the bank credits them once", async ({ page, context, request }) => {
  const { wallet } = await fundedBuyer(page, request, 100, "story-2");
  const herald = new ShopPage(await context.newPage());
  await herald.open();

  const popup = await herald.clickPay("article-2");
  await popup.buyPurse("0.10", 1);
  const sent = herald.page.waitForRequest((r) => r.url().endsWith("/shop/v1/payments") && r.method() === "POST");
  const answered = herald.page.waitForResponse((r) => r.url().endsWith("/shop/v1/payments"));
  await popup.pay();
  const body = (await sent).postDataJSON() as { payment: string };
  const first = await (await answered).text();
  await herald.expectUnlocked("article-2");
  await wallet.page.reload();
  const purse = await onlyPurse(wallet.page);

  // The very same request again: the same answer, nothing taken twice.
  const again = await request.post(`${SHOP}/shop/v1/payments`, { data: body });
  expect(again.status()).toBe(200);
  expect(await again.text()).toBe(first);

  // The same halves in a new payment (a modified page): refused.
  const offer = await (await request.post(`${SHOP}/shop/v1/offers`, { data: { item: "article-2" } })).json();
  const replay = await request.post(`${SHOP}/shop/v1/payments`, { data: { payment: withNonceOf(body.payment, offer.request) } });
  expect(replay.status()).toBe(409);
  expect((await replay.json()).error.code).toBe("double_spend");

  let seller = await sellerSummary(request);
  expect(seller.purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 8, spent: 2 });
  expect(seller.refused.some((r: { code: string }) => r.code === "double_spend")).toBe(true);

  // Redeemed twice: the bank credits the two cents once.
  const redeem = () => request.post(`${SHOP}/shop/v1/operator/redeem`, { headers: { authorization: `Bearer ${SHOP_OPERATOR_TOKEN}` } });
  expect((await redeem()).status()).toBe(200);
  expect((await redeem()).status()).toBe(200);
  seller = await sellerSummary(request);
  const credited = seller.redemptions
    .flatMap((r: { lines: { purse: string; outcome: string; amount_minor: number }[] }) => r.lines)
    .filter((l: { purse: string; outcome: string }) => l.purse === purse && l.outcome === "credited")
    .reduce((sum: number, l: { amount_minor: number }) => sum + l.amount_minor, 0);
  expect(credited).toBe(2);
});
