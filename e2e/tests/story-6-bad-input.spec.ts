import { expect, test } from "@playwright/test";
import { SHOP } from "../playwright.config";
import { InPersonWallet, ShopTill } from "./in-person";
import { fundedBuyer, onlyPurse, sellerSummary } from "./shop-page";
import { flipLastByte, withPurseOf } from "./tamper";

// Bad payments at the till: each refused with a clear code and sentence,
// and none of them consumes a half. (An expired token is refused by the
// core till, tested in halfpenny/tests/till.rs: the demo bank's tokens live
// for months, longer than a test can wait.)
test("6. garbage, truncated, forged and foreign halves are refused, and nothing is consumed", async ({ page, browser, request }) => {
  const till = new ShopTill(request);

  // Her purse, and a payment for article-2 she has not handed over yet.
  await fundedBuyer(page, request, 100, "story-6-buyer");
  const wallet = new InPersonWallet(page);
  await wallet.read(await till.offer("article-2"));
  await wallet.buyPurse(till, "0.10");
  const payment = await wallet.paymentCode();
  await page.reload();
  const purse = await onlyPurse(page);

  // Someone else's purse with the same seller, and one of its payments.
  const other = await browser.newContext();
  const stranger = new InPersonWallet(await other.newPage());
  await fundedBuyer(stranger.page, request, 100, "story-6-stranger");
  await stranger.read(await till.offer("article-2"));
  await stranger.buyPurse(till, "0.10");
  const foreign = await stranger.paymentCode();

  const before = (await sellerSummary(request)).purses.find((p: { purse: string }) => p.purse === purse);
  expect(before).toMatchObject({ unspent_minor: 10, halves_left: 10, spent: 0 });

  const attempts: [string, string, string[]][] = [
    ["garbage", "hello, till", ["wrong_prefix"]],
    ["not base64", "hpp1.#$%", ["bad_base64"]],
    // Cut on a base64 boundary, so what is left decodes but ends early.
    ["truncated", payment.slice(0, 5 + 4 * Math.floor((payment.length - 5) / 8)), ["truncated"]],
    ["forged", flipLastByte(payment), ["bad_half", "token_mismatch", "bad_token_signature"]],
    ["another purse's halves", withPurseOf(foreign, payment), ["bad_half", "unknown_half", "token_mismatch"]],
  ];
  for (const [what, text, codes] of attempts) {
    const answer = await request.post(`${SHOP}/shop/v1/payments`, { data: { payment: text } });
    expect(answer.status(), what).toBeGreaterThanOrEqual(400);
    expect(answer.status(), what).toBeLessThan(500);
    const error = (await answer.json()).error;
    expect(codes, `${what}: ${error.code}`).toContain(error.code);
    expect(error.message, what).toMatch(/^[A-Z].*\.$/);
  }
  const oversized = await request.post(`${SHOP}/shop/v1/payments`, { data: { payment: "hpp1." + "A".repeat(1_100_000) } });
  expect(oversized.status()).toBe(413);

  // Nothing was consumed: the honest payment still goes through, once.
  const after = (await sellerSummary(request)).purses.find((p: { purse: string }) => p.purse === purse);
  expect(after).toEqual(before);
  const taken = await till.post("payments", { payment });
  expect((await sellerSummary(request)).purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 8, spent: 2 });
  expect(taken.receipt.startsWith("hpc1.")).toBe(true);
  await other.close();
});
