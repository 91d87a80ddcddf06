import { expect, test } from "@playwright/test";
import { SHOP } from "../playwright.config";
import { fundedBuyer, onlyPurse, sellerSummary, ShopPage, verifyBirthDate } from "./shop-page";
import { flipLastByte, withNonceOf } from "./tamper";
import { WalletPage } from "./wallet-page";

test("5. the age-restricted review sells only with the bank's proof; a forged or reused proof is refused", async ({ page, browser, request }) => {
  // A buyer the bank knows nothing about: it mints her no proof of age.
  await fundedBuyer(page, request, 100, "story-5-unknown");
  const herald = new ShopPage(await page.context().newPage());
  await herald.open();
  const refused = await herald.clickPay("wine-review");
  await refused.expectAsk("USD 0.04", "wine-review");
  await refused.orderPurse("0.10", 1);
  await expect(refused.error()).toContainText("could not prove that the buyer meets `age>=18`");
  await expect(refused.page.getByTestId("pay-approve")).toBeDisabled();

  // An adult: the operator verified her date of birth.
  const context = await browser.newContext();
  const { account } = await fundedBuyer(await context.newPage(), request, 100, "story-5-adult");
  await verifyBirthDate(request, account, "1990-01-01");
  const adult = new ShopPage(await context.newPage());
  await adult.open();
  const popup = await adult.clickPay("wine-review");
  await popup.buyPurse("0.10", 1);
  const sent = adult.page.waitForRequest((r) => r.url().endsWith("/shop/v1/payments") && r.method() === "POST");
  await popup.pay();
  const body = (await sent).postDataJSON() as { payment: string };
  await adult.expectUnlocked("wine-review");

  // The same proof again, in a new payment: refused.
  const offer = await (await request.post(`${SHOP}/shop/v1/offers`, { data: { item: "wine-review" } })).json();
  expect(offer.requires).toBe("age>=18");
  const reused = await request.post(`${SHOP}/shop/v1/payments`, { data: { payment: withNonceOf(body.payment, offer.request) } });
  expect((await reused.json()).error.code).toBe("double_spend");

  // A modified page forges the next payment's last half: refused, and
  // the wallet gets its halves back; the honest payment then goes through.
  await adult.page.evaluate(() => localStorage.clear());
  await adult.page.reload();
  await adult.expectLocked("wine-review");
  let forgedOnce = false;
  await adult.page.route("**/shop/v1/payments", async (route) => {
    if (forgedOnce) return route.continue();
    forgedOnce = true;
    const payment = flipLastByte((route.request().postDataJSON() as { payment: string }).payment);
    await route.continue({ postData: JSON.stringify({ payment }) });
  });
  const forged = adult.page.waitForResponse((r) => r.url().endsWith("/shop/v1/payments"));
  const again = await adult.clickPay("wine-review");
  await again.approve();
  const answer = await forged;
  expect(answer.status()).toBe(400);
  expect(["bad_half", "token_mismatch", "bad_token_signature"]).toContain((await answer.json()).error.code);
  await expect(again.error()).toContainText("The seller refused the payment and kept nothing");
  await adult.expectLocked("wine-review");
  await again.page.close();

  const honest = await adult.clickPay("wine-review");
  await honest.pay();
  await adult.expectUnlocked("wine-review");
  const purses = (await sellerSummary(request)).purses;
  const wallet = new WalletPage(await context.newPage());
  await wallet.open();
  const purse = await onlyPurse(wallet.page);
  expect(purses.find((p: { purse: string }) => p.purse === purse)).toMatchObject({ unspent_minor: 2 });
  await context.close();
});
